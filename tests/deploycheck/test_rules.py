"""Each deployability rule catches the defect it exists for, planted into an otherwise deployable plan, bootstrap
or workflow; and the committed stacks, bootstrap and workflows pass every rule."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

import pytest

from sentimark_platform.deploycheck import RULES, DeployReport, check_deployability, load_workflows
from sentimark_platform.deploycheck._azure import (
    ROLE_AKS_RBAC_CLUSTER_ADMIN,
    ROLE_STORAGE_BLOB_DATA_CONTRIBUTOR,
    assignments_of,
)
from sentimark_platform.offline import Plan, PlannedResource, run_preview
from tests.conftest import ROOT, STACKS, plan_of

TODAY = dt.date(2026, 12, 6)
Json = dict[str, Any]


@functools.cache
def bootstrap_plan() -> Plan:
    return run_preview(ROOT / "bootstrap", "main")


def workflows() -> dict[str, Any]:
    loaded = load_workflows(ROOT / ".github" / "workflows")
    assert loaded is not None
    return copy.deepcopy(loaded)


def check(plan: Plan, environment: str, *, bootstrap: Plan | None = None, flows: dict[str, Any] | None = None) -> DeployReport:
    return check_deployability(plan, environment=environment, bootstrap=bootstrap or bootstrap_plan(),
                               workflows=flows if flows is not None else workflows(), today=TODAY)


def rules_hit(report: DeployReport) -> set[str]:
    return {f.rule for f in report.findings}


def edited(plan: Plan, change: Callable[[list[Json], Json], None]) -> Plan:
    """A copy of `plan` after `change(resources, outputs)` edits its JSON."""
    data = copy.deepcopy(plan.to_json())
    change(data["resources"], data["outputs"])
    return Plan(project=plan.project, stack=plan.stack, outputs=data["outputs"],
                resources=tuple(PlannedResource.from_json(r) for r in data["resources"]))


def only(resources: list[Json], type_: str, name: str | None = None) -> Json:
    (found,) = [r for r in resources if r["type"] == type_ and (name is None or r["name"] == name)]
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_every_committed_stack_passes_every_rule(stack: str) -> None:
    report = check(plan_of(stack), stack)
    assert report.findings == ()
    assert set(report.checked) == {r.id for r in RULES} and report.not_checked == ()


def test_a_project_without_bootstrap_or_workflows_lists_those_rules_as_not_checked() -> None:
    report = check_deployability(plan_of("dev"), environment="dev", today=TODAY)
    skipped = {n.rule for n in report.not_checked}
    assert {"kubernetes-data-plane-role", "ci-runner-network", "subscription-registrations"} <= skipped
    assert "pods-schedulable" in report.checked


# --- network path -----------------------------------------------------------------------------------------------

def test_a_private_cluster_on_the_system_dns_zone_is_unreachable_from_the_runners() -> None:
    def system_zone(resources: list[Json], _: Json) -> None:
        only(resources, "azure-native:containerservice:ManagedCluster")["inputs"]["apiServerAccessProfile"]["privateDNSZone"] = "system"
    report = check(edited(plan_of("uat"), system_zone), "uat")
    assert any(f.rule == "api-server-network-path" and "privateDNSZone 'system'" in f.message for f in report.findings)


def test_a_cluster_zone_not_linked_to_the_runners_vnet_is_caught() -> None:
    def unlink(resources: list[Json], _: Json) -> None:
        resources[:] = [r for r in resources if not (r["type"] == "azure-native:privatedns:VirtualNetworkLink"
                                                      and r["name"].endswith("azmk8s.io-link-ci-runners"))]
    report = check(edited(plan_of("prod"), unlink), "prod")
    messages = [f.message for f in report.findings if f.rule == "api-server-network-path"]
    assert len(messages) == 2 and all("is not linked to the CI runners' VNet" in m for m in messages)


def test_a_missing_hub_side_peering_is_caught() -> None:
    def one_sided(resources: list[Json], _: Json) -> None:
        resources[:] = [r for r in resources if r["name"] != "ci-runners-peer-weu"]
    report = check(edited(plan_of("uat"), one_sided), "uat")
    assert any("runners' side" in f.message for f in report.findings if f.rule == "api-server-network-path")


def test_a_public_api_server_that_does_not_admit_the_runners_egress_is_caught() -> None:
    def office_only(resources: list[Json], _: Json) -> None:
        cluster = only(resources, "azure-native:containerservice:ManagedCluster")
        cluster["inputs"]["apiServerAccessProfile"]["authorizedIPRanges"] = ["203.0.113.0/24"]
    report = check(edited(plan_of("dev"), office_only), "dev")
    assert any("192.0.2.10/32" in f.message for f in report.findings if f.rule == "api-server-network-path")


def test_a_shared_zone_name_linked_to_the_hub_is_caught() -> None:
    def shared_name(resources: list[Json], _: Json) -> None:
        for r in resources:
            if r["type"] == "azure-native:privatedns:VirtualNetworkLink" and r["name"].endswith("link-ci-runners"):
                r["inputs"]["privateZoneName"] = "privatelink.westeurope.azmk8s.io"
    assert "runner-zone-names-unique" in rules_hit(check(edited(plan_of("uat"), shared_name), "uat"))


def test_a_region_overlapping_the_runners_hub_is_caught() -> None:
    def overlap(_: list[Json], outputs: Json) -> None:
        outputs["ciRunners"]["addressSpace"] = "10.30.0.0/24"
    report = check(edited(plan_of("uat"), overlap), "uat")
    assert "runner-network-no-overlap" in rules_hit(report)


def test_a_runner_network_the_bootstrap_never_made_is_caught() -> None:
    def elsewhere(_: list[Json], outputs: Json) -> None:
        outputs["ciRunners"]["networkId"] = outputs["ciRunners"]["networkId"].replace("vnet-smk-shared", "vnet-other")
    assert "runner-network-matches-bootstrap" in rules_hit(check(edited(plan_of("sit"), elsewhere), "sit"))


# --- identities -------------------------------------------------------------------------------------------------

def _bootstrap_without(predicate: Callable[[Json], bool]) -> Plan:
    def drop(resources: list[Json], _: Json) -> None:
        resources[:] = [r for r in resources if not predicate(r)]
    return edited(bootstrap_plan(), drop)


def _holder(plan: Plan, resource: Json) -> str:
    """The identity that holds the assignment `resource`, as the rules see it."""
    holders = {a.resource.urn: a.holder.name for a in assignments_of(plan) if a.holder is not None}
    return holders.get(resource["urn"], "")


def test_a_deploy_identity_without_the_aks_data_plane_role_is_caught() -> None:
    boot = bootstrap_plan()
    stripped = _bootstrap_without(lambda r: r["type"] == "azure-native:authorization:RoleAssignment"
                                  and r["inputs"].get("roleDefinitionId", "").endswith(ROLE_AKS_RBAC_CLUSTER_ADMIN)
                                  and _holder(boot, r) == "ci-deploy-uat")
    report = check(plan_of("uat"), "uat", bootstrap=stripped)
    assert any(f.rule == "kubernetes-data-plane-role" and "403" in f.message for f in report.findings)


def test_a_deploy_identity_with_a_role_on_another_environment_is_caught() -> None:
    boot = bootstrap_plan()
    prod_subscription = boot.outputs["subscriptions"]["prod"]

    def widen(resources: list[Json], _: Json) -> None:
        grant = next(r for r in resources if r["type"] == "azure-native:authorization:RoleAssignment"
                     and _holder(boot, r) == "ci-deploy-dev")
        grant["inputs"]["scope"] = f"/subscriptions/{prod_subscription}"
    report = check(plan_of("dev"), "dev", bootstrap=edited(boot, widen))
    assert any(f.rule == "deploy-identity-per-environment" and prod_subscription in f.message for f in report.findings)


def test_a_deploy_job_on_the_shared_identity_is_caught() -> None:
    flows = workflows()
    for job in flows["deploy.yml"]["jobs"].values():
        for step in job.get("steps", []):
            if "AZURE_CLIENT_ID" in (step.get("env") or {}):
                step["env"]["AZURE_CLIENT_ID"] = "${{ vars.AZURE_DEPLOY_CLIENT_ID }}"
        if "AZURE_CLIENT_ID" in (job.get("env") or {}):
            job["env"]["AZURE_CLIENT_ID"] = "${{ vars.AZURE_DEPLOY_CLIENT_ID }}"
    assert "deploy-identity-per-environment" in rules_hit(check(plan_of("prod"), "prod", flows=flows))


def test_a_pull_request_identity_that_can_write_state_is_caught() -> None:
    boot = bootstrap_plan()

    def writer(resources: list[Json], _: Json) -> None:
        for r in resources:
            if r["type"] == "azure-native:authorization:RoleAssignment" and _holder(boot, r) == "ci-preview" \
                    and "blobServices" in r["inputs"].get("scope", ""):
                r["inputs"]["roleDefinitionId"] = r["inputs"]["roleDefinitionId"].rsplit("/", 1)[0] + "/" + ROLE_STORAGE_BLOB_DATA_CONTRIBUTOR
    report = check(plan_of("dev"), "dev", bootstrap=edited(boot, writer))
    assert any(f.rule == "pull-request-isolation" and "write the state" in f.message for f in report.findings)


def test_a_pull_request_preview_of_prod_is_caught() -> None:
    flows = workflows()
    for job in flows["preview.yml"]["jobs"].values():
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        if isinstance(matrix.get("stack"), list):
            matrix["stack"].append("prod")
    report = check(plan_of("prod"), "prod", flows=flows)
    assert any(f.rule == "pull-request-isolation" and "real `pulumi preview` of prod" in f.message for f in report.findings)


# --- workflows --------------------------------------------------------------------------------------------------

def test_a_pulumi_job_on_a_github_hosted_runner_is_caught() -> None:
    flows = workflows()
    flows["deploy.yml"]["jobs"]["prod"]["runs-on"] = "ubuntu-24.04"
    report = check(plan_of("prod"), "prod", flows=flows)
    assert [f.subject for f in report.findings if f.rule == "ci-runner-network"] == ["deploy.yml: job prod"]


def test_a_pulumi_job_without_kubelogin_is_caught() -> None:
    flows = workflows()
    steps = flows["deploy.yml"]["jobs"]["uat"]["steps"]
    steps[:] = [s for s in steps if "install-kubelogin" not in str(s.get("run", ""))]
    report = check(plan_of("uat"), "uat", flows=flows)
    assert any(f.rule == "ci-credential-lifetime" and "kubelogin" in f.message for f in report.findings)


def test_the_cli_token_for_the_secrets_provider_is_caught() -> None:
    flows = workflows()
    flows["deploy.yml"]["jobs"]["prod"].setdefault("env", {})["AZURE_KEYVAULT_AUTH_VIA_CLI"] = "true"
    report = check(plan_of("prod"), "prod", flows=flows)
    assert any(f.rule == "ci-credential-lifetime" and "AZURE_KEYVAULT_AUTH_VIA_CLI" in f.message for f in report.findings)


# --- clusters, subscriptions, monitoring -------------------------------------------------------------------------

def test_dev_with_a_tainted_system_pool_and_only_spot_cannot_schedule_its_charts() -> None:
    def taint(resources: list[Json], _: Json) -> None:
        only(resources, "azure-native:containerservice:ManagedCluster")["inputs"]["agentPoolProfiles"][0]["nodeTaints"] = [
            "CriticalAddonsOnly=true:NoSchedule"]
    report = check(edited(plan_of("dev"), taint), "dev")
    assert any(f.rule == "pods-schedulable" and "Pending" in f.message for f in report.findings)


def test_a_kubernetes_version_past_end_of_life_is_caught() -> None:
    def old(resources: list[Json], _: Json) -> None:
        only(resources, "azure-native:containerservice:ManagedCluster")["inputs"]["kubernetesVersion"] = "1.33"
    report = check(edited(plan_of("sit"), old), "sit")
    assert any(f.rule == "kubernetes-version-supported" and "2026-06-28" in f.message for f in report.findings)


def _registration(plan: Plan, environment: str, variable: str, keep: Callable[[str], bool]) -> Plan:
    def change(resources: list[Json], _: Json) -> None:
        script = only(resources, "azure-native:resources:AzureCliScript", f"register-{environment}")
        for entry in script["inputs"]["environmentVariables"]:
            if entry["name"] == variable:
                entry["value"] = " ".join(v for v in entry["value"].split() if keep(v))
    return edited(plan, change)


def test_an_unregistered_resource_provider_is_caught() -> None:
    boot = _registration(bootstrap_plan(), "uat", "PROVIDERS", lambda v: v != "Microsoft.ContainerService")
    report = check(plan_of("uat"), "uat", bootstrap=boot)
    assert any(f.rule == "subscription-registrations" and "Microsoft.ContainerService" in f.message for f in report.findings)


def test_encryption_at_host_without_the_subscription_feature_is_caught() -> None:
    boot = _registration(bootstrap_plan(), "prod", "FEATURES", lambda v: v != "Microsoft.Compute/EncryptionAtHost")
    report = check(plan_of("prod"), "prod", bootstrap=boot)
    assert any(f.rule == "subscription-registrations" and "EncryptionAtHost" in f.message for f in report.findings)


def test_container_insights_without_its_rule_association_is_caught() -> None:
    def drop(resources: list[Json], _: Json) -> None:
        resources[:] = [r for r in resources if not (r["type"] == "azure-native:monitor:DataCollectionRuleAssociation"
                                                      and r["inputs"].get("associationName") == "ContainerInsightsExtension")]
    report = check(edited(plan_of("dev"), drop), "dev")
    assert any(f.rule == "container-insights-collects" and "collects nothing" in f.message for f in report.findings)


def test_a_private_cluster_without_a_collection_endpoint_in_its_region_is_caught() -> None:
    def drop(resources: list[Json], _: Json) -> None:
        resources[:] = [r for r in resources if not (r["type"] == "azure-native:monitor:DataCollectionEndpoint"
                                                      and r["inputs"].get("location") == "northeurope")]
    report = check(edited(plan_of("prod"), drop), "prod")
    assert any(f.rule == "container-insights-collects" and "northeurope" in f.message for f in report.findings)


# --- names, dates, tiers ----------------------------------------------------------------------------------------

def test_ip_rules_on_a_basic_event_hubs_namespace_are_caught() -> None:
    def basic(resources: list[Json], _: Json) -> None:
        only(resources, "azure-native:eventhub:Namespace")["inputs"]["sku"] = {"name": "Basic", "tier": "Basic"}
    assert "eventhubs-network-rules-tier" in rules_hit(check(edited(plan_of("dev"), basic), "dev"))


def test_a_purge_protected_vault_with_a_fixed_name_is_caught() -> None:
    def fixed(resources: list[Json], _: Json) -> None:
        vault = only(resources, "azure-native:keyvault:Vault")
        vault["dependencies"] = [d for d in vault["dependencies"] if "random:" not in d]
    assert "purge-protected-names-reusable" in rules_hit(check(edited(plan_of("uat"), fixed), "uat"))


def test_a_budget_start_date_azure_would_refuse_on_replacement_is_caught() -> None:
    def past(resources: list[Json], _: Json) -> None:
        only(resources, "azure-native:consumption:Budget")["inputs"]["timePeriod"]["startDate"] = "2026-11-01T00:00:00Z"
    report = check(edited(plan_of("dev"), past), "dev")
    assert any(f.rule == "budget-start-date" and "before the current month" in f.message for f in report.findings)


def test_a_budget_start_date_not_ignored_after_creation_is_caught() -> None:
    def tracked(resources: list[Json], _: Json) -> None:
        only(resources, "azure-native:consumption:Budget")["ignoreChanges"] = []
    assert "budget-start-date" in rules_hit(check(edited(plan_of("dev"), tracked), "dev"))


def test_an_unseeded_gateway_dns_label_is_caught() -> None:
    def unseeded(resources: list[Json], _: Json) -> None:
        gateway = only(resources, "kubernetes:helm.sh/v3:Release", "mesh-weu-istio-ingress")
        gateway["inputs"]["values"]["service"]["annotations"]["service.beta.kubernetes.io/azure-dns-label-name"] = "smk-prod-weu"
    assert "globally-unique-names-seeded" in rules_hit(check(edited(plan_of("prod"), unseeded), "prod"))


def test_every_rule_names_its_failure_and_a_source() -> None:
    assert len({r.id for r in RULES}) >= 17
    for rule in RULES:
        assert rule.failure and rule.sources and all(s.startswith(("https://", "bootstrap/")) for s in rule.sources)


# --- the branches of each rule ----------------------------------------------------------------------------------

def _drop_steps(flows: dict[str, Any], job: str, needle: str) -> None:
    steps = flows["deploy.yml"]["jobs"][job]["steps"]
    steps[:] = [s for s in steps if needle not in str(s.get("run", ""))]


def test_a_pulumi_job_without_the_token_refresher_is_caught() -> None:
    flows = workflows()
    _drop_steps(flows, "prod", "federated-token.sh start")
    report = check(plan_of("prod"), "prod", flows=flows)
    assert any(f.rule == "ci-credential-lifetime" and "AADSTS700024" in f.message for f in report.findings)


def test_kubelogin_left_on_the_azure_cli_login_is_caught() -> None:
    flows = workflows()
    del flows["deploy.yml"]["jobs"]["sit"]["env"]["AAD_LOGIN_METHOD"]
    report = check(plan_of("sit"), "sit", flows=flows)
    assert any(f.rule == "ci-credential-lifetime" and "AAD_LOGIN_METHOD" in f.message for f in report.findings)


def test_a_pull_request_identity_holding_the_uat_key_is_caught() -> None:
    boot = bootstrap_plan()

    def uat_key(resources: list[Json], _: Json) -> None:
        grant = next(r for r in resources if r["name"] == "ci-preview-dev-key-ra-crypto")
        grant["inputs"]["scope"] = grant["inputs"]["scope"].replace("pulumi-secrets-dev", "pulumi-secrets-uat")
    report = check(plan_of("uat"), "uat", bootstrap=edited(boot, uat_key))
    assert any(f.rule == "pull-request-isolation" and "pulumi-secrets-uat" in f.message for f in report.findings)


def test_a_pull_request_matrix_offline_cannot_read_counts_as_previewing_everything() -> None:
    flows = workflows()
    job = flows["preview.yml"]["jobs"]["preview"]
    job["strategy"]["matrix"] = {"stack": "${{ fromJSON(vars.PREVIEW_STACKS) }}"}
    report = check(plan_of("prod"), "prod", flows=flows)
    assert any(f.rule == "pull-request-isolation" and "prod" in f.message for f in report.findings)


def test_a_deploy_identity_trusting_another_subject_is_caught() -> None:
    def any_branch(resources: list[Json], _: Json) -> None:
        credential = only(resources, "azure-native:managedidentity:FederatedIdentityCredential", "ci-deploy-prod-fic-github")
        credential["inputs"]["subject"] = "repo:sentimark/sentimark-platform:ref:refs/heads/main"
    report = check(plan_of("prod"), "prod", bootstrap=edited(bootstrap_plan(), any_branch))
    assert any(f.rule == "deploy-identity-per-environment" and "refs/heads/main" in f.message for f in report.findings)


def test_a_previewed_stack_whose_pull_request_identity_cannot_dry_run_is_caught() -> None:
    stripped = _bootstrap_without(lambda r: r["name"] == "ci-preview-dev-ra-aks-rbac-admin")
    report = check(plan_of("dev"), "dev", bootstrap=stripped)
    assert any(f.rule == "kubernetes-data-plane-role" and "ci-preview has no" in f.message for f in report.findings)


def test_a_private_cluster_whose_agents_are_not_tied_to_their_regions_endpoint_is_caught() -> None:
    def untie(resources: list[Json], _: Json) -> None:
        resources[:] = [r for r in resources if not (r["type"] == "azure-native:monitor:DataCollectionRuleAssociation"
                                                      and r["inputs"].get("associationName") == "configurationAccessEndpoint")]
    report = check(edited(plan_of("uat"), untie), "uat")
    assert any(f.rule == "container-insights-collects" and "configurationAccessEndpoint" in f.message for f in report.findings)


def test_an_unknown_budget_start_date_still_needs_ignore_changes() -> None:
    def unknown(resources: list[Json], _: Json) -> None:
        budget = only(resources, "azure-native:consumption:Budget")
        budget["inputs"]["timePeriod"]["startDate"] = "[unknown]"
        budget["ignoreChanges"] = []
    report = check(edited(plan_of("dev"), unknown), "dev")
    assert [f.rule for f in report.findings] == ["budget-start-date"]


def test_pull_request_code_on_the_deploy_runners_network_is_caught() -> None:
    flows = workflows()
    flows["preview.yml"]["jobs"]["preview"]["runs-on"] = {"group": "sentimark-azure"}
    report = check(plan_of("dev"), "dev", flows=flows)
    assert [f.subject for f in report.findings if f.rule == "ci-runner-network"] == ["preview.yml: job preview"]
    assert "peered with nothing" in report.findings[0].message


# --- the scheduled drift check (issue 17) -------------------------------------------------------------------

def _without_drift_admin(environment: str) -> Plan:
    return _bootstrap_without(lambda r: r["name"] == f"ci-drift-{environment}-ra-aks-rbac-admin")


def test_a_drift_identity_that_cannot_dry_run_against_its_clusters_is_caught() -> None:
    report = check(plan_of("prod"), "prod", bootstrap=_without_drift_admin("prod"))
    assert any(f.rule == "kubernetes-data-plane-role" and "ci-drift-prod has no" in f.message for f in report.findings)
    # Only prod's own drift identity is required for prod.
    assert check(plan_of("uat"), "uat", bootstrap=_without_drift_admin("prod")).findings == ()


def test_a_missing_drift_identity_is_caught_while_a_scheduled_preview_runs() -> None:
    report = check(plan_of("sit"), "sit", bootstrap=_bootstrap_without(lambda r: r["name"] == "ci-drift-sit"))
    assert any(f.rule == "kubernetes-data-plane-role" and f.subject == "ci-drift-sit" for f in report.findings)


def test_without_a_scheduled_preview_the_drift_identity_needs_no_cluster_role() -> None:
    flows = workflows()
    del flows["drift.yml"]
    assert check(plan_of("prod"), "prod", bootstrap=_without_drift_admin("prod"), flows=flows).findings == ()
    # A schedule on a workflow that runs no preview (e.g. a nightly offline job) does not count either.
    flows = workflows()
    flows["drift.yml"]["jobs"]["drift"]["steps"] = [
        s for s in flows["drift.yml"]["jobs"]["drift"]["steps"] if "pulumi preview" not in str(s.get("run", ""))]
    assert check(plan_of("prod"), "prod", bootstrap=_without_drift_admin("prod"), flows=flows).findings == ()


def test_a_scheduled_matrix_offline_cannot_read_needs_every_drift_identity() -> None:
    flows = workflows()
    flows["drift.yml"]["jobs"]["drift"]["strategy"]["matrix"] = {"stack": "${{ fromJSON(vars.DRIFT_STACKS) }}"}
    report = check(plan_of("uat"), "uat", bootstrap=_without_drift_admin("uat"), flows=flows)
    assert any(f.rule == "kubernetes-data-plane-role" and "ci-drift-uat has no" in f.message for f in report.findings)


def test_the_scheduled_stacks_come_from_the_matrix_the_stack_name_or_the_stack_flag() -> None:
    from sentimark_platform.deploycheck._workflows import UNKNOWN_STACKS, scheduled_preview_stacks

    assert scheduled_preview_stacks(workflows()) == {"dev", "sit", "uat", "prod"}
    flows = workflows()
    job = flows["drift.yml"]["jobs"]["drift"]
    del job["strategy"]
    preview = next(s for s in job["steps"] if "pulumi preview" in str(s.get("run", "")))
    preview["run"] = "pulumi preview --stack sit --refresh --expect-no-changes"
    assert scheduled_preview_stacks(flows) == {"sit"}
    preview.pop("run")
    preview.update({"uses": "pulumi/actions@v7", "with": {"command": "preview", "stack-name": "uat", "refresh": True}})
    assert scheduled_preview_stacks(flows) == {"uat"}
    job["strategy"] = {"matrix": {"include": [{"stack": "dev"}]}}
    preview["with"]["stack-name"] = "${{ matrix.stack }}"  # an include list: offline cannot tell which stacks
    assert UNKNOWN_STACKS in scheduled_preview_stacks(flows)
    # The pull-request preview is not a scheduled one.
    assert scheduled_preview_stacks({"preview.yml": workflows()["preview.yml"]}) == set()


def test_a_drift_identity_that_can_write_state_is_caught() -> None:
    def writer(resources: list[Json], _: Json) -> None:
        grant = only(resources, "azure-native:authorization:RoleAssignment", "ci-drift-dev-state-ra-blob-reader")
        grant["inputs"]["roleDefinitionId"] = (grant["inputs"]["roleDefinitionId"].rsplit("/", 1)[0] + "/"
                                               + ROLE_STORAGE_BLOB_DATA_CONTRIBUTOR)
    # Checked in every environment's report: the state container is shared by all stacks.
    report = check(plan_of("prod"), "prod", bootstrap=edited(bootstrap_plan(), writer))
    (finding,) = [f for f in report.findings if f.rule == "pull-request-isolation"]
    assert "ci-drift-dev-state-ra-blob-reader" in finding.subject
    assert "drift identity ci-drift-dev can write the state" in finding.message and "Blob Data Reader" in finding.message


def test_the_committed_drift_workflow_passes_the_workflow_rules() -> None:
    # Runner group, kubelogin and token refresher before the first pulumi step, vars.AZURE_CLIENT_ID with an
    # environment: the rules that hold for the deploy jobs hold for the drift job.
    flows = {"drift.yml": workflows()["drift.yml"]}
    report = check(plan_of("prod"), "prod", flows=flows)
    assert report.findings == ()
    flows["drift.yml"]["jobs"]["drift"]["runs-on"] = "ubuntu-24.04"
    assert [f.subject for f in check(plan_of("prod"), "prod", flows=flows).findings] == ["drift.yml: job drift"]


def test_a_deploy_identity_with_a_role_on_one_resource_of_another_environment_is_caught() -> None:
    boot = bootstrap_plan()
    prod = boot.outputs["subscriptions"]["prod"]
    cluster = f"/subscriptions/{prod}/resourceGroups/rg-smk-prod-weu/providers/Microsoft.ContainerService/managedClusters/aks-smk-prod-weu"

    def reach(resources: list[Json], _: Json) -> None:
        grant = next(r for r in resources if r["name"] == "ci-deploy-dev-ra-contributor")
        grant["inputs"]["scope"] = cluster
    report = check(plan_of("dev"), "dev", bootstrap=edited(boot, reach))
    assert any(f.rule == "deploy-identity-per-environment" and cluster in f.message for f in report.findings)


def test_a_pull_request_preview_named_in_a_run_step_or_through_another_matrix_key_is_caught() -> None:
    flows = workflows()
    flows["preview.yml"]["jobs"]["preview"]["steps"].append({"run": "pulumi preview --stack uat"})
    assert any("real `pulumi preview` of uat" in f.message for f in check(plan_of("uat"), "uat", flows=flows).findings)
    flows = workflows()
    job = flows["preview.yml"]["jobs"]["preview"]
    job["strategy"]["matrix"] = {"env": ["prod"]}
    for step in job["steps"]:
        if "stack-name" in (step.get("with") or {}):
            step["with"]["stack-name"] = "${{ matrix.env }}"
    assert any("real `pulumi preview` of prod" in f.message for f in check(plan_of("prod"), "prod", flows=flows).findings)


def test_a_stack_file_on_another_environments_key_or_vault_is_caught() -> None:
    boot = bootstrap_plan()
    own = boot.outputs["secretsProviders"]["uat"]
    assert check_deployability(plan_of("uat"), environment="uat", bootstrap=boot, workflows=workflows(),
                               today=TODAY, secrets_provider=own).findings == ()
    for wrong, words in ((own.replace("pulumi-secrets-uat", "pulumi-secrets-dev"), "is not the uat key"),
                         ("passphrase", "is not the uat key"),
                         (own.replace("://kv-", "://kv-other-"), "names another vault")):
        report = check_deployability(plan_of("uat"), environment="uat", bootstrap=boot, workflows=workflows(),
                                     today=TODAY, secrets_provider=wrong)
        assert [f.rule for f in report.findings] == ["secrets-provider-per-environment"], wrong
        assert words in report.findings[0].message
