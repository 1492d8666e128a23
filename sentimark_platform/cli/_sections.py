"""The report sections the command line adds to a plan: cost estimate, policy results, schema validation.

Each returns terminal lines and Markdown, so the preview, `validate` and `report` show the same findings.
The heavier modules (price table, policy rules, schema rules) are imported only when a section is asked for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sentimark_platform.offline import Plan

__all__ = [
    "Section",
    "cost_section",
    "deployability_section",
    "plan_budget",
    "policy_environment",
    "policy_section",
    "schema_section",
]

ENVIRONMENTS = ("dev", "sit", "uat", "prod")


@dataclass(frozen=True)
class Section:
    lines: list[str]
    markdown: str
    blocking: bool = False
    """A finding that must stop a deployment (a schema problem, a mandatory policy violation)."""


def plan_budget(plan: Plan) -> tuple[float, float] | None:
    """The plan's monthly budget amount and its first Actual threshold (percent), from its Budget resources."""
    budgets = plan.of_type("azure-native:consumption:Budget")
    if not budgets:
        return None
    amount = sum(float(b.inputs.get("amount", 0)) for b in budgets)
    thresholds = [
        float(n["threshold"])
        for b in budgets
        for n in (b.inputs.get("notifications") or {}).values()
        if isinstance(n, dict) and n.get("thresholdType", "Actual") == "Actual" and "threshold" in n
    ]
    return amount, min(thresholds, default=100.0)


def cost_section(plan: Plan, base: Plan | None = None) -> Section:
    """The monthly estimate (largest items, what could not be priced, budget warnings), and its delta."""
    from sentimark_platform import costs

    estimate = dataclasses.replace(costs.estimate_plan(plan.to_json()), stack=plan.stack)
    lines = costs.format_estimate(estimate)[:2]
    for resource in sorted(estimate.resources, key=lambda r: -r.monthly_usd)[:8]:
        lines.append(f"  {costs.money(resource.monthly_usd):>12}  {resource.name} ({resource.type.rsplit(':', 1)[-1]})")
    if estimate.unpriced:
        lines.append(f"  could not price {len(estimate.unpriced)}: " + ", ".join(u.name for u in estimate.unpriced))
    budget = plan_budget(plan)
    warnings = costs.compare_with_budget(estimate, *budget) if budget is not None else []
    lines += [f"  warning: {w}" for w in warnings]
    markdown = costs.estimate_markdown(estimate)
    if warnings:
        markdown += "\n\n" + "\n".join(f"> **Budget:** {w}" for w in warnings)
    if base is not None:
        markdown += "\n\n" + costs.cost_diff(base.to_json(), plan.to_json())
    return Section(lines, markdown)


def policy_environment(plan: Plan) -> str:
    """The environment the policies judge: the stack's exported `environment`, else its name, else prod
    (the strictest, for stacks named otherwise, such as an example's `staging`)."""
    exported = plan.outputs.get("environment")
    for candidate in (exported, plan.stack):
        if candidate in ENVIRONMENTS:
            return str(candidate)
    return "prod"


def policy_section(plan: Plan, *, max_chars: int = 15_000) -> Section:
    """The security baseline (policy/rules) over the plan; mandatory failures block."""
    from sentimark_platform.policy import evaluate_plan, format_lines, format_markdown, summarize

    environment = policy_environment(plan)
    results = evaluate_plan(plan.to_json(), environment=environment)
    lines = [f"Policy results ({environment}):"] + [f"  {line}" for line in format_lines(results)]
    return Section(lines, format_markdown(results, max_chars=max_chars), blocking=summarize(results).blocking > 0)


def _kubernetes_version(plan: Plan, requested: str | None) -> str:
    if requested:
        return requested
    versions = sorted(
        str(r.inputs["kubernetesVersion"])
        for r in plan.of_type("azure-native:containerservice:ManagedCluster")
        if isinstance(r.inputs.get("kubernetesVersion"), str)
    )
    return ".".join(versions[0].split(".")[:2]) if versions else "1.33"


def schema_section(plan: Plan, kubernetes_version: str | None = None) -> Section:
    """Every resource against its ARM or Kubernetes schema; any problem blocks."""
    from sentimark_platform.schemacheck import validate_plan

    report = validate_plan(plan.to_json(), kubernetes_version=_kubernetes_version(plan, kubernetes_version))
    lines = ["Schema validation:"] + [f"  {line}" for line in report.format_lines()]
    markdown = "### Schema validation\n\n" + report.summary()
    if report.problems:
        markdown += "\n\n" + "\n".join(f"- {p}" for p in report.problems[:50])
    return Section(lines, markdown, blocking=bool(report.problems))


BOOTSTRAP_PROJECT = "sentimark-bootstrap"
PLATFORM_PROJECT = "sentimark-platform"
"""This repository's own projects: for them every deployability rule must run (a missing input is a finding)."""
_DOCUMENTATION_RANGES = tuple(ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))


