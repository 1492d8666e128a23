"""AksCluster: security-relevant inputs, drift protection, the Kubernetes provider, and refused arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sentimark_platform import schemacheck
from sentimark_platform.offline import SECRET, Plan, run_preview
from tests.programs import preview_program
from tests.programs import with_changes as _with

CLUSTER = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:containerservice:AgentPool"
WINDOW = "azure-native:containerservice:MaintenanceConfiguration"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
SUBNET = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-aks"
WORKSPACE = f"{SUB}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/log-platform"
ADMINS = "33333333-3333-3333-3333-333333333333"

DEV: dict[str, Any] = {
    "resource_group_name": "rg-dev",
    "resource_name": "aks-dev",
    "tier": "Free",
    "private_cluster": False,
    "api_server_authorized_ip_ranges": ["203.0.113.0/24", "198.51.100.7/32"],
    "admin_group_object_ids": [ADMINS],
    "system_pool": {"vm_size": "Standard_D2s_v5", "node_count": 1},
    "user_pools": {"spot": {"vm_size": "Standard_D4s_v5", "min_count": 0, "max_count": 2, "spot": True}},
    "tags": {"environment": "dev"},
}

PROD: dict[str, Any] = {
    "resource_group_name": "rg-prod",
    "resource_name": "aks-prod",
    "tier": "Standard",
    "kubernetes_version": "1.33",
    "node_subnet_id": SUBNET,
    "admin_group_object_ids": [ADMINS],
    "system_pool": {"vm_size": "Standard_D4ds_v5", "node_count": 3, "zones": ["1", "2", "3"], "os_disk_type": "Ephemeral"},
    "user_pools": {
        "apps": {"vm_size": "Standard_D8s_v5", "min_count": 3, "max_count": 10, "zones": ["1", "2", "3"],
                 "labels": {"workload": "apps"}},
    },
    "upgrade_channel": "stable",
    "node_os_upgrade_channel": "SecurityPatch",
    "upgrade_window": {"day_of_week": "Sunday", "start_time": "01:00", "duration_hours": 4},
    "node_os_upgrade_window": {"day_of_week": "Saturday", "start_time": "23:00", "duration_hours": 6, "utc_offset": "+01:00"},
    "log_analytics_workspace_id": WORKSPACE,
    "defender": True,
    "managed_prometheus": True,
    "diagnostic_settings": {"workspace_id": WORKSPACE, "category_groups": ["audit"]},
    "lock": {"kind": "CanNotDelete"},
    "role_assignments": {"readers": {"role": "Azure Kubernetes Service RBAC Reader", "principal_id": ADMINS,
                                     "principal_type": "Group"}},
    "tags": {"environment": "prod"},
}

PROGRAM = """
import pulumi
from sentimark_platform.components.aks import AksCluster
cluster = AksCluster("aks", {args!r})
pulumi.export("kubeconfig", pulumi.Output.unsecret(cluster.kubeconfig))
pulumi.export("kubeletObjectId", cluster.kubelet_identity_object_id)
pulumi.export("kubeletClientId", cluster.kubelet_identity_client_id)
pulumi.export("principalId", cluster.principal_id)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("resourceId", cluster.resource_id)
"""


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, PROGRAM.format(args=args))




def test_dev_cluster_is_public_behind_authorized_ranges_with_entra_id_only(tmp_path: Path) -> None:
    plan = _preview(tmp_path, DEV)
    (cluster,) = plan.of_type(CLUSTER)
    i = cluster.inputs
    assert i["sku"] == {"name": "Base", "tier": "Free"}
    assert i["apiServerAccessProfile"] == {"enablePrivateCluster": False,
                                           "authorizedIPRanges": ["203.0.113.0/24", "198.51.100.7/32"]}
    assert i["disableLocalAccounts"] is True and i["enableRBAC"] is True
    assert i["aadProfile"] == {"managed": True, "enableAzureRBAC": True, "adminGroupObjectIDs": [ADMINS]}
    assert i["oidcIssuerProfile"] == {"enabled": True}
    assert i["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert "defender" not in i["securityProfile"]
    assert i["identity"] == {"type": "SystemAssigned"}
    assert i["networkProfile"] == {
        "networkPlugin": "azure", "networkPluginMode": "overlay", "networkDataplane": "cilium", "networkPolicy": "cilium",
        "podCidr": "10.244.0.0/16", "serviceCidr": "10.0.0.0/16", "dnsServiceIP": "10.0.0.10",
        "loadBalancerSku": "standard", "outboundType": "loadBalancer",
    }
    assert i["addonProfiles"]["kubeDashboard"] == {"enabled": False}
    assert i["addonProfiles"]["azurepolicy"] == {"enabled": True}
    assert i["addonProfiles"]["azureKeyvaultSecretsProvider"] == {
        "enabled": True, "config": {"enableSecretRotation": "true", "rotationPollInterval": "2m"}}
    assert "omsagent" not in i["addonProfiles"]  # no workspace given
    assert i["autoUpgradeProfile"] == {"upgradeChannel": "patch", "nodeOSUpgradeChannel": "NodeImage"}
    (system,) = i["agentPoolProfiles"]
    assert system["mode"] == "System" and system["count"] == 1 and system["enableAutoScaling"] is False
    assert system["nodeTaints"] == ["CriticalAddonsOnly=true:NoSchedule"]
    assert system["enableEncryptionAtHost"] is True and system["enableNodePublicIP"] is False
    assert system["maxPods"] == 110 and system["osDiskType"] == "Managed"
    assert "vnetSubnetID" not in system
    assert plan.of_type(WINDOW) == []  # no windows given


def test_dev_spot_pool_scales_from_zero_with_azures_spot_taint_and_label(tmp_path: Path) -> None:
    (pool,) = _preview(tmp_path, DEV).of_type(POOL)
    i = pool.inputs
    assert i["agentPoolName"] == "spot" and i["resourceName"] == "aks-dev" and i["mode"] == "User"
    assert (i["enableAutoScaling"], i["minCount"], i["maxCount"], i["count"]) == (True, 0, 2, 0)
    assert (i["scaleSetPriority"], i["scaleSetEvictionPolicy"], i["spotMaxPrice"]) == ("Spot", "Delete", -1)
    assert i["nodeTaints"] == ["kubernetes.azure.com/scalesetpriority=spot:NoSchedule"]
    assert i["nodeLabels"] == {"kubernetes.azure.com/scalesetpriority": "spot"}
    assert i["enableEncryptionAtHost"] is True
    assert set(pool.ignore_changes) == {"count", "orchestratorVersion"}


def test_prod_cluster_is_private_in_the_node_subnet_with_zones_and_monitoring(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (cluster,) = plan.of_type(CLUSTER)
    i = cluster.inputs
    assert i["sku"] == {"name": "Base", "tier": "Standard"}
    assert i["apiServerAccessProfile"] == {"enablePrivateCluster": True, "privateDNSZone": "system",
                                           "enablePrivateClusterPublicFQDN": False}
    (system,) = i["agentPoolProfiles"]
    assert (system["count"], system["availabilityZones"], system["vnetSubnetID"]) == (3, ["1", "2", "3"], SUBNET)
    assert system["osDiskType"] == "Ephemeral" and system["orchestratorVersion"] == "1.33"
    assert i["addonProfiles"]["omsagent"] == {
        "enabled": True, "config": {"logAnalyticsWorkspaceResourceID": WORKSPACE, "useAADAuth": "true"}}
    assert i["securityProfile"]["defender"] == {"logAnalyticsWorkspaceResourceId": WORKSPACE,
                                                "securityMonitoring": {"enabled": True}}
    assert i["autoUpgradeProfile"] == {"upgradeChannel": "stable", "nodeOSUpgradeChannel": "SecurityPatch"}
    assert i["azureMonitorProfile"] == {"metrics": {"enabled": True}}
    assert i["tags"] == {"environment": "prod"}
    (pool,) = plan.of_type(POOL)
    assert (pool.inputs["minCount"], pool.inputs["maxCount"], pool.inputs["count"]) == (3, 10, 3)
    assert pool.inputs["availabilityZones"] == ["1", "2", "3"] and pool.inputs["vnetSubnetID"] == SUBNET
    assert "scaleSetPriority" not in pool.inputs and pool.inputs["nodeLabels"] == {"workload": "apps"}
    assert {r.name: r.type for r in plan.resources if r.name in ("aks-diag", "aks-lock", "aks-ra-readers")} == {
        "aks-diag": "azure-native:monitor:DiagnosticSetting",
        "aks-lock": "azure-native:authorization:ManagementLockByScope",
        "aks-ra-readers": "azure-native:authorization:RoleAssignment",
    }
    (network,) = [r for r in plan.resources if r.name == "aks-subnet-ra-network"]
    assert network.inputs["scope"] == SUBNET and network.inputs["principalType"] == "ServicePrincipal"
    assert network.inputs["principalId"] == plan.outputs["principalId"]
    assert network.inputs["roleDefinitionId"].endswith("/4d97b98b-1d4f-4787-a291-c67834d212e7")


def test_prod_maintenance_windows_are_weekly_schedules_with_azures_names(tmp_path: Path) -> None:
    windows = {w.inputs["configName"]: w.inputs for w in _preview(tmp_path, PROD).of_type(WINDOW)}
    assert windows["aksManagedAutoUpgradeSchedule"]["maintenanceWindow"] == {
        "schedule": {"weekly": {"dayOfWeek": "Sunday", "intervalWeeks": 1}},
        "startTime": "01:00", "durationHours": 4, "utcOffset": "+00:00"}
    assert windows["aksManagedNodeOSUpgradeSchedule"]["maintenanceWindow"] == {
        "schedule": {"weekly": {"dayOfWeek": "Saturday", "intervalWeeks": 1}},
        "startTime": "23:00", "durationHours": 6, "utcOffset": "+01:00"}
    assert {w["resourceName"] for w in windows.values()} == {"aks-prod"}


def test_versions_are_ignored_under_an_upgrade_channel_and_kept_without_one(tmp_path: Path) -> None:
    (cluster,) = _preview(tmp_path, PROD).of_type(CLUSTER)
    assert set(cluster.ignore_changes) == {"kubernetesVersion", "agentPoolProfiles[0].orchestratorVersion"}
    plan = _preview(tmp_path, _with(PROD, upgrade_channel="none"))
    (cluster,) = plan.of_type(CLUSTER)
    assert cluster.ignore_changes == ()
    assert plan.of_type(POOL)[0].ignore_changes == ("count",)
    assert [w.inputs["configName"] for w in plan.of_type(WINDOW)] == ["aksManagedNodeOSUpgradeSchedule"]


def test_an_autoscaled_system_pool_ignores_its_inline_count(tmp_path: Path) -> None:
    args = _with(DEV, system_pool={"vm_size": "Standard_D2s_v5", "node_count": 1, "max_count": 3})
    (cluster,) = _preview(tmp_path, args).of_type(CLUSTER)
    assert set(cluster.ignore_changes) == {
        "agentPoolProfiles[0].count", "kubernetesVersion", "agentPoolProfiles[0].orchestratorVersion"}
    system = cluster.inputs["agentPoolProfiles"][0]
    assert (system["enableAutoScaling"], system["minCount"], system["maxCount"]) == (True, 1, 3)


def test_changing_pool_sizes_replaces_nothing(tmp_path: Path) -> None:
    before = _preview(tmp_path / "a", PROD)
    resized = _with(PROD, system_pool={**PROD["system_pool"], "node_count": 5},
                    user_pools={"apps": {**PROD["user_pools"]["apps"], "min_count": 4, "max_count": 20}})
    after = _preview(tmp_path / "b", resized)
    assert after.of_type(POOL)[0].inputs["maxCount"] == 20  # the change took effect...
    assert {r.urn for r in after.resources} == {r.urn for r in before.resources}  # ...under the same URNs


def test_provider_uses_a_converted_secret_kubeconfig_and_a_stable_cluster_identifier(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (provider,) = plan.of_type("pulumi:providers:kubernetes")
    (cluster,) = plan.of_type(CLUSTER)
    (pool,) = plan.of_type(POOL)
    assert provider.inputs["kubeconfig"] == SECRET
    assert provider.inputs["clusterIdentifier"] == plan.outputs["resourceId"]
    assert plan.outputs["resourceId"].endswith("/managedClusters/aks-prod")
    assert provider.inputs["enableServerSideApply"] == "true"
    assert set(provider.dependencies) >= {cluster.urn, pool.urn}  # Kubernetes objects wait for the user pools
    kubeconfig = yaml.safe_load(plan.outputs["kubeconfig"])
    assert kubeconfig["users"][0]["user"]["exec"]["args"] == [
        "get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"]
    assert kubeconfig["clusters"][0]["name"] == "aks-prod"


def test_workload_identity_login_mode_reaches_the_kubeconfig(tmp_path: Path) -> None:
    plan = _preview(tmp_path, _with(DEV, kubelogin_mode="workloadidentity"))
    assert yaml.safe_load(plan.outputs["kubeconfig"])["users"][0]["user"]["exec"]["args"][2] == "workloadidentity"


def test_identity_outputs_are_resolved(tmp_path: Path) -> None:
    outputs = _preview(tmp_path, DEV).outputs
    for key in ("kubeletObjectId", "kubeletClientId", "principalId"):
        assert len(outputs[key]) == 36 and outputs[key].count("-") == 4, key
    assert outputs["kubeletObjectId"] != outputs["kubeletClientId"]


def test_oidc_issuer_url_is_resolved(tmp_path: Path) -> None:
    assert _preview(tmp_path, DEV).outputs["oidcIssuerUrl"].startswith("https://westeurope.oic.prod-aks.azure.com/")


def test_user_assigned_control_plane_identity(tmp_path: Path) -> None:
    uami = f"{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aks"
    plan = _preview(tmp_path, _with(DEV, managed_identities={"user_assigned_resource_ids": [uami]}))
    (cluster,) = plan.of_type(CLUSTER)
    assert cluster.inputs["identity"] == {"type": "UserAssigned", "userAssignedIdentities": [uami]}
    assert "principalId" not in plan.outputs  # no system-assigned principal (None is not exported)


def test_open_public_api_server_only_when_explicitly_allowed(tmp_path: Path) -> None:
    (cluster,) = _preview(tmp_path, _with(DEV, api_server_authorized_ip_ranges=None, allow_open_api_server=True)).of_type(CLUSTER)
    assert cluster.inputs["apiServerAccessProfile"] == {"enablePrivateCluster": False}


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_plan_passes_the_arm_schemas(tmp_path: Path, args: dict[str, Any]) -> None:
    plan = _preview(tmp_path, args)
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    azure = [r for r in plan.resources if r.type.startswith("azure-native:")]
    assert report.checked == len(azure) >= 2


BAD = {
    "private_without_subnet": (
        _with(PROD, node_subnet_id=None),
        "AksCluster: argument 'node_subnet_id' got None; a private cluster needs the node subnet id (its API server "
        "endpoint goes there); give node_subnet_id or set private_cluster False with api_server_authorized_ip_ranges",
    ),
    "range_not_a_cidr": (
        _with(DEV, api_server_authorized_ip_ranges=["203.0.113.0/24", "my-office"]),
        "AksCluster: argument 'api_server_authorized_ip_ranges' got 'my-office'; give IPv4 CIDRs in network form, "
        "such as '203.0.113.0/24' or '198.51.100.7/32'",
    ),
    "range_with_host_bits": (
        _with(DEV, api_server_authorized_ip_ranges=["203.0.113.5/24"]),
        "AksCluster: argument 'api_server_authorized_ip_ranges' got '203.0.113.5/24'; give IPv4 CIDRs in network "
        "form, such as '203.0.113.0/24' or '198.51.100.7/32'",
    ),
    "pool_min_above_max": (
        _with(PROD, user_pools={"apps": {"vm_size": "Standard_D8s_v5", "min_count": 5, "max_count": 3}}),
        "AksCluster: argument \"user_pools['apps'].max_count\" got 3; give a maximum of at least min_count (5) "
        "and at least 1",
    ),
    "max_pods_below_50": (
        _with(DEV, system_pool={"vm_size": "Standard_D2s_v5", "node_count": 1, "max_pods": 30}),
        "AksCluster: argument 'system_pool.max_pods' got 30; give at least 50 (system add-ons alone need dozens "
        "of pods per node)",
    ),
    "user_pool_max_pods_below_50": (
        _with(DEV, user_pools={"spot": {"vm_size": "Standard_D4s_v5", "min_count": 0, "max_count": 2, "max_pods": 20}}),
        "AksCluster: argument \"user_pools['spot'].max_pods\" got 20; give at least 50",
    ),
    "public_without_ranges": (
        _with(DEV, api_server_authorized_ip_ranges=None),
        "AksCluster: argument 'api_server_authorized_ip_ranges' got []; a public API server needs authorized IPv4 "
        "ranges such as ['203.0.113.0/24'], or set allow_open_api_server True to accept an API server open to "
        "the internet",
    ),
    "private_with_ranges": (
        _with(PROD, api_server_authorized_ip_ranges=["203.0.113.0/24"]),
        "AksCluster: argument 'api_server_authorized_ip_ranges' got ['203.0.113.0/24']; a private cluster's API "
        "server has no public endpoint to restrict; leave the ranges out",
    ),
    "defender_without_workspace": (
        _with(PROD, log_analytics_workspace_id=None),
        "AksCluster: argument 'defender' got True; Defender reports to a Log Analytics workspace: give "
        "log_analytics_workspace_id",
    ),
    "short_maintenance_window": (
        _with(PROD, upgrade_window={"day_of_week": "Sunday", "start_time": "01:00", "duration_hours": 2}),
        "AksCluster: argument 'upgrade_window.duration_hours' got 2; give 4 to 24 hours (Azure's limits)",
    ),
    "bad_pool_name": (
        _with(DEV, user_pools={"Spot-Pool": {"vm_size": "Standard_D4s_v5", "min_count": 0, "max_count": 2}}),
        "AksCluster: argument \"user_pools['Spot-Pool']\" got 'Spot-Pool'; name user pools with 1-12 lowercase "
        "letters and digits, starting with a letter, unlike the system pool",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_bad_arguments_before_registering_anything(tmp_path: Path, case: str) -> None:
    args, message = BAD[case]
    with pytest.raises(Exception) as excinfo:
        _preview(tmp_path, args)
    assert type(excinfo.value).__name__ == "InvalidArgumentError"
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]


def test_validation_skips_values_not_known_yet(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    args = _with(PROD, node_subnet_id=None)
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nfrom sentimark_platform.components.aks import AksCluster\n"
        f"args = {args!r}\nargs['node_subnet_id'] = pulumi.Output.from_input({SUBNET!r})\n"
        "AksCluster('aks', args)\n"
    )
    (cluster,) = run_preview(tmp_path, "dev").of_type(CLUSTER)
    assert cluster.inputs["agentPoolProfiles"][0]["vnetSubnetID"] == SUBNET


def test_the_user_pools_are_outputs_by_their_keys(tmp_path: Path) -> None:
    # Issue 18: a caller reaches its node pools (dependencies, settings of its own) by the keys it gave them.
    plan = preview_program(tmp_path, PROGRAM.format(args=PROD)
                           + "pulumi.export('pools', {k: p.urn for k, p in cluster.user_pools.items()})\n")
    (pool,) = plan.of_type("azure-native:containerservice:AgentPool")
    assert plan.outputs["pools"] == {"apps": pool.urn}


# --- KMS etcd encryption with a Key Vault key, and API Server VNet Integration (issue 19) ---------------------

IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ROLE = "azure-native:authorization:RoleAssignment"
VAULT_ID = f"{SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-smk-prod"
KEY_ID = "https://kv-smk-prod.vault.azure.net/keys/aks-etcd/0123456789abcdef0123456789abcdef"
API_SUBNET = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-apiserver"
KMS_PROD: dict[str, Any] = {**PROD, "api_server_subnet_id": API_SUBNET, "kms": {"key_id": KEY_ID, "key_vault_id": VAULT_ID}}
ROLE_IDS = {"Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
            "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
            "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7"}


def _grants(plan: Plan) -> dict[str, tuple[str, str]]:
    """Role assignments of the control-plane identity: name -> (scope, role GUID)."""
    (identity,) = plan.of_type(IDENTITY)
    return {r.name: (r.inputs["scope"], r.inputs["roleDefinitionId"].rsplit("/", 1)[-1])
            for r in plan.of_type(ROLE) if r.parent == identity.urn}


def test_kms_with_a_private_vault_encrypts_etcd_through_api_server_vnet_integration(tmp_path: Path) -> None:
    plan = _preview(tmp_path, KMS_PROD)
    (cluster,) = plan.of_type(CLUSTER)
    assert cluster.inputs["securityProfile"]["azureKeyVaultKms"] == {
        "enabled": True, "keyId": KEY_ID, "keyVaultNetworkAccess": "Private", "keyVaultResourceId": VAULT_ID}
    assert cluster.inputs["apiServerAccessProfile"] == {
        "enablePrivateCluster": True, "privateDNSZone": "system", "enablePrivateClusterPublicFQDN": False,
        "enableVnetIntegration": True, "subnetId": API_SUBNET}
    # KMS does not work with a system-assigned identity: the component's own user-assigned one is the cluster's.
    (identity,) = plan.of_type(IDENTITY)
    assert identity.inputs["resourceName"] == "id-aks-prod"
    assert cluster.inputs["identity"]["type"] == "UserAssigned"
    (assigned,) = cluster.inputs["identity"]["userAssignedIdentities"]
    assert assigned.endswith("/resourceGroups/rg-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aks-prod")
    assert identity.urn in cluster.dependencies
    assert _grants(plan) == {
        "aks-id-kms-ra-crypto": (VAULT_ID, ROLE_IDS["Key Vault Crypto User"]),
        "aks-id-kms-ra-vault": (VAULT_ID, ROLE_IDS["Key Vault Contributor"]),
        "aks-id-apiserver-ra-network": (API_SUBNET, ROLE_IDS["Network Contributor"]),
        "aks-id-subnet-ra-network": (SUBNET, ROLE_IDS["Network Contributor"]),
    }
    assert all(r.inputs["principalType"] == "ServicePrincipal" for r in plan.of_type(ROLE) if r.parent == identity.urn)
    assert "principalId" not in plan.outputs  # no system-assigned principal, so no post-creation subnet grant
    assert [r.name for r in plan.resources if r.name == "aks-subnet-ra-network"] == []


def test_the_cluster_waits_for_every_grant_of_its_identity(tmp_path: Path) -> None:
    # AKS checks the vault and subnet rights when it creates the cluster; a grant still on its way fails it.
    plan = _preview(tmp_path, KMS_PROD)
    (cluster,) = plan.of_type(CLUSTER)
    (identity,) = plan.of_type(IDENTITY)
    grants = {r.urn for r in plan.of_type(ROLE) if r.parent == identity.urn}
    assert len(grants) == 4 and grants <= set(cluster.dependencies)


def test_kms_with_a_public_vault_needs_no_vnet_integration_nor_vault_contributor(tmp_path: Path) -> None:
    plan = _preview(tmp_path, _with(DEV, kms={"key_id": KEY_ID, "key_vault_id": VAULT_ID, "network_access": "Public"}))
    (cluster,) = plan.of_type(CLUSTER)
    assert cluster.inputs["securityProfile"]["azureKeyVaultKms"] == {
        "enabled": True, "keyId": KEY_ID, "keyVaultNetworkAccess": "Public"}  # no vault id: the API wants it empty
    assert "enableVnetIntegration" not in cluster.inputs["apiServerAccessProfile"]
    # No node subnet (AKS makes the network): only the key grant.
    assert _grants(plan) == {"aks-id-kms-ra-crypto": (VAULT_ID, ROLE_IDS["Key Vault Crypto User"])}


def test_api_server_vnet_integration_alone_grants_only_the_subnets(tmp_path: Path) -> None:
    plan = _preview(tmp_path, _with(PROD, api_server_subnet_id=API_SUBNET))
    (cluster,) = plan.of_type(CLUSTER)
    assert "azureKeyVaultKms" not in cluster.inputs["securityProfile"]
    assert cluster.inputs["apiServerAccessProfile"]["subnetId"] == API_SUBNET
    assert set(_grants(plan)) == {"aks-id-apiserver-ra-network", "aks-id-subnet-ra-network"}


def test_a_private_dns_zone_alone_keeps_its_two_grants(tmp_path: Path) -> None:
    zone = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.westeurope.azmk8s.io"
    plan = _preview(tmp_path, _with(PROD, private_dns_zone_id=zone))
    assert _grants(plan) == {"aks-id-zone-ra-dns": (zone, "b12aa53e-6015-4669-85d0-8515ebb3ae7f"),
                             "aks-id-subnet-ra-network": (SUBNET, ROLE_IDS["Network Contributor"])}
    (cluster,) = plan.of_type(CLUSTER)
    assert "azureKeyVaultKms" not in cluster.inputs["securityProfile"]
    assert "enableVnetIntegration" not in cluster.inputs["apiServerAccessProfile"]


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_without_kms_there_is_no_kms_and_no_identity_of_the_component(tmp_path: Path, args: dict[str, Any]) -> None:
    plan = _preview(tmp_path, args)
    (cluster,) = plan.of_type(CLUSTER)
    assert "azureKeyVaultKms" not in cluster.inputs["securityProfile"]
    assert {"enableVnetIntegration", "subnetId"}.isdisjoint(cluster.inputs["apiServerAccessProfile"])
    assert plan.of_type(IDENTITY) == []


def test_kms_plan_passes_the_arm_schemas(tmp_path: Path) -> None:
    plan = _preview(tmp_path, KMS_PROD)
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    assert report.checked == len([r for r in plan.resources if r.type.startswith("azure-native:")])


def test_a_key_id_not_known_yet_is_checked_by_azure_not_here(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi\nfrom sentimark_platform.components.aks import AksCluster\n"
        f"args = {KMS_PROD!r}\nargs['kms']['key_id'] = pulumi.Output.from_input({KEY_ID!r})\n"
        "AksCluster('aks', args)\n"
    )
    (cluster,) = run_preview(tmp_path, "dev").of_type(CLUSTER)
    assert cluster.inputs["securityProfile"]["azureKeyVaultKms"]["keyId"] == KEY_ID


OTHER_VNET_SUBNET = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-api"
KMS_BAD = {
    "versionless_key_id": (
        _with(KMS_PROD, kms={"key_id": "https://kv-smk-prod.vault.azure.net/keys/aks-etcd", "key_vault_id": VAULT_ID}),
        "AksCluster: argument 'kms.key_id' got 'https://kv-smk-prod.vault.azure.net/keys/aks-etcd'; give the versioned "
        "key URI, https://<vault>.vault.azure.net/keys/<name>/<version> (a KeyVault's key_ids[<name>]): AKS takes no "
        "key id without its version",
    ),
    "key_in_another_vault": (
        _with(KMS_PROD, kms={"key_id": KEY_ID, "key_vault_id": VAULT_ID.replace("kv-smk-prod", "kv-smk-dev")}),
        f"AksCluster: argument 'kms.key_vault_id' got {VAULT_ID.replace('kv-smk-prod', 'kv-smk-dev')!r}; give the vault "
        "that holds kms.key_id (vault 'kv-smk-prod')",
    ),
    "vault_id_not_a_vault": (
        _with(KMS_PROD, kms={"key_id": KEY_ID, "key_vault_id": "kv-smk-prod"}),
        "AksCluster: argument 'kms.key_vault_id' got 'kv-smk-prod'; give the vault's resource id, /subscriptions/<id>/"
        "resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name> (a KeyVault's resource_id)",
    ),
    "unknown_network_access": (
        _with(KMS_PROD, kms={"key_id": KEY_ID, "key_vault_id": VAULT_ID, "network_access": "private"}),
        "AksCluster: argument 'kms.network_access' got 'private'; use one of Private, Public",
    ),
    "private_vault_without_api_server_subnet": (
        _with(KMS_PROD, api_server_subnet_id=None),
        "AksCluster: argument 'api_server_subnet_id' got None; a private key vault is reached from the API server "
        "through API Server VNet Integration: give api_server_subnet_id (a /28 or larger subnet delegated to "
        "Microsoft.ContainerService/managedClusters), or set kms.network_access 'Public' for a vault open to all networks",
    ),
    "api_server_subnet_without_node_subnet": (
        _with(DEV, api_server_subnet_id=API_SUBNET),
        "AksCluster: argument 'node_subnet_id' got None; the API server subnet is a subnet of the nodes' virtual "
        "network: give node_subnet_id too",
    ),
    "api_server_subnet_in_another_vnet": (
        _with(KMS_PROD, api_server_subnet_id=OTHER_VNET_SUBNET),
        f"AksCluster: argument 'api_server_subnet_id' got {OTHER_VNET_SUBNET!r}; give a subnet of the nodes' virtual "
        "network (the one of node_subnet_id)",
    ),
    "api_server_subnet_is_the_node_subnet": (
        _with(KMS_PROD, api_server_subnet_id=SUBNET),
        f"AksCluster: argument 'api_server_subnet_id' got {SUBNET!r}; give a subnet of its own, delegated to "
        "Microsoft.ContainerService/managedClusters (nodes cannot share it)",
    ),
    "own_identity_with_kms": (
        _with(KMS_PROD, managed_identities={"user_assigned_resource_ids": [
            f"{SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aks"]}),
        "AksCluster: argument 'managed_identities' got {'user_assigned_resource_ids': ['" + SUB + "/resourceGroups/rg/"
        "providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aks']}; with kms or api_server_subnet_id the "
        "component creates the control plane's identity and grants it the vault and subnet roles before the cluster "
        "exists; leave managed_identities out",
    ),
}


@pytest.mark.parametrize("case", sorted(KMS_BAD))
def test_refuses_kms_arguments_that_azure_would_refuse(tmp_path: Path, case: str) -> None:
    args, message = KMS_BAD[case]
    with pytest.raises(Exception) as excinfo:
        _preview(tmp_path, args)
    assert type(excinfo.value).__name__ == "InvalidArgumentError"
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]
