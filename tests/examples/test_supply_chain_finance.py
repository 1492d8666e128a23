"""examples/supply-chain-finance (seed 004): five stacks, isolated team namespaces, GitOps, a DR region."""

from __future__ import annotations

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
    for key in ("sku", "apiServerAccessProfile", "kubernetesVersion", "aadProfile", "networkProfile"):
        assert _cluster(dr)[key] == _cluster(prod)[key], key
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
