"""The model every policy shares: a planned resource, a rule, a finding, a result. Pure Python, no Pulumi.

A resource rule is a function of one resource (its `type`, camelCase `inputs` as the engine receives them,
and its options) that yields messages, one per violation. A stack rule is a function of every resource of
the plan that yields `Finding`s. Both must be pure: the offline preview runs them over a recorded plan and
the CrossGuard pack (`policy/__main__.py`) runs the very same functions inside `pulumi preview`/`up`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ENVIRONMENTS",
    "MANDATORY_ENVIRONMENTS",
    "SECRET",
    "UNKNOWN",
    "Enforcement",
    "Finding",
    "PolicyResult",
    "Resource",
    "Rule",
    "Severity",
    "Undecidable",
    "enforcement_for",
    "expect",
    "expect_in",
    "lookup",
    "resource_label",
    "shown",
]

UNKNOWN = "[unknown]"
"""A value that is only known after the update (the offline plan's marker; the pack maps Pulumi's to it)."""
SECRET = "[secret]"
"""A secret value (the offline plan's marker)."""

ENVIRONMENTS = ("dev", "sit", "uat", "prod")
MANDATORY_ENVIRONMENTS = frozenset({"uat", "prod"})
"""Where a violation blocks the deployment; elsewhere it is reported and the deployment goes on."""

Severity = Literal["low", "medium", "high", "critical"]
Enforcement = Literal["advisory", "mandatory"]


def enforcement_for(environment: str) -> Enforcement:
    """mandatory in uat and prod, advisory in dev and sit; an unknown environment is an error."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment {environment!r} is not one of {', '.join(ENVIRONMENTS)}")
    return "mandatory" if environment in MANDATORY_ENVIRONMENTS else "advisory"


class Undecidable(Exception):  # noqa: N818 (a signal, not an error)
    """A value the rule needs is unknown during preview; the engine checks again at update time."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def lookup(inputs: Mapping[str, Any], path: str, default: Any = None) -> Any:
    """`inputs["a"]["b"]["c"]` for `path="a.b.c"`; `default` when a key is missing.

    Raises Undecidable when the value (or an object on the way) is unknown during preview."""
    value: Any = inputs
    for key in path.split("."):
        if value == UNKNOWN:
            raise Undecidable(path)
        if not isinstance(value, Mapping) or key not in value:
            return default
        value = value[key]
    if value == UNKNOWN:
        raise Undecidable(path)
    return value


@dataclass(frozen=True)
class Resource:
    """One registered resource as the rules see it (the plan's JSON fields)."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    protect: bool = False
    dependencies: tuple[str, ...] = ()
    parent: str | None = None
    custom: bool = True

    @classmethod
    def from_plan(cls, data: Mapping[str, Any]) -> Resource:
        return cls(
            urn=data["urn"],
            type=data["type"],
            name=data.get("name", data["urn"].rsplit("::", 1)[-1]),
            inputs=data.get("inputs") or {},
            protect=bool(data.get("protect", False)),
            dependencies=tuple(data.get("dependencies") or ()),
            parent=data.get("parent"),
            custom=bool(data.get("custom", True)),
        )


@dataclass(frozen=True)
class Finding:
    """A stack rule's violation: the resource it is about (None: the stack as a whole) and what to fix."""

    urn: str | None
    message: str


ResourceCheck = Callable[[Resource], Iterable[str]]
StackCheck = Callable[[Sequence[Resource]], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    name: str
    """Unique kebab-case id; also the CrossGuard policy name."""
    description: str
    """What compliant means, in one sentence."""
    severity: Severity
    references: tuple[str, ...]
    """Where the rule comes from: CIS AKS / CIS Azure recommendations, the Microsoft cloud security benchmark
    (MCSB) controls of the AKS and service baselines, or this platform's own design."""
    check: ResourceCheck | StackCheck
    types: frozenset[str] = frozenset()
    """Resource types a resource rule applies to; empty: every custom resource."""
    scope: Literal["resource", "stack"] = "resource"
    environments: frozenset[str] | None = None
    """The environments the rule applies to; None: all four."""

    def applies_to_environment(self, environment: str) -> bool:
        return self.environments is None or environment in self.environments

    def applies_to(self, resource: Resource) -> bool:
        return self.scope == "resource" and resource.custom and (not self.types or resource.type in self.types)


@dataclass(frozen=True)
class PolicyResult:
    """One rule's outcome on one resource (or on the stack, `urn` None)."""

    policy: str
    severity: Severity
    enforcement: Enforcement
    urn: str | None
    passed: bool
    message: str = ""
    """Why it failed and how to fix it; for a pass, empty, or why it could not be decided yet."""
    references: tuple[str, ...] = field(default=(), compare=False)

    @property
    def blocking(self) -> bool:
        """A failed mandatory policy: `validate` fails and a real `pulumi up` stops."""
        return not self.passed and self.enforcement == "mandatory"

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "severity": self.severity,
            "enforcement": self.enforcement,
            "urn": self.urn,
            "passed": self.passed,
            "message": self.message,
        }


def shown(value: Any) -> str:
    """A value as a message quotes it: `absent` for a missing one, JSON-like spelling otherwise."""
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def expect(inputs: Mapping[str, Any], path: str, wanted: Any, fix: str) -> list[str]:
    """[] when `inputs[path] == wanted`, else one message: what the value is and how to fix it."""
    value = lookup(inputs, path)
    if value == wanted:
        return []
    return [f"{path} is {shown(value)}; {fix}"]


def expect_in(inputs: Mapping[str, Any], path: str, allowed: Iterable[Any], fix: str) -> list[str]:
    value = lookup(inputs, path)
    if value in set(allowed):
        return []
    return [f"{path} is {shown(value)}; {fix}"]


def resource_label(urn: str) -> str:
    """`type::name` of a URN (the last type of the parent chain), for messages and reports."""
    qualified, _, name = urn.rpartition("::")
    return f"{qualified.rsplit('::', 1)[-1].rsplit('$', 1)[-1]}::{name}"
