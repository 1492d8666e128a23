"""The error every component raises for bad arguments, before it registers any resource."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pulumi

__all__ = ["InvalidArgumentError"]


def _shown(value: object) -> str:
    """A value as the caller wrote it: a date as its ISO text (a stack file's `2026-12-01`), anything else as repr."""
    return repr(value.isoformat()) if isinstance(value, dt.date) else repr(value)


class InvalidArgumentError(pulumi.RunError, ValueError):
    """An argument a component cannot accept: names the component, the argument, the value and the fix.

    A `pulumi.RunError`, so that `pulumi up` prints the message without a traceback.
    """

    def __init__(self, component: str, argument: str, value: object, fix: str) -> None:
        self.component = component
        self.argument = argument
        self.value = value
        self.fix = fix
        self.problems: list[InvalidArgumentError] = [self]
        """Every bad argument found in the same check (this one alone unless built by `several`)."""
        super().__init__(f"{component}: argument {argument!r} got {_shown(value)}; {fix}")

    @classmethod
    def several(cls, component: str, problems: list[InvalidArgumentError]) -> InvalidArgumentError:
        """One error for several bad arguments: the first is its argument, value and fix; the message lists all."""
        first = problems[0]
        error = cls(component, first.argument, first.value, first.fix)
        error.problems = list(problems)
        lines = [f"{component}: {len(problems)} bad arguments (nothing of it was registered):"]
        lines += [f"  - argument {p.argument!r} got {_shown(p.value)}; {p.fix}" for p in problems]
        pulumi.RunError.__init__(error, "\n".join(lines))
        return error

    def with_sources(self, source: Callable[[str], str | None]) -> InvalidArgumentError:
        """The same problems, each naming where its argument came from (`source(argument)`, e.g. the stack-file key
        a composition built it from), for errors that reach someone who never wrote the component call."""
        problems = [InvalidArgumentError(p.component, p.argument, p.value,
                                         p.fix + (f" (from {where})" if (where := source(p.argument)) else ""))
                    for p in self.problems]
        return problems[0] if len(problems) == 1 else InvalidArgumentError.several(self.component, problems)
