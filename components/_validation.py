"""One rule shape and one runner for every component's argument checks.

A rule is `(argument, value, is_bad, fix)`: `is_bad` is either the verdict (a bool computed by the caller) or a
predicate on the value. `check_rules` evaluates every rule and raises one InvalidArgumentError that lists every
failure, so a caller fixes all of them in one round instead of one per run. Values still unknown (Outputs) are
skipped; once an argument has failed, its later rules are not asked (they may assume what the first one checked),
and a predicate that raises on a value of the wrong type counts as a failure of its rule, never as a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pulumi

from components.errors import InvalidArgumentError

__all__ = ["Rule", "check_rules"]

Rule = tuple[str, Any, bool | Callable[[Any], bool], str]
"""(argument, value, is it bad? (a bool, or a predicate on the value), how to fix it)."""


def _fails(value: Any, is_bad: bool | Callable[[Any], bool]) -> bool:
    if not callable(is_bad):
        return bool(is_bad)
    try:
        return bool(is_bad(value))
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return True


def check_rules(component: str, rows: Iterable[Rule]) -> None:
    """Raise InvalidArgumentError for every failing rule at once; nothing when all pass."""
    failed: list[InvalidArgumentError] = []
    failed_arguments: set[str] = set()
    for argument, value, is_bad, fix in rows:
        if isinstance(value, pulumi.Output) or argument in failed_arguments:
            continue
        if _fails(value, is_bad):
            failed.append(InvalidArgumentError(component, argument, value, fix))
            failed_arguments.add(argument)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        raise InvalidArgumentError.several(component, failed)
