"""What each environment promises, asserted on the offline plans of the four real stacks.

dev is the cheapest full platform; sit has every data service; uat is production-like (private, highly
available, locked); prod adds a second region behind Front Door, geo-redundant backups and `protect`.
Each promise is checked where it holds and, where it is meant to differ, checked NOT to hold in the
cheaper environments, so that a test cannot pass because an input is missing everywhere.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sentimark_platform.components import FINOPS_TAG_NAMES, region_code, stable_suffix
from sentimark_platform.costs import estimate_plan
from sentimark_platform.offline import Plan, PlannedResource
from sentimark_platform.policy._taggable import TAGGABLE_TYPES
from tests.conftest import STACKS, plan_of, stack_config

PRIVATE_STACKS = ("uat", "prod")
PUBLIC_STACKS = ("dev", "sit")

VAULT = "azure-native:keyvault:Vault"
POSTGRES = "azure-native:dbforpostgresql:Server"
REDIS = "azure-native:redisenterprise:RedisEnterprise"
EVENT_HUBS = "azure-native:eventhub:Namespace"
REGISTRY = "azure-native:containerregistry:Registry"
GRAFANA = "azure-native:dashboard:Grafana"
WORKSPACE = "azure-native:operationalinsights:Workspace"
CLUSTER = "azure-native:containerservice:ManagedCluster"
MONITOR_WORKSPACE = "azure-native:monitor:AzureMonitorWorkspace"
LOCK = "azure-native:authorization:ManagementLockByScope"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"

STATEFUL = (VAULT, POSTGRES, REDIS, EVENT_HUBS, WORKSPACE)
"""Resources whose loss loses data: secrets, databases, cache contents, event streams, audit logs."""

# Where each data-plane service says whether its public endpoint is on, and the private-link group its
# private endpoint connects to (PostgreSQL uses VNet integration instead: a delegated subnet).
PUBLIC_ACCESS_PATH: dict[str, tuple[str, ...]] = {
    VAULT: ("properties", "publicNetworkAccess"),
    POSTGRES: ("network", "publicNetworkAccess"),
    REDIS: ("publicNetworkAccess",),
    EVENT_HUBS: ("publicNetworkAccess",),
    REGISTRY: ("publicNetworkAccess",),
    GRAFANA: ("properties", "publicNetworkAccess"),
}
PRIVATE_LINK_GROUP = {VAULT: "vault", REDIS: "redisEnterprise", EVENT_HUBS: "namespace", REGISTRY: "registry",
                      GRAFANA: "grafana"}


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _arm_id(resource: PlannedResource, plan: Plan) -> str:
    """The ARM id the offline engine gave a resource: read back from a resource that references it."""
    name = _azure_name(resource)
    ids = {v for r in plan.resources for v in _strings(r.inputs) if v.startswith("/subscriptions/") and v.endswith(f"/{name}")}
    assert len(ids) == 1, f"{resource.name}: expected exactly one ARM id ending in /{name}, found {sorted(ids)}"
    return ids.pop()


def _azure_name(resource: PlannedResource) -> str:
    kind = resource.type.rsplit(":", 1)[-1]
    key = {"Server": "serverName", "RedisEnterprise": "clusterName", "Namespace": "namespaceName",
           "Grafana": "workspaceName", "ManagedCluster": "resourceName"}.get(kind, f"{kind[0].lower()}{kind[1:]}Name")
    return str(resource.inputs[key])


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _one(plan: Plan, type_token: str) -> PlannedResource:
    found = plan.of_type(type_token)
    assert len(found) == 1, f"stack {plan.stack}: expected one {type_token}, found {[r.name for r in found]}"
    return found[0]


def _private_endpoint_groups(plan: Plan) -> dict[str, set[str]]:
    """Target ARM id -> private-link group ids of the private endpoints that connect to it."""
    groups: dict[str, set[str]] = {}
    for endpoint in plan.of_type(PRIVATE_ENDPOINT):
        for connection in endpoint.inputs["privateLinkServiceConnections"]:
            groups.setdefault(connection["privateLinkServiceId"], set()).update(connection["groupIds"])
    return groups


# --- no public data plane in uat and prod ----------------------------------------------------------------


@pytest.mark.parametrize("stack", PRIVATE_STACKS)
@pytest.mark.parametrize("type_token", list(PUBLIC_ACCESS_PATH))
def test_private_stacks_disable_the_public_endpoint_of_every_data_service(stack: str, type_token: str) -> None:
    plan = plan_of(stack)
    resource = _one(plan, type_token)
    assert _get(resource.inputs, PUBLIC_ACCESS_PATH[type_token]) == "Disabled", resource.inputs


@pytest.mark.parametrize("stack", PRIVATE_STACKS)
@pytest.mark.parametrize("type_token", list(PRIVATE_LINK_GROUP))
def test_private_stacks_reach_every_data_service_through_a_private_endpoint(stack: str, type_token: str) -> None:
    plan = plan_of(stack)
    resource = _one(plan, type_token)
    groups = _private_endpoint_groups(plan)
    assert PRIVATE_LINK_GROUP[type_token] in groups.get(_arm_id(resource, plan), set()), sorted(groups)


@pytest.mark.parametrize("stack", PRIVATE_STACKS)
def test_private_stacks_put_postgres_in_a_delegated_subnet_and_the_cluster_api_on_a_private_endpoint(stack: str) -> None:
    plan = plan_of(stack)
    network = _one(plan, POSTGRES).inputs["network"]
    assert network["delegatedSubnetResourceId"].endswith("/subnets/snet-psql")
    assert network["privateDnsZoneArmResourceId"].endswith(".private.postgres.database.azure.com")
    for cluster in plan.of_type(CLUSTER):
        assert cluster.inputs["apiServerAccessProfile"]["enablePrivateCluster"] is True, cluster.name
        assert "authorizedIPRanges" not in cluster.inputs["apiServerAccessProfile"]


@pytest.mark.parametrize("stack", PUBLIC_STACKS)
def test_public_stacks_open_the_data_plane_only_to_their_allow_lists(stack: str) -> None:
    """The contrast: dev and sit do have public endpoints, each behind the stack's IP allow-list."""
    plan = plan_of(stack)
    assert plan.of_type(PRIVATE_ENDPOINT) == []
    vault = _one(plan, VAULT).inputs["properties"]
    assert vault["publicNetworkAccess"] == "Enabled"
    assert vault["networkAcls"]["defaultAction"] == "Deny" and vault["networkAcls"]["ipRules"]
    assert _one(plan, POSTGRES).inputs["network"]["publicNetworkAccess"] == "Enabled"
    rules = plan.of_type("azure-native:dbforpostgresql:FirewallRule")
    assert rules and all(r.inputs["startIpAddress"] != "0.0.0.0" for r in rules)
    (cluster,) = plan.of_type(CLUSTER)
    assert cluster.inputs["apiServerAccessProfile"]["authorizedIPRanges"]


