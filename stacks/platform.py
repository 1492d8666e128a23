"""The platform, composed: settings in, components wired, outputs out. Read `build_platform` first: it calls one
`build_<area>` function per area, in the order Pulumi registers them, over one context (stacks/_context.py).

Environment differences arrive in `settings`; nothing here branches on the environment's name. Each
region gets a resource group and a network; the shared services (monitoring, alerts, Key Vault, registry and
the data services) live in the primary region.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pulumi_random as random
from pulumi_azure_native import authorization, resources

from sentimark_platform.components import (
    DEFAULT_PRIVATE_DNS_ZONES,
    ActionGroup,
    AksCluster,
    AksClusterArgs,
    AksSystemPoolArgs,
    Budget,
    ContainerRegistry,
    ContainerRegistryArgs,
    FrontDoor,
    FrontDoorArgs,
    FrontDoorOriginArgs,
    GrafanaArgs,
    KeyVault,
    KeyVaultArgs,
    Monitoring,
    MonitoringArgs,
    Network,
    RoleAssignmentArgs,
    finops_tags,
    region_code,
    register_versioned_alias_pruning,
    resource_name,
)
from stacks._cluster_layer import ClusterLayer, build_cluster_layer, gateway_dns_label
from stacks._context import SERVICE, WORKLOAD, Observability, PlatformContext, from_settings, same_names
from stacks._data_services import REDIS_CONNECTION_SECRET, build_data_services
from stacks._runner_access import aks_private_dns_zone, connect_to_runners
from stacks.config import StackSecrets
from stacks.settings import PlatformSettings

__all__ = [
    "build_clusters",
    "build_edge",
    "build_foundation",
    "build_observability",
    "build_platform",
    "build_registry",
    "build_vault",
    "subnet_layout",
]



ETCD_KEY = "aks-etcd"
"""The vault key AKS encrypts etcd with (aks.etcdEncryption)."""

def subnet_layout(address_space: str) -> dict[str, str]:
    """Split a region's block: half for AKS nodes (CNI overlay: pods are not in the VNet), then an
    eighth each for private endpoints and the PostgreSQL delegated subnet; the API server's subnet (API Server VNet
    Integration, used with KMS) is the first /27 of the next eighth: AKS asks for /28 at least and more room to
    scale the API server (learn.microsoft.com/azure/aks/api-server-vnet-integration)."""
    space = ipaddress.ip_network(address_space)
    nodes, rest = space.subnets(prefixlen_diff=1)
    endpoints, postgres, spare, _ = rest.subnets(prefixlen_diff=2)
    api_server = next(spare.subnets(new_prefix=27))
    return {"snet-aks": str(nodes), "snet-pe": str(endpoints), "snet-psql": str(postgres),
            "snet-apiserver": str(api_server)}


def build_platform(settings: PlatformSettings, secrets: StackSecrets) -> dict[str, Any]:
    """Register the stack's resources; return its outputs."""
    if settings.drop_versioned_aliases:
        register_versioned_alias_pruning()
    ctx = build_foundation(settings, secrets)
    obs = build_observability(ctx)
    vault = build_vault(ctx, obs)
    clusters = build_clusters(ctx, obs, vault)
    registry = build_registry(ctx, obs, clusters)
    edge = build_edge(ctx, obs)
    vault_objects = _vault_objects(settings)
    layers = {
        c: build_cluster_layer(
            c,
            cluster,
            settings,
            resource_group_name=ctx.groups[c].name,
            location=next(r.location for r in settings.regions if region_code(r.location) == c),
            key_vault_id=vault.resource_id,
            key_vault_name=vault.name,
            tenant_id=ctx.client.tenant_id,
            vault_objects=vault_objects,
            front_door_id=edge.front_door_id if edge else None,
            tags=ctx.tags,
        )
        for c, cluster in clusters.items()
    }
    data_outputs = build_data_services(
        ctx,
        obs,
        vault,
        identities={
            app: {f"{app}-{c}": layer.identities[app].principal_id for c, layer in layers.items()}
            for app in settings.applications
        },
    )
    return _outputs(ctx, obs, vault=vault, clusters=clusters, registry=registry, edge=edge, layers=layers,
                    data_outputs=data_outputs)


