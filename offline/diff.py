"""What a pull request changes: two offline plans compared resource by resource (by URN).

    diff = diff_plans(base_plan_json, head_plan_json)
    text = diff_markdown(diff)      # a pull-request comment section, always under GitHub's 65,536 characters

A resource is created or deleted when its URN appears on one side only. A resource present on both sides is
changed when its inputs, `protect`, `retainOnDelete`, `ignoreChanges` or `dependencies` differ; every changed
input is listed with its old and new value (`properties.networkAcls.defaultAction: "Allow" → "Deny"`), secrets
masked (see `offline._masking`). A change is a *predicted replacement* when an input the provider cannot update
in place changes (see `offline._replacement`: Azure resource ID parts and location, Kubernetes names, random
inputs), and a resource whose URN changed (a new parent or type) is paired with its old URN: Pulumi deletes the
old and creates the new unless an alias maps them. These are predictions from the plans; the real
`pulumi preview` decides. Deletions and replacements are listed first, protected ones called out above all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sentimark_platform.offline._masking import is_secret_path, mask, render_pair
from sentimark_platform.offline._replacement import PathSegment, identity, replacement_reason
from sentimark_platform.offline.plan import SECRET

__all__ = [
    "ABSENT",
    "GITHUB_COMMENT_LIMIT",
    "PlanDiff",
    "ResourceChange",
    "UrnChange",
    "ValueChange",
    "diff_markdown",
    "diff_plans",
    "urn_label",
]

GITHUB_COMMENT_LIMIT = 65_536
"""GitHub refuses a comment body longer than this."""

MAX_VALUES_PER_RESOURCE = 15
"""Changed values listed under one resource; the rest are counted."""

_OPTION_FIELDS = ("protect", "retainOnDelete", "ignoreChanges", "dependencies")
_IDENTIFIER = re.compile(r"^[A-Za-z_$@][\w$@-]*$")
_PROTECT_DOCS = "https://www.pulumi.com/docs/iac/concepts/resources/options/protect/"


class _Absent:
    """The marker for a value one plan does not set (distinct from an explicit null)."""

    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class ValueChange:
    """One changed input or option. `old` and `new` are already masked: safe to print anywhere."""

    path: str
    """`inputs.<path>` for an input (`inputs.sku.name`), the option's name otherwise (`protect`)."""
    old: Any
    new: Any
    secret: bool = False
    """Shown as `[secret]` on both sides: a Pulumi secret in either plan, or a key that looks like a credential."""
    replaces: str | None = None
    """Why the provider would replace the resource for this change (a prediction), or None."""
    ignored: bool = False
    """Under the head's `ignoreChanges`: Pulumi keeps the deployed value, so the change is not applied."""

    def text(self) -> str:
        """`properties.networkAcls.defaultAction: "Allow" → "Deny"` (inputs without their `inputs.` prefix)."""
        path = _display_path(self.path)
        if self.path == "dependencies" and not self.secret:
            before, after = set(self.old or []), set(self.new or [])
            parts = [f"+{urn_label(u)}" for u in sorted(after - before)] + [f"-{urn_label(u)}" for u in sorted(before - after)]
            return f"{path}: " + ", ".join(parts)
        if self.old is ABSENT or self.new is ABSENT:
            return f"{path}: {_show(self.old)} → {_show(self.new)}"
        old, new = render_pair(self.old, self.new)
        return f"{path}: {old} → {new}"


@dataclass(frozen=True)
class ResourceChange:
    urn: str
    type: str
    paths: tuple[str, ...]
    """Sorted changed paths: `inputs.<path>` for inputs, the field name for options."""
    values: tuple[ValueChange, ...] = ()
    """The same changes with their old and new values, in `paths` order."""
    protected: bool = False
    """`protect` in the head plan: Pulumi refuses a replacement then (pulumi/pulumi#8873 checks the goal)."""

    @property
    def replacement_causes(self) -> tuple[ValueChange, ...]:
        return tuple(v for v in self.values if v.replaces and not v.ignored)

    @property
    def replaces(self) -> bool:
        """Predicted: the provider replaces (deletes and creates) the resource instead of updating it."""
        return bool(self.replacement_causes)


