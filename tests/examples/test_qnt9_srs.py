"""examples/qnt9-srs (seed 003): AKS with 1-5 autoscaled nodes, registry, PostgreSQL, network, monitoring."""

from __future__ import annotations

import ipaddress
import re
import shutil
from pathlib import Path

import pulumi
import pytest
import yaml

from sentimark_platform.costs import estimate_plan
from sentimark_platform.offline import Plan, run_preview
from tests.examples import EXAMPLES, plan_of

EXAMPLE = "qnt9-srs"
CLUSTER = "azure-native:containerservice:ManagedCluster"
POOL = "azure-native:containerservice:AgentPool"
POSTGRES = "azure-native:dbforpostgresql:Server"
REGISTRY = "azure-native:containerregistry:Registry"
VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"
VNET = "azure-native:network:VirtualNetwork"
ROLE = "azure-native:authorization:RoleAssignment"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
CRYPTO_USER, VAULT_CONTRIBUTOR = "12338af0-0e69-4776-bea7-57ae8d297424", "f25e0fa2-a7c8-4377-a976-54943a77a395"


def _one(plan: Plan, type_token: str) -> dict:
    (resource,) = plan.of_type(type_token)
    return resource.inputs


@pytest.mark.parametrize(("stack", "vm_size", "minimum"), [("dev", "Standard_B2s", 1), ("staging", "Standard_D2s_v5", 2),
                                                           ("prd", "Standard_D2s_v5", 2)])
def test_the_user_pool_autoscales_up_to_five_nodes(stack: str, vm_size: str, minimum: int) -> None:
    plan = plan_of(EXAMPLE, stack)
    pool = _one(plan, POOL)
    assert (pool["vmSize"], pool["enableAutoScaling"], pool["minCount"], pool["maxCount"]) == (vm_size, True, minimum, 5)
    system = _one(plan, CLUSTER)["agentPoolProfiles"][0]
    assert system["vmSize"] == vm_size and system["mode"] == "System"


def test_dev_is_the_seeds_minimal_environment() -> None:
    plan = plan_of(EXAMPLE, "dev")
    cluster = _one(plan, CLUSTER)
    assert cluster["sku"]["tier"] == "Free"
    assert cluster["agentPoolProfiles"][0]["count"] == 1
    assert cluster["apiServerAccessProfile"]["authorizedIPRanges"] == ["203.0.113.0/24", "198.51.100.16/28"]
    assert _one(plan, REGISTRY)["sku"]["name"] == "Basic"
    postgres = _one(plan, POSTGRES)
    assert (postgres["sku"], postgres["storage"]["storageSizeGB"]) == ({"name": "Standard_B1ms", "tier": "Burstable"}, 32)
    assert postgres["highAvailability"]["mode"] == "Disabled"
    # Public, but only to the allow-list: one firewall rule per range, never "all of Azure".
    rules = {(r.inputs["startIpAddress"], r.inputs["endIpAddress"]) for r in plan.of_type("azure-native:dbforpostgresql:FirewallRule")}
    assert rules == {("203.0.113.0", "203.0.113.255"), ("198.51.100.16", "198.51.100.31")}
    assert not any(r.protect for r in plan.resources)
    assert plan.of_type("azure-native:authorization:ManagementLockByScope") == []