def build_foundation(settings: PlatformSettings, secrets: StackSecrets) -> PlatformContext:
    """Per region a resource group and a network (the primary's with the private DNS zones of the data services),
    the regions peered with each other, and every region's network connected to the CI runners' hub."""
    env = settings.environment
    private = settings.network.data_plane_access == "private"
    tags = finops_tags(
        environment=env, owner=settings.owner, cost_center=settings.cost_center, service=SERVICE, extra=settings.tags
    )
    groups: dict[str, resources.ResourceGroup] = {}
    networks: dict[str, Network] = {}
    aks_zones = {
        region_code(r.location): aks_private_dns_zone(WORKLOAD, env, r.location)
        for r in settings.regions
        if settings.aks.private_cluster
    }
    ctx = PlatformContext(
        settings=settings, secrets=secrets, tags=tags,
        lock={"kind": "CanNotDelete"} if settings.protection.lock_stateful else None,
        client=authorization.get_client_config_output(),
        groups=groups, networks=networks, aks_zones=aks_zones,
    )
    for index, region in enumerate(settings.regions):
        code = region_code(region.location)
        groups[code] = resources.ResourceGroup(
            f"rg-{code}",
            resources.ResourceGroupArgs(resource_group_name=ctx.name("resource_group", code), location=region.location,
                                        tags=tags),
        )
        layout = subnet_layout(region.address_space)
        # The subnets are carved from the region's address space (subnet_layout).
        with from_settings({"address_space": f"regions[{index}].addressSpace", "subnets": f"regions[{index}].addressSpace"}):
            networks[code] = Network(
                f"net-{code}",
                {
                    "resource_group_name": groups[code].name,
                    "location": region.location,
                    "resource_name": ctx.name("virtual_network", code),
                    "address_space": [region.address_space],
                    "subnets": {
                        "snet-aks": {"address_prefix": layout["snet-aks"]},
                        "snet-pe": {"address_prefix": layout["snet-pe"]},
                        "snet-psql": {
                            "address_prefix": layout["snet-psql"],
                            "delegation": "Microsoft.DBforPostgreSQL/flexibleServers",
                        },
                        **({"snet-apiserver": {"address_prefix": layout["snet-apiserver"],
                                               "delegation": "Microsoft.ContainerService/managedClusters"}}
                           if settings.aks.etcd_encryption is not None else {}),
                    },
                    # The privatelink zones live with the primary region's data services; other regions link to them.
                    # Each region's private API server gets a zone of the stack's own (linked to the runners below).
                    "private_dns_zones": [
                        *(
                            [*DEFAULT_PRIVATE_DNS_ZONES, ctx.postgres_dns_zone]
                            if private and region == settings.regions[0]
                            else []
                        ),
                        *([aks_zones[code]] if code in aks_zones else []),
                    ],
                    "tags": tags,
                },
            )
    # Other regions reach the primary's private endpoints (and take over traffic) through peering and links.
    for other, other_net in networks.items():
        if other != ctx.code:
            ctx.net.peer_with(other, other_net)
            other_net.peer_with(ctx.code, ctx.net)
            ctx.net.link_private_dns_zones(other, other_net)
    # CI runs `pulumi up` from the runners' hub: a network path (and DNS) to every region's API server.
    connect_to_runners(settings.ci_runners, networks, aks_zones)
    return ctx