# --- high availability, backups, Defender --------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_database_is_zone_redundant_exactly_in_uat_and_prod(stack: str) -> None:
    mode = _one(plan_of(stack), POSTGRES).inputs["highAvailability"]["mode"]
    assert mode == ("ZoneRedundant" if stack in PRIVATE_STACKS else "Disabled")


@pytest.mark.parametrize("stack", STACKS)
def test_backups_are_geo_redundant_exactly_in_uat_and_prod(stack: str) -> None:
    # Issue 19: uat too, so that it can be restored after a region loss.
    backup = _one(plan_of(stack), POSTGRES).inputs["backup"]
    assert backup["geoRedundantBackup"] == ("Enabled" if stack in ("uat", "prod") else "Disabled")
    assert backup["backupRetentionDays"] == {"dev": 7, "sit": 7, "uat": 14, "prod": 35}[stack]


@pytest.mark.parametrize("stack", STACKS)
def test_redis_and_event_hubs_are_highly_available_exactly_in_uat_and_prod(stack: str) -> None:
    plan = plan_of(stack)
    ha = stack in PRIVATE_STACKS
    assert _one(plan, REDIS).inputs["highAvailability"] == ("Enabled" if ha else "Disabled")
    assert _one(plan, EVENT_HUBS).inputs["zoneRedundant"] is ha


