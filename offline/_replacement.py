"""Which input changes make the provider replace a resource instead of updating it: a prediction, made offline.

The real verdict comes from the provider's `Diff` during `pulumi preview`; this module only knows what is
written down on this machine:

- azure-native: every parameter of the resource's URL path (the resource group, the resource's own name, the
  parent's name, a `scope`) forces a replacement, and so does the top-level `location`
  (pulumi/pulumi-azure-native#77 and #71; Azure's own linter wants `location` create-only, Azure/autorest#1961).
  The URL parameters are read from the installed SDK: the resource's `get_<name>` invoke sends exactly those.
  What this cannot see: the provider also forces replacement for body properties that the REST specs mark
  `x-ms-mutability: [create, read]` and for a hand-kept list per resource (pulumi/pulumi-azure-native#137,
  #169). That metadata lives in the provider binary, not in the Python SDK (pulumi_azure_native 3.x declares
  no `replace_on_changes` at all), so such a replacement shows here as an update, unless `_CREATE_ONLY` below
  writes it down with its source.
- Kubernetes objects: a changed `metadata.name` or `metadata.namespace` (pulumi/pulumi-kubernetes#103, the
  provider's own rule). `helm.sh/v3:Release`: a changed release `name` or `namespace`
  (pulumi/pulumi-kubernetes#2532). The Kubernetes provider resource: a changed `clusterIdentifier` (the SDK's
  docstring: the provider is replaced only when it changes), which replaces every object it manages.
  Not seen: API-server-side immutable fields (a Service's `clusterIP`, a Job's template, ...).
- random: every input (hashicorp/terraform-provider-random marks each attribute `RequiresReplace`; the SDK
  documents it for `keepers`). A new random value then changes whatever consumes it.
- A `replaceOnChanges` option written in the program is not in the plan either.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Sequence
from pathlib import Path

__all__ = ["PathSegment", "identity", "replacement_reason", "url_parameters"]

PathSegment = str | int

_K8S_OBJECT_IDENTITY = (("metadata", "name"), ("metadata", "namespace"))
_CREATE_ONLY: dict[str, dict[tuple[str, ...], str]] = {
    # Body properties Azure accepts only at creation, written down with their source (the provider's own list lives
    # in its binary): a change asks for a new resource, or Azure refuses the update.
    "azure-native:dbforpostgresql:Server": {
        ("administratorLogin",): "the administrator login is fixed for the server's life (ARM spec; "
        "pulumi/pulumi-azure-native#3869): keep it, or ignore it as PostgresServer does when password sign-in is off",
        ("backup", "geoRedundantBackup"): "geo-redundant backup is chosen when the server is created (Az.PostgreSql "
        "metadata: Update=false; Azure Policy 'Geo-redundant backup should be enabled for Azure Database for "
        "PostgreSQL'): restore into a new server with it instead",
    },
    "azure-native:cdn:Profile": {
        ("sku",): "Front Door's tier is part of the profile (pulumi/pulumi-azure-native#3432): upgrade Standard to "
        "Premium in place first (learn.microsoft.com/azure/frontdoor/tier-upgrade-powershell), then refresh",
    },
}
_HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
_K8S_PROVIDER = "pulumi:providers:kubernetes"
_ARGS_KEY = re.compile(r"__args__\['(\w+)'\]")


def _snake(name: str) -> str:
    """`RedisEnterprise` -> `redis_enterprise`, `MHSMPrivateEndpointConnection` -> `mhsm_private_endpoint_connection`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@functools.cache
def _azure_native_root() -> Path | None:
    # find_spec locates the package without importing it (importing pulumi_azure_native costs a second).
    spec = importlib.util.find_spec("pulumi_azure_native")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent


@functools.cache
def url_parameters(resource_type: str) -> frozenset[str] | None:
    """The inputs of an azure-native resource type that are parameters of its URL (camelCase, as in the plan),
    read from the installed SDK's `get_<resource>` invoke; None when the SDK has no such invoke."""
    package, _, rest = resource_type.partition(":")
    module, _, name = rest.rpartition(":")
    root = _azure_native_root()
    if package != "azure-native" or not module or not name or root is None:
        return None
    source = root.joinpath(*module.split("/")) / f"get_{_snake(name)}.py"
    try:
        text = source.read_text(encoding="utf-8")
    except OSError:
        return None
    if f"'azure-native:{module}:get{name}'" not in text:
        return None
    # Query parameters (`expand`, `tenantId`) are sent too; they are never inputs of the resource, so they
    # never match a changed input path.
    return frozenset(_ARGS_KEY.findall(text))


def replacement_reason(resource_type: str, path: Sequence[PathSegment]) -> str | None:
    """Why a change at `path` (inside the resource's inputs) would replace the resource, or None when the
    rules above do not predict it (which does not mean Pulumi will update it in place)."""
    if not path:
        return None
    top = path[0]
    if resource_type.startswith("azure-native:"):
        if top == "location":
            return "Azure cannot move a resource to another location"
        parameters = url_parameters(resource_type)
        if parameters is not None and top in parameters:
            return "part of the Azure resource ID"
        if parameters is None and top in ("resourceGroupName", "resourceName", "scope"):
            return "part of the Azure resource ID"
        for prefix, reason in _CREATE_ONLY.get(resource_type, {}).items():
            if tuple(str(p) for p in path[:len(prefix)]) == prefix or tuple(str(p) for p in path) == prefix[:len(path)]:
                return reason
        return None
    if resource_type.startswith("random:"):
        return "random values are generated once; any input change generates a new one"
    if resource_type == _K8S_PROVIDER:
        return "a new cluster identity replaces the provider and every object it manages" if top == "clusterIdentifier" else None
    if resource_type == _HELM_RELEASE:
        return "a Helm release cannot be renamed or moved to another namespace" if top in ("name", "namespace") else None
    if resource_type.startswith("kubernetes:"):
        if tuple(path[:2]) in _K8S_OBJECT_IDENTITY or tuple(path) == ("metadata",):
            return "a Kubernetes object cannot be renamed or moved to another namespace"
        return None
    return None


def identity(resource_type: str, inputs: dict[str, object]) -> tuple[object, ...] | None:
    """What names the cloud object itself (its Azure resource ID parts, its Kubernetes name and namespace),
    to recognise one object under two URNs; None when unknown."""
    if resource_type.startswith("azure-native:"):
        parameters = url_parameters(resource_type)
        if not parameters:
            return None
        # The naming parameters must all be given: an auto-named resource gets a new random name per URN, so two
        # URNs never name the same Azure object. (Query parameters such as `expand` are no inputs: left out.)
        naming = [p for p in sorted(parameters) if p.endswith("Name") or p in ("name", "scope", "resourceUri")]
        values = tuple((key, inputs.get(key)) for key in naming)
        if not values or not all(isinstance(v, str) and v for _, v in values):
            return None
        return (("type", resource_type), *values)
    if resource_type == _HELM_RELEASE:
        name, namespace = inputs.get("name"), inputs.get("namespace")
        return (("name", name), ("namespace", namespace)) if isinstance(name, str) else None
    if resource_type.startswith("kubernetes:") and resource_type != _K8S_PROVIDER:
        metadata = inputs.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
            return (("kind", resource_type), ("name", metadata["name"]), ("namespace", metadata.get("namespace")))
    return None