def build_observability(ctx: PlatformContext) -> Observability:
    """The action group, the Log Analytics workspace with Application Insights and (managed Prometheus) the Azure
    Monitor workspace with its error-budget and canary alerts and Grafana, and the stack's budget."""
    settings, code = ctx.settings, ctx.code
    with from_settings({"emails": "alerts.emails"}):
        alerts = ActionGroup(
            "alerts",
            {
                "resource_group_name": ctx.rg.name,
                "short_name": f"smk-{ctx.env}",
                "emails": settings.alerts.emails,
                "webhook_url": ctx.secrets.alert_webhook_url,
                "tags": ctx.tags,
            },
        )
    monitoring_args: MonitoringArgs = {
        "resource_group_name": ctx.rg.name,
        "location": ctx.primary.location,
        "retention_days": settings.monitoring.log_retention_days,
        "workspace_name": ctx.name("log_analytics_workspace", code),
        "application_insights_name": ctx.name("application_insights", code),
        "action_group_id": alerts.resource_id,
        "protect": settings.protection.protect_stateful,
        # The subscription's activity log beside the platform's logs (issue 19), named after the stack: stacks that
        # share a subscription keep one setting each.
        "activity_log_setting_name": f"activity-log-{WORKLOAD}-{ctx.env}",
        "tags": ctx.tags,
    }
    if ctx.lock:
        monitoring_args["lock"] = ctx.lock
    if settings.monitoring.prometheus == "managed":
        monitoring_args["prometheus"] = {
            "monitor_workspace_name": ctx.name("monitor_workspace", code),
            # Seed 002's error budgets: burn-rate alerts per application against the stack's objective.
            "service_level_objectives": {
                app: {"namespace": app, "service": app, "success_percent": settings.routing.slo_percent}
                for app in settings.applications
            },
            # A canary paused in the error budget's critical band, or rolled back, reaches the action group.
            "canary_alerts": bool(settings.canary_applications),
        }
        if settings.monitoring.grafana:
            grafana: GrafanaArgs = {
                "resource_name": ctx.name("managed_grafana", code),
                "reader_scopes": {c: g.id for c, g in ctx.groups.items()},
                "admin_group_object_id": settings.platform_admins.object_id,
                "public_access": not ctx.private,
            }
            if ctx.private:
                grafana["private_endpoints"] = ctx.endpoint("privatelink.grafana.azure.com") or {}
            monitoring_args["grafana"] = grafana
    with from_settings({"retention_days": "monitoring.logRetentionDays",
                        "prometheus.service_level_objectives": "routing.sloPercent"}):
        monitoring = Monitoring("monitoring", monitoring_args)
    with from_settings(same_names("budget", "amount_usd_per_month", "start_date", "contact_emails")):
        Budget(
            "budget",
            {
                "scope_id": ctx.client.subscription_id.apply(lambda s: f"/subscriptions/{s}"),
                "budget_name": f"budget-{WORKLOAD}-{ctx.env}",
                "amount_usd_per_month": settings.budget.amount_usd_per_month,
                "start_date": settings.budget.start_date,
                "contact_emails": settings.budget.contact_emails,
                "resource_group_names": [g.name for g in ctx.groups.values()],
                "action_group_id": alerts.resource_id,
            },
        )
    return Observability(alerts=alerts, monitoring=monitoring, diagnostics={"workspace_id": monitoring.workspace_id})


