"""The components as a Pulumi package for every language: `sentimark`, hosted by `component_provider_host`.

    pulumi package add https://github.com/<org>/sentimark-platform@v0.1.0

Pulumi clones the repository, reads `PulumiPlugin.yaml` (runtime python, entry point `provider/__main__.py`),
installs `requirements.txt` into the plugin's virtual environment, asks this provider for its schema and
generates an SDK in the consumer's language. The schema is inferred by the Pulumi SDK's analyzer from the
type annotations and docstrings of the components listed in `ANY_LANGUAGE`; `schema/sentimark.json` is that
schema, committed so that a change to it shows in review (`python scripts/generate_docs.py` regenerates it).

The components in `PYTHON_ONLY` are not in the package, each for the reason given there.

Hosting is `component_provider_host`'s, with one correction (`SentimarkProvider`): numbers cross the wire as
floats, and pulumi 3.272's `ComponentProvider` converts an integer input to `int` and then overwrites it with
the float again (and never converts inside lists or maps), so `soft_delete_retention_days=30` from TypeScript
reached the component as 30.0 and failed its whole-number check. `SentimarkProvider` turns integral floats back
into `int` wherever the schema says integer, at any depth.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pulumi
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider

from sentimark_platform.components import (
    ActionGroup,
    AksCluster,
    Budget,
    ContainerRegistry,
    EventHubs,
    FrontDoor,
    KeyVault,
    Monitoring,
    Network,
    PostgresServer,
    Redis,
)

__all__ = [
    "ANY_LANGUAGE",
    "PACKAGE_NAME",
    "PYTHON_ONLY",
    "ROOT",
    "SCHEMA_FILE",
    "SentimarkProvider",
    "new_provider",
    "package_version",
    "schema",
    "schema_text",
]

PACKAGE_NAME = "sentimark"
"""The Pulumi package name: resource types `sentimark:index:<Component>`, SDKs `@<scope>/sentimark`,
`pulumi_sentimark`, ..."""

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILE = ROOT / "schema" / f"{PACKAGE_NAME}.json"

ANY_LANGUAGE: tuple[type[pulumi.ComponentResource], ...] = (
    ActionGroup,
    AksCluster,
    Budget,
    ContainerRegistry,
    EventHubs,
    FrontDoor,
    KeyVault,
    Monitoring,
    Network,
    PostgresServer,
    Redis,
)
"""The components every Pulumi language can use."""

_KUBERNETES_ARGUMENT = (
    "takes a Kubernetes provider object{also} as an argument; the schema analyzer cannot describe a plain "
    "`pulumi.ProviderResource`{also_type}, and passing provider references between languages is not verified here. "
    "Use it from Python, or give other languages the cluster's `kubeconfig` output and build Kubernetes "
    "resources there."
)

PYTHON_ONLY: dict[str, str] = {
    "AppNamespace": _KUBERNETES_ARGUMENT.format(
        also=" (`provider`) and the resources whose CRDs must exist (`crds_ready`)", also_type=" or `pulumi.Resource`"
    ),
    "CanaryRouting": _KUBERNETES_ARGUMENT.format(
        also=" (`provider`) and the resources whose CRDs must exist (`crds_ready`)", also_type=" or `pulumi.Resource`"
    ),
    "GitOps": _KUBERNETES_ARGUMENT.format(also=" (`provider`) and the resources the Applications wait for "
                                        "(`namespaces_ready`)", also_type=" or `pulumi.Resource`"),
    "IngressCertificate": _KUBERNETES_ARGUMENT.format(also=" (`provider`, for the sync pods and the SecretProviderClass)",
                                                      also_type=""),
    "ServiceMesh": _KUBERNETES_ARGUMENT.format(
        also=" (`provider`); its outputs are Helm release objects (`releases`, `crds_ready`)",
        also_type=" or `pulumi.Resource`",
    ),
    "WorkloadIdentity": _KUBERNETES_ARGUMENT.format(
        also=" (`kubernetes_provider`, for the ServiceAccounts and the SecretProviderClass)", also_type=""
    ),
}
"""Public components left out of the any-language package, with the reason."""


def package_version() -> str:
    """The distribution's version, from pyproject.toml (the one place it is written)."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


class SentimarkProvider(ComponentProvider):
    """`ComponentProvider` (what `component_provider_host` serves) with integer inputs turned back into `int`."""

    def map_input_properties(
        self,
        inputs: Any,
        properties: dict[str, PropertyDefinition],
        mapping: dict[str, str],
        component_name: str,
        property_path: str,
    ) -> Any:
        mapped = dict(super().map_input_properties(inputs, properties, mapping, component_name, property_path))
        for schema_name, prop in properties.items():
            python_name = mapping[schema_name]
            if python_name in mapped:
                mapped[python_name] = _whole_numbers(mapped[python_name], prop)
        return mapped


def _whole_numbers(value: Any, prop: PropertyDefinition) -> Any:
    """Integral floats where `prop` says integer, in lists and maps too (nested types are mapped recursively by
    `map_input_properties` itself). Outputs (unknown or secret values) pass unchanged."""
    if prop.type == PropertyType.INTEGER and isinstance(value, float) and value.is_integer():
        return int(value)
    if prop.type == PropertyType.ARRAY and prop.items is not None and isinstance(value, list):
        return [_whole_numbers(v, prop.items) for v in value]
    if prop.type == PropertyType.OBJECT and prop.additional_properties is not None and isinstance(value, dict):
        return {k: _whole_numbers(v, prop.additional_properties) for k, v in value.items()}
    return value


def new_provider(version: str | None = None) -> SentimarkProvider:
    """The provider the plugin serves: `ANY_LANGUAGE` under `PACKAGE_NAME`, its schema inferred on creation."""
    return SentimarkProvider(list(ANY_LANGUAGE), PACKAGE_NAME, None, version or package_version())


def schema(version: str | None = None) -> dict[str, Any]:
    """The Pulumi package schema the plugin serves (computed offline, no CLI)."""
    served = new_provider(version).schema
    assert served is not None
    return dict(json.loads(served))


def schema_text(version: str | None = None) -> str:
    """`schema()` as the committed file holds it: sorted keys, two-space indent, final newline."""
    return json.dumps(schema(version), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
