"""examples/supply-chain-finance (seed 004): five stacks, isolated team namespaces, GitOps, a DR region."""

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
from tests.examples import EXAMPLES, STACKS, plan_of

EXAMPLE = "supply-chain-finance"
DOMAINS = ("invoicing", "financing", "payments")
APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application"
PROJECT = "kubernetes:argoproj.io/v1alpha1:AppProject"
VAULT = "azure-native:keyvault:Vault"
KEY = "azure-native:keyvault:Key"
ROLE = "azure-native:authorization:RoleAssignment"
CRYPTO_USER, VAULT_CONTRIBUTOR = "12338af0-0e69-4776-bea7-57ae8d297424", "f25e0fa2-a7c8-4377-a976-54943a77a395"
TEAMS = {"invoicing": "5b0c7f2e-1d3a-4e6b-8c9d-0a1b2c3d4e5f", "financing": "6c1d8a3f-2e4b-4f7c-9dae-1b2c3d4e5f60",
         "payments": "7d2e9b4a-3f5c-4a8d-8ebf-2c3d4e5f6071"}


def _named(plan: Plan, name: str) -> dict:
    (found,) = [r for r in plan.resources if r.name == name]
    return found.inputs


def _cluster(plan: Plan) -> dict:
    (cluster,) = plan.of_type("azure-native:containerservice:ManagedCluster")
    return cluster.inputs


def _config(stack: str) -> dict:
    return yaml.safe_load((EXAMPLES / EXAMPLE / f"Pulumi.{stack}.yaml").read_text())["config"]


def _release(plan: Plan, release_name: str) -> dict:
    (release,) = [r for r in plan.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["name"] == release_name]
    return release.inputs


@pytest.mark.parametrize("stack", STACKS[EXAMPLE])
def test_every_domain_gets_a_namespace_with_quota_default_deny_and_mtls(stack: str) -> None:
    plan = plan_of(EXAMPLE, stack)
    for ns in DOMAINS:
        assert _named(plan, f"ns-{ns}-ns")["metadata"]["labels"]["istio-injection"] == "enabled"
        hard = _named(plan, f"ns-{ns}-quota")["spec"]["hard"]
        assert {"requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods"} <= set(hard)
        deny = _named(plan, f"ns-{ns}-np-default-deny")["spec"]
        assert deny["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in deny and "egress" not in deny
        assert _named(plan, f"ns-{ns}-peer-auth")["spec"]["mtls"]["mode"] in ("STRICT", "PERMISSIVE")


def test_namespaces_may_call_only_the_domains_they_are_configured_to() -> None:
    plan = plan_of(EXAMPLE, "prod")
    to = _named(plan, "ns-financing-np-allow-to-namespaces")["spec"]["egress"][0]["to"]
    assert [p["namespaceSelector"]["matchLabels"] for p in to] == [{"kubernetes.io/metadata.name": "invoicing"}]
    allowed_in = _named(plan, "ns-invoicing-np-allow-from-namespaces")["spec"]["ingress"][0]["from"]
    assert [p["namespaceSelector"]["matchLabels"] for p in allowed_in] == [{"kubernetes.io/metadata.name": "financing"}]
    names = {r.name for r in plan.resources}
    assert "ns-invoicing-np-allow-to-namespaces" not in names  # invoicing calls nobody
    assert "ns-payments-np-allow-from-namespaces" not in names  # nobody calls payments


@pytest.mark.parametrize(("stack", "access"), [("dev", "edit"), ("test", "edit"), ("staging", "view"), ("prod", "view"),
                                               ("dr", "view")])
def test_each_team_is_bound_to_a_role_in_its_own_namespace_only(stack: str, access: str) -> None:
    plan = plan_of(EXAMPLE, stack)
    for ns, object_id in TEAMS.items():
        role = _named(plan, f"rbac-{ns}-role")
        binding = _named(plan, f"rbac-{ns}-binding")
        assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == ns
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": f"team-{access}"}
        assert binding["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": object_id}]
        resources = {res for rule in role["rules"] for res in rule["resources"]}
        assert "secrets" not in resources and "*" not in resources
        writes = {verb for rule in role["rules"] for verb in rule["verbs"]} & {"create", "update", "patch", "delete"}
        assert bool(writes) is (access == "edit")
    kinds = {r.type for r in plan.resources if "rbac.authorization" in r.type}
    assert kinds == {"kubernetes:rbac.authorization.k8s.io/v1:Role", "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"}