@pytest.mark.parametrize("stack", STACKS)
def test_defender_for_containers_is_on_exactly_in_uat_and_prod(stack: str) -> None:
    plan = plan_of(stack)
    workspace_id = _arm_id(_one(plan, WORKSPACE), plan)
    for cluster in plan.of_type(CLUSTER):
        defender = (cluster.inputs.get("securityProfile") or {}).get("defender")
        if stack in PRIVATE_STACKS:
            assert defender == {"logAnalyticsWorkspaceResourceId": workspace_id, "securityMonitoring": {"enabled": True}}
        else:
            assert defender is None, cluster.name


@pytest.mark.parametrize("stack", PRIVATE_STACKS)
def test_production_like_clusters_spread_their_pools_over_three_zones(stack: str) -> None:
    plan = plan_of(stack)
    for cluster in plan.of_type(CLUSTER):
        assert cluster.inputs["sku"]["tier"] == "Standard"
        assert cluster.inputs["agentPoolProfiles"][0]["availabilityZones"] == ["1", "2", "3"]
    for pool in plan.of_type("azure-native:containerservice:AgentPool"):
        assert pool.inputs["availabilityZones"] == ["1", "2", "3"], pool.name
        assert pool.inputs.get("scaleSetPriority") != "Spot"


# --- locks and protect --------------------------------------------------------------------------------


def _locks_by_scope(plan: Plan) -> dict[str, str]:
    return {lock.inputs["scope"]: lock.inputs["level"] for lock in plan.of_type(LOCK)}


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("type_token", STATEFUL)
def test_stateful_resources_are_locked_exactly_in_uat_and_prod(stack: str, type_token: str) -> None:
    plan = plan_of(stack)
    resource = _one(plan, type_token)
    level = _locks_by_scope(plan).get(_arm_id(resource, plan))
    assert level == ("CanNotDelete" if stack in PRIVATE_STACKS else None), resource.name


@pytest.mark.parametrize("stack", STACKS)
@pytest.mark.parametrize("type_token", STATEFUL)
def test_stateful_resources_are_protected_exactly_in_prod(stack: str, type_token: str) -> None:
    resource = _one(plan_of(stack), type_token)
    assert resource.protect is (stack == "prod"), resource.name


@pytest.mark.parametrize("stack", STACKS)
def test_clusters_and_the_metrics_workspace_are_locked_in_uat_and_prod_and_protected_in_prod(stack: str) -> None:
    """Issue 19: etcd holds the state of record, the Azure Monitor workspace the metrics history."""
    plan = plan_of(stack)
    resources = [*plan.of_type(CLUSTER), *plan.of_type(MONITOR_WORKSPACE)]
    assert len(resources) == len(plan.of_type(CLUSTER)) + 1
    locks = _locks_by_scope(plan)
    for resource in resources:
        assert locks.get(_arm_id(resource, plan)) == ("CanNotDelete" if stack in PRIVATE_STACKS else None), resource.name
        assert resource.protect is (stack == "prod"), resource.name


@pytest.mark.parametrize("stack", PRIVATE_STACKS)
def test_the_container_registry_is_locked_and_in_prod_protected(stack: str) -> None:
    plan = plan_of(stack)
    registry = _one(plan, REGISTRY)
    assert _locks_by_scope(plan).get(_arm_id(registry, plan)) == "CanNotDelete"
    assert registry.protect is (stack == "prod")


def test_nothing_but_stateful_resources_is_protected_in_prod() -> None:
    """`protect` blocks replacements too: a protected role assignment or endpoint would block routine changes. The
    clusters (etcd) and the Azure Monitor workspace (the metrics history) count as stateful (issue 19)."""
    protected = {r.type for r in plan_of("prod").resources if r.protect}
    # The vault's keys share its protect: deleting the etcd key makes the clusters' secrets unreadable.
    allowed = {*STATEFUL, CLUSTER, MONITOR_WORKSPACE, REGISTRY, "azure-native:keyvault:Key"}
    assert {*STATEFUL, CLUSTER, MONITOR_WORKSPACE} <= protected <= allowed, protected