def test_prd_is_highly_available_private_locked_and_protected() -> None:
    plan = plan_of(EXAMPLE, "prd")
    postgres = _one(plan, POSTGRES)
    assert postgres["sku"] == {"name": "Standard_D2ds_v5", "tier": "GeneralPurpose"}
    assert postgres["highAvailability"]["mode"] == "ZoneRedundant"
    assert postgres["backup"] == {"backupRetentionDays": 35, "geoRedundantBackup": "Enabled"}
    assert postgres["network"]["publicNetworkAccess"] == "Disabled"
    assert postgres["network"]["delegatedSubnetResourceId"].endswith("/subnets/snet-psql")
    assert postgres["authConfig"]["passwordAuth"] == "Disabled"  # Entra ID only, as the baseline asks in production
    cluster = _one(plan, CLUSTER)
    assert cluster["sku"]["tier"] == "Standard" and cluster["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert cluster["securityProfile"]["defender"]["securityMonitoring"] == {"enabled": True}
    assert _one(plan, REGISTRY)["publicNetworkAccess"] == "Disabled"
    groups = {g for pe in plan.of_type("azure-native:network:PrivateEndpoint")
              for c in pe.inputs["privateLinkServiceConnections"] for g in c["groupIds"]}
    assert groups == {"vault", "registry"}
    protected = {r.type for r in plan.resources if r.protect}
    # The etcd key too: deleting it would leave the cluster's secrets unreadable; and the cluster (etcd).
    assert protected == {POSTGRES, VAULT, KEY, CLUSTER, "azure-native:operationalinsights:Workspace"}
    assert len(plan.of_type("azure-native:authorization:ManagementLockByScope")) == 4


@pytest.mark.parametrize("stack", ["dev", "staging", "prd"])
def test_network_and_monitoring_are_there_in_every_stack(stack: str) -> None:
    plan = plan_of(EXAMPLE, stack)
    vnet = _one(plan, VNET)
    # The API server's subnet only where etcd is encrypted (prd): dev's and staging's networks are as they were.
    assert {s["name"] for s in vnet["subnets"]} == {"snet-aks", "snet-pe", "snet-psql"} | (
        {"snet-apiserver"} if stack == "prd" else set())
    workspace = _one(plan, "azure-native:operationalinsights:Workspace")
    insights = _one(plan, "azure-native:applicationinsights:Component")
    assert insights["workspaceResourceId"].endswith(f"/workspaces/{workspace['workspaceName']}")
    assert _one(plan, CLUSTER)["addonProfiles"]["omsagent"]["enabled"] is True
    # The registry's only reader is the cluster's kubelet.
    (pull,) = [r for r in plan.of_type("azure-native:authorization:RoleAssignment") if r.name.startswith("registry-ra-pull")]
    assert pull.inputs["principalType"] == "ServicePrincipal"
    assert plan.outputs["appInsightsConnectionString"] == "[secret]"
    assert all(r.inputs.get("tags", {}).get("service") == "qnt9-srs" for r in plan.of_type("azure-native:resources:ResourceGroup"))


def test_prd_encrypts_etcd_with_a_rotating_key_of_its_private_vault_reached_from_the_api_server_subnet() -> None:
    plan = plan_of(EXAMPLE, "prd")
    (cluster,) = plan.of_type(CLUSTER)
    vault, key = _one(plan, VAULT), _one(plan, KEY)
    kms = cluster.inputs["securityProfile"]["azureKeyVaultKms"]
    assert (kms["enabled"], kms["keyVaultNetworkAccess"]) == (True, "Private")
    # The vault's own key, by its versioned URI (AKS takes no other), and the same vault's resource id.
    assert re.fullmatch(rf"https://{vault['vaultName']}\.vault\.azure\.net/keys/aks-etcd/[0-9a-f]{{32}}", kms["keyId"])
    assert kms["keyVaultResourceId"].endswith(f"/resourceGroups/rg-qnt9-prd-weu/providers/Microsoft.KeyVault/vaults/{vault['vaultName']}")
    # Private (the KMS plugin is refused by a firewall with IP rules), and reachable from the network by its endpoint.
    assert vault["properties"]["publicNetworkAccess"] == "Disabled"
    assert vault["properties"]["enablePurgeProtection"] is True and vault["properties"]["enableRbacAuthorization"] is True
    # Rotated by Key Vault every 180 days, each version valid for 400; encrypt and decrypt only.
    assert key["properties"]["rotationPolicy"] == {
        "attributes": {"expiryTime": "P400D"},
        "lifetimeActions": [{"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P180D"}}],
    }
    assert (key["properties"]["kty"], key["properties"]["keySize"], key["properties"]["keyOps"]) == (
        "RSA", 2048, ["encrypt", "decrypt"])
    # API Server VNet Integration in a delegated /27 of the stack's block, clear of every other subnet.
    access = cluster.inputs["apiServerAccessProfile"]
    assert access["enableVnetIntegration"] is True and access["enablePrivateCluster"] is True
    assert access["subnetId"].endswith("/virtualNetworks/vnet-qnt9-prd-weu/subnets/snet-apiserver")
    subnets = {s["name"]: s for s in _one(plan, VNET)["subnets"]}
    api_subnet = subnets.pop("snet-apiserver")
    assert [d["serviceName"] for d in api_subnet["delegations"]] == ["Microsoft.ContainerService/managedClusters"]
    api_server = ipaddress.ip_network(api_subnet["addressPrefix"])
    assert api_server.prefixlen == 27 and api_server.subnet_of(ipaddress.ip_network("10.82.0.0/16"))
    assert not any(api_server.overlaps(ipaddress.ip_network(s["addressPrefix"])) for s in subnets.values())
    # The control plane's own identity may use the key and link the vault privately, and both grants and the key
    # exist before the cluster (AKS checks them when it creates the cluster).
    on_vault = {r.name: r.inputs["roleDefinitionId"].rsplit("/", 1)[1] for r in plan.of_type(ROLE)
                if r.inputs["scope"] == kms["keyVaultResourceId"] and r.inputs["principalType"] == "ServicePrincipal"}
    assert on_vault == {"aks-id-kms-ra-crypto": CRYPTO_USER, "aks-id-kms-ra-vault": VAULT_CONTRIBUTOR}
    by_urn = plan.by_urn()
    waits_for = {by_urn[u].name for u in cluster.dependencies}
    assert {"vault-key-aks-etcd", *on_vault, "aks-id-apiserver-ra-network", "aks-id-subnet-ra-network"} <= waits_for
    (identity,) = plan.of_type(IDENTITY)
    assert cluster.inputs["identity"]["type"] == "UserAssigned"
    assert cluster.inputs["identity"]["userAssignedIdentities"][0].endswith(f"/{identity.inputs['resourceName']}")


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_dev_and_staging_keep_etcd_under_platform_keys_with_nothing_added(stack: str) -> None:
    plan = plan_of(EXAMPLE, stack)
    cluster = _one(plan, CLUSTER)
    assert "azureKeyVaultKms" not in cluster["securityProfile"]
    assert "subnetId" not in cluster["apiServerAccessProfile"]
    assert cluster["identity"] == {"type": "SystemAssigned"}
    assert plan.of_type(KEY) == [] and plan.of_type(IDENTITY) == []


