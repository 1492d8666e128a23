"""Policy results as terminal lines and as a Markdown section of a pull-request comment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ._base import PolicyResult, resource_label

__all__ = ["Summary", "format_lines", "format_markdown", "summarize"]


@dataclass(frozen=True)
class Summary:
    checks: int
    passed: int
    failed: int
    blocking: int
    """Failed mandatory policies."""
    policies: int
    """Distinct policies evaluated."""

    def sentence(self) -> str:
        return (f"{self.policies} policies, {self.checks} checks: {self.passed} passed, {self.failed} failed "
                f"({self.blocking} mandatory)")


def summarize(results: Sequence[PolicyResult]) -> Summary:
    failed = [r for r in results if not r.passed]
    return Summary(
        checks=len(results),
        passed=len(results) - len(failed),
        failed=len(failed),
        blocking=sum(1 for r in failed if r.enforcement == "mandatory"),
        policies=len({r.policy for r in results}),
    )


def _where(result: PolicyResult) -> str:
    return resource_label(result.urn) if result.urn else "(stack)"


def format_lines(results: Sequence[PolicyResult]) -> list[str]:
    """One line per failed check (blocking first), then the summary line."""
    lines = [
        f"{'FAIL' if r.enforcement == 'mandatory' else 'WARN'} [{r.enforcement}] {r.policy} ({r.severity}) "
        f"{_where(r)}: {r.message}"
        for r in results
        if not r.passed
    ]
    return [*lines, f"Policies: {summarize(results).sentence()}"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(results: Sequence[PolicyResult], *, max_chars: int = 20_000, heading: str = "### Policy results") -> str:
    """A Markdown section: summary, a table of failed checks, the passing policies folded.

    Stays under `max_chars`: rows that do not fit are counted in a closing line."""
    summary = summarize(results)
    status = ":no_entry: blocking violations" if summary.blocking else (
        ":warning: advisory violations" if summary.failed else ":white_check_mark: compliant")
    head = [heading, "", f"{status}: {summary.sentence()}.", ""]
    failed = [r for r in results if not r.passed]
    passed_counts = Counter(r.policy for r in results if r.passed)
    tail = []
    if passed_counts:
        tail = ["", f"<details><summary>{len(passed_counts)} policies with passing checks</summary>", ""]
        tail += [f"- `{name}`: {count} passed" for name, count in sorted(passed_counts.items())]
        tail += ["", "</details>"]
    body: list[str] = []
    if failed:
        body = ["| | policy | severity | resource | what to fix |", "|---|---|---|---|---|"]
        rows = [
            f"| {'⛔' if r.enforcement == 'mandatory' else '⚠️'} {r.enforcement} | `{r.policy}` | {r.severity} | "
            f"`{_cell(_where(r))}` | {_cell(r.message)} |"
            for r in failed
        ]
        budget = max_chars - len("\n".join(head + body + tail)) - 200
        shown = 0
        for row in rows:
            if budget - len(row) - 1 < 0:
                break
            body.append(row)
            budget -= len(row) + 1
            shown += 1
        if shown < len(rows):
            body.append("")
            body.append(f"… and {len(rows) - shown} more failed checks not shown (comment size limit); run "
                        "`python -m stacks validate` for the full list.")
    text = "\n".join(head + body + tail) + "\n"
    if len(text) > max_chars:  # only when even the passing list is too long: drop it
        text = "\n".join(head + body) + "\n"
    return text