# --- FinOps tags -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_resource_carries_the_finops_tags(stack: str) -> None:
    plan = plan_of(stack)
    taggable = [r for r in plan.custom_resources if r.type in TAGGABLE_TYPES]
    assert len(taggable) >= 30
    expected = {"environment": stack, "owner": "platform-team@sentimark.example", "cost-center": "CC-4711",
                "service": "sentimark-platform", "managed-by": "pulumi"}
    assert set(expected) == set(FINOPS_TAG_NAMES)
    wrong = {r.name: {k: (r.inputs.get("tags") or {}).get(k) for k in expected}
             for r in taggable if {k: (r.inputs.get("tags") or {}).get(k) for k in expected} != expected}
    assert wrong == {}


# --- costs -------------------------------------------------------------------------------------------------


def _monthly_usd(stack: str) -> float:
    estimate = estimate_plan(plan_of(stack))
    assert estimate.complete, [(u.name, u.reason) for u in estimate.unpriced]
    return estimate.total_usd


def test_dev_is_the_cheapest_full_platform_and_cost_grows_towards_prod() -> None:
    totals = {stack: _monthly_usd(stack) for stack in STACKS}
    assert totals["dev"] < totals["sit"] < totals["uat"] < totals["prod"], totals
    # "Full": dev has every service the other stacks have, only smaller.
    types = {stack: {r.type for r in plan_of(stack).custom_resources} for stack in STACKS}
    services = {CLUSTER, POSTGRES, REDIS, EVENT_HUBS, REGISTRY, VAULT, WORKSPACE,
                "azure-native:monitor:AzureMonitorWorkspace", "kubernetes:helm.sh/v3:Release",
                "kubernetes:networking.istio.io/v1:VirtualService"}
    assert services <= types["dev"]


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_estimate_fits_its_budget(stack: str) -> None:
    (budget,) = plan_of(stack).of_type("azure-native:consumption:Budget")
    assert _monthly_usd(stack) <= budget.inputs["amount"]


# --- prod: two regions, each able to serve ----------------------------------------------------------------


PROD_REGIONS = {"westeurope": "weu", "northeurope": "neu"}


def _component(plan: Plan, type_name: str, name: str) -> PlannedResource:
    (found,) = [r for r in plan.resources if r.type == f"sentimark:index:{type_name}" and r.name == name]
    return found


def _children(plan: Plan, parent: PlannedResource, type_token: str) -> list[PlannedResource]:
    return [r for r in plan.resources if r.parent == parent.urn and r.type == type_token]


def test_prod_has_a_primary_and_a_secondary_region_each_with_its_own_network_and_cluster() -> None:
    plan = plan_of("prod")
    assert plan.outputs["regions"] == ["westeurope", "northeurope"]
    clusters = {c.inputs["location"]: c for c in plan.of_type(CLUSTER)}
    assert set(clusters) == set(PROD_REGIONS)
    for location, code in PROD_REGIONS.items():
        assert region_code(location) == code
        cluster = clusters[location]
        assert cluster.inputs["resourceGroupName"] == f"rg-smk-prod-{code}"
        assert f"/virtualNetworks/vnet-smk-prod-{code}/subnets/snet-aks" in cluster.inputs["agentPoolProfiles"][0]["vnetSubnetID"]


def test_prod_runs_the_mesh_and_every_application_namespace_in_both_regions() -> None:
    plan = plan_of("prod")
    applications = {"sentimark-api", "sentiment-engine", "data-acquisition"}
    for code in PROD_REGIONS.values():
        mesh = _component(plan, "ServiceMesh", f"mesh-{code}")
        releases = {r.inputs["name"] for r in _children(plan, mesh, "kubernetes:helm.sh/v3:Release")}
        assert {"istio-base", "istiod", "istio-ingress", "argo-rollouts", "analysis-prometheus"} <= releases
        gitops = _component(plan, "GitOps", f"gitops-{code}")
        assert {r.inputs["name"] for r in _children(plan, gitops, "kubernetes:helm.sh/v3:Release")} == {"argo-cd"}
        for app in applications:
            namespace = _component(plan, "AppNamespace", f"app-{code}-{app}")
            (ns,) = _children(plan, namespace, "kubernetes:core/v1:Namespace")
            assert ns.inputs["metadata"]["name"] == app
            assert ns.inputs["metadata"]["labels"]["istio-injection"] == "enabled"
        identities = {k for k in plan.outputs["workloadIdentityClientIds"] if k.endswith(f"-{code}")}
        assert identities == {f"{app}-{code}" for app in applications}


