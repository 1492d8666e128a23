"""The scheduled drift check (.github/workflows/drift.yml): a refreshed `pulumi preview --expect-no-changes` per
stack, on the deploy runners with the deploy jobs' credential plumbing but the drift identity; red on drift, with
one issue per stack opened or updated; and nothing in it can write state or reach GitHub beyond that issue."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, STACKS
from tests.delivery.test_workflows import (
    DEPLOY,
    FEDERATED_TOKEN,
    INSTALL_KUBELOGIN,
    RUNNER_GROUP,
    TOKEN_FILE,
    WORKFLOWS,
    _actionlint,
    effective_env,
    index_of,
    load,
)

DRIFT = WORKFLOWS / "drift.yml"
ISSUE_STEP = "Open or update the drift issue"


def _job() -> dict[str, Any]:
    (job,) = load(DRIFT)["jobs"].values()
    return job


def _step(name: str) -> dict[str, Any]:
    (found,) = [s for s in _job()["steps"] if s.get("name") == name]
    return found


def _preview_index(job: dict[str, Any]) -> int:
    return index_of(job, lambda s: "pulumi preview" in str(s.get("run", "")))


def test_actionlint_finds_no_problem_in_the_drift_workflow() -> None:
    result = subprocess.run([_actionlint(), "-no-color", str(DRIFT)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_daily_and_on_demand_and_never_for_a_push_or_pull_request() -> None:
    on = load(DRIFT)["on"]
    assert set(on) == {"schedule", "workflow_dispatch"}
    (cron,) = [entry["cron"] for entry in on["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert minute.isdigit() and hour.isdigit() and (day, month, weekday) == ("*", "*", "*"), cron


def test_one_job_per_stack_none_cancelling_another() -> None:
    strategy = _job()["strategy"]
    assert strategy["matrix"] == {"stack": list(STACKS)}
    assert strategy["fail-fast"] is False


def test_it_runs_on_the_deploy_runners_in_the_stacks_drift_environment() -> None:
    job = _job()
    # uat and prod have private API servers: only the hub's runners reach them.
    assert job["runs-on"] == RUNNER_GROUP
    # drift-<stack>: the drift identity's federated subject; main only, so no pull request gets its token.
    assert job["environment"] == "drift-${{ matrix.stack }}"
    assert job["env"]["AZURE_CLIENT_ID"] == job["env"]["ARM_CLIENT_ID"] == "${{ vars.AZURE_CLIENT_ID }}"
    assert job["env"]["ARM_SUBSCRIPTION_ID"] == "${{ vars.AZURE_SUBSCRIPTION_ID }}"
    assert job["env"]["AAD_LOGIN_METHOD"] == "workloadidentity"
    assert job["env"]["ARM_USE_OIDC"] == "true"


@pytest.mark.parametrize("stack", STACKS)
def test_it_never_shares_a_concurrency_group_with_a_deploy_which_it_could_cancel(stack: str) -> None:
    concurrency = _job()["concurrency"]
    assert concurrency["cancel-in-progress"] is False
    group = concurrency["group"].replace("${{ matrix.stack }}", stack)
    assert group == f"drift-{stack}" != load(DEPLOY)["jobs"][stack]["concurrency"]["group"]


def test_permissions_are_empty_at_workflow_level_and_only_what_the_job_needs() -> None:
    workflow = load(DRIFT)
    assert workflow["permissions"] == {}
    assert _job()["permissions"] == {"contents": "read", "id-token": "write", "issues": "write"}
    # Neither the deploy nor the pull-request workflow can write issues.
    for other in ("deploy.yml", "preview.yml"):
        assert "issues:" not in (WORKFLOWS / other).read_text(encoding="utf-8")


def test_only_the_issue_step_holds_the_github_token_and_it_runs_only_on_failure_last() -> None:
    job = _job()
    holders = [s.get("name") for s in job["steps"] if "github.token" in repr(s)]
    assert holders == [ISSUE_STEP]
    assert job["steps"][-1]["name"] == ISSUE_STEP
    assert job["steps"][-1]["if"] == "failure()"
    assert "continue-on-error" not in job["steps"][-1]
    # Nothing lets a failed preview turn the job green: the job is red on drift, not only the issue.
    assert not any(s.get("continue-on-error") for s in job["steps"])
    assert "secrets." not in DRIFT.read_text(encoding="utf-8")


def test_kubelogin_and_the_token_refresher_start_before_the_cli_and_the_preview() -> None:
    job = _job()
    kubelogin = index_of(job, lambda s: str(s.get("run", "")).strip() == INSTALL_KUBELOGIN)
    token = index_of(job, lambda s: str(s.get("run", "")).strip() == f"{FEDERATED_TOKEN} start")
    install = index_of(job, lambda s: str(s.get("uses", "")).startswith("pulumi/actions@"))
    preview = _preview_index(job)
    validate = index_of(job, lambda s: "-m stacks validate" in str(s.get("run", "")))
    assert validate < kubelogin < token < install < preview
    for index in (token, install, preview):
        assert effective_env(job, job["steps"][index])["AZURE_FEDERATED_TOKEN_FILE"] == TOKEN_FILE
    stop = index_of(job, lambda s: str(s.get("run", "")).strip() == f"{FEDERATED_TOKEN} stop")
    assert stop > preview and job["steps"][stop]["if"] == "always()"


def test_the_preview_refreshes_expects_no_changes_and_fails_through_tee() -> None:
    job = _job()
    step = job["steps"][_preview_index(job)]
    script = step["run"]
    command = shlex.split(script.split("pulumi preview", 1)[1].split("|", 1)[0].replace("\\\n", " "))
    assert {"--refresh", "--expect-no-changes", "--diff", "--non-interactive"} <= set(command)
    assert command[command.index("--stack") + 1] == "$STACK"
    # Without pipefail the pipeline's status is tee's, and drift would pass green.
    assert script.index("set -o pipefail") < script.index("pulumi preview")
    assert '| tee "$RUNNER_TEMP/drift-preview.txt"' in script
    assert step["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"


def test_nothing_in_the_drift_job_writes_state_or_the_clusters_on_purpose() -> None:
    runs = "\n".join(str(s.get("run", "")) for s in _job()["steps"])
    assert not re.search(r"\bpulumi\s+(up|refresh|destroy|import|state|cancel)\b", runs)
    for step in _job()["steps"]:
        if str(step.get("uses", "")).startswith("pulumi/actions@"):
            # Installation only: no `command`, so the action runs nothing against the stack.
            assert set(step["with"]) == {"pulumi-version"}


def test_the_cli_is_the_version_the_deploy_jobs_use() -> None:
    (install,) = [s for s in _job()["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]
    deploy_versions = {s["with"]["pulumi-version"] for job in load(DEPLOY)["jobs"].values() for s in job["steps"]
                       if str(s.get("uses", "")).startswith("pulumi/actions@")}
    assert deploy_versions == {install["with"]["pulumi-version"]}
    assert install["uses"] == "pulumi/actions@v7"


# --- the issue step, run with a fake `gh` ---------------------------------------------------------------------

FAKE_GH = """#!/usr/bin/env bash
echo "gh $*" >> "$GH_CALLS"
if [ "$1 $2" = "issue list" ]; then cat "$GH_ISSUES"; fi
if [ "$1 $2" = "issue comment" ] || [ "$1 $2" = "issue create" ]; then
  while [ $# -gt 0 ]; do if [ "$1" = "--body-file" ]; then cp "$2" "$GH_BODY"; fi; shift; done
fi
"""


def _run_issue_step(tmp_path: Path, issues: list[dict[str, Any]], log: str | None) -> tuple[list[str], str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    if log is not None:
        (temp / "drift-preview.txt").write_text(log)
    (tmp_path / "issues.json").write_text(json.dumps(issues))
    env = {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "RUNNER_TEMP": str(temp),
        "STACK": "prod",
        "RUN_URL": "https://github.com/sentimark/sentimark-platform/actions/runs/42",
        "GH_TOKEN": "unused",
        "GH_CALLS": str(tmp_path / "calls"),
        "GH_ISSUES": str(tmp_path / "issues.json"),
        "GH_BODY": str(tmp_path / "body.md"),
    }
    result = subprocess.run(["bash", "-e", "-c", _step(ISSUE_STEP)["run"]], env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    body = (tmp_path / "body.md").read_text() if (tmp_path / "body.md").exists() else ""
    return (tmp_path / "calls").read_text().splitlines(), body


def test_the_first_drift_of_a_stack_opens_an_issue_with_the_run_and_the_end_of_the_diff(tmp_path: Path) -> None:
    log = "\n".join(f"line {i}" for i in range(200)) + "\n    ~ tags: {owner: [secret]}\n"
    others = [{"number": 7, "title": "Drift detected in dev"}]
    calls, body = _run_issue_step(tmp_path, others, log)
    assert calls[0].startswith("gh label create drift")
    assert calls[1].startswith("gh issue list --state open --label drift")
    assert calls[2].startswith("gh issue create --title Drift detected in prod --label drift --body-file")
    assert len(calls) == 3  # dev's issue is left alone
    assert "https://github.com/sentimark/sentimark-platform/actions/runs/42" in body
    assert "~ tags: {owner: [secret]}" in body and "line 199" in body
    assert "line 100" not in body  # the last lines only


def test_a_stack_with_an_open_drift_issue_gets_a_comment_not_a_second_issue(tmp_path: Path) -> None:
    issues = [{"number": 7, "title": "Drift detected in dev"}, {"number": 12, "title": "Drift detected in prod"}]
    calls, body = _run_issue_step(tmp_path, issues, "~ drift\n")
    assert calls[-1].startswith("gh issue comment 12 --body-file")
    assert not any("issue create" in c for c in calls)
    assert "~ drift" in body


def test_a_check_that_failed_before_the_preview_still_reports_without_a_diff(tmp_path: Path) -> None:
    calls, body = _run_issue_step(tmp_path, [], None)
    assert calls[-1].startswith("gh issue create --title Drift detected in prod")
    assert "did not start" in body and "runs/42" in body
