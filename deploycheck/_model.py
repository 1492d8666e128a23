"""What a deployability rule is, what it sees, and what it reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sentimark_platform.offline import Plan

__all__ = ["DeployContext", "DeployReport", "Finding", "NotChecked", "Rule"]


@dataclass(frozen=True)
class DeployContext:
    """Everything the rules read: the stack's plan, the bootstrap's plan (CI identities, runner network,
    subscription registrations) and the CI workflows, each None when the project has none."""

    plan: Plan
    environment: str
    """The environment the plan is for: its exported `environment`, else the stack name."""
    bootstrap: Plan | None = None
    workflows: Mapping[str, Mapping[str, Any]] | None = None
    """Workflow file name -> parsed YAML (`on` already a string key)."""
    today: dt.date = field(default_factory=dt.date.today)
    secrets_provider: str | None = None
    """The stack file's `secretsprovider` (written by `pulumi stack init --secrets-provider`); None when unset."""


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    """The resource (type::name), workflow job or identity the problem is in."""
    message: str
    """What a real run would hit and how to fix it."""


@dataclass(frozen=True)
class Rule:
    id: str
    failure: str
    """The deploy failure the rule prevents, as a user would see it."""
    sources: tuple[str, ...]
    """Documentation pages or issues behind the rule."""
    check: Callable[[DeployContext], Iterable[Finding]]
    needs: tuple[str, ...] = ()
    """Inputs besides the plan: "bootstrap", "workflows", "runners" (the plan's `ciRunners` output)."""


@dataclass(frozen=True)
class NotChecked:
    rule: str
    reason: str


@dataclass(frozen=True)
class DeployReport:
    findings: tuple[Finding, ...]
    checked: tuple[str, ...]
    not_checked: tuple[NotChecked, ...]

    @property
    def ok(self) -> bool:
        return not self.findings
