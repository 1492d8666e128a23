"""Typed stack settings for Pulumi programs: one loader, every problem at once, secrets kept secret.

A program describes its settings as a pydantic model (derive from `SettingsModel`: camelCase keys, frozen,
unknown keys refused, cross-field rules in `_rules`) and calls `load_settings_model`. Every problem in the
stack file is reported at once, before any resource is registered, as

    Pulumi.uat.yaml: <project>:aks.userPool.minCount: got 8; allowed: no more than maxCount (6)

in a `SettingsError`, a `pulumi.RunError`, so `pulumi up` prints it without a traceback.

Precedence is Pulumi's own: a value in `Pulumi.<stack>.yaml` wins over a `default:` declared in the project's
`Pulumi.yaml`; the model's defaults apply only to keys neither file sets. Objects arrive from the engine as
JSON text and are parsed here; scalars arrive as text and pydantic converts them. Secret keys are read with
`get_secret` (never `get_object`, which returns secrets decrypted and unmarked), so they reach resources as
secret Outputs, and a plaintext value under a secret key is refused without being echoed. So are an encrypted
value under a key that is not secret, a value under an unknown key whose name looks like a credential (typos
included: `postgresPasword`), and any key in a namespace nobody reads (`sentimark-platfom:aks`: "did you mean").
"""

from __future__ import annotations

import difflib
import json
import re
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pulumi
from pulumi.runtime import config as runtime_config
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

__all__ = ["PROVIDER_NAMESPACES", "ConfigProblem", "SettingsError", "SettingsModel", "load_settings_model"]

M = TypeVar("M", bound=BaseModel)

PROVIDER_NAMESPACES: frozenset[str] = frozenset({
    "pulumi",  # the engine and SDK's own settings (pulumi:disable-default-providers, pulumi:tags, ...)
    "azure-native",  # Azure Resource Manager (azure-native:location, :subscriptionId, ...)
    "azure",  # the classic Azure provider, and its azure:location setting some tools read
    "azuread",  # Entra ID
    "kubernetes",  # kubernetes:kubeconfig, :context, :enableServerSideApply, ...
    "random",
    "tls",
    "command",
})
"""Namespaces of the providers and SDK settings a stack file of these programs may configure besides the project's
own. A key in any other namespace is read by nobody: most often a misspelt project prefix (`sentimark-platfom:aks`,
`Sentimark-Platform:aks`), whose setting would silently fall back to its default. A program that configures
another provider passes its namespace in `other_namespaces`."""


class SettingsModel(BaseModel):
    """Base of settings models: camelCase keys, frozen, unknown keys refused, cross-field rules in `_rules`."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        """Yield (field alias or dotted path, value received, what is allowed) for each rule that fails."""
        return iter(())

    @model_validator(mode="after")
    def _check_rules(self) -> SettingsModel:
        problems = list(self._rules())
        if problems:
            # One error carries every failed rule of this model; the loader reports each at its own key path,
            # and a section with a problem still lets every other section report its own.
            raise PydanticCustomError("settings_rules", "cross-field rules failed", {"rules": problems})
        return self


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong in a stack file: where, what was received, and what is allowed."""

    file: str
    path: str
    got: str
    allowed: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: got {self.got}; allowed: {self.allowed}"


