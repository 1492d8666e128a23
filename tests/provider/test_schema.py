"""The any-language package: the schema the SDK's analyzer infers from the components, offline (no CLI).

Every public component is either in the package or listed as Python-only with a reason; every input, output
and nested type property carries a description; only types every language can express appear; the committed
schema is the one the code produces; and a component constructed the way another language's SDK sends it
(camelCase names, numbers as floats) registers exactly what the Python call registers.
"""

from __future__ import annotations

import inspect
import json
import runpy
import sys
import typing
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.provider.experimental.util import camel_case

import provider
from sentimark_platform import components
from sentimark_platform.offline import Plan, run_preview

PUBLIC_COMPONENTS = {
    name for name in components.__all__
    if inspect.isclass(getattr(components, name)) and issubclass(getattr(components, name), pulumi.ComponentResource)
}
SIMPLE_TYPES = {"string", "integer", "number", "boolean"}
REGENERATE = "regenerate it with `python scripts/generate_docs.py` and review the diff"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return provider.schema()


def test_every_public_component_is_in_the_package_or_python_only_with_a_reason() -> None:
    hosted = {c.__name__ for c in provider.ANY_LANGUAGE}
    assert hosted | set(provider.PYTHON_ONLY) == PUBLIC_COMPONENTS
    assert hosted.isdisjoint(provider.PYTHON_ONLY)
    assert all(len(reason) > 40 for reason in provider.PYTHON_ONLY.values())


def test_python_only_components_still_take_a_kubernetes_provider_object() -> None:
    """The documented reason must stay true; when it is not, the component can join the package."""
    for name in provider.PYTHON_ONLY:
        args = inspect.signature(getattr(components, name).__init__).parameters["args"].annotation
        module = sys.modules[getattr(components, name).__module__]
        hints = typing.get_type_hints(getattr(module, args) if isinstance(args, str) else args,
                                      localns=dict(vars(pulumi.output)))
        assert any("ProviderResource" in str(hint) for hint in hints.values()), name


def test_schema_has_every_hosted_component_with_its_description(schema: dict[str, Any]) -> None:
    assert schema["name"] == "sentimark"
    assert schema["version"] == provider.package_version()
    assert set(schema["resources"]) == {f"sentimark:index:{c.__name__}" for c in provider.ANY_LANGUAGE}
    for token, resource in schema["resources"].items():
        assert resource["isComponent"] is True, token
        assert resource.get("description"), token


def test_every_input_output_and_nested_property_has_a_description(schema: dict[str, Any]) -> None:
    missing = [
        f"{owner}.{name}" for owner, properties in _property_maps(schema) for name, spec in properties.items()
        if not (spec.get("description") or "").strip()
    ]
    assert missing == []


def test_only_types_every_language_can_express(schema: dict[str, Any]) -> None:
    problems = []
    for owner, properties in _property_maps(schema):
        for name, spec in properties.items():
            problems += [f"{owner}.{name}: {p}" for p in _type_problems(spec, schema)]
    assert problems == []
    assert schema["dependencies"] == []  # no references into other packages' schemas


def test_required_inputs_are_the_required_typeddict_keys(schema: dict[str, Any]) -> None:
    for component in provider.ANY_LANGUAGE:
        args = inspect.get_annotations(component.__init__)["args"]
        expected = sorted(camel_case(k) for k in args.__required_keys__)
        assert sorted(schema["resources"][f"sentimark:index:{component.__name__}"]["requiredInputs"]) == expected


def test_committed_schema_is_what_the_code_produces() -> None:
    assert provider.SCHEMA_FILE.read_text(encoding="utf-8") == provider.schema_text(), (
        f"{provider.SCHEMA_FILE.relative_to(provider.ROOT)} is out of date: {REGENERATE}"
    )


def test_plugin_entry_point_serves_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[Any, list[str]]] = []
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "argv", ["provider/__main__.py", "127.0.0.1:50051"])
    monkeypatch.setattr("pulumi.provider.main", lambda p, argv: served.append((p, argv)))
    runpy.run_path(str(provider.ROOT / "provider" / "__main__.py"), run_name="__main__")
    ((served_provider, argv),) = served
    assert argv == ["127.0.0.1:50051"]
    assert isinstance(served_provider, provider.SentimarkProvider)
    assert served_provider.version == provider.package_version()
    assert json.loads(served_provider.schema) == provider.schema()
    manifest = (provider.ROOT / "PulumiPlugin.yaml").read_text()
    assert "name: python" in manifest and "main: provider/__main__.py" in manifest


