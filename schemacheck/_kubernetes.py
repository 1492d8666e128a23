"""Checks Kubernetes objects: custom resources against CRD schemas from rules.json, core objects against the
schemas kubernetes-validate bundles (its strict variant, so unknown fields are reported).

kubernetes-validate's own `validate()` re-reads a 1.4 MB definitions file per call and stops at the first
error; we use its bundled schema files and registry layout directly, with one compiled validator per
schema, and collect every error.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import kubernetes_validate.utils as kv_utils
import referencing
from jsonschema.exceptions import ValidationError

from ._report import Issue, is_placeholder, join_path, show, show_allowed

_SCHEMA_ROOT = "kubernetes-json-schema"


# --- custom resources ----------------------------------------------------------------------------------

class CrdChecker:
    """Validates custom resources whose group/version/kind has a CRD schema in rules.json."""

    def __init__(self, crd_rules: dict[str, Any]) -> None:
        self._kinds: dict[str, Any] = crd_rules["kinds"]
        self._schemas: dict[str, Any] = crd_rules["schemas"]
        self._validators: dict[str, jsonschema.protocols.Validator] = {}

    def covers(self, api_version: str, kind: str) -> bool:
        return f"{api_version}/{kind}" in self._kinds

    def source(self, api_version: str, kind: str) -> str:
        return str(self._kinds[f"{api_version}/{kind}"]["source"])

    def check(self, api_version: str, kind: str, manifest: dict[str, Any]) -> list[Issue]:
        digest = self._kinds[f"{api_version}/{kind}"]["schema"]
        validator = self._validators.get(digest)
        if validator is None:
            validator = jsonschema.Draft202012Validator(self._schemas[digest])
            self._validators[digest] = validator
        return issues_from(validator, manifest)


# --- core objects --------------------------------------------------------------------------------------

def _minor(version: str) -> tuple[int, int]:
    match = re.match(r"v?(\d+)\.(\d+)", version)
    if match is None:
        raise ValueError(f"Kubernetes version {version!r} is not like '1.33'")
    return int(match.group(1)), int(match.group(2))


@functools.cache
def nearest_supported_version(requested: str) -> str:
    """The bundled schema version closest to `requested` (ties go to the older one): "1.33" -> "1.33.0"."""
    wanted = _minor(requested)
    versions = kv_utils.all_versions()

    def distance(version: str) -> tuple[int, int]:
        major, minor = _minor(version)
        return abs((major - wanted[0]) * 1000 + minor - wanted[1]), minor

    return str(min(versions, key=distance))


@functools.cache
def _registry(version: str) -> referencing.Registry[Any]:
    definitions = kv_utils.schema_contents(f"{_SCHEMA_ROOT}/v{version}-local-strict/_definitions.json", version)
    registry: referencing.Registry[Any] = referencing.Resource.from_contents(definitions) @ referencing.Registry()
    return registry


@functools.cache
def _core_validator(version: str, kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    """A compiled validator for one kind, or None when the package has no schema for it."""
    # Same file naming as kubernetes_validate.utils.validate: rbac.authorization.k8s.io/v1 -> rbac-v1.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    file_name = f"{_SCHEMA_ROOT}/v{version}-local-strict/{kind.lower()}-{group_version}.json"
    try:
        schema = kv_utils.schema_contents(file_name, version)
    except FileNotFoundError:
        return None
    return jsonschema.Draft202012Validator(schema, registry=_registry(version))


def check_core(version: str, api_version: str, kind: str, manifest: dict[str, Any]) -> list[Issue] | None:
    """Issues for a core object, or None when kubernetes-validate has no schema for its kind."""
    validator = _core_validator(version, kind, api_version)
    return None if validator is None else issues_from(validator, manifest)


# --- error translation ---------------------------------------------------------------------------------

def issues_from(validator: jsonschema.protocols.Validator, manifest: dict[str, Any]) -> list[Issue]:
    """All errors as Issues, without those about the engine's secret/unknown placeholders."""
    issues: list[Issue] = []
    for error in validator.iter_errors(manifest):
        if _about_placeholder(error):
            continue
        issues.extend(_translate(error))
    return sorted(set(issues), key=lambda issue: (issue.path, issue.message))


def _about_placeholder(error: ValidationError) -> bool:
    if is_placeholder(error.instance):
        return True
    # A oneOf/anyOf over an object that only failed because of a placeholder inside it.
    return bool(error.context) and all(_about_placeholder(sub) for sub in error.context)


def _path(error: ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path = join_path(path, part)
    return path


def _translate(error: ValidationError) -> Iterator[Issue]:
    path = _path(error)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = sorted(schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(known)):
            yield Issue(join_path(path, key), f"unknown field {key!r}", show_allowed(known) if known else None)
    elif error.validator == "required":
        for key in error.validator_value:
            if isinstance(error.instance, dict) and key not in error.instance:
                yield Issue(join_path(path, key), "required field is missing")
    elif error.validator == "type":
        expected = error.validator_value
        wanted = " or ".join(expected) if isinstance(expected, list) else expected
        yield Issue(path, f"expected {wanted}, got {_json_type(error.instance)} {show(error.instance)}")
    elif error.validator == "enum":
        yield Issue(path, f"{show(error.instance)} is not an allowed value", show_allowed(error.validator_value))
    elif error.validator == "pattern":
        yield Issue(path, f"{show(error.instance)} does not match the pattern", str(error.validator_value))
    elif error.validator in ("oneOf", "anyOf") and error.context:
        yield Issue(path, _alternatives_message(error))
    else:
        yield Issue(path, error.message if len(error.message) <= 200 else error.message[:197] + "...")


def _alternatives_message(error: ValidationError) -> str:
    """Istio expresses "set at most one of exact/prefix/regex" as oneOf over `required` lists."""
    fields = sorted({key for sub in error.context or [] if sub.validator == "required"
                     for key in sub.validator_value})
    if fields:
        return f"matches none of the allowed combinations of the fields {', '.join(fields)} ({error.validator})"
    return f"{show(error.instance)} matches none of the allowed alternatives ({error.validator})"


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names = {str: "string", dict: "object", list: "array"}
    return next((name for kind, name in names.items() if isinstance(value, kind)), "null")
