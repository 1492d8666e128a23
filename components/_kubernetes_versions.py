"""Which Kubernetes minor versions an AKS cluster can run on a given day, from a dated support table.

The table is data with its sources: `components/kubernetes_versions.json` (upstream release and end of life from
kubernetes.io/releases, AKS general availability and end of life from the AKS release calendar and release notes).
A version is supported on a day when AKS has confirmed it generally available and neither end of life has come:
upstream ships no fixes after its end of life (https://kubernetes.io/releases/), and AKS moves a version to
"platform support" after its own, where it creates no new clusters
(https://learn.microsoft.com/azure/aks/supported-kubernetes-versions#platform-support-policy). The table is read
once, on first use; every function is pure in `today`, so checks and tests give the same answer for the same day.
Refresh the table (and its `as_of`) when AKS announces a new minor version.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "SupportTable",
    "VersionSupport",
    "end_of_life",
    "expiring_soon",
    "support_problem",
    "support_table",
    "supported_versions",
]

TABLE_FILE = "components/kubernetes_versions.json"
_MINOR = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?$")


@dataclass(frozen=True)
class VersionSupport:
    """One Kubernetes minor version's dates (see the table's `about`)."""

    minor: str
    upstream_release: dt.date
    upstream_end_of_life: dt.date
    aks_ga: dt.date | None
    aks_ga_confirmed: bool
    """A source confirms that AKS made the version generally available (not only planned it)."""
    aks_end_of_life: dt.date | None
    estimated: frozenset[str]
    """Fields whose day is approximate (given as a month, or planned)."""
    notes: str

    @property
    def end_of_life(self) -> dt.date:
        """The earlier of the upstream and the AKS end of life (the upstream one when AKS gives none)."""
        if self.aks_end_of_life is None:
            return self.upstream_end_of_life
        return min(self.upstream_end_of_life, self.aks_end_of_life)

    def supported_on(self, today: dt.date) -> bool:
        return self.aks_ga_confirmed and self.aks_ga is not None and self.aks_ga <= today < self.end_of_life

    def end_of_life_detail(self) -> str:
        """Which end of life comes first, e.g. "upstream 2026-06-28; AKS 2026-07-31"."""
        aks = "not given" if self.aks_end_of_life is None else self.aks_end_of_life.isoformat()
        if "aks_end_of_life" in self.estimated:
            aks += ", planned"
        return f"upstream {self.upstream_end_of_life.isoformat()}; AKS {aks}"


@dataclass(frozen=True)
class SupportTable:
    as_of: dt.date
    sources: tuple[str, ...]
    """The sources' URLs."""
    versions: Mapping[str, VersionSupport]
    """By minor version ("1.36"), oldest first."""


@functools.cache
def support_table() -> SupportTable:
    """The table in `kubernetes_versions.json`, parsed once."""
    raw = json.loads(resources.files("components").joinpath("kubernetes_versions.json").read_text(encoding="utf-8"))
    versions = {minor: _version(minor, entry) for minor, entry in sorted(raw["versions"].items(),
                                                                        key=lambda item: _minor_key(item[0]))}
    return SupportTable(
        as_of=dt.date.fromisoformat(raw["as_of"]),
        sources=tuple(source["url"] for source in raw["sources"]),
        versions=MappingProxyType(versions),
    )


def supported_versions(today: dt.date) -> tuple[str, ...]:
    """The minor versions supported on `today`, oldest first (the last one is the newest)."""
    return tuple(minor for minor, entry in support_table().versions.items() if entry.supported_on(today))


def end_of_life(version: str) -> dt.date | None:
    """The version's end of life (the earlier of upstream and AKS); None for a version the table does not hold."""
    entry = support_table().versions.get(_minor(version) or "")
    return entry.end_of_life if entry is not None else None