def test_prod_front_door_routes_to_the_ingress_gateway_of_both_regions_primary_first() -> None:
    plan = plan_of("prod")
    origins = {o.inputs["originName"]: o.inputs for o in plan.of_type("azure-native:cdn:AFDOrigin")}
    assert set(origins) == set(PROD_REGIONS.values())
    suffix = stable_suffix("sentimark-platform", "prod")  # seeded like every globally unique name
    for location, code in PROD_REGIONS.items():
        host = f"smk-prod-{code}-{suffix}.{location}.cloudapp.azure.com"
        assert origins[code]["hostName"] == host and origins[code]["enabledState"] == "Enabled"
        gateway = next(r for r in plan.of_type("kubernetes:helm.sh/v3:Release") if r.name == f"mesh-{code}-istio-ingress")
        annotations = gateway.inputs["values"]["service"]["annotations"]
        # The origin's host name is the gateway's public DNS label; only Front Door may reach it.
        assert annotations["service.beta.kubernetes.io/azure-dns-label-name"] == f"smk-prod-{code}-{suffix}"
        assert annotations["service.beta.kubernetes.io/azure-allowed-service-tags"] == "AzureFrontDoor.Backend"
    assert (origins["weu"]["priority"], origins["neu"]["priority"]) == (1, 2)
    (group,) = plan.of_type("azure-native:cdn:AFDOriginGroup")
    assert group.inputs["healthProbeSettings"]["probeProtocol"] == "Https"
    assert plan.outputs["frontDoorHost"].endswith(".azurefd.net")


@pytest.mark.parametrize("stack", ("dev", "sit", "uat"))
def test_single_region_stacks_have_no_front_door(stack: str) -> None:
    plan = plan_of(stack)
    assert plan.of_type("azure-native:cdn:Profile") == [] and len(plan.of_type(CLUSTER)) == 1


def test_prod_secondary_region_can_reach_the_private_data_services() -> None:
    plan = plan_of("prod")
    peerings = plan.of_type("azure-native:network:VirtualNetworkPeering")
    links = plan.of_type("azure-native:privatedns:VirtualNetworkLink")
    secondary_vnet = "/virtualNetworks/vnet-smk-prod-neu"
    primary_zone_linked_to_secondary = [
        link for link in links
        if link.inputs["resourceGroupName"] == "rg-smk-prod-weu" and secondary_vnet in link.inputs["virtualNetwork"]["id"]
    ]
    assert peerings and primary_zone_linked_to_secondary