def test_teams_may_sign_in_to_the_cluster_and_nothing_more_from_azure() -> None:
    plan = plan_of(EXAMPLE, "prod")
    grants = {r.inputs["principalId"]: r.inputs["roleDefinitionId"] for r in plan.of_type("azure-native:authorization:RoleAssignment")
              if r.inputs["principalType"] == "Group"}
    assert set(grants) == set(TEAMS.values())
    # Azure Kubernetes Service Cluster User Role: fetch the kubeconfig; what they may do inside is Kubernetes RBAC.
    assert all(g.endswith("/4abbcc35-e782-43d8-92c5-2d3f1bd2253f") for g in grants.values())


def test_dr_is_prods_platform_in_another_region_as_a_warm_standby() -> None:
    prod, dr = plan_of(EXAMPLE, "prod"), plan_of(EXAMPLE, "dr")
    assert (prod.outputs["location"], dr.outputs["location"]) == ("westeurope", "northeurope")
    assert prod.outputs["namespaces"] == dr.outputs["namespaces"] == sorted(DOMAINS)
    assert _cluster(dr)["location"] == "northeurope" and _cluster(dr)["resourceGroupName"] == "rg-scf-dr-neu"
    for key in ("sku", "kubernetesVersion", "aadProfile", "networkProfile"):
        assert _cluster(dr)[key] == _cluster(prod)[key], key
    # The same API server access, each in its own network's snet-apiserver.
    def access(plan: Plan) -> dict[str, object]:
        profile = _cluster(plan)["apiServerAccessProfile"]
        return {**profile, "subnetId": profile["subnetId"].rsplit("/subnets/", 1)[1]}
    assert access(dr) == access(prod) and access(dr)["subnetId"] == "snet-apiserver"
    # Etcd is encrypted with a key of dr's own vault in northeurope: losing westeurope leaves dr's secrets readable.
    kms = _cluster(dr)["securityProfile"]["azureKeyVaultKms"]
    assert "/resourceGroups/rg-scf-dr-neu/providers/Microsoft.KeyVault/vaults/kv-scf-dr-neu-" in kms["keyVaultResourceId"]
    assert _named(dr, "vault-kv")["location"] == "northeurope"
    # Defender reports to the region's own workspace: the DR region does not depend on the primary's.
    assert _cluster(dr)["securityProfile"]["defender"]["logAnalyticsWorkspaceResourceId"].endswith("/workspaces/log-scf-dr-neu")
    assert _cluster(dr)["agentPoolProfiles"][0]["count"] == _cluster(prod)["agentPoolProfiles"][0]["count"] == 3
    (prod_pool,), (dr_pool,) = prod.of_type("azure-native:containerservice:AgentPool"), dr.of_type("azure-native:containerservice:AgentPool")
    assert (dr_pool.inputs["minCount"], dr_pool.inputs["maxCount"]) == (1, prod_pool.inputs["maxCount"])
    # Same namespaces, quotas and access in both: only the region and the standby size differ.
    # (Argo CD's objects aside: each stack has its own AppProject, compared below.)
    def k8s_shape(plan: Plan) -> dict[str, object]:
        return {r.name: r.inputs for r in plan.resources
                if r.type.startswith("kubernetes:") and "helm" not in r.type and "argoproj.io" not in r.type}
    assert k8s_shape(dr) == k8s_shape(prod)
    # When traffic moves, Argo CD deploys into dr exactly what prod runs: same repository, revision and folders.
    def sources(plan: Plan) -> dict[str, object]:
        return {a.inputs["metadata"]["name"]: a.inputs["spec"]["source"] for a in plan.of_type(APPLICATION)}
    assert sources(dr) == sources(prod) and sorted(sources(dr)) == sorted(DOMAINS)
    assert (prod.outputs["argocdProject"], dr.outputs["argocdProject"]) == ("scf-prod", "scf-dr")
    address = {p: _named(plan_of(EXAMPLE, p), "net-vnet")["addressSpace"]["addressPrefixes"] for p in ("prod", "dr")}
    assert address["prod"] != address["dr"]


@pytest.mark.parametrize(("stack", "automatic"), [("dev", True), ("test", True), ("staging", False), ("prod", False),
                                                  ("dr", False)])