# A production-like Key Vault, as Python passes it and as another language's SDK sends it over the wire.
VAULT_ARGS = {
    "resource_group_name": "rg-team-prod-weu",
    "tenant_id": "11111111-1111-1111-1111-111111111111",
    "resource_name": "kv-team-prod-weu-x1",
    "soft_delete_retention_days": 30,
    "private_endpoints": {"weu": {"subnet_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
                                                "virtualNetworks/v/subnets/pe",
                                  "private_dns_zone_ids": ["/subscriptions/s/resourceGroups/rg/providers/"
                                                           "Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"]}},
    "role_assignments": {"api": {"role": "Key Vault Secrets User", "principal_id": "22222222-2222-2222-2222-222222222222",
                                 "principal_type": "ServicePrincipal"}},
    "lock": {"kind": "CanNotDelete"},
    "tags": {"team": "payments"},
}


def _wire(value: Any) -> Any:
    """What a TypeScript or Go program sends: camelCase property names (map keys kept), numbers as floats."""
    if isinstance(value, dict):
        return {camel_case(k) if k in _PROPERTY_NAMES else k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else value


_PROPERTY_NAMES = {"resource_group_name", "tenant_id", "resource_name", "soft_delete_retention_days",
                   "private_endpoints", "subnet_id", "private_dns_zone_ids", "role_assignments", "role",
                   "principal_id", "principal_type", "lock", "kind", "tags"}


def _preview(tmp_path: Path, body: str) -> Plan:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(body)
    return run_preview(tmp_path, "dev")


def test_component_constructed_from_another_language_registers_what_python_registers(tmp_path: Path) -> None:
    python = _preview(tmp_path / "py", f"from sentimark_platform.components import KeyVault\nKeyVault('kv', {VAULT_ARGS!r})\n")
    other = _preview(tmp_path / "wire", (
        "import pulumi\n"
        "from provider import new_provider\n"
        "host = new_provider()\n"
        f"result = host.construct('kv', 'sentimark:index:KeyVault', {json.dumps(_wire(VAULT_ARGS))}, None)\n"
        "pulumi.export('state', sorted(result.state))\n"
    ))
    assert other.outputs["state"] == ["name", "resourceId", "vaultUri"]

    def shape(plan: Plan) -> list[tuple[str, str, Any]]:
        return [(r.type, r.name, r.inputs) for r in plan.resources if r.type != "pulumi:pulumi:Stack"]

    assert len(shape(python)) >= 6  # vault, endpoint, zone group, role assignment, lock and the component
    assert shape(other) == shape(python)


def test_integer_inputs_arrive_as_int_at_any_depth() -> None:
    host = provider.new_provider()
    mapped = host.map_inputs(
        {"resourceGroupName": "rg", "sku": "Standard", "capacity": 2.0,
         "eventHubs": {"orders": {"partitionCount": 4.0, "retentionHours": 24.0, "consumerGroups": ["audit"]}},
         "capture": {"storageAccountName": "stcapture", "intervalSeconds": 300.0}},
        host._component_defs["EventHubs"],
    )
    assert mapped["capacity"] == 2 and type(mapped["capacity"]) is int
    orders = mapped["event_hubs"]["orders"]
    assert (type(orders["partition_count"]), type(orders["retention_hours"])) == (int, int)
    assert type(mapped["capture"]["interval_seconds"]) is int
    assert orders["consumer_groups"] == ["audit"]


def test_sdk_component_provider_still_hands_integers_over_as_floats() -> None:
    """Why SentimarkProvider exists. When this fails, the SDK keeps integers: drop the correction."""
    from pulumi.provider.experimental.component import ComponentProvider

    plain = ComponentProvider(list(provider.ANY_LANGUAGE), "sentimark", None, "0.1.0")
    mapped = plain.map_inputs({"resourceGroupName": "rg", "tenantId": "t", "softDeleteRetentionDays": 30.0},
                              plain._component_defs["KeyVault"])
    assert type(mapped["soft_delete_retention_days"]) is float


def _property_maps(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    maps = []
    for token, resource in schema["resources"].items():
        maps += [(f"{token} input", resource.get("inputProperties", {})), (f"{token} output", resource.get("properties", {}))]
    maps += [(token, spec.get("properties", {})) for token, spec in schema["types"].items()]
    return maps


def _type_problems(spec: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if "$ref" in spec:
        ref = spec["$ref"]
        if not ref.startswith("#/types/sentimark:index:"):
            return [f"reference outside the package: {ref}"]
        return [] if ref.removeprefix("#/types/") in schema["types"] else [f"dangling reference {ref}"]
    kind = spec.get("type")
    if kind in SIMPLE_TYPES:
        return []
    if kind == "array":
        return _type_problems(spec["items"], schema)
    if kind == "object" and "additionalProperties" in spec:
        return _type_problems(spec["additionalProperties"], schema)
    return [f"unsupported type {json.dumps(spec)[:120]}"]
