"""Find missing required arguments, argument keys a component does not know, values of the wrong type and values
outside a field's allowed set, at any depth, before anything is registered (`_validation.check_arguments` reports
them with the component's own rules, all at once).

Component arguments are TypedDicts: at runtime a plain dict, so a misspelled key (`managed_prometeus`) would
be silently ignored and the secure or intended behaviour silently lost. This check walks the arguments
against the TypedDict's declared keys, into nested TypedDicts, mappings and lists of them.

Allowed values come from `Literal[...]` annotations, and from ALLOWED_VALUES for the any-language
components, whose annotations are plain `str` because Pulumi's schema analyzer cannot read `Literal`.
"""

from __future__ import annotations

import ast
import datetime
import difflib
import functools
import inspect
import itertools
import textwrap
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi

from sentimark_platform.components.errors import InvalidArgumentError

__all__ = ["ALLOWED_VALUES", "argument_problems"]

ALLOWED_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("LockArgs", "kind"): ("CanNotDelete", "ReadOnly"),
    ("RoleAssignmentArgs", "principal_type"): ("User", "Group", "ServicePrincipal"),
    ("AksSystemPoolArgs", "os_disk_type"): ("Ephemeral", "Managed"),
    ("AksUserPoolArgs", "os_disk_type"): ("Ephemeral", "Managed"),
    ("AksMaintenanceWindowArgs", "day_of_week"): (
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
    ),
    ("AksClusterArgs", "tier"): ("Free", "Standard", "Premium"),
    ("AksClusterArgs", "network_policy"): ("cilium", "azure"),
    ("AksClusterArgs", "outbound_type"): (
        "loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway"
    ),
    ("AksClusterArgs", "upgrade_channel"): ("none", "patch", "stable", "rapid", "node-image"),
    ("AksClusterArgs", "node_os_upgrade_channel"): ("None", "Unmanaged", "NodeImage", "SecurityPatch"),
    ("BudgetNotificationArgs", "kind"): ("Actual", "Forecasted"),
    ("ContainerRegistryArgs", "sku"): ("Basic", "Standard", "Premium"),
    ("EventHubArgs", "authorization_rules"): ("Listen", "Send"),
    ("EventHubsArgs", "sku"): ("Basic", "Standard", "Premium"),
    ("FrontDoorArgs", "mode"): ("active-passive", "active-active"),
    ("FrontDoorArgs", "sku"): ("Standard_AzureFrontDoor", "Premium_AzureFrontDoor"),
    ("KeyVaultArgs", "sku"): ("standard", "premium"),
    ("GrafanaArgs", "sku"): ("Standard", "Essential"),
    ("NetworkSubnetArgs", "private_endpoint_network_policies"): (
        "Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled"
    ),
    ("PostgresServerArgs", "sku_tier"): ("Burstable", "GeneralPurpose", "MemoryOptimized"),
    ("PostgresServerArgs", "version"): ("13", "14", "15", "16", "17"),
    ("ClassicRedisArgs", "sku_name"): ("Basic", "Standard", "Premium"),
    ("ClassicRedisArgs", "family"): ("C", "P"),
    ("RedisArgs", "eviction_policy"): (
        "AllKeysLFU", "AllKeysLRU", "AllKeysRandom", "VolatileLRU", "VolatileLFU", "VolatileTTL",
        "VolatileRandom", "NoEviction",
    ),
    ("RedisArgs", "clustering_policy"): ("OSSCluster", "EnterpriseCluster", "NoCluster"),
}
"""(TypedDict name, field) -> allowed values, for fields annotated `str` (values in lists and maps, and lists
in maps, are checked one by one)."""


@functools.cache
def _hints(typed_dict: type) -> dict[str, Any]:
    # pulumi.Input[...] expands to a Union naming 'Output[T]' as a forward reference: resolve it there.
    return typing.get_type_hints(typed_dict, localns=dict(vars(pulumi.output)))


@functools.cache
def _required(typed_dict: type) -> tuple[str, ...]:
    """Keys without NotRequired, read from the annotations: in a module with `from __future__ import
    annotations`, Python 3.11's `__required_keys__` cannot see NotRequired and lists every key."""
    hints = typing.get_type_hints(typed_dict, localns=dict(vars(pulumi.output)), include_extras=True)
    return tuple(
        key for key, hint in hints.items()
        if typing.get_origin(hint) is typing.Required
        or (typing.get_origin(hint) is not typing.NotRequired and getattr(typed_dict, "__total__", True))
    )


