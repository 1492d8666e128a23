"""AKS: CIS Azure Kubernetes Service Benchmark and the Microsoft cloud security benchmark AKS baseline."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ._base import Resource, Rule, expect, lookup, shown

CLUSTER = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:containerservice:AgentPool"
_OPEN_RANGES = {"0.0.0.0/0", "0.0.0.0", "*", "::/0"}


def api_server_restricted(resource: Resource) -> list[str]:
    inputs = resource.inputs
    if lookup(inputs, "apiServerAccessProfile.enablePrivateCluster") is True:
        return []
    ranges = lookup(inputs, "apiServerAccessProfile.authorizedIPRanges") or []
    if not ranges:
        return [
            "the API server is public to the whole internet (enablePrivateCluster is not true and "
            "authorizedIPRanges is empty); make the cluster private or list the office and CI egress ranges "
            "in apiServerAccessProfile.authorizedIPRanges"
        ]
    opened = sorted(set(ranges) & _OPEN_RANGES)
    if opened:
        return [f"apiServerAccessProfile.authorizedIPRanges contains {', '.join(opened)}, which admits every address; list specific ranges"]
    return []


def entra_rbac(resource: Resource) -> list[str]:
    inputs = resource.inputs
    messages = []
    if lookup(inputs, "enableRBAC") is False:
        messages.append("enableRBAC is false; Kubernetes RBAC must stay on")
    if lookup(inputs, "aadProfile.managed") is not True:
        messages.append(f"aadProfile.managed is {shown(lookup(inputs, 'aadProfile.managed'))}; integrate Entra ID (managed: true)")
    if lookup(inputs, "aadProfile.enableAzureRBAC") is not True:
        messages.append(
            f"aadProfile.enableAzureRBAC is {shown(lookup(inputs, 'aadProfile.enableAzureRBAC'))}; "
            "authorize Kubernetes requests with Azure RBAC (enableAzureRBAC: true)"
        )
    return messages


def local_accounts_disabled(resource: Resource) -> list[str]:
    return expect(resource.inputs, "disableLocalAccounts", True,
                  "set it to true so that only Entra ID identities reach the API server (no static admin kubeconfig)")


def network_policy(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "networkProfile.networkPolicy")
    if value in ("azure", "calico", "cilium"):
        return []
    return [f"networkProfile.networkPolicy is {shown(value)}; choose azure, calico or cilium so that NetworkPolicies are enforced"]


def workload_identity(resource: Resource) -> list[str]:
    return expect(resource.inputs, "oidcIssuerProfile.enabled", True, "enable the OIDC issuer (oidcIssuerProfile.enabled: true)") + expect(
        resource.inputs, "securityProfile.workloadIdentity.enabled", True,
        "enable workload identity so pods use federated identities instead of secrets",
    )


def defender(resource: Resource) -> list[str]:
    return expect(resource.inputs, "securityProfile.defender.securityMonitoring.enabled", True,
                  "enable Microsoft Defender for Containers (securityProfile.defender with a Log Analytics workspace)")


def _addon(inputs: Mapping[str, Any], name: str) -> Any:
    # Azure matches add-on names case-insensitively; programs spell azurepolicy/azurePolicy either way.
    addons = lookup(inputs, "addonProfiles") or {}
    for key, value in addons.items():
        if key.lower() == name.lower():
            return value
    return None


def azure_policy_addon(resource: Resource) -> list[str]:
    addon = _addon(resource.inputs, "azurepolicy") or {}
    if addon.get("enabled") is True:
        return []
    return [f"addonProfiles.azurepolicy.enabled is {shown(addon.get('enabled'))}; enable the Azure Policy add-on (Gatekeeper) so that pod security policies are enforced"]


def monitoring(resource: Resource) -> list[str]:
    oms = _addon(resource.inputs, "omsagent") or {}
    if oms.get("enabled") is True or lookup(resource.inputs, "azureMonitorProfile.metrics.enabled") is True:
        return []
    return ["neither Container insights (addonProfiles.omsagent) nor managed Prometheus (azureMonitorProfile.metrics) is enabled; enable one"]


def auto_upgrade(resource: Resource) -> list[str]:
    messages = []
    channel = lookup(resource.inputs, "autoUpgradeProfile.upgradeChannel")
    if channel in (None, "none"):
        messages.append(f"autoUpgradeProfile.upgradeChannel is {shown(channel)}; choose patch, stable or rapid")
    node_channel = lookup(resource.inputs, "autoUpgradeProfile.nodeOSUpgradeChannel")
    if node_channel in (None, "None", "Unmanaged"):
        messages.append(f"autoUpgradeProfile.nodeOSUpgradeChannel is {shown(node_channel)}; choose SecurityPatch or NodeImage")
    return messages


def _pools(resource: Resource) -> Iterator[tuple[str, Mapping[str, Any]]]:
    if resource.type == POOL:
        yield str(resource.inputs.get("agentPoolName", resource.name)), resource.inputs
        return
    for index, pool in enumerate(lookup(resource.inputs, "agentPoolProfiles") or []):
        if isinstance(pool, Mapping):
            yield str(pool.get("name", index)), pool


def node_public_ip_disabled(resource: Resource) -> list[str]:
    return [
        f"node pool {name}: enableNodePublicIP is true; nodes must not have public addresses (use a load balancer or NAT gateway)"
        for name, pool in _pools(resource)
        if lookup(pool, "enableNodePublicIP") is True
    ]


def host_encryption(resource: Resource) -> list[str]:
    return [
        f"node pool {name}: enableEncryptionAtHost is {shown(lookup(pool, 'enableEncryptionAtHost'))}; "
        "set it to true (temp disks and caches encrypted)"
        for name, pool in _pools(resource)
        if lookup(pool, "enableEncryptionAtHost") is not True
    ]


def image_cleaner(resource: Resource) -> list[str]:
    return expect(resource.inputs, "securityProfile.imageCleaner.enabled", True,
                  "enable Image Cleaner so that unused, vulnerable images are removed from nodes")


def kms_etcd_encryption(resource: Resource) -> list[str]:
    """KMS with a customer key on a private vault (learn.microsoft.com/azure/aks/use-kms-etcd-encryption): without it
    etcd holds Kubernetes secrets under Azure's platform keys only. keyVaultNetworkAccess left out means Public (the
    ManagedCluster API's default)."""
    enabled = lookup(resource.inputs, "securityProfile.azureKeyVaultKms.enabled")
    if enabled is not True:
        return [
            f"securityProfile.azureKeyVaultKms.enabled is {shown(enabled)}; encrypt Kubernetes secrets in etcd with a "
            "Key Vault key (AksCluster `kms` with a KeyVault key that has a rotation policy)"
        ]
    access = lookup(resource.inputs, "securityProfile.azureKeyVaultKms.keyVaultNetworkAccess") or "Public"
    if access != "Private":
        return [
            f"securityProfile.azureKeyVaultKms.keyVaultNetworkAccess is {shown(access)}; keep the key in a private vault "
            "(network_access Private, with API Server VNet Integration)"
        ]
    return []