class SettingsError(pulumi.RunError):
    """The stack's configuration is invalid. A RunError, so that `pulumi up` prints it without a traceback."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        lines = [f"{len(problems)} configuration problem(s); no resource was registered:"]
        lines += [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


def load_settings_model(
    model: type[M],
    *,
    secret_keys: Mapping[str, str] | None = None,
    stack_field: str | None = None,
    namespace: str | None = None,
    stack: str | None = None,
    other_namespaces: Iterable[str] = (),
) -> tuple[M, dict[str, pulumi.Output[str] | None]]:
    """Validate the current stack's configuration against `model`; raise SettingsError listing every problem.

    `secret_keys` maps the top-level keys that must be set with `pulumi config set --secret` to what each
    holds; their values come back as secret Outputs (None when not set) and never pass through validation.
    `stack_field` names a model field whose value must equal the stack's name (e.g. "environment").
    A key outside `namespace`, the project's and PROVIDER_NAMESPACES (plus `other_namespaces`) is refused, and
    so is an encrypted value under a key that is not in `secret_keys`; neither error shows the value.
    """
    secret_keys = dict(secret_keys or {})
    namespace = namespace or pulumi.get_project()
    stack = stack or pulumi.get_stack()
    stack_file = f"Pulumi.{stack}.yaml"
    config = pulumi.Config(namespace)
    problems: list[ConfigProblem] = []
    raw: dict[str, Any] = {}
    secrets: dict[str, pulumi.Output[str] | None] = dict.fromkeys(secret_keys)

    known_namespaces = {namespace, pulumi.get_project(), *PROVIDER_NAMESPACES, *other_namespaces}
    problems += _foreign_keys(stack_file, namespace, known_namespaces)

    for key in _keys_in_namespace(namespace):
        full_key = f"{namespace}:{key}"
        if key not in secret_keys and runtime_config.is_config_secret(full_key):
            # Set with `--secret` but not a secret setting: the engine hands the program the decrypted text, which
            # validation would echo ("got ..."); refused without it.
            problems.append(ConfigProblem(stack_file, full_key, "an encrypted value (not shown)",
                                          _allowed_for_encrypted(model, key, secret_keys)))
            continue
        if key in secret_keys:
            if not runtime_config.is_config_secret(full_key):
                problems.append(
                    ConfigProblem(
                        stack_file,
                        full_key,
                        "a plaintext value (not shown)",
                        f"an encrypted value, {secret_keys[key]}: `pulumi config set --secret {key} <value>`",
                    )
                )
            else:
                secrets[key] = config.get_secret(key)
            continue
        text = config.get(key)
        if text is not None:
            raw[key] = _parse(text)

    try:
        settings = model.model_validate(raw)
    except ValidationError as error:
        # A key refused above (encrypted, not a secret) is missing from `raw`: it is not also "(not set)".
        refused = {p.path for p in problems}
        found = [p for p in _problems_from(model, error, stack_file, namespace) if p.path not in refused]
        raise SettingsError(problems + found) from None

    if stack_field is not None and getattr(settings, stack_field) != stack:
        field = model.model_fields[stack_field]
        problems.append(
            ConfigProblem(
                stack_file,
                f"{namespace}:{field.alias or stack_field}",
                json.dumps(getattr(settings, stack_field)),
                f"{json.dumps(stack)}, the name of the stack this file configures",
            )
        )
    if problems:
        raise SettingsError(problems)
    return settings, secrets


def _keys_in_namespace(namespace: str) -> list[str]:
    # The SDK has no public listing of config keys; the runtime's map is the one every Config reads.
    every_key = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    prefix = f"{namespace}:"
    return sorted(k[len(prefix) :] for k in every_key if k.startswith(prefix))


def _foreign_keys(stack_file: str, namespace: str, known: set[str]) -> list[ConfigProblem]:
    """Keys in a namespace nobody reads, with a "did you mean" when the namespace is close to a known one."""
    every_key = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    problems = []
    for full_key in sorted(every_key):
        prefix, _, key = full_key.partition(":")
        if prefix in known:
            continue
        allowed = (f"keys of this project ({namespace}:<key>) or of a provider the program configures "
                   f"({', '.join(sorted(known - {namespace}))})")
        same_but_case = [n for n in sorted(known) if n.lower() == prefix.lower()]
        close = same_but_case or difflib.get_close_matches(prefix, sorted(known), n=1, cutoff=0.8)
        if close:
            allowed += f"; did you mean {close[0]}:{key}?"
        problems.append(ConfigProblem(stack_file, full_key, f"a key in the namespace {json.dumps(prefix)}", allowed))
    return problems


def _allowed_for_encrypted(model: type[BaseModel], key: str, secret_keys: Mapping[str, str]) -> str:
    known = _known_keys(model, [])
    close = difflib.get_close_matches(key, list(secret_keys), n=1, cutoff=0.8)
    if close:
        return f"an encrypted value only under {', '.join(sorted(secret_keys))}; did you mean {close[0]}?"
    if key in known:
        secrets = f" (encrypted settings here: {', '.join(sorted(secret_keys))})" if secret_keys else ""
        return (f"a plain value: {key} is not a secret setting, set it with `pulumi config set {key} <value>`, "
                f"without --secret{secrets}")
    guess = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
    return "no such key" + (f"; did you mean {guess[0]}?" if guess else "; known keys here: " + ", ".join(known))


def _may_hold_secret(key: str) -> bool:
    """Whether a key's value may be a credential, typos included (offline._masking.may_be_secret_key)."""
    from sentimark_platform.offline._masking import (
        may_be_secret_key,  # only on the error path: a program needs no offline engine
    )

    return may_be_secret_key(key)


