"""One rule shape and one runner for every component's argument checks.

`check_arguments` is what a component calls first: the field checks its TypedDict declares (required keys, known
keys, scalar types, allowed values beside each field: `_arguments`) and the component's own rules, cross-field ones
included, in one run, raising one InvalidArgumentError that lists every failure, so a caller fixes all of them in
one round instead of one per run.

A rule is `(argument, value, is_bad, fix)`: `is_bad` is either the verdict (a bool computed by the caller) or a
predicate on the value. Values still unknown (Outputs) are skipped; once an argument has failed (a field check
included), its later rules are not asked (they may assume what the first one checked), and a predicate that raises
on a value of the wrong type counts as a failure of its rule, never as a traceback. Rules come from a function, so
that when arguments are malformed enough that the rules cannot even be built (a required key missing), the field
problems are reported alone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pulumi

from sentimark_platform.components._arguments import argument_problems
from sentimark_platform.components.errors import InvalidArgumentError

__all__ = ["Rule", "check_arguments", "check_rules", "ipv4_network"]

Rule = tuple[str, Any, bool | Callable[[Any], bool], str]
"""(argument, value, is it bad? (a bool, or a predicate on the value), how to fix it)."""


def ipv4_network(value: object) -> ipaddress.IPv4Network | None:
    """The IPv4 network `value` names exactly (a bare address, host bits or IPv6 are not), or None: the one CIDR
    check of the components' rules."""
    if not isinstance(value, str) or "/" not in value:  # ip_network would read a bare address as a /32
        return None
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return None
    return net if isinstance(net, ipaddress.IPv4Network) else None


def _fails(value: Any, is_bad: bool | Callable[[Any], bool]) -> bool:
    if not callable(is_bad):
        return bool(is_bad)
    try:
        return bool(is_bad(value))
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return True


def _overlaps(argument: str, failed: set[str]) -> bool:
    """The argument is one that failed, or lies inside or around one (`pool.vm_size` and `pool`)."""
    return any(argument == path or argument.startswith((f"{path}.", f"{path}[")) or path.startswith((f"{argument}.", f"{argument}["))
               for path in failed)


def _failing(component: str, rows: Iterable[Rule], failed: list[InvalidArgumentError]) -> list[InvalidArgumentError]:
    found: list[InvalidArgumentError] = []
    failed_arguments = {problem.argument for problem in failed}
    for argument, value, is_bad, fix in rows:
        if isinstance(value, pulumi.Output) or _overlaps(argument, failed_arguments):
            continue
        if _fails(value, is_bad):
            found.append(InvalidArgumentError(component, argument, value, fix))
            failed_arguments.add(argument)
    return found


def _raise(component: str, failed: list[InvalidArgumentError]) -> None:
    if len(failed) == 1:
        raise failed[0]
    if failed:
        raise InvalidArgumentError.several(component, failed)


def check_rules(component: str, rows: Iterable[Rule]) -> None:
    """Raise InvalidArgumentError for every failing rule at once; nothing when all pass."""
    _raise(component, _failing(component, rows, []))


_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def check_arguments(component: str, args: Mapping[str, Any], typed_dict: type,
                    rules: Callable[[], Iterable[Rule]] | None = None) -> None:
    """Raise one InvalidArgumentError for every field problem and every failing rule of `rules()`, or nothing."""
    if isinstance(args, pulumi.Output):
        return
    failed = argument_problems(component, args, typed_dict)
    if rules is not None:
        try:
            rows = list(rules())
        except _MALFORMED:
            if not failed:
                raise  # well-formed arguments the rules cannot read: a bug in the rules, with its traceback
            rows = []
        failed += _failing(component, rows, failed)
    _raise(component, failed)