_CLUSTER = frozenset({CLUSTER})
_POOLS = frozenset({CLUSTER, POOL})

RULES = (
    Rule("aks-api-server-restricted", "The AKS API server is private or limited to authorized IP ranges.", "high",
         ("CIS AKS 5.4.1", "CIS AKS 5.4.2", "MCSB AKS NS-2"), api_server_restricted, _CLUSTER),
    Rule("aks-entra-rbac", "AKS authenticates with Entra ID and authorizes with Azure RBAC.", "high",
         ("CIS AKS 5.5.1", "MCSB AKS IM-1", "MCSB AKS PA-7"), entra_rbac, _CLUSTER),
    Rule("aks-local-accounts-disabled", "AKS local accounts (static admin credentials) are disabled.", "high",
         ("MCSB AKS IM-1", "MCSB AKS PA-1"), local_accounts_disabled, _CLUSTER),
    Rule("aks-network-policy", "AKS enforces Kubernetes NetworkPolicies (azure, calico or cilium).", "medium",
         ("CIS AKS 5.4.4", "MCSB AKS NS-1"), network_policy, _CLUSTER),
    Rule("aks-workload-identity", "AKS has the OIDC issuer and workload identity enabled.", "medium",
         ("MCSB AKS IM-3",), workload_identity, _CLUSTER),
    Rule("aks-defender", "Microsoft Defender for Containers monitors the cluster.", "medium",
         ("CIS Azure 2.1 (Defender plans)", "MCSB AKS LT-1"), defender, _CLUSTER),
    Rule("aks-azure-policy-addon", "The Azure Policy add-on is enabled on AKS.", "medium",
         ("CIS AKS 4.2 (pod security)", "MCSB AKS PV-2"), azure_policy_addon, _CLUSTER),
    Rule("aks-monitoring", "AKS sends logs or metrics to Azure Monitor.", "low",
         ("MCSB AKS LT-4",), monitoring, _CLUSTER),
    Rule("aks-auto-upgrade", "AKS and its node images upgrade automatically on a channel.", "medium",
         ("MCSB AKS PV-6",), auto_upgrade, _CLUSTER),
    Rule("aks-node-public-ip-disabled", "AKS nodes have no public IP addresses.", "high",
         ("CIS AKS 5.4.3", "MCSB AKS NS-2"), node_public_ip_disabled, _POOLS),
    Rule("aks-host-encryption", "AKS node pools encrypt at host.", "medium",
         ("MCSB AKS DP-4",), host_encryption, _POOLS),
    Rule("aks-image-cleaner", "Image Cleaner removes unused images from AKS nodes.", "low",
         ("MCSB AKS PV-5",), image_cleaner, _CLUSTER),
    Rule("aks-kms-etcd-encryption",
         "AKS encrypts Kubernetes secrets in etcd with a customer-managed Key Vault key (KMS) in a private vault.",
         "high", ("CIS AKS 5.3.1", "MCSB AKS DP-5"), kms_etcd_encryption, _CLUSTER),
)