@dataclass(frozen=True)
class UrnChange:
    """One resource under a new URN (new parent, type or name): Pulumi deletes the old URN and creates the new
    one unless `aliases=` maps them."""

    old_urn: str
    new_urn: str
    same_object: bool
    """Both URNs name the same cloud object (Azure resource ID, Kubernetes name): without an alias the create
    meets the existing object (azure-native refuses, pulumi/pulumi-azure-native#303; for Kubernetes the delete
    of the old URN then removes the object, pulumi/pulumi-kubernetes#2948)."""
    protected: bool
    """`protect` on the old URN in the base: the delete half fails."""


@dataclass(frozen=True)
class PlanDiff:
    added: tuple[str, ...]
    """URNs only in the head plan, sorted (URN changes included)."""
    removed: tuple[str, ...]
    """URNs only in the base plan, sorted (URN changes included)."""
    changed: tuple[ResourceChange, ...]
    """Resources in both plans whose inputs or options differ, sorted by URN."""
    unchanged: int
    types: Mapping[str, str]
    """URN -> resource type, for every URN above."""
    moved: tuple[UrnChange, ...] = ()
    """Pairs of a removed and an added URN that are one resource under a new URN."""
    protected_removed: frozenset[str] = field(default_factory=frozenset)
    """Removed URNs that are protected in the base plan (the state Pulumi checks before a delete)."""
    retained: frozenset[str] = field(default_factory=frozenset)
    """Removed URNs with `retainOnDelete` in the base plan: they leave the stack but stay in the cloud."""

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def changed_urns(self) -> tuple[str, ...]:
        return tuple(c.urn for c in self.changed)

    @property
    def replacements(self) -> tuple[ResourceChange, ...]:
        return tuple(c for c in self.changed if c.replaces)

    @property
    def updates(self) -> tuple[ResourceChange, ...]:
        return tuple(c for c in self.changed if not c.replaces)

    @property
    def deletions(self) -> tuple[str, ...]:
        moved = {m.old_urn for m in self.moved}
        return tuple(u for u in self.removed if u not in moved)

    @property
    def creations(self) -> tuple[str, ...]:
        moved = {m.new_urn for m in self.moved}
        return tuple(u for u in self.added if u not in moved)

    def protected_at_risk(self) -> list[tuple[str, str]]:
        """(URN, what happens) for every protected resource this diff would delete or replace."""
        risks = [(u, "delete") for u in self.deletions if u in self.protected_removed]
        risks += [(c.urn, "replace") for c in self.replacements if c.protected]
        risks += [(m.old_urn, "delete (URN change)") for m in self.moved if m.protected]
        return risks


def _key(key: str) -> str:
    return f".{key}" if _IDENTIFIER.match(key) else f'["{key}"]'


def _path_text(root: str, path: Sequence[PathSegment]) -> str:
    return root + "".join(f"[{s}]" if isinstance(s, int) else _key(s) for s in path)


def _differences(base: Any, head: Any, path: tuple[PathSegment, ...] = ()) -> list[tuple[tuple[PathSegment, ...], Any, Any]]:
    """(path, old, new) wherever `base` and `head` differ; a whole value where its kind differs or one side
    lacks it (ABSENT)."""
    pairs: list[tuple[PathSegment, Any, Any]]
    if isinstance(base, Mapping) and isinstance(head, Mapping):
        pairs = [(key, base.get(key, ABSENT), head.get(key, ABSENT)) for key in sorted(set(base) | set(head))]
    elif isinstance(base, list) and isinstance(head, list):
        pairs = [(i, base[i] if i < len(base) else ABSENT, head[i] if i < len(head) else ABSENT)
                 for i in range(max(len(base), len(head)))]
    else:
        # bool is an int in Python: 1 == True, but a plan that turns true into 1 has changed.
        return [(path, base, head)] if base != head or type(base) is not type(head) else []
    found = []
    for segment, old, new in pairs:
        if old is ABSENT or new is ABSENT:
            found.append(((*path, segment), old, new))
        else:
            found += _differences(old, new, (*path, segment))
    return found


