"""The error every component raises for bad arguments, before it registers any resource."""

from __future__ import annotations

import pulumi

__all__ = ["InvalidArgumentError"]


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
        super().__init__(f"{component}: argument {argument!r} got {value!r}; {fix}")

    @classmethod
    def several(cls, component: str, problems: list[InvalidArgumentError]) -> InvalidArgumentError:
        """One error for several bad arguments: the first is its argument, value and fix; the message lists all."""
        first = problems[0]
        error = cls(component, first.argument, first.value, first.fix)
        error.problems = list(problems)
        lines = [f"{component}: {len(problems)} bad arguments (nothing of it was registered):"]
        lines += [f"  - argument {p.argument!r} got {p.value!r}; {p.fix}" for p in problems]
        pulumi.RunError.__init__(error, "\n".join(lines))
        return error