def build_vault(ctx: PlatformContext, obs: Observability) -> KeyVault:
    """The stack's Key Vault: the platform admins manage its secrets (and the ingress certificate)."""
    settings, code, env = ctx.settings, ctx.code, ctx.env
    admins = settings.platform_admins.object_id
    vault_roles: dict[str, RoleAssignmentArgs] = {
        "platform-admins": {"role": "Key Vault Secrets Officer", "principal_id": admins, "principal_type": "Group"},
    }
    if settings.ingress.tls:
        # They import the ingress certificate (docs/runbooks/ingress-certificate.md).
        vault_roles["platform-admins-certificates"] = {
            "role": "Key Vault Certificates Officer", "principal_id": admins, "principal_type": "Group"}
    vault_suffix = random.RandomString("vault-name-suffix", random.RandomStringArgs(length=5, upper=False, special=False))
    vault_args: KeyVaultArgs = {
        "resource_group_name": ctx.rg.name,
        "location": ctx.primary.location,
        "tenant_id": ctx.client.tenant_id,
        # Purge protection reserves a deleted vault's name for 90 days: a random suffix, fixed for the stack's
        # life, lets a destroyed stack be created again at once.
        "resource_name": vault_suffix.result.apply(
            lambda s: resource_name("key_vault", workload=WORKLOAD, environment=env, region=code, suffix=s)
        ),
        "role_assignments": vault_roles,
        "diagnostic_settings": {**obs.diagnostics, "category_groups": ["audit"]},
        "protect": settings.protection.protect_stateful,
        "tags": ctx.tags,
    }
    if ctx.private:
        vault_args["private_endpoints"] = ctx.endpoint("privatelink.vaultcore.azure.net") or {}
    else:
        vault_args["public_network_access"] = {"allowed_ip_ranges": settings.network.authorized_ip_ranges}
    if ctx.lock:
        vault_args["lock"] = ctx.lock
    if (etcd := settings.aks.etcd_encryption) is not None:
        # The key AKS encrypts etcd with; Key Vault rotates it (components/key_vault.py, `keys`).
        # No near-expiry notification: nothing subscribes to its Event Grid event (rotation comes first anyway).
        vault_args["keys"] = {ETCD_KEY: {"rotate_after_days": etcd.rotate_after_days,
                                         "expires_after_days": etcd.expires_after_days,
                                         "operations": ["encrypt", "decrypt"]}}
    with from_settings({"public_network_access.allowed_ip_ranges": "network.authorizedIpRanges",
                        f"keys['{ETCD_KEY}'].rotate_after_days": "aks.etcdEncryption.rotateAfterDays",
                        f"keys['{ETCD_KEY}'].expires_after_days": "aks.etcdEncryption.expiresAfterDays"}):
        return KeyVault("vault", vault_args)


_AKS_KEYS = {
    **same_names("aks", "tier", "kubernetes_version", "private_cluster", "network_policy", "upgrade_channel",
                 "node_os_upgrade_channel", "defender"),
    "system_pool.max_pods": "aks.maxPodsPerNode",
    "user_pools['apps'].max_pods": "aks.maxPodsPerNode",
    "api_server_authorized_ip_ranges": "network.authorizedIpRanges (with ciRunners.egressIpRanges)",
}
_AKS_SECTIONS = {"system_pool": "aks.systemPool", "user_pools['apps']": "aks.userPool"}
"""Where each AksCluster argument comes from in the stack file."""