def support_problem(version: str, *, today: dt.date) -> str | None:
    """Why `version` (a minor such as "1.36", or a patch such as "1.36.2") cannot be deployed on `today`:
    not a version, not in the table, past its end of life, or not (yet) generally available on AKS. None when
    it is supported."""
    minor = _minor(version)
    table = support_table()
    entry = table.versions.get(minor or "")
    if minor is None:
        problem = f"Kubernetes version {version!r} is not a version such as '1.36'"
    elif entry is None:
        problem = (f"Kubernetes version {version!r} is not in the support table ({TABLE_FILE}, as of "
                   f"{table.as_of.isoformat()})")
    elif today >= entry.end_of_life:
        aks_ended = entry.aks_end_of_life is not None and today >= entry.aks_end_of_life
        consequence = ("AKS no longer supports it and creates no new clusters on it" if aks_ended
                       else "upstream ships no more fixes for it")
        problem = (f"Kubernetes {minor} reached end of life on {entry.end_of_life.isoformat()} "
                   f"({entry.end_of_life_detail()}): {consequence}")
    elif not entry.aks_ga_confirmed or entry.aks_ga is None:
        planned = "" if entry.aks_ga is None else f"; the AKS calendar plans it by {entry.aks_ga.isoformat()}"
        problem = (f"Kubernetes {minor} is not confirmed generally available on AKS ({TABLE_FILE} as of "
                   f"{table.as_of.isoformat()}{planned}); once the AKS release notes announce it, record the "
                   "date in the table")
    elif today < entry.aks_ga:
        problem = f"Kubernetes {minor} is not generally available on AKS before {entry.aks_ga.isoformat()}"
    else:
        return None
    return f"{problem}; {_supported_summary(today)}"


def expiring_soon(version: str, *, today: dt.date, days: int = 90) -> str | None:
    """A warning when a supported `version` reaches end of life within `days` of `today`; None otherwise
    (including for versions `support_problem` refuses)."""
    minor = _minor(version)
    entry = support_table().versions.get(minor or "")
    if entry is None or not entry.supported_on(today):
        return None
    left = (entry.end_of_life - today).days
    if left > days:
        return None
    newer = [v for v in supported_versions(today) if _minor_key(v) > _minor_key(entry.minor)]
    plan = f"plan the upgrade to {newer[-1]}" if newer else f"no newer version is supported yet: refresh {TABLE_FILE}"
    return (f"Kubernetes {entry.minor} reaches end of life on {entry.end_of_life.isoformat()}, in {left} days "
            f"({entry.end_of_life_detail()}); {plan}")


def _supported_summary(today: dt.date) -> str:
    table = support_table()
    supported = supported_versions(today)
    if not supported:
        return (f"no version in {TABLE_FILE} (as of {table.as_of.isoformat()}) is supported on {today.isoformat()}: "
                "refresh the table from its sources")
    listed = ", ".join(f"{v} (until {table.versions[v].end_of_life.isoformat()})" for v in supported)
    return f"supported on {today.isoformat()}: {listed}; use one of them, e.g. {supported[-1]!r} (the newest)"


def _minor(version: str) -> str | None:
    match = _MINOR.match(str(version).strip())
    return f"{int(match.group(1))}.{int(match.group(2))}" if match else None


def _minor_key(minor: str) -> tuple[int, ...]:
    return tuple(int(part) for part in minor.split("."))


def _version(minor: str, entry: Mapping[str, Any]) -> VersionSupport:
    def date(key: str) -> dt.date | None:
        value = entry.get(key)
        return dt.date.fromisoformat(value) if value is not None else None

    release, upstream_eol = date("upstream_release"), date("upstream_end_of_life")
    if _minor(minor) != minor:
        raise ValueError(f"{TABLE_FILE}: {minor!r} is not a minor version such as '1.36'")
    if release is None or upstream_eol is None:
        raise ValueError(f"{TABLE_FILE}: version {minor} needs upstream_release and upstream_end_of_life")
    return VersionSupport(
        minor=minor,
        upstream_release=release,
        upstream_end_of_life=upstream_eol,
        aks_ga=date("aks_ga"),
        aks_ga_confirmed=entry.get("aks_ga_confirmed") is True,
        aks_end_of_life=date("aks_end_of_life"),
        estimated=frozenset(entry.get("estimated") or ()),
        notes=str(entry.get("notes") or ""),
    )