def _ignored(path: Sequence[PathSegment], ignore_changes: Iterable[str]) -> bool:
    """Whether `path` lies under one of Pulumi's `ignoreChanges` paths (`a.b`, `a[0].b`, `a[*].b`, `tags.*`)."""
    text = _path_text("", path).lstrip(".")
    for pattern in ignore_changes:
        regex = re.escape(pattern).replace(r"\[\*\]", r"\[\d+\]").replace(r"\.\*", r"\.[^.\[]+")
        if re.match(rf"^{regex}(?:$|[.\[])", text):
            return True
    return False


def _value_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ValueChange]:
    resource_type = str(new.get("type") or old.get("type") or "")
    ignore_changes = [str(p) for p in new.get("ignoreChanges") or []]
    values = []
    for path, before, after in _differences(old.get("inputs") or {}, new.get("inputs") or {}):
        secret = (before == SECRET or after == SECRET or is_secret_path(resource_type, path, old.get("inputs"))
                  or is_secret_path(resource_type, path, new.get("inputs")))
        ignored = _ignored(path, ignore_changes)
        values.append(ValueChange(
            path=_path_text("inputs", path),
            old=before if before is ABSENT else mask(before, secret=secret),
            new=after if after is ABSENT else mask(after, secret=secret),
            secret=secret,
            replaces=None if ignored else replacement_reason(resource_type, path),
            ignored=ignored,
        ))
    for name in _OPTION_FIELDS:
        before, after = old.get(name), new.get(name)
        if name in ("ignoreChanges", "dependencies"):
            before, after = sorted(before or []), sorted(after or [])
        else:
            before, after = bool(before), bool(after)
        if before != after:
            values.append(ValueChange(path=name, old=before, new=after))
    return sorted(values, key=lambda v: v.path)


