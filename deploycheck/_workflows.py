"""Rules over the GitHub workflows: where `pulumi` runs in CI, and with which credential.

A job "runs pulumi" when a step uses pulumi/actions or runs a `pulumi preview|up|refresh|destroy` command.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from sentimark_platform.deploycheck._model import DeployContext, Finding, Rule

__all__ = [
    "PULL_REQUEST_RUNNER_GROUP",
    "RULES",
    "RUNNER_GROUP",
    "UNKNOWN_STACKS",
    "pull_request_preview_stacks",
    "pulumi_jobs",
    "scheduled_preview_stacks",
]

RUNNER_GROUP = "sentimark-azure"
"""The runner group bootstrap's private network serves (bootstrap output runnerGroup, bootstrap/_runners.py)."""
PULL_REQUEST_RUNNER_GROUP = "sentimark-azure-pr"
"""The pull-request runners' group (bootstrap output pullRequestRunnerGroup): a network peered with nothing."""
UNKNOWN_STACKS = "<a matrix offline cannot read>"
"""Stands for every stack when a pull-request matrix is an expression or an include list."""
_PULUMI_COMMAND = re.compile(r"\bpulumi\s+(preview|up|refresh|destroy)\b")
KUBELOGIN_INSTALL = "scripts/ci/install-kubelogin.sh"
TOKEN_REFRESHER = "scripts/ci/federated-token.sh"


def _runs_pulumi(step: Mapping[str, Any]) -> bool:
    return str(step.get("uses", "")).startswith("pulumi/actions") or bool(_PULUMI_COMMAND.search(str(step.get("run", ""))))


def pulumi_jobs(workflows: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[str, str, Mapping[str, Any], int]]:
    """(workflow, job id, job, index of its first pulumi step) for every job that runs pulumi."""
    for file, workflow in sorted(workflows.items()):
        for job_id, job in (workflow.get("jobs") or {}).items():
            steps = job.get("steps") or []
            first = next((i for i, s in enumerate(steps) if isinstance(s, dict) and _runs_pulumi(s)), None)
            if first is not None:
                yield file, str(job_id), job, first


def _triggers(workflow: Mapping[str, Any]) -> set[str]:
    on = workflow.get("on")  # load_workflows turns PyYAML's True key (a bare `on:`) back into "on"
    if isinstance(on, str):
        return {on}
    return {str(k) for k in on} if isinstance(on, (dict, list)) else set()


