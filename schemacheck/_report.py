"""Result types: one `Problem` per finding, `NotChecked` per resource no schema covers, and the report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

#: Placeholders the offline engine writes for values it cannot show; they are never findings.
SECRET = "[secret]"
UNKNOWN = "[unknown]"
_MAX_ALLOWED_CHARS = 300


def is_placeholder(value: Any) -> bool:
    """True for the engine's secret/unknown placeholders, which validation must skip, never report."""
    return value in (SECRET, UNKNOWN) if isinstance(value, str) else False


def normalize_numbers(value: Any) -> Any:
    """Engine numbers arrive as floats (3.0): make integral ones ints so `integer` schemas accept them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: normalize_numbers(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [normalize_numbers(sub) for sub in value]
    return value


def join_path(parent: str, key: str | int) -> str:
    """`properties` + `sku` -> `properties.sku`; `spec.http` + 0 -> `spec.http[0]`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def show(value: Any) -> str:
    """A short JSON rendering of a received value for messages (long values are cut)."""
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def show_allowed(values: Any) -> str:
    """Allowed values as a short, readable list."""
    if isinstance(values, (list, tuple)):
        text = ", ".join(str(v) if isinstance(v, str) else show(v) for v in values)
    else:
        text = str(values)
    return text if len(text) <= _MAX_ALLOWED_CHARS else text[: _MAX_ALLOWED_CHARS - 3] + "..."


@dataclass(frozen=True)
class Issue:
    """A finding inside one resource, before it is tied to the resource (the checkers return these)."""

    path: str
    message: str
    allowed: str | None = None


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one resource, at one property path."""

    urn: str
    resource_name: str
    type: str
    path: str
    message: str
    allowed: str | None = None

    def __str__(self) -> str:
        where = self.path or "(resource)"
        line = f"{self.resource_name} ({self.type}) {where}: {self.message}"
        return f"{line} [allowed: {self.allowed}]" if self.allowed is not None else line


@dataclass(frozen=True)
class NotChecked:
    """A custom resource no schema covers: listed so that nothing passes silently."""

    urn: str
    type: str
    reason: str

    def __str__(self) -> str:
        return f"not checked: {self.urn} ({self.type}): {self.reason}"


@dataclass(frozen=True)
class ValidationReport:
    """Everything found in one plan. `checked` counts resources validated against a schema."""

    problems: list[Problem] = field(default_factory=list)
    not_checked: list[NotChecked] = field(default_factory=list)
    checked: int = 0
    kubernetes_schema_version: str | None = None
    """The Kubernetes version whose bundled schemas checked core objects (nearest to the one asked for)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        text = (f"checked {self.checked} resources, {len(self.problems)} problems, "
                f"{len(self.not_checked)} not checked")
        if self.kubernetes_schema_version is not None:
            text += f" (Kubernetes core objects against {self.kubernetes_schema_version} schemas)"
        return text

    def format_lines(self) -> list[str]:
        """Problems, then resources not checked, then the summary: one line each."""
        return [str(p) for p in self.problems] + [str(n) for n in self.not_checked] + [self.summary()]
