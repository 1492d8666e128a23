"""Deployability checks: what the recording mock engine cannot see, as rules over the plan.

A plan can pass every schema and policy check and still fail on `pulumi up`: no network path or Kubernetes
permission for CI, no kubelogin, a credential that expires mid-run, pods that cannot schedule, a subscription
that has not registered a provider, a name Azure still reserves. Each rule here carries one such failure and its
source, and reads the stack's plan, the bootstrap's plan and the CI workflows. `python -m stacks validate`
(and `preview --validate`) run them and fail the command on any finding.

What the rules cannot see is listed in README.md ("What the offline checks cover").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sentimark_platform.deploycheck import _cluster, _identity, _names, _network, _workflows
from sentimark_platform.deploycheck._model import DeployContext, DeployReport, Finding, NotChecked, Rule
from sentimark_platform.offline import Plan

__all__ = ["RULES", "DeployContext", "DeployReport", "Finding", "Rule", "check_deployability", "load_workflows"]

RULES: tuple[Rule, ...] = (
    *_network.RULES, *_identity.RULES, *_workflows.RULES, *_cluster.RULES, *_names.RULES,
)


def load_workflows(directory: str | Path) -> dict[str, Mapping[str, Any]] | None:
    """The YAML workflows in `directory` by file name; None when there is no such directory."""
    folder = Path(directory)
    if not folder.is_dir():
        return None
    workflows: dict[str, Mapping[str, Any]] = {}
    for path in sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")]):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(loaded, dict):
            # PyYAML reads the bare key `on` as the boolean True.
            workflows[path.name] = {("on" if k is True else str(k)): v for k, v in loaded.items()}
    return workflows


_NEEDS = {
    "bootstrap": "the bootstrap project's plan",
    "workflows": "the CI workflows (.github/workflows)",
    "runners": "the stack's `ciRunners` output (where CI runs pulumi)",
}


def _available(ctx: DeployContext, need: str) -> bool:
    if need == "runners":
        return isinstance(ctx.plan.outputs.get("ciRunners"), dict)
    return getattr(ctx, need) is not None


def check_deployability(
    plan: Plan,
    *,
    environment: str,
    bootstrap: Plan | None = None,
    workflows: Mapping[str, Mapping[str, Any]] | None = None,
    today: dt.date | None = None,
    secrets_provider: str | None = None,
) -> DeployReport:
    """Run every rule whose inputs are there; list the others as not checked, with why."""
    ctx = DeployContext(plan=plan, environment=environment, bootstrap=bootstrap, workflows=workflows,
                        today=today or dt.date.today(), secrets_provider=secrets_provider)
    findings: list[Finding] = []
    checked: list[str] = []
    skipped: list[NotChecked] = []
    for rule in RULES:
        missing = [n for n in rule.needs if not _available(ctx, n)]
        if missing:
            skipped.append(NotChecked(rule.id, "needs " + " and ".join(_NEEDS[n] for n in missing) + ", none found"))
            continue
        findings.extend(rule.check(ctx))
        checked.append(rule.id)
    unique = tuple(dict.fromkeys(findings))
    return DeployReport(findings=unique, checked=tuple(dict.fromkeys(checked)), not_checked=tuple(skipped))
