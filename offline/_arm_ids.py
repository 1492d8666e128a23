"""Resource ids with Azure's shape for the offline engine's mocks: provider namespace and parent path per type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ALWAYS_REGISTERED", "ARM_PATHS", "SUBSCRIPTION_ID", "arm_id", "provider_namespace"]

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"

# Where each type lives in ARM: provider namespace and the path of collections below it. A segment is
# (collection, input holding the parent's name), the last one (collection, None) for the resource's own name;
# "=x" stands for the fixed name x (singleton children such as blobServices/default).
# Extension resources (role assignments, locks, budgets, diagnostic settings) sit below their `scope`.
ARM_PATHS: dict[str, tuple[str, tuple[tuple[str, str | None], ...]]] = {
    "alertsmanagement:PrometheusRuleGroup": ("Microsoft.AlertsManagement", (("prometheusRuleGroups", None),)),
    "applicationinsights:Component": ("Microsoft.Insights", (("components", None),)),
    "authorization:ManagementLockByScope": ("Microsoft.Authorization", (("locks", None),)),
    "authorization:RoleAssignment": ("Microsoft.Authorization", (("roleAssignments", None),)),
    "cdn:Profile": ("Microsoft.Cdn", (("profiles", None),)),
    "cdn:AFDEndpoint": ("Microsoft.Cdn", (("profiles", "profileName"), ("afdEndpoints", None))),
    "cdn:AFDCustomDomain": ("Microsoft.Cdn", (("profiles", "profileName"), ("customDomains", None))),
    "cdn:AFDOriginGroup": ("Microsoft.Cdn", (("profiles", "profileName"), ("originGroups", None))),
    "cdn:AFDOrigin": ("Microsoft.Cdn", (("profiles", "profileName"), ("originGroups", "originGroupName"),
                                        ("origins", None))),
    "cdn:Route": ("Microsoft.Cdn", (("profiles", "profileName"), ("afdEndpoints", "endpointName"), ("routes", None))),
    "cdn:SecurityPolicy": ("Microsoft.Cdn", (("profiles", "profileName"), ("securityPolicies", None))),
    "consumption:Budget": ("Microsoft.Consumption", (("budgets", None),)),
    "containerregistry:Registry": ("Microsoft.ContainerRegistry", (("registries", None),)),
    # Front Door's WAF policy: azure-native module `frontdoor`, ARM namespace Microsoft.Network.
    "frontdoor:Policy": ("Microsoft.Network", (("frontDoorWebApplicationFirewallPolicies", None),)),
    "containerservice:ManagedCluster": ("Microsoft.ContainerService", (("managedClusters", None),)),
    "containerservice:AgentPool": ("Microsoft.ContainerService", (("managedClusters", "resourceName"),
                                                                  ("agentPools", None))),
    "containerservice:MaintenanceConfiguration": ("Microsoft.ContainerService", (
        ("managedClusters", "resourceName"), ("maintenanceConfigurations", None))),
    "dashboard:Grafana": ("Microsoft.Dashboard", (("grafana", None),)),
    "dbforpostgresql:Server": ("Microsoft.DBforPostgreSQL", (("flexibleServers", None),)),
    "dbforpostgresql:Administrator": ("Microsoft.DBforPostgreSQL", (("flexibleServers", "serverName"),
                                                                    ("administrators", None))),
    "dbforpostgresql:Configuration": ("Microsoft.DBforPostgreSQL", (("flexibleServers", "serverName"),
                                                                    ("configurations", None))),
    "dbforpostgresql:Database": ("Microsoft.DBforPostgreSQL", (("flexibleServers", "serverName"), ("databases", None))),
    "dbforpostgresql:FirewallRule": ("Microsoft.DBforPostgreSQL", (("flexibleServers", "serverName"),
                                                                   ("firewallRules", None))),
    "eventhub:Namespace": ("Microsoft.EventHub", (("namespaces", None),)),
    "eventhub:NamespaceNetworkRuleSet": ("Microsoft.EventHub", (("namespaces", "namespaceName"),
                                                                ("networkRuleSets", "=default"))),
    "eventhub:EventHub": ("Microsoft.EventHub", (("namespaces", "namespaceName"), ("eventhubs", None))),
    "eventhub:ConsumerGroup": ("Microsoft.EventHub", (("namespaces", "namespaceName"), ("eventhubs", "eventHubName"),
                                                      ("consumergroups", None))),
    "eventhub:EventHubAuthorizationRule": ("Microsoft.EventHub", (("namespaces", "namespaceName"),
                                                                  ("eventhubs", "eventHubName"),
                                                                  ("authorizationRules", None))),
    "keyvault:Vault": ("Microsoft.KeyVault", (("vaults", None),)),
    "keyvault:Secret": ("Microsoft.KeyVault", (("vaults", "vaultName"), ("secrets", None))),
    "keyvault:Key": ("Microsoft.KeyVault", (("vaults", "vaultName"), ("keys", None))),
    "managedidentity:UserAssignedIdentity": ("Microsoft.ManagedIdentity", (("userAssignedIdentities", None),)),
    "managedidentity:FederatedIdentityCredential": ("Microsoft.ManagedIdentity", (
        ("userAssignedIdentities", "resourceName"), ("federatedIdentityCredentials", None))),
    "monitor:ActionGroup": ("Microsoft.Insights", (("actionGroups", None),)),
    "monitor:AzureMonitorWorkspace": ("Microsoft.Monitor", (("accounts", None),)),
    "monitor:DataCollectionEndpoint": ("Microsoft.Insights", (("dataCollectionEndpoints", None),)),
    "monitor:DataCollectionRule": ("Microsoft.Insights", (("dataCollectionRules", None),)),
    "monitor:DataCollectionRuleAssociation": ("Microsoft.Insights", (("dataCollectionRuleAssociations", None),)),
    "monitor:DiagnosticSetting": ("Microsoft.Insights", (("diagnosticSettings", None),)),
    # At the subscription (no resource group): /subscriptions/<id>/providers/Microsoft.Insights/diagnosticSettings/<name>.
    "monitor:SubscriptionDiagnosticSetting": ("Microsoft.Insights", (("diagnosticSettings", None),)),
    "monitor:MetricAlert": ("Microsoft.Insights", (("metricAlerts", None),)),
    "network:NetworkSecurityGroup": ("Microsoft.Network", (("networkSecurityGroups", None),)),
    "network:VirtualNetwork": ("Microsoft.Network", (("virtualNetworks", None),)),
    "network:VirtualNetworkPeering": ("Microsoft.Network", (("virtualNetworks", "virtualNetworkName"),
                                                            ("virtualNetworkPeerings", None))),
    "network:PrivateEndpoint": ("Microsoft.Network", (("privateEndpoints", None),)),
    "network:PrivateDnsZoneGroup": ("Microsoft.Network", (("privateEndpoints", "privateEndpointName"),
                                                          ("privateDnsZoneGroups", None))),
    "operationalinsights:Workspace": ("Microsoft.OperationalInsights", (("workspaces", None),)),
    "operationalinsights:Table": ("Microsoft.OperationalInsights", (("workspaces", "workspaceName"), ("tables", None))),
    "privatedns:PrivateZone": ("Microsoft.Network", (("privateDnsZones", None),)),
    "privatedns:VirtualNetworkLink": ("Microsoft.Network", (("privateDnsZones", "privateZoneName"),
                                                            ("virtualNetworkLinks", None))),
    "redis:Redis": ("Microsoft.Cache", (("redis", None),)),
    "redisenterprise:RedisEnterprise": ("Microsoft.Cache", (("redisEnterprise", None),)),
    "redisenterprise:Database": ("Microsoft.Cache", (("redisEnterprise", "clusterName"), ("databases", None))),
    "redisenterprise:AccessPolicyAssignment": ("Microsoft.Cache", (("redisEnterprise", "clusterName"),
                                                                   ("databases", "databaseName"),
                                                                   ("accessPolicyAssignments", None))),
    "storage:StorageAccount": ("Microsoft.Storage", (("storageAccounts", None),)),
    "storage:BlobContainer": ("Microsoft.Storage", (("storageAccounts", "accountName"), ("blobServices", "=default"),
                                                    ("containers", None))),
}


def arm_id(typ: str, inputs: Mapping[str, Any], name: str) -> str:
    """A deterministic ARM id shaped like Azure's: `/subscriptions/.../resourceGroups/<rg>/providers/<namespace>/
    <collection>/<name>[/<collection>/<name>...]`, below `scope` (or `resourceUri`) for extension resources. Types
    not in the table get `Microsoft.<Module>/<kind>s/<name>`, the old approximation."""
    _, module, kind = typ.split(":", 2)
    group = inputs.get("resourceGroupName")
    if kind == "ResourceGroup":
        return f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/{name}"
    scope = inputs.get("scope", inputs.get("resourceUri"))
    base = scope if isinstance(scope, str) else None
    if base is None:
        base = f"/subscriptions/{SUBSCRIPTION_ID}" + (f"/resourceGroups/{group}" if isinstance(group, str) else "")
    known = ARM_PATHS.get(f"{module}:{kind}")
    if known is not None:
        namespace, segments = known
        parts = []
        for collection, parent in segments:
            value = name if parent is None else parent[1:] if parent.startswith("=") else inputs.get(parent)
            if not isinstance(value, str):
                break
            parts.append(f"{collection}/{value}")
        else:
            return f"{base}/providers/{namespace}/" + "/".join(parts)
    return f"{base}/providers/Microsoft.{module.capitalize()}/{kind[0].lower()}{kind[1:]}s/{name}"


# Provider namespaces of azure-native modules whose types ARM_PATHS does not list (a module is one namespace).
_MODULE_NAMESPACES = {
    "authorization": "Microsoft.Authorization",
    "cdn": "Microsoft.Cdn",
    "consumption": "Microsoft.Consumption",
    "containerregistry": "Microsoft.ContainerRegistry",
    "containerservice": "Microsoft.ContainerService",
    "dashboard": "Microsoft.Dashboard",
    "dataprotection": "Microsoft.DataProtection",
    "dbforpostgresql": "Microsoft.DBforPostgreSQL",
    "eventhub": "Microsoft.EventHub",
    "features": "Microsoft.Features",
    "frontdoor": "Microsoft.Network",
    "insights": "Microsoft.Insights",
    "keyvault": "Microsoft.KeyVault",
    "kubernetesconfiguration": "Microsoft.KubernetesConfiguration",
    "managedidentity": "Microsoft.ManagedIdentity",
    "monitor": "Microsoft.Insights",
    "network": "Microsoft.Network",
    "operationalinsights": "Microsoft.OperationalInsights",
    "privatedns": "Microsoft.Network",
    "redisenterprise": "Microsoft.Cache",
    "resources": "Microsoft.Resources",
    "storage": "Microsoft.Storage",
}

ALWAYS_REGISTERED = frozenset({"Microsoft.Authorization", "Microsoft.Resources", "Microsoft.Features",
                               "Microsoft.Consumption"})
"""Namespaces every subscription has registered from the start (learn.microsoft.com/azure/azure-resource-manager/
management/resource-providers-and-types, "registered by default"): nobody needs to register them."""


def provider_namespace(type_token: str) -> str | None:
    """The resource provider a type needs registered (`azure-native:containerservice:ManagedCluster` ->
    Microsoft.ContainerService); None for types that are not Azure resources."""
    parts = type_token.split(":")
    if len(parts) != 3 or parts[0] != "azure-native":
        return None
    known = ARM_PATHS.get(f"{parts[1]}:{parts[2]}")
    if known is not None:
        return known[0]
    return _MODULE_NAMESPACES.get(parts[1], f"Microsoft.{parts[1].capitalize()}")