def build_clusters(ctx: PlatformContext, obs: Observability, vault: KeyVault) -> dict[str, AksCluster]:
    """One AKS cluster per region, bound to monitoring (managed Prometheus, alerts, Container Insights), its secrets
    in etcd encrypted with the vault's key where the settings ask for it."""
    settings, aks = ctx.settings, ctx.settings.aks
    managed_prometheus = settings.monitoring.prometheus == "managed"
    clusters: dict[str, AksCluster] = {}
    for region in settings.regions:
        rcode = region_code(region.location)
        system_pool: AksSystemPoolArgs = {
            "vm_size": aks.system_pool.vm_size,
            "node_count": aks.system_pool.node_count,
            "zones": aks.system_pool.zones,
            "max_pods": aks.max_pods_per_node,
        }
        if aks.system_pool.os_disk_size_gb:
            system_pool["os_disk_size_gb"] = aks.system_pool.os_disk_size_gb
        if aks.system_pool.max_count is not None:
            system_pool["max_count"] = aks.system_pool.max_count
        if not aks.system_pool.critical_addons_only:
            system_pool["critical_addons_only"] = False
        cluster_args: AksClusterArgs = {
            "resource_group_name": ctx.groups[rcode].name,
            "location": region.location,
            "resource_name": ctx.name("kubernetes_cluster", rcode),
            "tier": aks.tier,
            "kubernetes_version": aks.kubernetes_version,
            "private_cluster": aks.private_cluster,
            "node_subnet_id": ctx.networks[rcode].subnet_ids["snet-aks"],
            "admin_group_object_ids": [settings.platform_admins.object_id],
            "tenant_id": ctx.client.tenant_id,
            "network_policy": aks.network_policy,
            "upgrade_channel": aks.upgrade_channel,
            "node_os_upgrade_channel": aks.node_os_upgrade_channel,
            "upgrade_window": {"day_of_week": "Sunday", "start_time": "01:00"},
            "node_os_upgrade_window": {"day_of_week": "Saturday", "start_time": "01:00"},
            "system_pool": system_pool,
            "user_pools": {
                "apps": {
                    "vm_size": aks.user_pool.vm_size,
                    "min_count": aks.user_pool.min_count,
                    "max_count": aks.user_pool.max_count,
                    "zones": aks.user_pool.zones,
                    "spot": aks.user_pool.spot,
                    "max_pods": aks.max_pods_per_node,
                }
            },
            "log_analytics_workspace_id": obs.monitoring.workspace_id,
            "defender": aks.defender,
            "managed_prometheus": managed_prometheus,
            "diagnostic_settings": {**obs.diagnostics, "category_groups": ["audit"]},
            "protect": settings.protection.protect_stateful,
            "tags": ctx.tags,
        }
        if ctx.lock:
            # The cluster holds the platform's state of record in etcd (issue 19: locked where stateful resources are).
            cluster_args["lock"] = ctx.lock
        if aks.etcd_encryption is not None:
            # KMS through a private endpoint AKS makes to the vault, reached from the API server's own subnet.
            cluster_args["api_server_subnet_id"] = ctx.networks[rcode].subnet_ids["snet-apiserver"]
            cluster_args["kms"] = {"key_id": vault.key_ids[ETCD_KEY], "key_vault_id": vault.resource_id}
        if aks.private_cluster:
            cluster_args["private_dns_zone_id"] = ctx.networks[rcode].private_dns_zone_ids[ctx.aks_zones[rcode]]
        else:
            # The CI runners' egress next to the operators' ranges, or `pulumi up` in CI gets no answer.
            cluster_args["api_server_authorized_ip_ranges"] = list(
                dict.fromkeys([*settings.network.authorized_ip_ranges, *settings.ci_runners.egress_ip_ranges])
            )
        with from_settings(_AKS_KEYS, sections=_AKS_SECTIONS):
            clusters[rcode] = AksCluster(f"aks-{rcode}", cluster_args)

    monitoring = obs.monitoring
    if managed_prometheus:
        monitoring.add_clusters({c: {"resource_id": cl.resource_id, "name": cl.name} for c, cl in clusters.items()})
    monitoring.add_alert_targets({"aks": {c: cl.resource_id for c, cl in clusters.items()}})
    # Container Insights with managed-identity auth collects nothing until a rule and association exist.
    monitoring.add_container_insights({
        region_code(r.location): {"resource_id": clusters[region_code(r.location)].resource_id,
                                  "location": r.location, "private": aks.private_cluster}
        for r in settings.regions
    })
    return clusters


def build_registry(ctx: PlatformContext, obs: Observability, clusters: dict[str, AksCluster]) -> ContainerRegistry:
    """The container registry every cluster's kubelet pulls from."""
    registry_args: ContainerRegistryArgs = {
        "resource_group_name": ctx.rg.name,
        "location": ctx.primary.location,
        "resource_name": ctx.name("container_registry", ctx.code, unique=True),
        "sku": ctx.settings.container_registry.sku,
        "pull_principal_ids": {f"aks-{c}": cl.kubelet_identity_object_id for c, cl in clusters.items()},
        "protect": ctx.settings.protection.protect_stateful,
        "diagnostic_settings": obs.diagnostics,
        "tags": ctx.tags,
    }
    if ctx.private:
        registry_args["private_endpoints"] = ctx.endpoint("privatelink.azurecr.io") or {}
    if ctx.lock:
        registry_args["lock"] = ctx.lock
    with from_settings({"sku": "containerRegistry.sku"}):
        return ContainerRegistry("registry", registry_args)


