"""Checks azure-native resource inputs against the compact ARM deployment-template schemas in rules.json.

A hand-written walker rather than `jsonschema`, because the ARM schemas need three things JSON Schema cannot
express: azure-native flattens `properties` envelopes (at the top and in nested objects such as subnets),
the schemas never set `additionalProperties: false` (yet an unknown name is exactly the typo we want to
catch), and ARM compares enum values case-insensitively.

Enum decision: Azure resource providers parse enum values case-insensitively (most ARM enums are
`modelAsString` in the REST specs), so `"standard"` for `"Standard"` is accepted here; any other value
outside the list is a problem.
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import Any

from ._report import Issue, is_placeholder, join_path, show, show_allowed

#: Keys of the ARM resource envelope that are not the resource's own inputs.
_ENVELOPE_ONLY = frozenset({"name", "type", "apiVersion", "properties", "resources", "dependsOn", "scope"})
_JSON_TYPES = {"string": str, "boolean": bool, "object": dict, "array": list}


@functools.lru_cache(maxsize=1024)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    for name, python_type in _JSON_TYPES.items():
        if isinstance(value, python_type):
            return name
    return "null" if value is None else type(value).__name__


def _type_matches(value: Any, expected: str) -> bool:
    actual = _type_of(value)
    return actual == expected or (expected == "number" and actual == "integer")


# azure-native renames a few nested ARM properties in its SDK (the provider maps them back on the wire):
# Key Vault secret attributes `exp`/`nbf` are `expires`/`notBefore`; metric alert criteria's discriminator
# `odata.type` is `odataType`; storage IP rules' `value` is `iPAddressOrRange`. Applied only where the schema has the ARM name and not the SDK one.
_NESTED_RENAMES = {"expires": "exp", "notBefore": "nbf", "odataType": "odata.type", "iPAddressOrRange": "value",
                   # Storage's VirtualNetworkRule: the SDK's virtualNetworkResourceId is ARM's `id`.
                   "virtualNetworkResourceId": "id"}


class ArmChecker:
    """Validates against one rules.json `arm` section; resolved schemas are cached per definition key."""

    def __init__(self, arm_rules: dict[str, Any]) -> None:
        self._defs: dict[str, Any] = arm_rules["defs"]
        self.types: dict[str, Any] = arm_rules["types"]
        self._resolved: dict[str, dict[str, Any]] = {}

    # --- schema helpers -----------------------------------------------------------------------------

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """Follow `$ref`s and merge `allOf` members, so callers see one flat object schema."""
        if len(schema) == 1 and "$ref" in schema:
            key = schema["$ref"]
            if key not in self._resolved:
                self._resolved[key] = self.resolve(self._defs[key])
            return self._resolved[key]
        if "$ref" in schema:
            schema = {**self.resolve({"$ref": schema["$ref"]}), **{k: v for k, v in schema.items() if k != "$ref"}}
        if "allOf" in schema:
            schema = self._merge_all_of(schema)
        return schema

    def _merge_all_of(self, schema: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        properties = dict(merged.get("properties", {}))
        required = list(merged.get("required", []))
        for member in schema["allOf"]:
            part = self.resolve(member)
            properties.update(part.get("properties", {}))
            required += part.get("required", [])
            for key in ("type", "additionalProperties"):
                if key in part and key not in merged:
                    merged[key] = part[key]
        if properties:
            merged["properties"] = properties
        if required:
            merged["required"] = sorted(set(required))
        return merged

    # --- resources ----------------------------------------------------------------------------------

    def check_resource(self, token: str, inputs: dict[str, Any]) -> list[Issue]:
        """Rebuild the ARM resource body from azure-native inputs, then validate it."""
        rule = self.types[token]
        body = self._arm_body(rule, inputs)
        return self.check(body, {"$ref": rule["schema"]}, "")

    def _arm_body(self, rule: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
        """Undo azure-native's flattening: path parameters out, envelope fields on top, the rest in `properties`.

        A missing name means Pulumi auto-names the resource and a missing location means azure-native uses
        the resource group's: both are filled with the unknown placeholder so `required` does not fire.
        """
        schema = self.resolve({"$ref": rule["schema"]})
        top_fields = set(schema.get("properties", {})) - _ENVELOPE_ONLY
        remaining = {rule["renames"].get(k, k): v for k, v in inputs.items()
                     if k not in rule["pathInputs"] and k != rule["nameInput"]}
        body: dict[str, Any] = {"name": inputs.get(rule["nameInput"], "[unknown]"),
                                "type": rule["armType"], "apiVersion": rule["apiVersion"]}
        if "location" in schema.get("properties", {}):
            body["location"] = "[unknown]"
        body.update({k: v for k, v in remaining.items() if k in top_fields})
        rest = {k: v for k, v in remaining.items() if k not in top_fields}
        if "properties" in rest:  # types the SDK does not flatten (Key Vault, Grafana): keep the envelope
            body.update(rest)
        elif "properties" in schema.get("properties", {}):
            body["properties"] = rest
        else:
            body.update(rest)
        return body

    # --- values -------------------------------------------------------------------------------------

    def check(self, value: Any, schema: dict[str, Any], path: str) -> list[Issue]:
        """All issues of `value` against `schema`; placeholders are accepted as anything."""
        if is_placeholder(value) or not schema:
            return []
        schema = self.resolve(schema)
        for key in ("oneOf", "anyOf"):
            if schema.get(key):
                return self._check_alternatives(value, schema, key, path)
        expected = schema.get("type")
        if isinstance(expected, str) and not _type_matches(value, expected):
            return [Issue(path, f"expected {expected}, got {_type_of(value)} {show(value)}")]
        issues = self._check_scalar(value, schema, path)
        if isinstance(value, dict):
            issues += self._check_object(value, schema, path)
        elif isinstance(value, list):
            issues += self._check_array(value, schema, path)
        return issues

    def _check_alternatives(self, value: Any, schema: dict[str, Any], key: str, path: str) -> list[Issue]:
        """Accept the value if any alternative fits; otherwise report the closest alternative's issues."""
        base = {k: v for k, v in schema.items() if k != key}
        best: list[Issue] | None = None
        for alternative in schema[key]:
            issues = self.check(value, {**base, **self.resolve(alternative)}, path)
            if not issues:
                return []
            if best is None or len(issues) < len(best):
                best = issues
        return best or []

    def _check_scalar(self, value: Any, schema: dict[str, Any], path: str) -> list[Issue]:
        issues: list[Issue] = []
        allowed = schema.get("enum", [schema["const"]] if "const" in schema else None)
        if allowed is not None and not _in_enum(value, allowed):
            issues.append(Issue(path, f"{show(value)} is not an allowed value", show_allowed(allowed)))
        if isinstance(value, str):
            issues += _check_string(value, schema, path)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            issues += _check_number(value, schema, path)
        return issues

    def _check_object(self, value: dict[str, Any], schema: dict[str, Any], path: str) -> list[Issue]:
        known: dict[str, Any] = schema.get("properties", {})
        value = self._unflatten(value, known)
        value = {_NESTED_RENAMES.get(k, k) if k not in known and _NESTED_RENAMES.get(k) in known else k: v
                 for k, v in value.items()}
        extra = schema.get("additionalProperties")
        issues: list[Issue] = []
        for key, sub in value.items():
            sub_path = join_path(path, key)
            if key == "userAssignedIdentities" and isinstance(sub, list):
                # azure-native v2+ takes the ids as a list and sends ARM's map {id: {}} (the v2 migration guide,
                # "userAssignedIdentities ... a list of resource IDs"): check the map the provider sends.
                sub = {str(identity): {} for identity in sub}
            if key in known:
                issues += self.check(sub, known[key], sub_path)
            elif isinstance(extra, dict):
                issues += self.check(sub, extra, sub_path)
            elif known and extra is None:
                issues.append(_unknown(key, self._accepted_names(known), sub_path))
        for key in schema.get("required", []):
            if key not in value:
                issues.append(Issue(join_path(path, key), "required property is missing"))
        return issues

    def _unflatten(self, value: dict[str, Any], known: dict[str, Any]) -> dict[str, Any]:
        """Nested x-ms-client-flatten: keys that belong to the object's `properties` go back inside it."""
        if "properties" not in known or "properties" in value:
            return value
        inner = self.resolve(known["properties"]).get("properties", {})
        moved = {k: v for k, v in value.items() if k not in known and k in inner}
        if not moved:
            return value
        kept = {k: v for k, v in value.items() if k not in moved}
        return {**kept, "properties": moved}

    def _accepted_names(self, known: dict[str, Any]) -> list[str]:
        """Names a caller may use here: the object's own, plus the flattened `properties` ones."""
        names = set(known)
        if "properties" in known:
            names |= set(self.resolve(known["properties"]).get("properties", {}))
        return sorted(names)

    def _check_array(self, value: list[Any], schema: dict[str, Any], path: str) -> list[Issue]:
        issues: list[Issue] = []
        if "minItems" in schema and len(value) < schema["minItems"]:
            issues.append(Issue(path, f"has {len(value)} items, fewer than {schema['minItems']}"))
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            issues.append(Issue(path, f"has {len(value)} items, more than {schema['maxItems']}"))
        items = schema.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                issues += self.check(item, items, join_path(path, index))
        return issues


