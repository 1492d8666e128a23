"""The plan: every registration the program made, as the engine received it, in a stable JSON form.

Contract (checks and CI depend on it): `{"project", "stack", "resources": [{"urn", "type", "name",
"parent", "dependencies", "inputs", "protect", "retainOnDelete", "ignoreChanges", "custom"}], "outputs"}`,
resources sorted by URN, keys sorted, secret values as "[secret]".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2

__all__ = ["SECRET", "UNKNOWN", "Plan", "PlannedResource", "load_plan", "plain_value"]

SECRET = "[secret]"
UNKNOWN = "[unknown]"

# Pulumi's wire markers (pulumi/runtime/rpc.py).
_SIG = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
_ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
_ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"
_UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def plain_value(value: Any) -> Any:
    """Turn a wire value into plain JSON: secrets masked, references as URNs, integral floats as ints."""
    if isinstance(value, (struct_pb2.Struct, struct_pb2.Value, struct_pb2.ListValue)):
        value = json_format.MessageToDict(value)
    if isinstance(value, dict):
        sig = value.get(_SIG)
        if sig == _SECRET_SIG:
            return SECRET
        if sig == _RESOURCE_SIG:
            return value.get("urn", UNKNOWN)
        if sig == _OUTPUT_SIG:
            if value.get("secret"):
                return SECRET
            return plain_value(value["value"]) if "value" in value else UNKNOWN
        if sig == _ASSET_SIG:
            return {"asset": value.get("path") or value.get("uri") or "(inline text)"}
        if sig == _ARCHIVE_SIG:
            return {"archive": value.get("path") or value.get("uri") or "(inline assets)"}
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == _UNKNOWN_VALUE:
        return UNKNOWN
    return value


@dataclass(frozen=True)
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    dependencies: tuple[str, ...]
    inputs: dict[str, Any]
    protect: bool
    retain_on_delete: bool
    ignore_changes: tuple[str, ...]
    custom: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "dependencies": list(self.dependencies),
            "inputs": self.inputs,
            "protect": self.protect,
            "retainOnDelete": self.retain_on_delete,
            "ignoreChanges": list(self.ignore_changes),
            "custom": self.custom,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedResource:
        return cls(
            urn=data["urn"],
            type=data["type"],
            name=data["name"],
            parent=data.get("parent"),
            dependencies=tuple(data.get("dependencies", ())),
            inputs=data.get("inputs", {}),
            protect=bool(data.get("protect", False)),
            retain_on_delete=bool(data.get("retainOnDelete", False)),
            ignore_changes=tuple(data.get("ignoreChanges", ())),
            custom=bool(data.get("custom", False)),
        )


@dataclass(frozen=True)
class Plan:
    project: str
    stack: str
    resources: tuple[PlannedResource, ...]
    outputs: dict[str, Any]
    warnings: tuple[str, ...] = field(default=(), compare=False)
    """What the program logged as warnings (not part of the JSON contract)."""
    substituted_secrets: tuple[str, ...] = field(default=(), compare=False)
    """Config keys whose encrypted values were replaced by placeholders offline."""
    secrets_provider: str | None = field(default=None, compare=False)
    """The stack file's `secretsprovider` (not part of the JSON contract)."""

    @property
    def custom_resources(self) -> tuple[PlannedResource, ...]:
        return tuple(r for r in self.resources if r.custom)

    def of_type(self, type_token: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, PlannedResource]:
        return {r.urn: r for r in self.resources}

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.outputs,
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_plan(path: str | Path) -> Plan:
    """Read a plan JSON written by `python -m stacks preview --json`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    resources = tuple(sorted((PlannedResource.from_json(r) for r in data["resources"]), key=lambda r: r.urn))
    return Plan(project=data["project"], stack=data["stack"], resources=resources, outputs=data.get("outputs", {}))