def test_prod_ingress_gateways_serve_front_door_over_https() -> None:
    """Both regions can take Front Door's traffic: HTTPS for the origin host header with a synced certificate,
    a health route the probe reaches, and the public application bound to the shared Gateway."""
    plan = plan_of("prod")
    (route,) = plan.of_type("azure-native:cdn:Route")
    assert route.inputs["forwardingProtocol"] == "HttpsOnly"
    (group,) = plan.of_type("azure-native:cdn:AFDOriginGroup")
    probe = group.inputs["healthProbeSettings"]
    assert probe["probeProtocol"] == "Https"
    hosts = {o.inputs["originHostHeader"] for o in plan.of_type("azure-native:cdn:AFDOrigin")}
    assert len(hosts) == 1
    (host,) = hosts
    assert "cloudapp.azure.com" not in host
    istio = "kubernetes:networking.istio.io/v1:"
    for code in PROD_REGIONS.values():
        (gateway,) = [g for g in plan.of_type(istio + "Gateway") if g.name == f"mesh-{code}-gw-public"]
        (https,) = [s for s in gateway.inputs["spec"]["servers"] if s["port"]["number"] == 443]
        assert https["hosts"] == [host] and https["tls"]["mode"] == "SIMPLE"
        (spc,) = [r for r in plan.of_type("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
                  if r.name == f"ingress-tls-{code}-wi-spc"]
        synced = spc.inputs["spec"]["secretObjects"]
        assert [(s["secretName"], s["type"]) for s in synced] == [(https["tls"]["credentialName"], "kubernetes.io/tls")]
        assert spc.inputs["metadata"]["namespace"] == gateway.inputs["metadata"]["namespace"]
        (health,) = [v for v in plan.of_type(istio + "VirtualService") if v.name == f"mesh-{code}-vs-health"]
        (rule,) = health.inputs["spec"]["http"]
        assert rule["match"] == [{"uri": {"exact": probe["probePath"]}}] and rule["directResponse"]["status"] == 200
        (public,) = [v for v in plan.of_type(istio + "VirtualService")
                     if v.name.startswith(f"canary-{code}-") and "istio-ingress/public" in v.inputs["spec"]["gateways"]]
        assert host in public.inputs["spec"]["hosts"] and health.urn in public.dependencies
        # ...and answers the probe itself too, whichever of the host's VirtualServices Istio merges first.
        assert public.inputs["spec"]["http"][0]["match"] == [
            {"uri": {"exact": probe["probePath"]}, "gateways": ["istio-ingress/public"]}]


def test_prod_gateways_admit_only_our_front_door_profile() -> None:
    """The AzureFrontDoor.Backend service tag admits every Front Door; the X-Azure-FDID check admits ours."""
    plan = plan_of("prod")
    (profile,) = plan.of_type("azure-native:cdn:Profile")
    policies = plan.of_type("kubernetes:security.istio.io/v1:AuthorizationPolicy")
    assert sorted(p.name for p in policies) == sorted(f"mesh-{code}-authz-front-door" for code in PROD_REGIONS.values())
    for policy in policies:
        spec = policy.inputs["spec"]
        assert spec["action"] == "DENY" and spec["selector"] == {"matchLabels": {"istio": "ingress"}}
        (rule,) = spec["rules"]
        (condition,) = rule["when"]
        assert condition["key"] == "request.headers[x-azure-fdid]" and len(condition["notValues"]) == 1
        # Front Door's probes carry no X-Azure-FDID: the probe's path must stay open or both origins look down.
        (group,) = plan.of_type("azure-native:cdn:AFDOriginGroup")
        assert rule["to"] == [{"operation": {"notPaths": [group.inputs["healthProbeSettings"]["probePath"]]}}]
        assert profile.urn in policy.dependencies  # the profile's id, not a copy of it


@pytest.mark.parametrize("stack", STACKS)
def test_applications_get_only_the_data_access_their_settings_declare(stack: str) -> None:
    """Least privilege: an application identity reads the vault secrets it mounts (never the whole vault,
    which also holds the PostgreSQL administrator password), Redis only if it declares it, and only the event
    hubs it declares, in the direction it declares."""
    config = stack_config(stack)
    apps = config["sentimark-platform:applications"]
    plan = plan_of(stack)
    (vault,) = plan.of_type("azure-native:keyvault:Vault")
    regions = len(config["sentimark-platform:regions"])
    grants = plan.of_type("azure-native:authorization:RoleAssignment")
    on_vault = [g for g in grants if g.inputs["scope"].endswith(f"/vaults/{vault.inputs['vaultName']}")]
    # The platform admins, and where etcd is encrypted the clusters' control plane (KMS): never an application.
    control_plane = [g for g in on_vault if g.inputs["principalType"] == "ServicePrincipal"]
    assert on_vault and all(g.inputs["principalType"] == "Group" for g in on_vault if g not in control_plane)
    assert all(g.name.startswith("aks-") for g in control_plane), [g.name for g in control_plane]
    assert bool(control_plane) == ("etcdEncryption" in config["sentimark-platform:aks"])
    redis_users = sorted(a.name.removeprefix("redis-access-")
                         for a in plan.of_type("azure-native:redisenterprise:AccessPolicyAssignment"))
    # Redis' connection info: readable by exactly its users, through a grant on that one secret.
    secret_readers = sorted(g.name.removeprefix("redis-connection-ra-") for g in grants
                            if g.inputs["scope"].endswith("/secrets/redis-connection"))
    assert secret_readers == redis_users
    expected = sorted(f"{app}-{code}" for app, spec in apps.items() if spec.get("dataAccess", {}).get("redis")
                      for code in [g.name.split("-")[1] for g in plan.of_type(CLUSTER)])
    assert redis_users == expected and len(redis_users) < len(apps) * regions
    hub_grants = {(g.name.split("-evh-")[1].split("-ra-")[0], g.name.split("-ra-")[1])
                  for g in plan.of_type("azure-native:authorization:RoleAssignment") if "-evh-" in g.name}
    declared = {
        (hub, f"{app}-{code}-{direction}")
        for app, spec in apps.items()
        for direction, hubs in (spec.get("dataAccess", {}).get("eventHubs") or {}).items()
        for hub in hubs
        for code in [c.name.split("-")[1] for c in plan.of_type(CLUSTER)]
    }
    assert hub_grants == declared


@pytest.mark.parametrize("stack", STACKS)
def test_every_application_has_error_budget_alerts_on_every_cluster(stack: str) -> None:
    """Seed 002's error budgets: burn-rate alerts against routing.sloPercent, per application and cluster."""
    plan = plan_of(stack)
    config = stack_config(stack)
    apps = sorted(config["sentimark-platform:applications"])
    groups = [g for g in plan.of_type("azure-native:alertsmanagement:PrometheusRuleGroup") if g.name.endswith("-slo-alerts")]
    assert len(groups) == len(plan.of_type(CLUSTER))
    for group in groups:
        services = sorted({r["expression"].split('destination_service_name="')[1].split('"')[0]
                           for r in group.inputs["rules"]})
        assert services == apps and all(r.get("actions") for r in group.inputs["rules"])
    monitors = [m for m in plan.of_type("kubernetes:azmonitoring.coreos.com/v1:PodMonitor")
                if m.inputs["metadata"]["name"] == "envoy-stats"]
    assert len(monitors) == len(plan.of_type(CLUSTER))  # the metrics they read are collected


@pytest.mark.parametrize("stack", STACKS)
def test_every_canary_application_is_released_by_an_analysed_rollout_on_every_cluster(stack: str) -> None:
    """Issue 17: progressive delivery runs in every stack, not only with in-cluster Prometheus."""
    plan = plan_of(stack)
    config = stack_config(stack)
    apps = config["sentimark-platform:applications"]
    routing = config["sentimark-platform:routing"]
    canaries = sorted(app for app, spec in apps.items() if spec.get("canary", True))
    assert canaries, "every stack releases at least one application progressively"
    clusters = len(plan.of_type(CLUSTER))
    rollouts = plan.of_type("kubernetes:argoproj.io/v1alpha1:Rollout")
    assert sorted(r.inputs["metadata"]["name"] for r in rollouts) == sorted(canaries * clusters)
    addresses = set()
    for template in plan.of_type("kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"):
        success, latency = template.inputs["spec"]["metrics"]
        assert latency["failureCondition"] == f"result[0] > {routing['latencyP95Ms']}"
        addresses |= {m["provider"]["prometheus"]["address"] for m in (success, latency)}
    # The analysis queries the in-cluster analysis Prometheus: the one query path the controller can use.
    assert addresses == {"http://analysis-prometheus.monitoring.svc.cluster.local:9090"}
    steps = {r.inputs["metadata"]["name"]: [s["setWeight"] for s in r.inputs["spec"]["strategy"]["canary"]["steps"]
                                            if "setWeight" in s] for r in rollouts}
    for app in canaries:
        assert steps[app] == apps[app].get("canarySteps", routing["canarySteps"])
    alerts = [g for g in plan.of_type("azure-native:alertsmanagement:PrometheusRuleGroup")
              if g.name.endswith("-canary-alerts")]
    assert len(alerts) == clusters