def pull_request_preview_stacks(workflows: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The stacks a pull request runs pulumi against (real previews); UNKNOWN_STACKS where offline cannot tell."""
    return _stacks_of(workflows, {"pull_request", "pull_request_target"})


def scheduled_preview_stacks(workflows: Mapping[str, Mapping[str, Any]]) -> set[str]:
    """The stacks whose real `pulumi preview` runs on a schedule (`on: schedule`, the drift check)."""
    return _stacks_of(workflows, {"schedule"})


_STACK_FLAG = re.compile(r"(?:--stack|-s)[\s=]+(\"?[^\s\"]+\"?)")
_MATRIX_REFERENCE = re.compile(r"^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$")
_ENV_REFERENCE = re.compile(r"^\$\{?(\w+)\}?$")


def _stacks_of(workflows: Mapping[str, Mapping[str, Any]], triggers: set[str]) -> set[str]:
    """Every stack a pulumi step names (pulumi/actions `stack-name`, or `--stack`/`-s` in a `run:`) in the jobs of
    workflows with one of `triggers`, resolved through the job's matrix and env; UNKNOWN_STACKS for a name offline
    cannot resolve (an expression, an include list), which the rules read as "any stack"."""
    stacks: set[str] = set()
    for file, _, job, first in pulumi_jobs(workflows):
        if not _triggers(workflows[file]) & triggers:
            continue
        for step in job["steps"][first:]:
            if not isinstance(step, dict) or not _runs_pulumi(step):
                continue
            named = (step.get("with") or {}).get("stack-name")
            names = ([named] if isinstance(named, str) else []) + _STACK_FLAG.findall(str(step.get("run", "")))
            for name in names:
                stacks |= _resolve(name.strip('"'), job, step)
    return stacks


def _resolve(name: str, job: Mapping[str, Any], step: Mapping[str, Any], depth: int = 0) -> set[str]:
    matrix = (job.get("strategy") or {}).get("matrix")
    reference = _MATRIX_REFERENCE.match(name)
    if reference:
        values = matrix.get(reference.group(1)) if isinstance(matrix, dict) and "include" not in matrix else None
        return {str(v) for v in values} if isinstance(values, list) else {UNKNOWN_STACKS}
    variable = _ENV_REFERENCE.match(name)
    if variable and depth < 3:
        value = _env(job, step).get(variable.group(1))
        return _resolve(value, job, step, depth + 1) if value is not None else {UNKNOWN_STACKS}
    return {UNKNOWN_STACKS} if "$" in name else {name}


def _env(job: Mapping[str, Any], step: Mapping[str, Any]) -> dict[str, str]:
    return {**{k: str(v) for k, v in (job.get("env") or {}).items()}, **{k: str(v) for k, v in (step.get("env") or {}).items()}}


def _runner(ctx: DeployContext) -> Iterator[Finding]:
    assert ctx.workflows is not None
    outputs = ctx.bootstrap.outputs if ctx.bootstrap is not None else {}
    deploy_group = str(outputs.get("runnerGroup", RUNNER_GROUP))
    pull_request_group = str(outputs.get("pullRequestRunnerGroup", PULL_REQUEST_RUNNER_GROUP))
    for file, job_id, job, _ in pulumi_jobs(ctx.workflows):
        runs_on = job.get("runs-on")
        group = runs_on.get("group") if isinstance(runs_on, dict) else None
        untrusted = bool(_triggers(ctx.workflows[file]) & {"pull_request", "pull_request_target"})
        if untrusted and group != pull_request_group:
            yield Finding("ci-runner-network", f"{file}: job {job_id}",
                          f"a pull-request job runs pulumi on {runs_on!r}: pull-request code belongs on "
                          f"`runs-on: {{group: {pull_request_group}}}`, whose network is peered with nothing (the "
                          f"deploy group {deploy_group} reaches uat's and prod's private addresses; a GitHub-hosted "
                          "runner has no admitted egress address)")
        elif not untrusted and group != deploy_group:
            yield Finding("ci-runner-network", f"{file}: job {job_id}",
                          f"runs-on {runs_on!r}: a GitHub-hosted runner reaches neither private API servers nor "
                          f"allow-listed ones; run on `runs-on: {{group: {deploy_group}}}` (bootstrap's private network)")


def _credential(ctx: DeployContext) -> Iterator[Finding]:
    assert ctx.workflows is not None
    for file, workflow in sorted(ctx.workflows.items()):
        if "AZURE_KEYVAULT_AUTH_VIA_CLI" in repr(workflow):
            yield Finding("ci-credential-lifetime", file,
                          "AZURE_KEYVAULT_AUTH_VIA_CLI makes the secrets provider use the Azure CLI's token, which "
                          "cannot be refreshed after GitHub's OIDC assertion expires (Azure/azure-cli#28708); remove it "
                          "and give the federated token file")
    for file, job_id, job, first in pulumi_jobs(ctx.workflows):
        subject = f"{file}: job {job_id}"
        before = [str(s.get("run", "")) for s in job["steps"][:first] if isinstance(s, dict)]
        if not any(KUBELOGIN_INSTALL in run for run in before):
            yield Finding("ci-credential-lifetime", subject,
                          f"no step runs {KUBELOGIN_INSTALL} before pulumi: the kubeconfig execs kubelogin, which no "
                          "runner image has, so every Kubernetes resource fails")
        if not any(TOKEN_REFRESHER in run for run in before):
            yield Finding("ci-credential-lifetime", subject,
                          f"no step starts {TOKEN_REFRESHER} before pulumi: GitHub's OIDC token lasts about 5 minutes "
                          "(Azure/login#372) and the Azure CLI cannot refresh it, so a long run fails with AADSTS700024")
        env = _env(job, job["steps"][first])
        if env.get("AAD_LOGIN_METHOD") != "workloadidentity" or not env.get("AZURE_FEDERATED_TOKEN_FILE"):
            yield Finding("ci-credential-lifetime", subject,
                          "the pulumi step needs AAD_LOGIN_METHOD=workloadidentity (kubelogin) and "
                          "AZURE_FEDERATED_TOKEN_FILE (kubelogin, the azblob backend and the Key Vault secrets "
                          "provider re-read it for every new token)")


def _environment_identity(ctx: DeployContext) -> Iterator[Finding]:
    assert ctx.workflows is not None
    for file, job_id, job, first in pulumi_jobs(ctx.workflows):
        if not job.get("environment"):
            continue
        env = _env(job, job["steps"][first])
        client = env.get("AZURE_CLIENT_ID", "")
        if "vars.AZURE_CLIENT_ID" not in client.replace(" ", ""):
            yield Finding("deploy-identity-per-environment", f"{file}: job {job_id}",
                          f"AZURE_CLIENT_ID is {client!r}: a deploy job must take its environment's own identity "
                          "(the GitHub environment's variable vars.AZURE_CLIENT_ID), not one shared by all stacks")


RULES = (
    Rule("ci-runner-network", "CI's pulumi cannot reach the API servers (timeouts, unresolvable names)",
         ("https://docs.github.com/actions/using-github-hosted-runners/connecting-to-a-private-network/"
          "about-azure-private-networking-for-github-hosted-runners-in-your-organization",),
         _runner, needs=("workflows",)),
    Rule("ci-credential-lifetime", "kubelogin missing, or AADSTS700024 once the OIDC assertion expires mid-run",
         ("https://github.com/Azure/azure-cli/issues/28708", "https://azure.github.io/kubelogin/concepts/login-modes/workloadidentity.html"),
         _credential, needs=("workflows",)),
    Rule("deploy-identity-per-environment", "the unapproved dev job holds a token that can change prod",
         ("https://docs.github.com/actions/deployment/targeting-different-environments/using-environments-for-deployment",),
         _environment_identity, needs=("workflows",)),
)