def _parse(text: str) -> Any:
    # The engine hands structured values over as JSON text and scalars as plain text.
    if text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return text


def _problems_from(model: type[BaseModel], error: ValidationError, stack_file: str, namespace: str) -> list[ConfigProblem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        if item["type"] == "settings_rules":
            for field, got, allowed in item["ctx"]["rules"]:
                path = _format_path(namespace, loc + field.split("."))
                problems.append(ConfigProblem(stack_file, path, _show(got), allowed))
            continue
        if loc and loc[-1] == "[key]":
            loc = loc[:-1]
            # A mapping key the model refuses (e.g. an application name): say which key, and what keys may be.
            problems.append(
                ConfigProblem(stack_file, _format_path(namespace, loc), _show(item["input"]), "a key " + _allowed(model, item, loc))
            )
            continue
        if item["type"] == "missing":
            got = "(not set)"
        elif any(isinstance(part, str) and _may_hold_secret(part) for part in loc):
            got = "(not shown)"
        elif not loc or isinstance(item["input"], Mapping):
            # A model-level validator: the whole object is the input; name its keys, not their values.
            got = "the settings " + (", ".join(sorted(item["input"])) if isinstance(item["input"], Mapping) else "")
        else:
            got = _show(item["input"])
        problems.append(ConfigProblem(stack_file, _format_path(namespace, loc), got, _allowed(model, item, loc)))
    return problems


def _format_path(namespace: str, loc: list[Any]) -> str:
    text = namespace + ":"
    for i, part in enumerate(loc):
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if i else "") + str(part)
    return text


_URL_CREDENTIALS = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")


def _show(value: Any) -> str:
    # A URL with credentials in it (https://user:token@host/...) is refused somewhere; the token is never echoed.
    if isinstance(value, str):
        value = _URL_CREDENTIALS.sub(r"\1(credentials not shown)@", value)
    return json.dumps(value, default=str)


_ALLOWED_BY_TYPE = {
    "missing": "a value (this key is required)",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text (quote it in YAML: \"1.33\", not 1.33)",
    "list_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "date_from_datetime_parsing": "a date such as 2026-12-01",
    "date_parsing": "a date such as 2026-12-01",
    "date_type": "a date such as 2026-12-01",
}


def _allowed(model: type[BaseModel], item: Any, loc: list[Any]) -> str:
    kind, ctx = item["type"], item.get("ctx") or {}
    if kind == "extra_forbidden":
        known = _known_keys(model, loc[:-1])
        return "no such key; known keys here: " + ", ".join(known) if known else "no such key"
    if kind == "literal_error":
        return f"one of {ctx['expected']}"
    if kind == "string_pattern_mismatch":
        return f"text matching {ctx['pattern']}"
    bounds = {
        "greater_than_equal": ("a number >=", "ge"),
        "greater_than": ("a number >", "gt"),
        "less_than_equal": ("a number <=", "le"),
        "less_than": ("a number <", "lt"),
        "too_short": ("at least this many items:", "min_length"),
        "too_long": ("at most this many items:", "max_length"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {ctx[key]}"
    # A model validator's ValueError: its message says what is allowed.
    return _ALLOWED_BY_TYPE.get(kind, str(item["msg"]).removeprefix("Value error, "))


def _known_keys(model: type[BaseModel], loc: list[Any]) -> list[str]:
    """The keys a settings object accepts at `loc`, for 'no such key' messages."""
    node: Any = model
    for part in loc:
        node = _strip(node)
        if isinstance(part, str) and _is_model(node):
            field = next((f for n, f in node.model_fields.items() if (f.alias or n) == part), None)
            if field is None:
                return []
            node = field.annotation
        else:
            # A list index or a mapping key: step into the element type.
            args = typing.get_args(node)
            node = args[-1] if args else node
    node = _strip(node)
    return sorted(f.alias or n for n, f in node.model_fields.items()) if _is_model(node) else []


def _is_model(node: Any) -> bool:
    return isinstance(node, type) and issubclass(node, BaseModel)


def _strip(annotation: Any) -> Any:
    """Unwrap Annotated[X, ...] and X | None down to X."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = rest[0] if len(rest) == 1 else annotation
            if len(rest) != 1:
                return annotation
        else:
            return annotation