def _field_doc(typed_dict: type, key: str) -> str:
    """The docstring under a TypedDict field, on one line ("" when the source is not at hand)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(typed_dict)))
    except (OSError, TypeError, SyntaxError):
        return ""
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for field, doc in itertools.pairwise(body):
        if (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name) and field.target.id == key
                and isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
            return " ".join(doc.value.value.split())
    return ""


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


Problems = list[InvalidArgumentError]


def _check(problems: Problems, component: str, value: Any, annotation: Any, path: str,
           about: Callable[[], str] = str) -> None:
    """Adds what is wrong with `value` to `problems`; `about` gives the field's docstring, for a message (read only
    when there is one)."""
    for alternative in _strip(annotation):
        origin = typing.get_origin(alternative)
        if _is_typed_dict(alternative) and isinstance(value, Mapping):
            hints = _hints(alternative)
            for key in _required(alternative):
                if key not in value:
                    doc = _field_doc(alternative, key)
                    problems.append(InvalidArgumentError(component, f"{path}{key}", None,
                                                         "required and missing" + (f": {doc}" if doc else "")))
            for key, item in value.items():
                if key not in hints:
                    close = difflib.get_close_matches(str(key), list(hints), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    problems.append(InvalidArgumentError(
                        component,
                        f"{path}{key}",
                        item,
                        f"{hint}no such argument; known here: {', '.join(sorted(hints))}",
                    ))
                    continue
                allowed = ALLOWED_VALUES.get((alternative.__name__, str(key)))
                if allowed is not None:
                    _check_values(problems, component, item, allowed, f"{path}{key}")
                _check(problems, component, item, hints[key], f"{path}{key}.",
                       functools.partial(_field_doc, alternative, str(key)))
            return
        if origin is typing.Literal:
            _check_values(problems, component, value, typing.get_args(alternative), path[:-1])
            return
        args = typing.get_args(alternative)
        if origin in (dict, Mapping, typing.Mapping) and isinstance(value, Mapping) and len(args) == 2:
            for key, item in value.items():
                _check(problems, component, item, args[1], f"{path[:-1]}[{key!r}].")
            return
        if (
            origin in (list, Sequence, typing.Sequence)
            and isinstance(value, (list, tuple))
            and len(args) == 1
        ):
            for i, item in enumerate(value):
                _check(problems, component, item, args[0], f"{path[:-1]}[{i}].")
            return
    _check_container(problems, component, value, _strip(annotation), path[:-1], about)
    _check_scalar(problems, component, value, _strip(annotation), path[:-1], about)


def _container_kind(annotation: Any) -> str | None:
    origin = typing.get_origin(annotation)
    if _is_typed_dict(annotation) or origin in (dict, Mapping, typing.Mapping):
        return "a mapping"
    if origin in (list, Sequence, typing.Sequence):
        return "a list"
    return None


def _check_container(problems: Problems, component: str, value: Any, alternatives: list[Any], path: str,
                     about: Callable[[], str]) -> None:
    """A field declared as a mapping or a list (or an Input of one) that got something else, such as text: the
    component would iterate over its characters or fail with a bare traceback."""
    kinds = [kind for a in alternatives if (kind := _container_kind(a))]
    if not kinds or any(not _container_kind(a) and not _is_output_like(a) for a in alternatives):
        return
    if value is None or isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return
    doc = about()
    problems.append(InvalidArgumentError(component, path, value, "give " + " or ".join(dict.fromkeys(kinds))
                                         + (f": {doc}" if doc else "")))


_SCALARS: dict[type, str] = {
    bool: "true or false (a bool: the text 'false' would count as true)",
    int: "a whole number",
    float: "a number",
    str: "text",
}


def _is_output_like(annotation: Any) -> bool:
    """pulumi.Input[T]'s other alternatives: Output[T] and Awaitable[T], values known only later."""
    origin = typing.get_origin(annotation) or annotation
    return origin is pulumi.Output or origin in (typing.Awaitable, __import__("collections.abc").abc.Awaitable)


def _check_scalar(problems: Problems, component: str, value: Any, alternatives: list[Any], path: str,
                  about: Callable[[], str]) -> None:
    """A field declared bool, int, float or str (or an Input of one) gets a value of that type: Python would treat
    the text "false" as true and "3" as no number, and the component would act on it without complaint."""
    kinds = [a for a in alternatives if a in _SCALARS]
    if not kinds or any(a not in _SCALARS and not _is_output_like(a) for a in alternatives):
        return
    if value is None or isinstance(value, pulumi.Output) or inspect.isawaitable(value):
        return
    if isinstance(value, bool):
        ok = bool in kinds
    elif isinstance(value, int):
        ok = int in kinds or float in kinds
    elif isinstance(value, float):
        ok = float in kinds
    elif isinstance(value, (str, datetime.date)):
        # A date where text is declared: IsoDate is `str` at run time (the schema analyzer takes no unions) and
        # Python callers may pass a datetime.date (components/_interfaces.py).
        ok = str in kinds
    else:
        ok = False
    if not ok:
        fix, doc = "give " + " or ".join(_SCALARS[k] for k in kinds), about()
        problems.append(InvalidArgumentError(component, path, value, fix + (f": {doc}" if doc else "")))


def _check_values(problems: Problems, component: str, value: Any, allowed: tuple[Any, ...], path: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_values(problems, component, item, allowed, f"{path}[{key!r}]")
        return
    values = value if isinstance(value, (list, tuple)) else [value]
    for item in values:
        if isinstance(item, pulumi.Output) or item in allowed:
            continue
        problems.append(InvalidArgumentError(component, path, item, f"use one of {', '.join(map(str, allowed))}"))


def argument_problems(component: str, args: Mapping[str, Any], typed_dict: type) -> list[InvalidArgumentError]:
    """Every required key missing, undeclared key given, value of the wrong type or outside a field's allowed set,
    at any depth (none while the arguments are an Output)."""
    problems: Problems = []
    if not isinstance(args, pulumi.Output):
        _check(problems, component, args, typed_dict, "")
    return problems
