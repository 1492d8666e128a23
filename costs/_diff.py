"""Rendering estimates: terminal lines, a Markdown report, and the monthly delta between two plans for a PR."""

from __future__ import annotations

from typing import Any

from sentimark_platform.costs._estimate import Estimate, PriceTable, estimate_plan

__all__ = ["cost_diff", "estimate_markdown", "format_estimate", "money", "signed_money"]


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def signed_money(amount: float) -> str:
    rounded = round(amount, 2)
    if rounded == 0:
        return "$0.00"
    return f"+${rounded:,.2f}" if rounded > 0 else f"-${-rounded:,.2f}"


def _short(resource_type: str) -> str:
    return resource_type.removeprefix("azure-native:")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _basis_note(estimate: Estimate) -> str:
    return (f"Offline estimate in {estimate.currency} from list prices written down on {estimate.prices_written_on} "
            "(pay-as-you-go, not fetched live); usage-based charges are not included.")


def format_estimate(estimate: Estimate) -> list[str]:
    """Terminal lines: the total, each priced resource with its lines, then what could not be priced."""
    stack = f" of stack {estimate.stack}" if estimate.stack else ""
    bound = "" if estimate.complete else " (lower bound: some resources could not be priced)"
    lines = [f"Estimated monthly cost{stack}: {money(estimate.total_usd)}{bound}", f"  {_basis_note(estimate)}"]
    for r in sorted(estimate.resources, key=lambda r: (-r.monthly_usd, r.name)):
        where = f", {r.region}" if r.region else ""
        lines.append(f"  {money(r.monthly_usd):>12}  {r.name} ({_short(r.type)}{where})")
        lines += [f"  {'':>12}    {line.what}: {money(line.monthly_usd)} = {line.basis}" for line in r.lines]
    if estimate.unpriced:
        lines.append(f"  Could not price ({len(estimate.unpriced)}):")
        lines += [f"    - {u.name} ({_short(u.type)}): {u.reason}" for u in estimate.unpriced]
    lines.append(f"  Known free: {len(estimate.free)} resources (resource groups, role assignments, locks, settings, ...)")
    if estimate.assumptions:
        lines.append("  Assumptions:")
        lines += [f"    - {a}" for a in estimate.assumptions]
    if estimate.not_estimated:
        lines.append("  Not estimated: " + "; ".join(estimate.not_estimated))
    return lines


def estimate_markdown(estimate: Estimate) -> str:
    """A Markdown section: one row per priced resource, the total, unpriced resources and assumptions."""
    stack = f" — {estimate.stack}" if estimate.stack else ""
    out = [f"### Estimated monthly cost{stack}", "", _basis_note(estimate), ""]
    out += ["| Resource | Type | Region | Monthly | How |", "|---|---|---|---:|---|"]
    for r in sorted(estimate.resources, key=lambda r: (-r.monthly_usd, r.name)):
        how = "<br>".join(_cell(f"{line.what}: {money(line.monthly_usd)}") for line in r.lines)
        out.append(f"| {_cell(r.name)} | `{_short(r.type)}` | {r.region or ''} | {money(r.monthly_usd)} | {how} |")
    total = f"**{money(estimate.total_usd)}**" + ("" if estimate.complete else " (lower bound)")
    out.append(f"| **Total** | | | {total} | |")
    if estimate.unpriced:
        out += ["", f"**Could not price ({len(estimate.unpriced)})** — not counted as zero, missing from the total:", ""]
        out += [f"- `{_cell(u.name)}` (`{_short(u.type)}`): {_cell(u.reason)}" for u in estimate.unpriced]
    out += ["", f"Known free: {len(estimate.free)} resources."]
    if estimate.assumptions:
        out += ["", "<details><summary>Assumptions</summary>", ""]
        out += [f"- {_cell(a)}" for a in estimate.assumptions]
        out += ["", "</details>"]
    if estimate.not_estimated:
        out += ["", "Not estimated: " + "; ".join(estimate.not_estimated) + "."]
    return "\n".join(out) + "\n"


def cost_diff(base_plan: Any, head_plan: Any, *, prices: PriceTable | None = None) -> str:
    """The per-resource and total monthly delta from `base_plan` to `head_plan` (plan JSON dicts or
    `offline.Plan`s), as Markdown for a pull request. Resources are matched by URN."""
    base, head = estimate_plan(base_plan, prices=prices), estimate_plan(head_plan, prices=prices)
    before, after = base.per_resource(), head.per_resource()
    named = {r.urn: (r.name, r.type) for r in (*base.resources, *head.resources)}
    rows = []
    for urn in before.keys() | after.keys():
        old, new = before.get(urn), after.get(urn)
        if old is not None and new is not None and round(new - old, 2) == 0:
            continue
        rows.append((urn, old, new, (new or 0.0) - (old or 0.0)))
    rows.sort(key=lambda row: (-abs(row[3]), named[row[0]][0]))
    delta = head.total_usd - base.total_usd
    stack = f" — {head.stack}" if head.stack else ""
    out = [f"### Monthly cost change{stack}", ""]
    if not rows:
        out.append(f"No change in the estimated monthly cost ({money(head.total_usd)}).")
    else:
        out += ["| Resource | Type | Base | Head | Change |", "|---|---|---:|---:|---:|"]
        for urn, old, new, change in rows:
            name, typ = named[urn]
            shown_old = money(old) if old is not None else "—"
            shown_new = money(new) if new is not None else "—"
            out.append(f"| {_cell(name)} | `{_short(typ)}` | {shown_old} | {shown_new} | {signed_money(change)} |")
        out.append(f"| **Total** | | **{money(base.total_usd)}** | **{money(head.total_usd)}** | **{signed_money(delta)}** |")
    new_unpriced = sorted({u.urn: u for u in head.unpriced}.items())
    if new_unpriced:
        out += ["", f"**Could not price in head ({len(new_unpriced)})** — missing from the totals, not counted as zero:", ""]
        out += [f"- `{_cell(u.name)}` (`{_short(u.type)}`): {_cell(u.reason)}" for _, u in new_unpriced]
    out += ["", _basis_note(head)]
    return "\n".join(out) + "\n"