def _in_enum(value: Any, allowed: list[Any]) -> bool:
    if value in allowed:
        return True
    return isinstance(value, str) and value.lower() in {a.lower() for a in allowed if isinstance(a, str)}


def _check_string(value: str, schema: dict[str, Any], path: str) -> list[Issue]:
    issues: list[Issue] = []
    if "minLength" in schema and len(value) < schema["minLength"]:
        issues.append(Issue(path, f"{show(value)} has {len(value)} characters, fewer than the minimum "
                                  f"{schema['minLength']}", f"length {_length_range(schema)}"))
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        issues.append(Issue(path, f"{show(value)} has {len(value)} characters, more than the maximum "
                                  f"{schema['maxLength']}", f"length {_length_range(schema)}"))
    if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
        issues.append(Issue(path, f"{show(value)} does not match the pattern", schema["pattern"]))
    return issues


def _length_range(schema: dict[str, Any]) -> str:
    return f"{schema.get('minLength', 0)}-{schema.get('maxLength', 'any')}"


def _check_number(value: float, schema: dict[str, Any], path: str) -> list[Issue]:
    issues: list[Issue] = []
    if "minimum" in schema and value < schema["minimum"]:
        issues.append(Issue(path, f"{value} is below the minimum {schema['minimum']}", _range(schema)))
    if "maximum" in schema and value > schema["maximum"]:
        issues.append(Issue(path, f"{value} is above the maximum {schema['maximum']}", _range(schema)))
    return issues


def _range(schema: dict[str, Any]) -> str:
    return f"{schema.get('minimum', '-inf')}..{schema.get('maximum', 'inf')}"


def _unknown(key: str, names: list[str], path: str) -> Issue:
    close = difflib.get_close_matches(key, names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return Issue(path, f"unknown property {key!r}{hint}", show_allowed(names))
