"""What a pull request changes: two offline plans compared resource by resource (by URN).

    diff = diff_plans(base_plan_json, head_plan_json)
    text = diff_markdown(diff)      # a pull-request comment section, always under GitHub's 65,536 characters

A resource is added or removed when its URN appears on one side only (a rename or a new parent is a
replacement: Pulumi sees a new URN). A resource present on both sides is changed when its inputs, `protect`,
`retainOnDelete`, `ignoreChanges` or `dependencies` differ; the changed paths are listed like
`inputs.sku.tier`, `inputs.agentPoolProfiles[0].count`, `protect`. Secret values are masked in plans
(`[secret]` on both sides), so a changed secret does not show: the offline plan cannot see it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["GITHUB_COMMENT_LIMIT", "PlanDiff", "ResourceChange", "diff_markdown", "diff_plans", "urn_label"]

GITHUB_COMMENT_LIMIT = 65_536
"""GitHub refuses a comment body longer than this."""

_OPTION_FIELDS = ("protect", "retainOnDelete", "ignoreChanges", "dependencies")
_IDENTIFIER = re.compile(r"^[A-Za-z_$@][\w$@-]*$")


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    paths: tuple[str, ...]
    """Sorted changed paths: `inputs.<path>` for inputs, the field name for options."""


@dataclass(frozen=True)
class PlanDiff:
    added: tuple[str, ...]
    """URNs only in the head plan, sorted."""
    removed: tuple[str, ...]
    """URNs only in the base plan, sorted."""
    changed: tuple[ResourceChange, ...]
    """Resources in both plans whose inputs or options differ, sorted by URN."""
    unchanged: int
    types: Mapping[str, str]
    """URN -> resource type, for every URN above."""

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def changed_urns(self) -> tuple[str, ...]:
        return tuple(c.urn for c in self.changed)


def _key(key: str) -> str:
    return f".{key}" if _IDENTIFIER.match(key) else f'["{key}"]'


def _paths(base: Any, head: Any, path: str) -> list[str]:
    """The paths below `path` where `base` and `head` differ (a whole value when its kind differs)."""
    if isinstance(base, Mapping) and isinstance(head, Mapping):
        changed = []
        for key in sorted(set(base) | set(head)):
            if key not in base or key not in head:
                changed.append(path + _key(key))
            else:
                changed += _paths(base[key], head[key], path + _key(key))
        return changed
    if isinstance(base, list) and isinstance(head, list):
        changed = []
        for index in range(max(len(base), len(head))):
            if index >= len(base) or index >= len(head):
                changed.append(f"{path}[{index}]")
            else:
                changed += _paths(base[index], head[index], f"{path}[{index}]")
        return changed
    # bool is an int in Python: 1 == True, but a plan that turns true into 1 has changed.
    if base != head or type(base) is not type(head):
        return [path]
    return []


def _resources(plan: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {r["urn"]: r for r in plan.get("resources", [])}


def diff_plans(base: Mapping[str, Any], head: Mapping[str, Any]) -> PlanDiff:
    """Compare two plan JSONs (`python -m stacks preview --json`): added, removed and changed URNs."""
    before, after = _resources(base), _resources(head)
    changed = []
    for urn in sorted(set(before) & set(after)):
        old, new = before[urn], after[urn]
        paths = _paths(old.get("inputs") or {}, new.get("inputs") or {}, "inputs")
        for name in _OPTION_FIELDS:
            old_value, new_value = old.get(name), new.get(name)
            if name in ("ignoreChanges", "dependencies"):
                old_value, new_value = sorted(old_value or []), sorted(new_value or [])
            else:
                old_value, new_value = bool(old_value), bool(new_value)
            if old_value != new_value:
                paths.append(name)
        if paths:
            changed.append(ResourceChange(urn, str(new.get("type", "")), tuple(sorted(paths))))
    added = tuple(sorted(set(after) - set(before)))
    removed = tuple(sorted(set(before) - set(after)))
    types = {urn: str(after[urn].get("type", "")) for urn in added}
    types |= {urn: str(before[urn].get("type", "")) for urn in removed}
    types |= {c.urn: c.type for c in changed}
    return PlanDiff(
        added=added,
        removed=removed,
        changed=tuple(changed),
        unchanged=len(set(before) & set(after)) - len(changed),
        types=types,
    )


def urn_label(urn: str) -> str:
    """`name` and the last type of a URN: `aks-weu-aks (azure-native:containerservice:ManagedCluster)`."""
    qualified, _, name = urn.rpartition("::")
    type_ = qualified.rsplit("::", 1)[-1].rsplit("$", 1)[-1]
    return f"{name} ({type_})"


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


class _Budget:
    """Lines appended while they fit in `limit` characters; the rest are counted, not written."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lines: list[str] = []
        self.size = 0
        self.dropped = 0

    def fits(self, line: str, reserve: int) -> bool:
        return self.size + len(line) + 1 + reserve <= self.limit

    def add(self, line: str, reserve: int = 0) -> bool:
        if self.dropped or not self.fits(line, reserve):
            self.dropped += 1
            return False
        self.lines.append(line)
        self.size += len(line) + 1
        return True


def diff_markdown(
    diff: PlanDiff,
    *,
    max_chars: int = 60_000,
    fold_after: int = 10,
    heading: str = "### Changes against the base branch",
) -> str:
    """The diff as a Markdown section. Lists longer than `fold_after` items are folded in `<details>`; past
    `max_chars` (kept under GitHub's 65,536-character comment limit) the rest is left out and counted."""
    if max_chars > GITHUB_COMMENT_LIMIT:
        raise ValueError(f"max_chars {max_chars} exceeds GitHub's comment limit of {GITHUB_COMMENT_LIMIT}")
    closing_reserve = 400  # room for closing a <details> and the "N more not shown" line
    out = _Budget(max_chars - closing_reserve)
    summary = (f"**{len(diff.added)} to add, {len(diff.changed)} to change, {len(diff.removed)} to delete** "
               f"({diff.unchanged} unchanged)")
    out.add(heading)
    out.add("")
    out.add("No resource changes." if diff.is_empty else summary)
    total_items = len(diff.added) + len(diff.removed) + len(diff.changed)
    written_items = 0
    sections: list[tuple[str, Sequence[tuple[str, list[str]]]]] = [
        ("To add", [(u, []) for u in diff.added]),
        ("To change", [(c.urn, list(c.paths)) for c in diff.changed]),
        ("To delete", [(u, []) for u in diff.removed]),
    ]
    for title, items in sections:
        if not items:
            continue
        folded = len(items) > fold_after
        header = [""] + ([f"<details><summary>{title} ({len(items)})</summary>", ""] if folded else [f"#### {title} ({len(items)})", ""])
        if out.dropped or not out.fits("\n".join(header), closing_reserve // 2):
            out.dropped += 1
            break
        for line in header:
            out.add(line)
        for urn, paths in items:
            line = f"- {_code(urn_label(urn))}"
            if paths:
                line += ": " + ", ".join(_code(p) for p in paths)
            if not out.add(line):
                break
            written_items += 1
        if folded:
            out.lines += ["", "</details>"]
            out.size += len("\n</details>\n") + 1
        if out.dropped:
            break
    missing = total_items - written_items
    if missing:
        out.lines += ["", f"… and {missing} more resource changes not shown (the comment is limited to "
                          f"{GITHUB_COMMENT_LIMIT:,} characters); the full list is in the plan JSON."]
    return "\n".join(out.lines) + "\n"
