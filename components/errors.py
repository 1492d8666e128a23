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
        super().__init__(f"{component}: argument {argument!r} got {value!r}; {fix}")