def deployability_section(plan: Plan, project_dir: str | Path = ".", *, bootstrap_dir: str | Path | None = None,
                          today: dt.date | None = None) -> Section:
    """What a real `pulumi up` would hit that the mock engine cannot see (deploycheck): over the plan, the
    bootstrap's plan (`<project>/bootstrap`) and the CI workflows (`<project>/.github/workflows`). For the
    bootstrap project itself, the rules run over each environment's platform stack (`<project>/..`) against this
    bootstrap. Any finding blocks; so does a rule left unchecked in this repository's own projects."""
    from sentimark_platform.deploycheck import check_deployability, load_workflows
    from sentimark_platform.offline import run_preview

    project = Path(project_dir)
    if plan.project == BOOTSTRAP_PROJECT:
        platform = Path(project).resolve().parent
        bootstrap: Plan | None = plan
        subscriptions = plan.outputs.get("subscriptions")
        environments = sorted(subscriptions) if isinstance(subscriptions, dict) else []
        stacks = {e: run_preview(platform, e) for e in environments if (platform / f"Pulumi.{e}.yaml").is_file()}
        workflows = load_workflows(platform / ".github" / "workflows")
    else:
        folder = Path(bootstrap_dir) if bootstrap_dir is not None else project / "bootstrap"
        bootstrap = run_preview(folder, "main") if (folder / "Pulumi.yaml").is_file() else None
        stacks = {policy_environment(plan): plan}
        workflows = load_workflows(project / ".github" / "workflows")
    findings: list = []
    not_checked: dict[str, str] = {}
    checked: set[str] = set()
    providers = {s.stack: s.secrets_provider for s in stacks.values()}
    for environment, stack in stacks.items():
        report = check_deployability(stack, environment=environment, bootstrap=bootstrap, workflows=workflows,
                                     today=today, secrets_provider=providers.get(stack.stack))
        findings += [f for f in report.findings if f not in findings]
        checked |= set(report.checked)
        not_checked.update({n.rule: n.reason for n in report.not_checked})
    unchecked = {rule: reason for rule, reason in sorted(not_checked.items()) if rule not in checked}
    own = plan.project in (PLATFORM_PROJECT, BOOTSTRAP_PROJECT)
    warnings = _placeholder_warnings(stacks.values()) + _version_warnings(stacks.values(), today or dt.date.today())
    if bootstrap is not None:
        warnings += [f"{stack}: Pulumi.{stack}.yaml has no secretsprovider yet: run `pulumi stack init {stack} "
                     f"--secrets-provider <bootstrap output secretsProviders.{stack}>` and commit the file"
                     for stack, provider in providers.items() if provider is None]
    lines = [f"Deployability ({', '.join(stacks) or 'no stack'}): {len(checked)} rule(s) checked, "
             f"{len(findings)} finding(s)"]
    lines += [f"  FAIL {f.rule} {f.subject}: {f.message}" for f in findings]
    lines += [f"  {'FAIL' if own else 'not checked'}: {rule}: {reason}" for rule, reason in unchecked.items()]
    lines += [f"  WARN {w}" for w in warnings]
    markdown = "### Deployability (what `pulumi up` needs beyond the plan)\n\n"
    markdown += f"{len(checked)} rule(s) checked, {len(findings)} finding(s)."
    if findings:
        markdown += "\n\n" + "\n".join(f"- **{f.rule}** `{f.subject}`: {f.message}" for f in findings[:50])
    if unchecked:
        markdown += "\n\nNot checked: " + "; ".join(f"`{rule}` ({reason})" for rule, reason in unchecked.items())
    if warnings:
        markdown += "\n\n" + "\n".join(f"> **Warning:** {w}" for w in warnings)
    return Section(lines, markdown, blocking=bool(findings) or (own and bool(unchecked)))


def _placeholder_warnings(stacks: Iterable[Plan]) -> list[str]:
    """Values that are examples until an organisation's bootstrap has run: documentation IP ranges (RFC 5737) as
    the CI runners' egress. They pass the rules (nothing offline knows the real address) but no runner has them."""
    warnings = []
    for stack in stacks:
        public = [c for c in stack.of_type("azure-native:containerservice:ManagedCluster")
                  if not (c.inputs.get("apiServerAccessProfile") or {}).get("enablePrivateCluster")]
        runners = stack.outputs.get("ciRunners") if public else None  # only public API servers admit the egress
        ranges = runners.get("egressIpRanges") if isinstance(runners, dict) else None
        for value in ranges or []:
            try:
                network = ipaddress.ip_network(str(value), strict=False)
            except ValueError:
                continue
            if isinstance(network, ipaddress.IPv4Network) and any(network.subnet_of(doc) for doc in _DOCUMENTATION_RANGES):
                warnings.append(f"{stack.stack}: ciRunners.egressIpRanges {value} is a documentation range (RFC 5737): "
                                "put bootstrap's outputs runnerEgressIp and pullRequestEgressIp there before the first deployment")
    return warnings


def _version_warnings(stacks: Iterable[Plan], today: dt.date) -> list[str]:
    """Kubernetes versions whose end of life is near (components/kubernetes_versions.json): time to upgrade, before
    `validate` starts refusing them."""
    from sentimark_platform.components import expiring_soon

    warnings = []
    for stack in stacks:
        versions = {str(c.inputs.get("kubernetesVersion")) for c in stack.of_type("azure-native:containerservice:ManagedCluster")
                    if isinstance(c.inputs.get("kubernetesVersion"), str)}
        warnings += [f"{stack.stack}: {w}" for v in sorted(versions) if (w := expiring_soon(v, today=today))]
    return warnings