def _restack(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return new + value[len(old):] if value.startswith(old) else value
    if isinstance(value, Mapping):
        return {k: _restack(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_restack(v, old, new) for v in value]
    return value


def _resources(plan: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {r["urn"]: r for r in plan.get("resources", [])}


def _moves(before: Mapping[str, Mapping[str, Any]], after: Mapping[str, Mapping[str, Any]],
           removed: Sequence[str], added: Sequence[str]) -> tuple[UrnChange, ...]:
    """Pair removed and added URNs that are one resource: the same cloud object (ID parts, Kubernetes name), or
    else the same logical name and type under a new parent."""
    def object_of(resource: Mapping[str, Any]) -> tuple[object, ...] | None:
        return identity(str(resource.get("type", "")), dict(resource.get("inputs") or {}))

    by_object: dict[tuple[object, ...], list[str]] = {}
    by_name: dict[tuple[str, str], list[str]] = {}
    for urn in added:
        key = object_of(after[urn])
        if key is not None:
            by_object.setdefault(key, []).append(urn)
        by_name.setdefault((str(after[urn].get("name")), str(after[urn].get("type"))), []).append(urn)
    taken: set[str] = set()
    moves = []
    for old_urn in removed:
        old = before[old_urn]
        key = object_of(old)
        same = [u for u in by_object.get(key, []) if u not in taken] if key is not None else []
        named = [u for u in by_name.get((str(old.get("name")), str(old.get("type"))), []) if u not in taken]
        candidates = same or named
        if candidates:
            match = candidates[0]
            taken.add(match)
            moves.append(UrnChange(old_urn, match, same_object=bool(same), protected=bool(old.get("protect"))))
    return tuple(moves)


def diff_plans(base: Mapping[str, Any], head: Mapping[str, Any]) -> PlanDiff:
    """Compare two plan JSONs (`python -m stacks preview --json`): created, deleted, changed and moved URNs,
    with old and new values and predicted replacements."""
    base_stack, head_stack = base.get("stack"), head.get("stack")
    if base_stack and head_stack and base_stack != head_stack:
        # Two stacks compared (uat against prod): their URNs differ by the stack name only, so match them
        # without it, as one program's resources.
        base = _restack(base, f"urn:pulumi:{base_stack}::", f"urn:pulumi:{head_stack}::")
    before, after = _resources(base), _resources(head)
    changed = []
    for urn in sorted(set(before) & set(after)):
        old, new = before[urn], after[urn]
        values = _value_changes(old, new)
        if values:
            changed.append(ResourceChange(
                urn, str(new.get("type", "")), tuple(v.path for v in values), tuple(values), protected=bool(new.get("protect"))
            ))
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
        moved=_moves(before, after, removed, added),
        protected_removed=frozenset(u for u in removed if before[u].get("protect")),
        retained=frozenset(u for u in removed if before[u].get("retainOnDelete")),
    )


def urn_label(urn: str) -> str:
    """`name` and the last type of a URN: `aks-weu-aks (azure-native:containerservice:ManagedCluster)`."""
    qualified, _, name = urn.rpartition("::")
    type_ = qualified.rsplit("::", 1)[-1].rsplit("$", 1)[-1]
    return f"{name} ({type_})"


def _display_path(path: str) -> str:
    """Inputs without their `inputs.` prefix (`sku.name`, `["odd key"]`), options as `options.protect`."""
    if path.startswith("inputs."):
        return path[len("inputs."):]
    if path.startswith("inputs["):
        return path[len("inputs"):]
    return f"options.{path}"


def _show(value: Any) -> str:
    return "(absent)" if value is ABSENT else render_pair(value, value)[0]


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

    def add_block(self, lines: Sequence[str], reserve: int = 0) -> bool:
        """All of `lines` or none of them (a resource is never cut between its values)."""
        if self.dropped or not self.fits("\n".join(lines), reserve):
            self.dropped += 1
            return False
        for line in lines:
            self.add(line)
        return True


def _value_lines(change: ResourceChange) -> list[str]:
    lines = []
    for value in change.values[:MAX_VALUES_PER_RESOURCE]:
        line = f"  - {_code(value.text())}"
        if value.ignored:
            line += " (under `ignoreChanges`: not applied)"
        elif value.replaces:
            line += f" — **forces replacement** ({value.replaces})"
        lines.append(line)
    if len(change.values) > MAX_VALUES_PER_RESOURCE:
        lines.append(f"  - … and {len(change.values) - MAX_VALUES_PER_RESOURCE} more changed values (see the plan JSON)")
    return lines


def _deletion_item(diff: PlanDiff, urn: str) -> list[str]:
    line = f"- {_code(urn_label(urn))}"
    if urn in diff.protected_removed:
        line += " — **protected**: Pulumi refuses to delete it"
    if urn in diff.retained:
        line += " — `retainOnDelete`: leaves the stack, stays in the cloud"
    return [line]


def _replacement_item(change: ResourceChange) -> list[str]:
    causes = ", ".join(_code(_display_path(c.path)) for c in change.replacement_causes)
    verb = "changes" if len(change.replacement_causes) == 1 else "change"
    line = f"- {_code(urn_label(change.urn))} — replaced because {causes} {verb}"
    if change.protected:
        line += " — **protected**: Pulumi refuses the replacement"
    return [line, *_value_lines(change)]


def _urn_tail(urn: str) -> str:
    """The URN without `urn:pulumi:<stack>::<project>::`: the parent types, the type and the name."""
    parts = urn.split("::", 2)
    return parts[2] if len(parts) == 3 else urn


def _move_item(move: UrnChange) -> list[str]:
    line = (f"- {_code(urn_label(move.new_urn))}: new URN {_code(_urn_tail(move.new_urn))}, was "
            f"{_code(_urn_tail(move.old_urn))}; Pulumi shows `-` delete and `+` create unless `aliases=` maps the old URN")
    if move.same_object:
        line += " — **both name the same cloud object**: add the alias, or the create meets the existing object"
    if move.protected:
        line += " — **protected**: Pulumi refuses to delete the old URN"
    return [line]


def _update_item(change: ResourceChange) -> list[str]:
    return [f"- {_code(urn_label(change.urn))}", *_value_lines(change)]


_PREDICTION_NOTE = (
    "> Predicted offline, not Pulumi's verdict: from the inputs that change (Azure resource ID parts and "
    "`location`, Kubernetes names, `random` inputs) and from URNs that moved. The provider can also replace for "
    "create-only properties this check cannot see; the real `pulumi preview` on this pull request decides."
)


def _protected_callout(diff: PlanDiff) -> list[str]:
    risks = diff.protected_at_risk()
    if not risks:
        return []
    listed = ", ".join(f"{_code(urn_label(u))} ({what})" for u, what in risks[:20])
    more = f" and {len(risks) - 20} more" if len(risks) > 20 else ""
    return [
        "> [!CAUTION]",
        f"> **{len(risks)} protected resource(s) would be deleted or replaced:** {listed}{more}. Pulumi stops the "
        f"update with an error rather than delete a protected resource ([protect]({_PROTECT_DOCS})); if the loss is "
        "intended, unprotect it in a change of its own first.",
    ]


def diff_markdown(
    diff: PlanDiff,
    *,
    max_chars: int = 60_000,
    fold_after: int = 10,
    heading: str = "### Changes against the base branch",
) -> str:
    """The diff as a Markdown section: protected resources at risk first, then `-` deletions, `+-` predicted
    replacements, `+` creations and `~` updates (Pulumi's symbols), each changed value as `old → new`.
    Creations and updates longer than `fold_after` are folded in `<details>`; past `max_chars` (kept under
    GitHub's 65,536-character comment limit) the rest is left out and counted."""
    if max_chars > GITHUB_COMMENT_LIMIT:
        raise ValueError(f"max_chars {max_chars} exceeds GitHub's comment limit of {GITHUB_COMMENT_LIMIT}")
    closing_reserve = 400  # room for closing a <details> and the "N more not shown" line
    out = _Budget(max_chars - closing_reserve)
    replacements = [*diff.replacements]
    summary = (f"**`-` {len(diff.deletions)} to delete, `+-` {len(replacements) + len(diff.moved)} to replace "
               f"(predicted), `+` {len(diff.creations)} to create, `~` {len(diff.updates)} to update** "
               f"({diff.unchanged} unchanged)")
    out.add(heading)
    out.add("")
    out.add("No resource changes." if diff.is_empty else summary)
    callout = _protected_callout(diff)
    if callout:
        out.add("")
        out.add_block(callout)
    sections: list[tuple[str, list[list[str]], bool, str | None]] = [
        ("`-` To delete", [_deletion_item(diff, u) for u in diff.deletions], False, None),
        ("`+-` Predicted replacements", [*map(_replacement_item, replacements), *map(_move_item, diff.moved)], False,
         _PREDICTION_NOTE),
        ("`+` To create", [[f"- {_code(urn_label(u))}"] for u in diff.creations], True, None),
        ("`~` To update", [_update_item(c) for c in diff.updates], True, None),
    ]
    total_items = sum(len(items) for _, items, _, _ in sections)
    written_items = 0
    for title, items, foldable, note in sections:
        if not items:
            continue
        folded = foldable and len(items) > fold_after
        header = [""] + ([f"<details><summary>{title} ({len(items)})</summary>", ""] if folded else [f"#### {title} ({len(items)})", ""])
        if note:
            header += [note, ""]
        if not out.add_block(header, closing_reserve // 2):
            break
        for item in items:
            if not out.add_block(item):
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
