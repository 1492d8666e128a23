"""Realistic resources, as the offline engine records them, that must pass with zero problems.

The builders are reused by the other test modules, which break one field at a time. Numbers are floats,
as the engine sends them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sentimark_platform.schemacheck import validate_resource

Resource = dict[str, Any]
TENANT = "00000000-0000-0000-0000-000000000001"
SUBNET = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dev/providers/"
          "Microsoft.Network/virtualNetworks/vnet/subnets/aks")


def resource(type_token: str, inputs: dict[str, Any], name: str = "res") -> Resource:
    """A plan entry in the engine's shape."""
    return {"urn": f"urn:pulumi:dev::platform::{type_token}::{name}", "type": type_token, "name": name,
            "parent": None, "dependencies": [], "inputs": inputs, "protect": False, "retainOnDelete": False,
            "ignoreChanges": [], "custom": True}


def key_vault(**properties: Any) -> Resource:
    """azure-native keeps Key Vault's `properties` envelope (VaultArgs.properties)."""
    props = {"tenantId": TENANT, "sku": {"family": "A", "name": "standard"}, "enableRbacAuthorization": True,
             "enablePurgeProtection": True, "enableSoftDelete": True, "softDeleteRetentionInDays": 90.0,
             "publicNetworkAccess": "Disabled",
             "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices",
                             "ipRules": [{"value": "203.0.113.0/24"}],
                             "virtualNetworkRules": [{"id": SUBNET, "ignoreMissingVnetServiceEndpoint": False}]},
             **properties}
    return resource("azure-native:keyvault:Vault", {
        "vaultName": "kv-sentimark-dev", "resourceGroupName": "rg-dev", "location": "westeurope",
        "tags": {"env": "dev"}, "properties": props}, "kv")


def managed_cluster(**inputs: Any) -> Resource:
    system_pool = {
        "name": "system", "mode": "System", "count": 1.0, "vmSize": "Standard_D2s_v5", "osType": "Linux",
        "osSKU": "AzureLinux", "type": "VirtualMachineScaleSets", "availabilityZones": ["1", "2", "3"],
        "enableAutoScaling": True, "minCount": 1.0, "maxCount": 3.0, "maxPods": 30.0, "osDiskSizeGB": 128.0,
        "osDiskType": "Managed", "vnetSubnetID": SUBNET, "nodeTaints": ["CriticalAddonsOnly=true:NoSchedule"],
        "upgradeSettings": {"maxSurge": "33%"}}
    return resource("azure-native:containerservice:ManagedCluster", {
        "resourceName": "aks-sentimark-dev", "resourceGroupName": "rg-dev", "location": "westeurope",
        "tags": {"env": "dev"}, "identity": {"type": "SystemAssigned"}, "sku": {"name": "Base", "tier": "Free"},
        "kubernetesVersion": "1.33", "dnsPrefix": "sentimark-dev", "enableRBAC": True, "disableLocalAccounts": True,
        "nodeResourceGroup": "rg-dev-aks-nodes",
        "aadProfile": {"managed": True, "enableAzureRBAC": True, "tenantID": TENANT},
        "agentPoolProfiles": [system_pool],
        "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay", "networkPolicy": "cilium",
                           "networkDataplane": "cilium", "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16",
                           "dnsServiceIP": "10.0.0.10", "loadBalancerSku": "standard",
                           "outboundType": "loadBalancer"},
        "oidcIssuerProfile": {"enabled": True},
        "securityProfile": {"workloadIdentity": {"enabled": True},
                            "imageCleaner": {"enabled": True, "intervalHours": 48.0}},
        "addonProfiles": {
            "azureKeyvaultSecretsProvider": {"enabled": True, "config": {"enableSecretRotation": "true"}},
            "omsagent": {"enabled": True, "config": {"logAnalyticsWorkspaceResourceID": "[unknown]"}}},
        "apiServerAccessProfile": {"authorizedIPRanges": ["203.0.113.0/24"]},
        "autoUpgradeProfile": {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"},
        "azureMonitorProfile": {"metrics": {"enabled": True}},
        **inputs}, "aks")


def postgres() -> Resource:
    return resource("azure-native:dbforpostgresql:Server", {
        "serverName": "psql-sentimark-dev", "resourceGroupName": "rg-dev", "location": "westeurope",
        "sku": {"name": "Standard_B1ms", "tier": "Burstable"}, "version": "16", "createMode": "Default",
        "administratorLogin": "sentimark", "administratorLoginPassword": "[secret]",
        "storage": {"storageSizeGB": 32.0, "autoGrow": "Enabled"},
        "backup": {"backupRetentionDays": 7.0, "geoRedundantBackup": "Disabled"},
        "highAvailability": {"mode": "Disabled"}, "network": {"publicNetworkAccess": "Enabled"},
        "authConfig": {"activeDirectoryAuth": "Enabled", "passwordAuth": "Enabled", "tenantId": TENANT},
        "tags": {"env": "dev"}}, "psql")


def eventhub_namespace(name: str = "evhns-sentimark-dev") -> Resource:
    return resource("azure-native:eventhub:Namespace", {
        "namespaceName": name, "resourceGroupName": "rg-dev", "location": "westeurope",
        "sku": {"name": "Standard", "tier": "Standard", "capacity": 1.0}, "zoneRedundant": True,
        "disableLocalAuth": True, "minimumTlsVersion": "1.2", "publicNetworkAccess": "Enabled",
        "isAutoInflateEnabled": False, "tags": {"env": "dev"}}, "evhns")