def test_argo_cd_deploys_every_domain_into_its_own_namespace_once_the_namespace_is_ready(
        stack: str, automatic: bool) -> None:
    plan, gitops = plan_of(EXAMPLE, stack), _config(stack)["supply-chain-finance:gitops"]
    applications = {a.inputs["metadata"]["name"]: a for a in plan.of_type(APPLICATION)}
    # Every domain, `edit` or `view`: dev and test (all `edit`) sync on their own, the others wait for a person.
    assert sorted(applications) == sorted(DOMAINS)
    by_urn = plan.by_urn()
    for ns, application in applications.items():
        spec = application.inputs["spec"]
        assert spec["project"] == f"scf-{stack}"
        assert spec["source"] == {"repoURL": gitops["repository"], "targetRevision": gitops["revision"],
                                  "path": f"{gitops['path']}/{ns}"}
        assert spec["destination"] == {"server": "https://kubernetes.default.svc", "namespace": ns}
        assert ("automated" in spec["syncPolicy"]) is automatic
        if automatic:
            assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        # The first sync finds the namespace with its quota, default-deny policies and mTLS already there.
        waits_for = {by_urn[u].name for u in application.dependencies}
        assert {f"ns-{ns}-ns", f"ns-{ns}-quota", f"ns-{ns}-np-default-deny", f"ns-{ns}-peer-auth"} <= waits_for
    (project,) = plan.of_type(PROJECT)
    assert project.inputs["metadata"]["name"] == f"scf-{stack}"
    assert sorted(d["namespace"] for d in project.inputs["spec"]["destinations"]) == sorted(DOMAINS)
    assert project.inputs["spec"]["sourceRepos"] == [gitops["repository"]]
    assert project.inputs["spec"]["clusterResourceWhitelist"] == []


@pytest.mark.parametrize("stack", STACKS[EXAMPLE])
def test_argo_cd_has_no_local_admin_and_only_the_settings_admin_groups_get_a_role(stack: str) -> None:
    plan, sso = plan_of(EXAMPLE, stack), _config(stack)["supply-chain-finance:gitops"]["sso"]
    configs = _release(plan, "argo-cd")["values"]["configs"]
    assert configs["cm"]["admin.enabled"] is False
    oidc = yaml.safe_load(configs["cm"]["oidc.config"])
    assert oidc["clientID"] == sso["clientId"] and "clientSecret" not in oidc
    assert configs["rbac"]["policy.default"] == ""  # signed in without a mapped group: no role
    assert configs["rbac"]["policy.csv"] == "".join(f"g, {group}, role:admin\n" for group in sso["adminGroups"])
    # Argo CD is GitOps' release now, not the mesh's.
    assert {r.inputs["name"] for r in plan.of_type("kubernetes:helm.sh/v3:Release")} == {
        "argo-cd", "argo-rollouts", "istio-base", "istiod", "istio-ingress"}
    assert _release(plan, "argo-cd")["version"] == "9.1.0"


@pytest.mark.parametrize(("change", "refusal"), [
    ({"repository": "https://bot:ghp_token@github.com/example/scf-deploy.git"},
     # Refused, and the token in the URL is not echoed.
     r"supply-chain-finance:gitops\.repository: got \"https://\(credentials not shown\)@github\.com/"),
    ({"path": "envs/../prod"}, r"supply-chain-finance:gitops\.path: got \"envs/\.\./prod\"; allowed: a folder inside"),
    ({"sso": {"clientId": "Argo CD (prod)", "adminGroups": []}},
     r"gitops\.sso\.clientId: got \"Argo CD \(prod\)\"(.|\n)*gitops\.sso\.adminGroups: got \[\]"),
])
def test_gitops_settings_that_cannot_work_are_refused_before_anything_is_registered(
        change: dict, refusal: str) -> None:
    gitops = {**_config("prod")["supply-chain-finance:gitops"], **change}
    with pytest.raises(pulumi.RunError, match=refusal) as excinfo:
        run_preview(EXAMPLES / EXAMPLE, "prod", config={"supply-chain-finance:gitops": gitops})
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]
    assert "ghp_token" not in str(excinfo.value)  # a credential in a refused URL is never echoed


@pytest.mark.parametrize("stack", ["staging", "prod", "dr"])
def test_production_like_stacks_are_private_zonal_and_defended(stack: str) -> None:
    plan = plan_of(EXAMPLE, stack)
    cluster = _cluster(plan)
    assert cluster["apiServerAccessProfile"]["enablePrivateCluster"] is True
    assert cluster["agentPoolProfiles"][0]["availabilityZones"] == ["1", "2", "3"]
    assert cluster["securityProfile"]["defender"]["securityMonitoring"] == {"enabled": True}
    assert plan.of_type("azure-native:authorization:ManagementLockByScope")
    mesh_wide = _named(plan, "mesh-peer-auth")
    assert (mesh_wide["metadata"]["namespace"], mesh_wide["spec"]) == ("istio-system", {"mtls": {"mode": "STRICT"}})


