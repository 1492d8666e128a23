"""Human views of a plan: the terminal tree and the pull-request Markdown."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from rich.console import Console
from rich.tree import Tree

from sentimark_platform.offline.plan import Plan, PlannedResource

__all__ = ["ComponentGroup", "group_by_component", "print_tree", "summary_line", "to_markdown"]

# GitHub refuses comments over 65,536 characters; stay well below to leave room for other sections.
MARKDOWN_BUDGET = 60_000


@dataclass(frozen=True)
class ComponentGroup:
    """A component (or the stack itself) with the custom resources directly inside it."""

    urn: str | None
    label: str
    resources: tuple[PlannedResource, ...]

    @property
    def type_counts(self) -> list[tuple[str, int]]:
        return sorted(Counter(r.type for r in self.resources).items())


def _label(resource: PlannedResource) -> str:
    return f"{resource.type.rsplit(':', 1)[-1]} {resource.name}"


def group_by_component(plan: Plan) -> list[ComponentGroup]:
    """Each custom resource under its nearest component ancestor; stack-level ones under the stack."""
    by_urn = plan.by_urn()
    members: dict[str | None, list[PlannedResource]] = defaultdict(list)
    for resource in plan.custom_resources:
        owner = resource.parent
        while owner is not None and owner in by_urn and by_urn[owner].custom:
            owner = by_urn[owner].parent
        members[owner if owner in by_urn else None].append(resource)
    groups = [ComponentGroup(None, f"stack {plan.stack}", tuple(members.pop(None, [])))]
    for urn in sorted(r.urn for r in plan.resources if not r.custom):
        component = by_urn[urn]
        groups.append(
            ComponentGroup(urn, f"{component.type.rsplit(':', 1)[-1]} {component.name}", tuple(members.get(urn, [])))
        )
    return groups


def summary_line(plan: Plan) -> str:
    return f"{len(plan.resources)} resources ({len(plan.custom_resources)} custom) in stack {plan.stack}"


def print_tree(plan: Plan, console: Console | None = None) -> None:
    """The component tree with counts by type, then the summary line."""
    console = console or Console(highlight=False)
    by_urn = plan.by_urn()
    root = Tree(f"[bold]{plan.project}[/bold] / stack [bold]{plan.stack}[/bold]")
    nodes: dict[str | None, Tree] = {None: root}
    for group in group_by_component(plan):
        if group.urn is None:
            node = root
        else:
            parent = by_urn[group.urn].parent
            parent_node = nodes.get(parent if parent in nodes else None, root)
            node = parent_node.add(f"[cyan]{group.label}[/cyan]")
            nodes[group.urn] = node
        for type_token, count in group.type_counts:
            node.add(f"{count} × {type_token}")
    console.print(root)
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if plan.substituted_secrets:
        console.print(
            "Encrypted values cannot be decrypted offline; placeholders (seen as secrets) stood in for: "
            + ", ".join(plan.substituted_secrets)
        )
    console.print(summary_line(plan))


def to_markdown(plan: Plan, *, extra_sections: list[str] | None = None) -> str:
    """A pull-request comment: resources by component and type, then the full list folded."""
    lines = [
        f"### Offline preview of `{plan.project}` stack `{plan.stack}`",
        "",
        f"**{summary_line(plan)}** (previewed offline on a recording mock engine; nothing was deployed).",
        "",
        "| component | resources by type |",
        "|---|---|",
    ]
    for group in group_by_component(plan):
        counts = ", ".join(f"{n} × `{t}`" for t, n in group.type_counts) or "(components only)"
        lines.append(f"| {group.label} | {counts} |")
    if plan.warnings:
        lines += ["", "**Warnings**", ""] + [f"- {w}" for w in plan.warnings]
    if plan.substituted_secrets:
        lines += ["", "Placeholders stood in for encrypted values: " + ", ".join(f"`{k}`" for k in plan.substituted_secrets)]
    for section in extra_sections or []:
        lines += ["", section]
    head = "\n".join(lines)
    rows = [f"| `{r.type}` | `{r.name}` | {'custom' if r.custom else 'component'} |" for r in plan.resources]
    details = ["", "<details><summary>All resources</summary>", "", "| type | name | kind |", "|---|---|---|"]
    budget = MARKDOWN_BUDGET - len(head) - 200
    shown = 0
    for row in rows:
        if budget - len(row) - 1 < 0:
            break
        details.append(row)
        budget -= len(row) + 1
        shown += 1
    if shown < len(rows):
        details.append(f"| … | {len(rows) - shown} more not shown (comment size limit) | |")
    details += ["", "</details>", ""]
    return head + "\n" + "\n".join(details)
