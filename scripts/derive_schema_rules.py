"""Derive `schemacheck/rules.json` from the upstream schema folder (`../shared/schemas`) and the repo's CRDs.

The validator must work from a plain clone, without the 4 MB of upstream YAML/JSON beside the repo, so this
script keeps only what validation needs (names, types, enums, patterns, bounds, required fields, name rules)
and drops descriptions. Output is JSON with sorted keys and no timestamps: re-running it on the same input
gives a byte-identical file, which a test checks.

CRDs come from two places: the ones `../shared/schemas` records (CRD_SOURCES) and every `*.yaml` in the
repo's own `schema/crds/` (REPO_CRD_SOURCES; read by default, or the folders given with `--crds`), for CRDs
the shared folder does not hold (Argo CD's Application and AppProject). A group/version/kind defined twice is
an error, not a silent override.

Usage: python scripts/derive_schema_rules.py --schemas ../shared/schemas --out schemacheck/rules.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

RULES_FORMAT = 1
EXPRESSION_REF = "https://schema.management.azure.com/schemas/common/definitions.json#/definitions/expression"
COMMON_PREFIX = "https://schema.management.azure.com/schemas/common/definitions.json#/definitions/"

#: Keywords the validator understands; everything else (description, default, title, format...) is dropped.
ARM_KEYWORDS = frozenset(
    {"type", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum", "multipleOf",
     "required", "properties", "additionalProperties", "items", "oneOf", "anyOf", "allOf", "$ref",
     "minItems", "maxItems"}
)

#: What pulumi-azure-native 3.29 sends for each type besides ARM fields, read from the Python SDK's
#: `<Type>Args` signatures (`pulumi_azure_native/<module>/<file>.py`): the argument naming the resource
#: itself, the other path parameters (parents, scope), and arguments the SDK renamed from the ARM wire
#: name (x-ms-client-name). `None` as name argument means the SDK calls it `name`, like ARM.
SDK_INPUTS: dict[str, tuple[str | None, tuple[str, ...], dict[str, str]]] = {
    "alertsmanagement:PrometheusRuleGroup": ("ruleGroupName", ("resourceGroupName",), {}),
    "applicationinsights:Component": ("resourceName", ("resourceGroupName",), {
        "applicationType": "Application_Type", "disableIpMasking": "DisableIpMasking",
        "disableLocalAuth": "DisableLocalAuth", "flowType": "Flow_Type",
        "forceCustomerStorageForProfiler": "ForceCustomerStorageForProfiler", "hockeyAppId": "HockeyAppId",
        "immediatePurgeDataOn30Days": "ImmediatePurgeDataOn30Days", "ingestionMode": "IngestionMode",
        "requestSource": "Request_Source", "retentionInDays": "RetentionInDays",
        "samplingPercentage": "SamplingPercentage", "workspaceResourceId": "WorkspaceResourceId"}),
    "authorization:ManagementLockAtResourceLevel": ("lockName", (
        "parentResourcePath", "resourceGroupName", "resourceName", "resourceProviderNamespace",
        "resourceType"), {}),
    "authorization:ManagementLockByScope": ("lockName", ("scope",), {}),
    "authorization:RoleAssignment": ("roleAssignmentName", ("scope",), {}),
    "cdn:AFDEndpoint": ("endpointName", ("profileName", "resourceGroupName"), {}),
    "cdn:AFDOrigin": ("originName", ("originGroupName", "profileName", "resourceGroupName"), {}),
    "cdn:AFDOriginGroup": ("originGroupName", ("profileName", "resourceGroupName"), {}),
    "cdn:Profile": ("profileName", ("resourceGroupName",), {}),
    "cdn:Route": ("routeName", ("endpointName", "profileName", "resourceGroupName"), {}),
    "cdn:AFDCustomDomain": ("customDomainName", ("profileName", "resourceGroupName"), {}),
    "cdn:SecurityPolicy": ("securityPolicyName", ("profileName", "resourceGroupName"), {}),
    "consumption:Budget": ("budgetName", ("scope",), {}),
    "containerregistry:Registry": ("registryName", ("resourceGroupName",), {}),
    "containerservice:AgentPool": ("agentPoolName", ("resourceGroupName", "resourceName"), {}),
    "containerservice:MaintenanceConfiguration": ("configName", ("resourceGroupName", "resourceName"), {}),
    "containerservice:ManagedCluster": ("resourceName", ("resourceGroupName",), {}),
    "dashboard:Grafana": ("workspaceName", ("resourceGroupName",), {}),
    "dbforpostgresql:Administrator": ("objectId", ("resourceGroupName", "serverName"), {}),
    "dbforpostgresql:Configuration": ("configurationName", ("resourceGroupName", "serverName"), {}),
    "dbforpostgresql:Database": ("databaseName", ("resourceGroupName", "serverName"), {}),
    "dbforpostgresql:FirewallRule": ("firewallRuleName", ("resourceGroupName", "serverName"), {}),
    "dbforpostgresql:Server": ("serverName", ("resourceGroupName",), {}),
    "eventhub:ConsumerGroup": ("consumerGroupName", ("eventHubName", "namespaceName", "resourceGroupName"), {}),
    "eventhub:EventHub": ("eventHubName", ("namespaceName", "resourceGroupName"), {}),
    "eventhub:Namespace": ("namespaceName", ("resourceGroupName",), {}),
    "eventhub:NamespaceAuthorizationRule": ("authorizationRuleName", ("namespaceName", "resourceGroupName"), {}),
    "eventhub:NamespaceNetworkRuleSet": (None, ("namespaceName", "resourceGroupName"), {}),
    "keyvault:Secret": ("secretName", ("resourceGroupName", "vaultName"), {}),
    "keyvault:Vault": ("vaultName", ("resourceGroupName",), {}),
    "managedidentity:FederatedIdentityCredential": (
        "federatedIdentityCredentialResourceName", ("resourceGroupName", "resourceName"), {}),
    "managedidentity:UserAssignedIdentity": ("resourceName", ("resourceGroupName",), {}),
    "monitor:ActionGroup": ("actionGroupName", ("resourceGroupName",), {}),
    "monitor:AzureMonitorWorkspace": ("azureMonitorWorkspaceName", ("resourceGroupName",), {}),
    "monitor:DataCollectionEndpoint": ("dataCollectionEndpointName", ("resourceGroupName",), {}),
    "monitor:DataCollectionRule": ("dataCollectionRuleName", ("resourceGroupName",), {}),
    "monitor:DataCollectionRuleAssociation": ("associationName", ("resourceUri",), {}),
    "monitor:DiagnosticSetting": (None, ("resourceUri",), {}),
    "monitor:SubscriptionDiagnosticSetting": ("name", (), {}),
    "monitor:MetricAlert": ("ruleName", ("resourceGroupName",), {}),
    "network:NetworkSecurityGroup": ("networkSecurityGroupName", ("resourceGroupName",), {}),
    "network:PrivateDnsZoneGroup": ("privateDnsZoneGroupName", ("privateEndpointName", "resourceGroupName"), {}),
    "network:PrivateEndpoint": ("privateEndpointName", ("resourceGroupName",), {}),
    "network:Subnet": ("subnetName", ("resourceGroupName", "virtualNetworkName"), {}),
    "network:VirtualNetwork": ("virtualNetworkName", ("resourceGroupName",), {}),
    "network:VirtualNetworkPeering": ("virtualNetworkPeeringName",
                                      ("resourceGroupName", "syncRemoteAddressSpace", "virtualNetworkName"), {}),
    "operationalinsights:Table": ("tableName", ("resourceGroupName", "workspaceName"), {}),
    "operationalinsights:Workspace": ("workspaceName", ("resourceGroupName",), {}),
    "privatedns:PrivateZone": ("privateZoneName", ("resourceGroupName",), {}),
    "privatedns:VirtualNetworkLink": ("virtualNetworkLinkName", ("privateZoneName", "resourceGroupName"), {}),
    "redis:Redis": (None, ("resourceGroupName",), {}),
    "redisenterprise:AccessPolicyAssignment": ("accessPolicyAssignmentName",
                                               ("clusterName", "databaseName", "resourceGroupName"), {}),
    "redisenterprise:Database": ("databaseName", ("clusterName", "resourceGroupName"), {}),
    "redisenterprise:RedisEnterprise": ("clusterName", ("resourceGroupName",), {}),
    "resources:ResourceGroup": ("resourceGroupName", (), {}),
    "security:Pricing": ("pricingName", ("scopeId",), {}),
    "storage:StorageAccount": ("accountName", ("resourceGroupName",), {
        "enableHttpsTrafficOnly": "supportsHttpsTrafficOnly", "enableNfsV3": "isNfsV3Enabled",
        "networkRuleSet": "networkAcls"}),
}

#: Sources as the schema folder's README records them.
CRD_SOURCES: dict[str, dict[str, str]] = {
    "istio-crds.yaml": {"repository": "istio/istio", "path": "manifests/charts/base/files/crd-all.gen.yaml",
                        "commit": "86c9f01fd73"},
    "secrets-store-secretproviderclasses-crd.yaml": {
        "repository": "kubernetes-sigs/secrets-store-csi-driver",
        "path": "deploy/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml", "commit": "0aad886f"},
    "argo-rollouts-rollout-crd.yaml": {"repository": "argoproj/argo-rollouts",
                                       "path": "manifests/crds/rollout-crd.yaml", "commit": "1889f8d111d8"},
    "argo-rollouts-analysistemplate-crd.yaml": {"repository": "argoproj/argo-rollouts",
                                                "path": "manifests/crds/analysis-template-crd.yaml",
                                                "commit": "1889f8d111d8"},
}
#: CRDs kept in the repo (`schema/crds/`, see its README.md), by file name. The Argo CD pair is the release
#: that the argo-helm chart `argo-cd` 9.1.0 (the version every stack pins) installs: its Chart.yaml says
#: `appVersion: v3.2.0` (argoproj/argo-helm tag argo-cd-9.1.0, commit 5aaa3bd79aa9).
REPO_CRD_SOURCES: dict[str, dict[str, str]] = {
    "argo-cd-application-crd.yaml": {"repository": "argoproj/argo-cd", "path": "manifests/crds/application-crd.yaml",
                                     "tag": "v3.2.0", "commit": "66b2f302d91a"},
    "argo-cd-appproject-crd.yaml": {"repository": "argoproj/argo-cd", "path": "manifests/crds/appproject-crd.yaml",
                                    "tag": "v3.2.0", "commit": "66b2f302d91a"},
}
REPO = Path(__file__).resolve().parents[1]
REPO_CRDS = REPO / "schema" / "crds"
ARM_SOURCE = {"repository": "Azure/azure-resource-manager-schemas", "path": "schemas/", "commit": "a14544311"}


# --- ARM ------------------------------------------------------------------------------------------------

class _ArmCompactor:
    """Copies reachable ARM definitions into one flat table keyed `<file stem>#<definition>`."""

    def __init__(self, arm_dir: Path) -> None:
        self.arm_dir = arm_dir
        self.docs: dict[str, dict[str, Any]] = {}
        self.defs: dict[str, Any] = {}
        self.dropped_patterns: list[str] = []

    def doc(self, file_key: str) -> dict[str, Any]:
        if file_key not in self.docs:
            path = "common/definitions.json" if file_key == "common" else f"{file_key}.json"
            self.docs[file_key] = json.loads((self.arm_dir / path).read_text(encoding="utf-8"))
        return self.docs[file_key]

    def add_definition(self, file_key: str, section: str, name: str) -> str:
        key = f"{file_key}#{name}" if section == "definitions" else f"{file_key}#{section}/{name}"
        if key not in self.defs:
            self.defs[key] = None  # placeholder stops recursion on cyclic schemas
            self.defs[key] = self.node(file_key, self.doc(file_key)[section][name])
        return key

    def ref(self, file_key: str, ref: str) -> str:
        if ref.startswith(COMMON_PREFIX):
            return self.add_definition("common", "definitions", ref[len(COMMON_PREFIX):])
        if ref.startswith("#/definitions/"):
            return self.add_definition(file_key, "definitions", ref[len("#/definitions/"):])
        raise ValueError(f"unsupported $ref {ref!r} in {file_key}")

    def node(self, file_key: str, schema: Any) -> Any:
        """Compact one schema node: drop expression alternatives and prose, rewrite refs."""
        if not isinstance(schema, dict):
            return schema
        out: dict[str, Any] = {}
        for key, value in schema.items():
            if key not in ARM_KEYWORDS:
                continue
            if key == "$ref":
                out["$ref"] = self.ref(file_key, value)
            elif key in ("properties",):
                out[key] = {name: self.node(file_key, sub) for name, sub in value.items()}
            elif key in ("items", "additionalProperties"):
                out[key] = self.node(file_key, value)
            elif key in ("oneOf", "anyOf", "allOf"):
                alternatives = [self.node(file_key, alt) for alt in value
                                if not (isinstance(alt, dict) and alt.get("$ref") == EXPRESSION_REF)]
                out[key] = alternatives
            elif key == "pattern" and not _compiles(value):
                self.dropped_patterns.append(value)
            else:
                out[key] = value
        return _inline_single_alternative(out)


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _inline_single_alternative(node: dict[str, Any]) -> dict[str, Any]:
    """`oneOf: [X, expression]` becomes X once the expression is gone, so the validator sees plain X."""
    for key in ("oneOf", "anyOf"):
        alternatives = node.get(key)
        if isinstance(alternatives, list) and len(alternatives) == 1 and isinstance(alternatives[0], dict):
            merged = {k: v for k, v in node.items() if k != key}
            if not set(merged) & set(alternatives[0]):
                merged.update(alternatives[0])
                return merged
    return node


CONTAINER_INSIGHTS_STREAMS = (
    "Microsoft-ContainerInventory", "Microsoft-ContainerLog", "Microsoft-ContainerLogV2", "Microsoft-ContainerNodeInventory",
    "Microsoft-KubeEvents", "Microsoft-KubeMonAgentEvents", "Microsoft-KubeNodeInventory", "Microsoft-KubePodInventory",
    "Microsoft-KubePVInventory", "Microsoft-KubeServices",
)

# Values the service accepts that the published schema's enum (generated from an extensible `x-ms-enum`,
# modelAsString) does not list yet: (definition key, property, values). Each entry says where it is documented.
EXTENSIBLE_ENUM_VALUES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # Azure Monitor managed Prometheus: data collection rules route the Microsoft-PrometheusMetrics stream
    # (learn.microsoft.com "Data collection rule (DCR) for managed Prometheus"); the 2022-06-01 enum predates it.
    ("2022-06-01/Microsoft.Insights#DataFlow", "streams", ("Microsoft-PrometheusMetrics",)),
    # Container Insights: the AKS monitoring add-on's streams, in the product team's own template at the same
    # API version (microsoft/Docker-Provider scripts/onboarding/aks/onboarding-using-msi-auth/
    # existingClusterOnboarding.json and its parameter file; learn.microsoft.com "Configure data collection in
    # Container insights using data collection rule", Stream values).
    ("2022-06-01/Microsoft.Insights#DataFlow", "streams", CONTAINER_INSIGHTS_STREAMS),
    ("2022-06-01/Microsoft.Insights#ExtensionDataSource", "streams", CONTAINER_INSIGHTS_STREAMS),
)


def _extend_enums(defs: dict[str, Any]) -> None:
    for key, prop, values in EXTENSIBLE_ENUM_VALUES:
        items = defs.get(key, {}).get("properties", {}).get(prop, {}).get("items", {})
        if "enum" in items:
            items["enum"] = sorted(set(items["enum"]) | set(values))


#: Types the shared schema index does not list, whose definitions are in files it does list (the same API
#: versions pulumi-azure-native 3.29 uses for their parents).
EXTRA_INDEX: dict[str, dict[str, str]] = {
    "cdn:AFDCustomDomain": {"apiVersion": "2025-06-01", "armType": "Microsoft.Cdn/profiles/customDomains",
                            "definition": "profiles_customDomains", "file": "2025-06-01/Microsoft.Cdn.json",
                            "section": "resourceDefinitions"},
    "cdn:SecurityPolicy": {"apiVersion": "2025-06-01", "armType": "Microsoft.Cdn/profiles/securityPolicies",
                           "definition": "profiles_securityPolicies", "file": "2025-06-01/Microsoft.Cdn.json",
                           "section": "resourceDefinitions"},
    "monitor:SubscriptionDiagnosticSetting": {"apiVersion": "2021-05-01-preview", "armType": "Microsoft.Insights/diagnosticSettings",
                                              "definition": "diagnosticSettings",
                                              "file": "2021-05-01-preview/Microsoft.Insights.json",
                                              "section": "subscription_resourceDefinitions"},
    "eventhub:NamespaceNetworkRuleSet": {"apiVersion": "2024-01-01", "armType": "Microsoft.EventHub/namespaces/networkRuleSets",
                                         "definition": "namespaces_networkRuleSets",
                                         "file": "2024-01-01/Microsoft.EventHub.json", "section": "resourceDefinitions"},
    "redisenterprise:AccessPolicyAssignment": {
        "apiVersion": "2025-07-01", "armType": "Microsoft.Cache/redisEnterprise/databases/accessPolicyAssignments",
        "definition": "redisEnterprise_databases_accessPolicyAssignments", "file": "2025-07-01/Microsoft.Cache.json",
        "section": "resourceDefinitions"},
    "network:VirtualNetworkPeering": {"apiVersion": "2024-05-01",
                                      "armType": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                                      "definition": "virtualNetworks_virtualNetworkPeerings",
                                      "file": "2024-05-01/Microsoft.Network.NRP.json", "section": "resourceDefinitions"},
}


def derive_arm(arm_dir: Path) -> dict[str, Any]:
    index = {**EXTRA_INDEX, **json.loads((arm_dir / "index.json").read_text(encoding="utf-8"))}
    compactor = _ArmCompactor(arm_dir)
    types: dict[str, Any] = {}
    for token, entry in sorted(index.items()):
        file_key = entry["file"].removesuffix(".json")
        name_param, path_params, renames = SDK_INPUTS.get(token, ("name", (), {}))
        types[token] = {
            "apiVersion": entry["apiVersion"],
            "armType": entry["armType"],
            "file": entry["file"],
            "schema": compactor.add_definition(file_key, entry["section"], entry["definition"]),
            "nameInput": name_param or "name",
            "pathInputs": sorted(path_params),
            "renames": renames,
        }
    _extend_enums(compactor.defs)
    return {"defs": compactor.defs, "types": types, "droppedPatterns": sorted(set(compactor.dropped_patterns))}


# --- CRDs -----------------------------------------------------------------------------------------------

CRD_DROP = frozenset({"description", "example", "externalDocs", "default", "title", "x-kubernetes-validations",
                      "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type"})


def jsonschema_from_openapi(schema: Any) -> Any:
    """Turn a structural OpenAPI v3 CRD schema into draft 2020-12 JSON Schema for the `jsonschema` package.

    The API server prunes unknown fields silently unless the schema preserves them; we report them instead,
    so every object with `properties` and without `x-kubernetes-preserve-unknown-fields` gets
    `additionalProperties: false`. `nullable` and `x-kubernetes-int-or-string` have no JSON Schema keyword.
    """
    if isinstance(schema, list):
        return [jsonschema_from_openapi(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: jsonschema_from_openapi(v) for k, v in schema.items()
           if k not in CRD_DROP and k != "properties"}
    if "properties" in schema:
        out["properties"] = {name: jsonschema_from_openapi(sub) for name, sub in schema["properties"].items()}
        if not schema.get("x-kubernetes-preserve-unknown-fields") and "additionalProperties" not in schema:
            out["additionalProperties"] = False
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["type"] = ["integer", "string"]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    out.pop("x-kubernetes-preserve-unknown-fields", None)
    out.pop("x-kubernetes-embedded-resource", None)
    return out


def _with_object_envelope(schema: dict[str, Any]) -> dict[str, Any]:
    """CRD schemas may omit apiVersion/kind/metadata, which the API server always accepts (and validates
    itself): declare them, so `additionalProperties: false` at the root only catches real unknown fields."""
    properties = dict(schema.get("properties", {}))
    properties.setdefault("apiVersion", {"type": "string"})
    properties.setdefault("kind", {"type": "string"})
    properties.setdefault("metadata", {"type": "object"})
    return {**schema, "properties": properties}


def crd_files(schema_dir: Path, crd_dirs: Sequence[Path]) -> list[tuple[str, Path, dict[str, str]]]:
    """(source key, file, provenance) of every CRD file to read, upstream folder first, then each repo folder.

    Files of the upstream folder are keyed by name, as its README lists them; repo files by their path relative
    to the repo (`schema/crds/argo-cd-application-crd.yaml`), so the two can never collide and the key says
    where to look. A repo file without a recorded source is refused: provenance is part of the contract.
    """
    files = [(name, schema_dir / name, dict(CRD_SOURCES[name])) for name in sorted(CRD_SOURCES)]
    for crd_dir in crd_dirs:
        folder = crd_dir.resolve()
        if not folder.is_dir():
            raise ValueError(f"CRD folder {crd_dir} does not exist")
        label = folder.relative_to(REPO).as_posix() if folder.is_relative_to(REPO) else folder.name
        for path in sorted(folder.glob("*.yaml")):
            source = REPO_CRD_SOURCES.get(path.name)
            if source is None:
                raise ValueError(f"{path} has no recorded upstream source: add it to REPO_CRD_SOURCES in "
                                 f"scripts/derive_schema_rules.py and to {crd_dir}/README.md")
            files.append((f"{label}/{path.name}", path, dict(source)))
    return files


def derive_crds(files: Sequence[tuple[str, Path, dict[str, str]]]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    kinds: dict[str, Any] = {}
    for source_key, path, _ in files:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                if not version.get("served", True) or "schema" not in version:
                    continue
                compact = _with_object_envelope(jsonschema_from_openapi(version["schema"]["openAPIV3Schema"]))
                text = json.dumps(compact, sort_keys=True, separators=(",", ":"))
                digest = hashlib.sha256(text.encode()).hexdigest()[:16]
                schemas[digest] = compact  # Istio serves identical schemas under 3 versions: store once
                gvk = f"{spec['group']}/{version['name']}/{spec['names']['kind']}"
                if gvk in kinds:
                    raise ValueError(f"{gvk} is defined in both {kinds[gvk]['source']} and {source_key}: "
                                     "keep one CRD per kind")
                kinds[gvk] = {"schema": digest, "source": source_key}
    return {"kinds": kinds, "schemas": schemas}


def derive(schema_dir: Path, crd_dirs: Sequence[Path] = (REPO_CRDS,)) -> dict[str, Any]:
    files = crd_files(schema_dir, crd_dirs)
    sources = {key: source for key, _, source in files}
    sources["arm"] = dict(ARM_SOURCE)
    return {
        "format": RULES_FORMAT,
        "generatedBy": "scripts/derive_schema_rules.py",
        "sources": sources,
        "arm": derive_arm(schema_dir / "arm"),
        "crds": derive_crds(files),
    }


def render(rules: dict[str, Any]) -> str:
    """Sorted keys, compact separators, one trailing newline: stable bytes for `git diff` and the test."""
    return json.dumps(rules, sort_keys=True, separators=(",", ":"), ensure_ascii=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", type=Path, required=True, help="the upstream schema folder")
    parser.add_argument("--out", type=Path, required=True, help="where to write rules.json")
    parser.add_argument("--crds", type=Path, action="append", metavar="DIR",
                        help=f"a folder of CRD *.yaml files kept in the repo (repeatable; default: {REPO_CRDS})")
    args = parser.parse_args(argv)
    if not (args.schemas / "arm" / "index.json").is_file():
        print(f"error: {args.schemas} does not look like the schema folder (no arm/index.json)", file=sys.stderr)
        return 2
    try:
        text = render(derive(args.schemas, args.crds or (REPO_CRDS,)))
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