def k8s(api_version: str, kind: str, name: str, spec: dict[str, Any]) -> Resource:
    """A Kubernetes resource: the type token is `kubernetes:<group>/<version>:<Kind>`, core is `core/v1`."""
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return resource(f"kubernetes:{group_version}:{kind}", {
        "apiVersion": api_version, "kind": kind,
        "metadata": {"name": name, "namespace": "sentimark", "labels": {"app.kubernetes.io/part-of": "sentimark"}},
        "spec": spec}, name)


def virtual_service(**spec: Any) -> Resource:
    def route(host: str, subset: str, weight: float) -> dict[str, Any]:
        return {"destination": {"host": host, "subset": subset, "port": {"number": 8080.0}}, "weight": weight}

    return k8s("networking.istio.io/v1", "VirtualService", "api", {
        "hosts": ["api.sentimark.example"], "gateways": ["istio-ingress/public"],
        "http": [{"name": "api", "match": [{"uri": {"prefix": "/api"}}],
                  "route": [route("api-stable", "stable", 90.0), route("api-canary", "canary", 10.0)],
                  "timeout": "10s", "retries": {"attempts": 3.0, "perTryTimeout": "2s"}}],
        **spec})


def destination_rule() -> Resource:
    return k8s("networking.istio.io/v1", "DestinationRule", "api", {
        "host": "api.sentimark.svc.cluster.local",
        "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"},
                          "connectionPool": {"http": {"http1MaxPendingRequests": 100.0}},
                          "outlierDetection": {"consecutive5xxErrors": 5.0, "interval": "30s",
                                               "baseEjectionTime": "60s"}},
        "subsets": [{"name": "stable", "labels": {"app": "api"}}, {"name": "canary", "labels": {"app": "api"}}]})


def peer_authentication() -> Resource:
    return k8s("security.istio.io/v1", "PeerAuthentication", "default", {"mtls": {"mode": "STRICT"}})


def rollout() -> Resource:
    container = {"name": "api", "image": "acr.example/api:1.0.0", "ports": [{"containerPort": 8080.0, "name": "http"}],
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}
    istio = {"virtualService": {"name": "api", "routes": ["api"]},
             "destinationRule": {"name": "api", "canarySubsetName": "canary", "stableSubsetName": "stable"}}
    return k8s("argoproj.io/v1alpha1", "Rollout", "api", {
        "replicas": 3.0, "revisionHistoryLimit": 3.0, "selector": {"matchLabels": {"app": "api"}},
        "template": {"metadata": {"labels": {"app": "api"}},
                     "spec": {"serviceAccountName": "api", "containers": [container]}},
        "strategy": {"canary": {
            "canaryService": "api-canary", "stableService": "api-stable", "trafficRouting": {"istio": istio},
            "steps": [{"setWeight": 10.0}, {"pause": {"duration": "5m"}},
                      {"analysis": {"templates": [{"templateName": "success-rate"}]}},
                      {"setWeight": 50.0}, {"pause": {}}]}}})


def analysis_template() -> Resource:
    query = 'sum(rate(istio_requests_total{response_code!~"5.*"}[2m]))'
    return k8s("argoproj.io/v1alpha1", "AnalysisTemplate", "success-rate", {
        "args": [{"name": "service-name"}],
        "metrics": [{"name": "success-rate", "interval": "1m", "count": 5.0, "failureLimit": 1.0,
                     "successCondition": "result[0] >= 0.99",
                     "provider": {"prometheus": {"address": "http://prometheus.monitoring:9090", "query": query}}}]})


def secret_provider_class(**spec: Any) -> Resource:
    objects = "array:\n  - |\n    objectName: db-password\n    objectType: secret\n"
    return k8s("secrets-store.csi.x-k8s.io/v1", "SecretProviderClass", "api-secrets", {
        "provider": "azure",
        "parameters": {"usePodIdentity": "false", "clientID": "[unknown]", "keyvaultName": "kv-sentimark-dev",
                       "tenantId": TENANT, "objects": objects},
        "secretObjects": [{"secretName": "db", "type": "Opaque",
                           "data": [{"objectName": "db-password", "key": "password"}]}],
        **spec})


def namespace(**metadata: Any) -> Resource:
    return resource("kubernetes:core/v1:Namespace", {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "sentimark", "labels": {"istio-injection": "enabled"}, **metadata}}, "ns")


def network_policy(**spec: Any) -> Resource:
    ingress_namespace = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-ingress"}}}
    return k8s("networking.k8s.io/v1", "NetworkPolicy", "allow-ingress", {
        "podSelector": {}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [ingress_namespace], "ports": [{"protocol": "TCP", "port": 8080.0}]}],
        **spec})


GOOD_RESOURCES: dict[str, Callable[[], Resource]] = {
    "key_vault": key_vault, "managed_cluster": managed_cluster, "postgres": postgres,
    "eventhub_namespace": eventhub_namespace, "virtual_service": virtual_service,
    "destination_rule": destination_rule, "peer_authentication": peer_authentication, "rollout": rollout,
    "analysis_template": analysis_template, "secret_provider_class": secret_provider_class,
    "namespace": namespace, "network_policy": network_policy,
}


@pytest.mark.parametrize("builder", GOOD_RESOURCES.values(), ids=GOOD_RESOURCES.keys())
def test_realistic_resource_has_no_problems(builder: Callable[[], Resource]) -> None:
    report = validate_resource(builder())
    assert [str(p) for p in report.problems] == []
    assert report.checked == 1
    assert report.not_checked == []