def build_edge(ctx: PlatformContext, obs: Observability) -> FrontDoor | None:
    """The global entry where the settings ask for one: Front Door across the regional ingress gateways."""
    settings = ctx.settings
    if not settings.ingress.front_door:
        return None
    origins: dict[str, FrontDoorOriginArgs] = {}
    for i, r in enumerate(settings.regions):
        rcode = region_code(r.location)
        # The gateway's public IP answers at this name (its azure-dns-label-name annotation)...
        origins[rcode] = {"host_name": f"{gateway_dns_label(settings, rcode)}.{r.location}.cloudapp.azure.com",
                          "primary": i == 0}
        if settings.ingress.tls:
            # ...and presents the certificate for this host (settings require tls with Front Door).
            origins[rcode]["origin_host_header"] = settings.ingress.tls.host_name
    edge_args: FrontDoorArgs = {
        "resource_group_name": ctx.rg.name,
        "profile_name": ctx.name("front_door", ctx.code),
        "mode": "active-passive",
        "origins": origins,
        "diagnostic_settings": obs.diagnostics,
        "tags": ctx.tags,
    }
    if settings.ingress.tls:
        # Clients use the same host the gateways' certificate is for.
        edge_args["custom_domain"] = settings.ingress.tls.host_name
    waf = settings.ingress.waf
    if waf is not None:
        # Managed WAF rule sets need Premium (components/front_door.py).
        edge_args["sku"] = "Premium_AzureFrontDoor"
        edge_args["waf"] = {"mode": waf.mode, "rate_limit_per_minute": waf.rate_limit_per_minute,
                            "blocked_ip_ranges": waf.blocked_ip_ranges, "blocked_countries": waf.blocked_countries,
                            "default_rule_set_version": waf.default_rule_set_version}
    with from_settings({"custom_domain": "ingress.tls.hostName", "origins": "regions"}, sections={"waf": "ingress.waf"}):
        return FrontDoor("edge", edge_args)


def _vault_objects(settings: PlatformSettings) -> dict[str, list[str]]:
    """The vault secrets each application mounts: Redis' connection info where it has Redis access."""
    return {
        app: [REDIS_CONNECTION_SECRET] if settings.redis.enabled and spec.data_access.redis else []
        for app, spec in settings.applications.items()
    }


def _outputs(ctx: PlatformContext, obs: Observability, *, vault: KeyVault, clusters: dict[str, AksCluster],
             registry: ContainerRegistry, edge: FrontDoor | None, layers: dict[str, ClusterLayer],
             data_outputs: dict[str, Any]) -> dict[str, Any]:
    settings = ctx.settings
    return {
        "environment": ctx.env,
        "regions": [r.location for r in settings.regions],
        # Where CI runs pulumi for this stack (the deployability checks prove it can reach every API server).
        "ciRunners": {
            "networkId": settings.ci_runners.network_id,
            "addressSpace": settings.ci_runners.address_space,
            "egressIpRanges": settings.ci_runners.egress_ip_ranges,
        },
        "resourceGroups": {c: g.name for c, g in ctx.groups.items()},
        "actionGroupId": obs.alerts.resource_id,
        "logAnalyticsWorkspaceId": obs.monitoring.workspace_id,
        "keyVaultUri": vault.vault_uri,
        "workloadIdentityClientIds": {
            f"{app}-{c}": identity.client_id for c, layer in layers.items() for app, identity in layer.identities.items()
        },
        "registryLoginServer": registry.login_server,
        "clusters": {c: cl.name for c, cl in clusters.items()},
        # Secret: for other teams' stacks that deploy onto these clusters through a StackReference.
        "kubeconfigs": {c: cl.kubeconfig for c, cl in clusters.items()},  # each a secret Output
        "oidcIssuerUrls": {c: cl.oidc_issuer_url for c, cl in clusters.items()},
        # For other teams' canaries on these clusters (examples/canary-pipeline): the Prometheus the Rollouts
        # controller queries, and the namespaces whose scrapers their namespaces must admit.
        "canaryAnalysis": {
            c: {"prometheusAddress": layer.mesh.prometheus_address, "scrapeNamespaces": layer.mesh.scrape_namespaces}
            for c, layer in layers.items()
        },
        **data_outputs,
        **({"frontDoorHost": edge.endpoint_host_name} if edge else {}),
        **(
            {"frontDoorDomainValidationToken": edge.custom_domain_validation_token}
            if edge and edge.custom_domain_validation_token is not None
            else {}
        ),
    }