@pytest.mark.parametrize(("stack", "protected"), [("staging", False), ("prod", True), ("dr", True)])
def test_production_like_stacks_encrypt_etcd_with_a_rotating_key_of_a_private_vault_of_their_own(
        stack: str, protected: bool) -> None:
    plan = plan_of(EXAMPLE, stack)
    (cluster,) = plan.of_type("azure-native:containerservice:ManagedCluster")
    (vault,), (key,) = plan.of_type(VAULT), plan.of_type(KEY)
    name = vault.inputs["vaultName"]
    kms = cluster.inputs["securityProfile"]["azureKeyVaultKms"]
    assert (kms["enabled"], kms["keyVaultNetworkAccess"]) == (True, "Private")
    assert re.fullmatch(rf"https://{name}\.vault\.azure\.net/keys/aks-etcd/[0-9a-f]{{32}}", kms["keyId"])
    assert kms["keyVaultResourceId"].endswith(f"/providers/Microsoft.KeyVault/vaults/{name}")
    # A private, RBAC-authorised, purge-protected vault whose name can be taken again after a destroy (random suffix).
    properties = vault.inputs["properties"]
    assert (properties["publicNetworkAccess"], properties["networkAcls"]["defaultAction"]) == ("Disabled", "Deny")
    assert properties["enablePurgeProtection"] is True and properties["enableRbacAuthorization"] is True
    assert re.fullmatch(rf"kv-scf-{stack}-(weu|neu)-[a-z0-9]{{5}}", name) and len(name) <= 24
    # Reachable from the stack's network only, through a private endpoint in snet-pe registered in the vault's zone.
    (endpoint,) = plan.of_type("azure-native:network:PrivateEndpoint")
    assert endpoint.inputs["subnet"]["id"].endswith("/subnets/snet-pe")
    assert [g for c in endpoint.inputs["privateLinkServiceConnections"] for g in c["groupIds"]] == ["vault"]
    (zone_group,) = plan.of_type("azure-native:network:PrivateDnsZoneGroup")
    assert [c["privateDnsZoneId"].rsplit("/", 1)[1] for c in zone_group.inputs["privateDnsZoneConfigs"]] == [
        "privatelink.vaultcore.azure.net"]
    # Rotated by Key Vault every 180 days, each version valid for 400; encrypt and decrypt only.
    assert key.inputs["properties"]["rotationPolicy"] == {
        "attributes": {"expiryTime": "P400D"},
        "lifetimeActions": [{"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P180D"}}],
    }
    assert key.inputs["properties"]["keyOps"] == ["encrypt", "decrypt"]
    # The vault and key are as protected as the audit log: locked in all three, `protect` where protectStateful.
    assert (vault.protect, key.protect) == (protected, protected)
    locked = {lock.inputs["scope"] for lock in plan.of_type("azure-native:authorization:ManagementLockByScope")}
    assert kms["keyVaultResourceId"] in locked
    # Only the cluster's control plane has a role on the vault: use the key, and link the vault privately.
    on_vault = {r.name: r.inputs["roleDefinitionId"].rsplit("/", 1)[1] for r in plan.of_type(ROLE)
                if r.inputs["scope"] == kms["keyVaultResourceId"]}
    assert on_vault == {"aks-id-kms-ra-crypto": CRYPTO_USER, "aks-id-kms-ra-vault": VAULT_CONTRIBUTOR}
    # API Server VNet Integration in a delegated /27 of the stack's block, clear of the other subnets; the key and
    # the grants exist before the cluster (AKS checks them when it creates it).
    access = cluster.inputs["apiServerAccessProfile"]
    assert access["enableVnetIntegration"] is True and access["subnetId"].endswith("/subnets/snet-apiserver")
    subnets = {s["name"]: s for s in _named(plan, "net-vnet")["subnets"]}
    api_subnet = subnets.pop("snet-apiserver")
    assert [d["serviceName"] for d in api_subnet["delegations"]] == ["Microsoft.ContainerService/managedClusters"]
    api_server = ipaddress.ip_network(api_subnet["addressPrefix"])
    block = ipaddress.ip_network(_config(stack)["supply-chain-finance:addressSpace"])
    assert api_server.prefixlen == 27 and api_server.subnet_of(block)
    assert sorted(subnets) == ["snet-aks", "snet-pe"]
    assert not any(api_server.overlaps(ipaddress.ip_network(s["addressPrefix"])) for s in subnets.values())
    by_urn = plan.by_urn()
    waits_for = {by_urn[u].name for u in cluster.dependencies}
    assert {"vault-key-aks-etcd", *on_vault, "aks-id-apiserver-ra-network"} <= waits_for


