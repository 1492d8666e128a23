"""The Sentimark security baseline as pure functions, shared by the CrossGuard pack and the offline preview.

    from sentimark_platform.policy import evaluate_plan, format_lines, format_markdown
    results = evaluate_plan(plan.to_json(), environment="uat")
    blocking = [r for r in results if r.blocking]        # failed mandatory policies

Each rule is a pure function of one resource (`type`, camelCase `inputs` as sent to the engine, `protect`)
or of the whole plan (diagnostics coverage, locks, PostgreSQL server parameters, Istio mTLS). Enforcement
follows the environment: mandatory in uat and prod, advisory in dev and sit. A value that is unknown during
preview (an id not yet assigned) is not judged: the result passes with a note, and CrossGuard checks again
with the real value at update time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import (
    aks,
    eventhubs,
    frontdoor,
    governance,
    keyvault,
    kubernetes,
    mesh,
    monitoring,
    postgres,
    redis,
    registry,
    storage,
)
from ._base import (
    ENVIRONMENTS,
    MANDATORY_ENVIRONMENTS,
    SECRET,
    UNKNOWN,
    Enforcement,
    Finding,
    PolicyResult,
    Resource,
    Rule,
    Severity,
    Undecidable,
    enforcement_for,
    resource_label,
)
from ._format import format_lines, format_markdown, summarize

__all__ = [
    "ENVIRONMENTS",
    "MANDATORY_ENVIRONMENTS",
    "RULES",
    "SECRET",
    "UNKNOWN",
    "Enforcement",
    "Finding",
    "PolicyResult",
    "Resource",
    "Rule",
    "Severity",
    "Undecidable",
    "check_resource",
    "check_stack",
    "enforcement_for",
    "evaluate_plan",
    "evaluate_resources",
    "format_lines",
    "format_markdown",
    "resource_label",
    "rule",
    "summarize",
]

RULES: tuple[Rule, ...] = (
    *aks.RULES,
    *keyvault.RULES,
    *postgres.RULES,
    *redis.RULES,
    *eventhubs.RULES,
    *storage.RULES,
    *registry.RULES,
    *frontdoor.RULES,
    *monitoring.RULES,
    *governance.RULES,
    *mesh.RULES,
    *kubernetes.RULES,
)
"""Every rule of the baseline, in a stable order; names are unique."""

_BY_NAME = {r.name: r for r in RULES}
if len(_BY_NAME) != len(RULES):  # pragma: no cover - a programming error caught at import
    raise RuntimeError("policy rule names must be unique")

_SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def rule(name: str) -> Rule:
    """The rule called `name` (KeyError names the known ones)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no policy {name!r}; known: {', '.join(sorted(_BY_NAME))}") from None


def check_resource(policy: Rule, resource: Resource) -> tuple[list[str], str | None]:
    """(violation messages, None), or ([], why it cannot be decided yet) for an unknown value."""
    try:
        return [str(m) for m in policy.check(resource)], None  # type: ignore[arg-type]
    except Undecidable as unknown:
        return [], f"{unknown.path} is unknown until the update; checked again then"


def check_stack(policy: Rule, resources: Sequence[Resource]) -> tuple[list[Finding], str | None]:
    try:
        return list(policy.check(resources)), None  # type: ignore[arg-type]
    except Undecidable as unknown:
        return [], f"{unknown.path} is unknown until the update; checked again then"


def _judged(resources: Iterable[Resource]) -> list[Resource]:
    # Providers and component resources are not cloud resources; the rules never see them.
    return [r for r in resources if r.custom and not r.type.startswith("pulumi:providers:")]


def evaluate_resources(resources: Iterable[Resource], *, environment: str, rules: Sequence[Rule] = RULES) -> list[PolicyResult]:
    """Every applicable rule on every resource; one result per violation, one per passing check."""
    enforcement = enforcement_for(environment)
    judged = _judged(resources)
    results: list[PolicyResult] = []
    for policy in rules:
        if not policy.applies_to_environment(environment):
            continue

        def result(urn: str | None, passed: bool, message: str, policy: Rule = policy) -> PolicyResult:
            return PolicyResult(policy.name, policy.severity, enforcement, urn, passed, message, policy.references)

        if policy.scope == "stack":
            findings, note = check_stack(policy, judged)
            results += [result(f.urn, False, f.message) for f in findings] or [result(None, True, note or "")]
            continue
        for resource in judged:
            if not policy.applies_to(resource):
                continue
            messages, note = check_resource(policy, resource)
            results += [result(resource.urn, False, m) for m in messages] or [result(resource.urn, True, note or "")]
    return sorted(results, key=_order)


def evaluate_plan(plan_json: Mapping[str, Any], *, environment: str) -> list[PolicyResult]:
    """The baseline over a plan JSON (`python -m stacks preview --json`, or `Plan.to_json()`).

    `environment` (dev, sit, uat, prod) selects the rules that apply and the enforcement: mandatory in
    uat and prod, advisory in dev and sit. Failed results come first, blocking ones at the top."""
    resources = [Resource.from_plan(r) for r in plan_json.get("resources", [])]
    return evaluate_resources(resources, environment=environment)


def _order(result: PolicyResult) -> tuple[Any, ...]:
    return (result.passed, result.enforcement != "mandatory", _SEVERITY_ORDER[result.severity], result.policy, result.urn or "")