@pytest.mark.parametrize(("stack", "etcd", "refusal"), [
    # A public vault (behind IP rules) cannot serve the KMS plugin.
    ("dev", {"rotateAfterDays": 180, "expiresAfterDays": 400},
     'Pulumi.dev.yaml: qnt9-srs:aks.etcdEncryption: got {"rotateAfterDays": 180, "expiresAfterDays": 400}; allowed: '
     "null while dataPlane is public, or dataPlane private: AKS reaches the key only in a private vault"),
    # AKS still reads the previous version: it must outlive the next rotation.
    ("prd", {"rotateAfterDays": 180, "expiresAfterDays": 300},
     "Pulumi.prd.yaml: qnt9-srs:aks.etcdEncryption.expiresAfterDays: got 300; allowed: at least twice rotateAfterDays (360)"),
    ("prd", {"rotateAfterDays": 5, "expiresAfterDays": 400},
     "Pulumi.prd.yaml: qnt9-srs:aks.etcdEncryption.rotateAfterDays: got 5; allowed: a number >= 7"),
    # Every stack says whether it encrypts etcd (null for no): no default.
    ("prd", None, "Pulumi.prd.yaml: qnt9-srs:aks.etcdEncryption: got (not set); allowed: a value (this key is required)"),
])
def test_etcd_encryption_that_cannot_work_is_refused_before_anything_is_registered(
        stack: str, etcd: dict | None, refusal: str) -> None:
    aks = yaml.safe_load((EXAMPLES / EXAMPLE / f"Pulumi.{stack}.yaml").read_text())["config"]["qnt9-srs:aks"]
    aks.pop("etcdEncryption")
    if etcd is not None:
        aks["etcdEncryption"] = etcd
    with pytest.raises(pulumi.RunError) as excinfo:
        run_preview(EXAMPLES / EXAMPLE, stack, config={"qnt9-srs:aks": aks})
    assert str(excinfo.value).startswith("1 configuration problem(s); no resource was registered:")
    assert refusal in str(excinfo.value)
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]


def test_names_fit_azure_limits_with_a_short_code_for_staging() -> None:
    plan = plan_of(EXAMPLE, "staging")
    vault = _one(plan, "azure-native:keyvault:Vault")["vaultName"]
    assert vault.startswith("kv-qnt9-stg-weu-") and len(vault) <= 24


def test_the_readme_states_the_estimators_dev_figure() -> None:
    estimate = estimate_plan(plan_of(EXAMPLE, "dev"))
    assert estimate.complete, [(u.name, u.reason) for u in estimate.unpriced]
    readme = (EXAMPLES / EXAMPLE / "README.md").read_text()
    assert f"${estimate.total_usd:,.2f}" in readme
    assert "$97" in readme
    figures = {r.name: round(r.monthly_usd, 2) for r in estimate.resources}
    for name, usd in figures.items():
        assert re.search(rf"{re.escape(name)}.*\${usd:,.2f}", readme), f"README misses {name} at ${usd:,.2f}"


def test_costs_grow_from_dev_to_prd() -> None:
    totals = [estimate_plan(plan_of(EXAMPLE, s)).total_usd for s in ("dev", "staging", "prd")]
    assert totals == sorted(totals) and len(set(totals)) == 3


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES / EXAMPLE, tmp_path / EXAMPLE)
    return tmp_path / EXAMPLE


def test_bad_settings_are_all_reported_and_nothing_is_registered(project: Path) -> None:
    path = project / "Pulumi.dev.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["qnt9-srs:aks"]["maxNodes"] = 9
    data["config"]["qnt9-srs:postgres"]["highAvailability"] = True
    data["config"]["qnt9-srs:environment"] = "staging"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(pulumi.RunError) as excinfo:
        run_preview(project, "dev")
    message = str(excinfo.value)
    assert message.startswith("2 configuration problem(s); no resource was registered:")
    assert "Pulumi.dev.yaml: qnt9-srs:aks.maxNodes: got 9; allowed: a number <= 5" in message
    assert "Pulumi.dev.yaml: qnt9-srs:postgres: got the settings " in message
    assert "highAvailability needs tier GeneralPurpose" in message
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]


def test_environment_must_name_the_stack(project: Path) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text().replace("qnt9-srs:environment: dev", "qnt9-srs:environment: prd"))
    with pytest.raises(pulumi.RunError, match=r'qnt9-srs:environment: got "prd"; allowed: "dev", the name of the stack'):
        run_preview(project, "dev")
