"""Reject argument keys a component does not know, at any depth, before anything is registered.

Component arguments are TypedDicts: at runtime a plain dict, so a misspelled key (`managed_prometeus`) would
be silently ignored and the secure or intended behaviour silently lost. This check walks the arguments
against the TypedDict's declared keys, into nested TypedDicts, mappings and lists of them.
"""

from __future__ import annotations

import difflib
import functools
import typing
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components.errors import InvalidArgumentError

__all__ = ["check_argument_keys"]


@functools.cache
def _hints(typed_dict: type) -> dict[str, Any]:
    # pulumi.Input[...] expands to a Union naming 'Output[T]' as a forward reference: resolve it there.
    return typing.get_type_hints(typed_dict, localns=dict(vars(pulumi.output)))


def _is_typed_dict(annotation: Any) -> bool:
    return isinstance(annotation, type) and typing.is_typeddict(annotation)


def _strip(annotation: Any) -> list[Any]:
    """The alternatives of an annotation with Optional, NotRequired and pulumi.Input peeled off."""
    origin = typing.get_origin(annotation)
    if origin in (typing.NotRequired, typing.Required, typing.Annotated):
        return _strip(typing.get_args(annotation)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        return [alt for arg in typing.get_args(annotation) if arg is not type(None) for alt in _strip(arg)]
    return [annotation]


def _check(component: str, value: Any, annotation: Any, path: str) -> None:
    for alternative in _strip(annotation):
        origin = typing.get_origin(alternative)
        if _is_typed_dict(alternative) and isinstance(value, Mapping):
            hints = _hints(alternative)
            for key, item in value.items():
                if key not in hints:
                    close = difflib.get_close_matches(str(key), list(hints), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    raise InvalidArgumentError(
                        component,
                        f"{path}{key}",
                        item,
                        f"{hint}no such argument; known here: {', '.join(sorted(hints))}",
                    )
                _check(component, item, hints[key], f"{path}{key}.")
            return
        args = typing.get_args(alternative)
        if origin in (dict, Mapping, typing.Mapping) and isinstance(value, Mapping) and len(args) == 2:
            for key, item in value.items():
                _check(component, item, args[1], f"{path[:-1]}[{key!r}].")
            return
        if (
            origin in (list, Sequence, typing.Sequence)
            and isinstance(value, (list, tuple))
            and len(args) == 1
        ):
            for i, item in enumerate(value):
                _check(component, item, args[0], f"{path[:-1]}[{i}].")
            return


def check_argument_keys(component: str, args: Mapping[str, Any], typed_dict: type) -> None:
    """Raise InvalidArgumentError for the first key `typed_dict` (at any depth) does not declare."""
    if isinstance(args, pulumi.Output):
        return
    _check(component, args, typed_dict, "")