@pytest.mark.parametrize("stack", ["dev", "test"])
def test_dev_and_test_keep_etcd_under_platform_keys_with_no_vault(stack: str) -> None:
    plan = plan_of(EXAMPLE, stack)
    cluster = _cluster(plan)
    assert "azureKeyVaultKms" not in cluster["securityProfile"]
    assert "subnetId" not in cluster["apiServerAccessProfile"] and cluster["identity"] == {"type": "SystemAssigned"}
    assert plan.of_type(VAULT) == [] and plan.of_type(KEY) == []
    assert [s["name"] for s in _named(plan, "net-vnet")["subnets"]] == ["snet-aks"]


@pytest.mark.parametrize(("etcd", "refusal"), [
    # AKS still reads the previous version: it must outlive the next rotation.
    ({"rotateAfterDays": 90, "expiresAfterDays": 120},
     "Pulumi.prod.yaml: supply-chain-finance:cluster.etcdEncryption.expiresAfterDays: got 120; allowed: at least twice "
     "rotateAfterDays (180)"),
    ({"rotateAfterDays": 180, "expiresAfterDays": 400, "keySize": 4096},
     "Pulumi.prod.yaml: supply-chain-finance:cluster.etcdEncryption.keySize: got 4096; allowed: no such key; known keys "
     "here: expiresAfterDays, rotateAfterDays"),
    # Every stack says whether it encrypts etcd (null for no): no default.
    (None, "Pulumi.prod.yaml: supply-chain-finance:cluster.etcdEncryption: got (not set); allowed: a value"),
])
def test_etcd_encryption_that_cannot_work_is_refused_before_anything_is_registered(
        etcd: dict | None, refusal: str) -> None:
    cluster = {**_config("prod")["supply-chain-finance:cluster"]}
    cluster.pop("etcdEncryption")
    if etcd is not None:
        cluster["etcdEncryption"] = etcd
    with pytest.raises(pulumi.RunError) as excinfo:
        run_preview(EXAMPLES / EXAMPLE, "prod", config={"supply-chain-finance:cluster": cluster})
    assert str(excinfo.value).startswith("1 configuration problem(s); no resource was registered:")
    assert refusal in str(excinfo.value)
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]


def test_dev_is_public_behind_allow_lists_and_unlocked() -> None:
    plan = plan_of(EXAMPLE, "dev")
    assert _cluster(plan)["apiServerAccessProfile"]["authorizedIPRanges"] == ["203.0.113.0/24", "198.51.100.16/28"]
    assert plan.of_type("azure-native:authorization:ManagementLockByScope") == []
    assert not any(r.protect for r in plan.resources)
    assert (plan.outputs["environment"], plan_of(EXAMPLE, "test").outputs["environment"]) == ("dev", "sit")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(EXAMPLES / EXAMPLE, tmp_path / EXAMPLE)
    return tmp_path / EXAMPLE


def test_a_namespace_that_talks_to_an_unknown_domain_is_refused(project: Path) -> None:
    path = project / "Pulumi.prod.yaml"
    data = yaml.safe_load(path.read_text())
    data["config"]["supply-chain-finance:namespaces"]["payments"]["talksTo"] = ["ledger"]
    data["config"]["supply-chain-finance:authorizedIpRanges"] = ["203.0.113.0/24"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(pulumi.RunError) as excinfo:
        run_preview(project, "prod")
    message = str(excinfo.value)
    assert message.startswith("1 configuration problem(s); no resource was registered:\n  - Pulumi.prod.yaml: ")
    assert "authorizedIpRanges must be empty for a private cluster" in message
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]
    data["config"]["supply-chain-finance:authorizedIpRanges"] = []
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(pulumi.RunError, match=r"talksTo names namespaces this stack does not have: \['ledger'\]"):
        run_preview(project, "prod")


def test_the_readme_states_the_estimators_figures() -> None:
    readme = (EXAMPLES / EXAMPLE / "README.md").read_text()
    for stack in STACKS[EXAMPLE]:
        estimate = estimate_plan(plan_of(EXAMPLE, stack))
        assert estimate.complete and f"${estimate.total_usd:,.2f}" in readme, stack
