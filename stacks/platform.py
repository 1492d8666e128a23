"""The platform, composed: settings in, components wired, outputs out. Read it top to bottom.

Environment differences arrive in `settings`; nothing here branches on the environment's name. Each
region gets a resource group and a network; the shared services (monitoring, alerts, Key Vault and the
data services) live in the primary region.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import pulumi
from pulumi_azure_native import authorization, resources

from components import (
    DEFAULT_PRIVATE_DNS_ZONES,
    ActionGroup,
    AksCluster,
    ContainerRegistry,
    EventHubs,
    KeyVault,
    Monitoring,
    Network,
    PostgresServer,
    Redis,
    finops_tags,
    region_code,
    register_versioned_alias_pruning,
    resource_name,
    stable_suffix,
)
from components._interfaces import LockArgs, PrivateEndpointArgs
from stacks.config import StackSecrets
from stacks.settings import PlatformSettings

__all__ = ["build_platform", "subnet_layout"]

SERVICE = "sentimark-platform"
WORKLOAD = "smk"


def subnet_layout(address_space: str) -> dict[str, str]:
    """Split a region's block: half for AKS nodes (CNI overlay: pods are not in the VNet), then an
    eighth each for private endpoints and the PostgreSQL delegated subnet."""
    space = ipaddress.ip_network(address_space)
    nodes, rest = space.subnets(prefixlen_diff=1)
    endpoints, postgres, *_ = rest.subnets(prefixlen_diff=2)
    return {"snet-aks": str(nodes), "snet-pe": str(endpoints), "snet-psql": str(postgres)}


def build_platform(settings: PlatformSettings, secrets: StackSecrets) -> dict[str, Any]:
    """Register the stack's resources; return its outputs."""
    if settings.drop_versioned_aliases:
        register_versioned_alias_pruning()
    env = settings.environment
    private = settings.network.data_plane_access == "private"
    tags = finops_tags(
        environment=env, owner=settings.owner, cost_center=settings.cost_center, service=SERVICE, extra=settings.tags
    )
    lock: LockArgs | None = {"kind": "CanNotDelete"} if settings.protection.lock_stateful else None
    client = authorization.get_client_config_output()

    def name(kind: str, code: str, *, unique: bool = False) -> str:
        suffix = stable_suffix(SERVICE, env) if unique else None
        return resource_name(kind, workload=WORKLOAD, environment=env, region=code, suffix=suffix)

    # --- per region: resource group and network ----------------------------------------------------
    groups: dict[str, resources.ResourceGroup] = {}
    networks: dict[str, Network] = {}
    for region in settings.regions:
        code = region_code(region.location)
        groups[code] = resources.ResourceGroup(
            f"rg-{code}",
            resources.ResourceGroupArgs(resource_group_name=name("resource_group", code), location=region.location, tags=tags),
        )
        layout = subnet_layout(region.address_space)
        networks[code] = Network(
            f"net-{code}",
            {
                "resource_group_name": groups[code].name,
                "location": region.location,
                "resource_name": name("virtual_network", code),
                "address_space": [region.address_space],
                "subnets": {
                    "snet-aks": {"address_prefix": layout["snet-aks"]},
                    "snet-pe": {"address_prefix": layout["snet-pe"]},
                    "snet-psql": {
                        "address_prefix": layout["snet-psql"],
                        "delegation": "Microsoft.DBforPostgreSQL/flexibleServers",
                    },
                },
                "private_dns_zones": [*DEFAULT_PRIVATE_DNS_ZONES, f"{WORKLOAD}-{env}.private.postgres.database.azure.com"]
                if private
                else [],
                "tags": tags,
            },
        )

    primary = settings.regions[0]
    code = region_code(primary.location)
    rg, net = groups[code], networks[code]

    def endpoint(zone: str) -> dict[str, PrivateEndpointArgs] | None:
        if not private:
            return None
        return {code: {"subnet_id": net.subnet_ids["snet-pe"], "private_dns_zone_ids": [net.private_dns_zone_ids[zone]]}}

    # --- monitoring and alerting -----------------------------------------------------------------------
    monitoring = Monitoring(
        "monitoring",
        {
            "resource_group_name": rg.name,
            "location": primary.location,
            "retention_days": settings.monitoring.log_retention_days,
            "workspace_name": name("log_analytics_workspace", code),
            "application_insights_name": name("application_insights", code),
            "lock": lock,
            "tags": tags,
        },
    )
    diagnostics = {"workspace_id": monitoring.workspace_id}
    alerts = ActionGroup(
        "alerts",
        {
            "resource_group_name": rg.name,
            "short_name": f"smk-{env}",
            "emails": settings.alerts.emails,
            "webhook_url": secrets.alert_webhook_url,
            "tags": tags,
        },
    )

    # --- one cluster per region ---------------------------------------------------------------------------
    aks = settings.aks
    clusters: dict[str, AksCluster] = {}
    for region in settings.regions:
        rcode = region_code(region.location)
        clusters[rcode] = AksCluster(
            f"aks-{rcode}",
            {
                "resource_group_name": groups[rcode].name,
                "location": region.location,
                "resource_name": name("kubernetes_cluster", rcode),
                "tier": aks.tier,
                "kubernetes_version": aks.kubernetes_version,
                "private_cluster": aks.private_cluster,
                "node_subnet_id": networks[rcode].subnet_ids["snet-aks"],
                **({} if aks.private_cluster else {"api_server_authorized_ip_ranges": settings.network.authorized_ip_ranges}),
                "admin_group_object_ids": [settings.platform_admins.object_id],
                "tenant_id": client.tenant_id,
                "network_policy": aks.network_policy,
                "upgrade_channel": aks.upgrade_channel,
                "node_os_upgrade_channel": aks.node_os_upgrade_channel,
                "upgrade_window": {"day_of_week": "Sunday", "start_time": "01:00"},
                "node_os_upgrade_window": {"day_of_week": "Saturday", "start_time": "01:00"},
                "system_pool": {
                    "vm_size": aks.system_pool.vm_size,
                    "node_count": aks.system_pool.node_count,
                    "zones": aks.system_pool.zones,
                    "max_pods": aks.max_pods_per_node,
                },
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
                "log_analytics_workspace_id": monitoring.workspace_id,
                "defender": aks.defender,
                "diagnostic_settings": {**diagnostics, "category_groups": ["audit"]},
                "tags": tags,
            },
        )

    registry = ContainerRegistry(
        "registry",
        {
            "resource_group_name": rg.name,
            "location": primary.location,
            "resource_name": name("container_registry", code, unique=True),
            "sku": "Premium" if private else "Standard",
            "pull_principal_ids": {f"aks-{c}": cl.kubelet_identity_object_id for c, cl in clusters.items()},
            **({"private_endpoints": endpoint("privatelink.azurecr.io") or {}} if private else {}),
            "diagnostic_settings": diagnostics,
            "tags": tags,
        },
    )

    # --- secrets -------------------------------------------------------------------------------------
    vault = KeyVault(
        "vault",
        {
            "resource_group_name": rg.name,
            "location": primary.location,
            "tenant_id": client.tenant_id,
            "resource_name": name("key_vault", code, unique=True),
            **(
                {"private_endpoints": endpoint("privatelink.vaultcore.azure.net") or {}}
                if private
                else {"public_network_access": {"allowed_ip_ranges": settings.network.authorized_ip_ranges}}
            ),
            "role_assignments": {
                "platform-admins": {
                    "role": "Key Vault Secrets Officer",
                    "principal_id": settings.platform_admins.object_id,
                    "principal_type": "Group",
                }
            },
            "diagnostic_settings": {**diagnostics, "category_groups": ["audit"]},
            **({"lock": lock} if lock else {}),
            "tags": tags,
        },
    )

    # --- data services ---------------------------------------------------------------------------------
    outputs: dict[str, Any] = {}
    pg = settings.postgres
    if pg.enabled:
        postgres = PostgresServer(
            "postgres",
            {
                "resource_group_name": rg.name,
                "location": primary.location,
                "tenant_id": client.tenant_id,
                "resource_name": name("postgresql_server", code, unique=True),
                "entra_admin": {
                    "object_id": settings.platform_admins.object_id,
                    "principal_name": settings.platform_admins.display_name,
                },
                "key_vault_name": vault.name,
                "sku_tier": pg.tier,
                "sku_name": pg.sku_name,
                "storage_size_gb": pg.storage_gb,
                "version": pg.version,
                "high_availability": pg.high_availability,
                "backup_retention_days": pg.backup_retention_days,
                "geo_redundant_backup": pg.geo_redundant_backup,
                **(
                    {
                        "delegated_subnet_id": net.subnet_ids["snet-psql"],
                        "private_dns_zone_id": net.private_dns_zone_ids[
                            f"{WORKLOAD}-{env}.private.postgres.database.azure.com"
                        ],
                    }
                    if private
                    else {
                        "public_access": True,
                        "firewall_rules": {
                            f"allow-{i}": cidr for i, cidr in enumerate(settings.network.authorized_ip_ranges)
                        },
                    }
                ),
                "databases": {db: {} for db in pg.databases},
                "diagnostic_settings": diagnostics,
                **({"lock": lock} if lock else {}),
                "protect": settings.protection.protect_stateful,
                "tags": tags,
            },
            opts=pulumi.ResourceOptions(depends_on=[vault]),
        )
        outputs["postgresFqdn"] = postgres.fqdn

    if settings.redis.enabled:
        redis = Redis(
            "redis",
            {
                "resource_group_name": rg.name,
                "location": primary.location,
                "resource_name": name("managed_redis", code, unique=True),
                "key_vault_name": vault.name,
                "sku_name": settings.redis.sku,
                "high_availability": settings.redis.high_availability,
                # No IP firewall on Azure Managed Redis: a public data plane means TLS + Entra only.
                **(
                    {"private_endpoints": endpoint("privatelink.redis.azure.net") or {}}
                    if private
                    else {"public_network_access": True}
                ),
                "diagnostic_settings": diagnostics,
                **({"lock": lock} if lock else {}),
                "tags": tags,
            },
            opts=pulumi.ResourceOptions(depends_on=[vault]),
        )
        outputs["redisHostName"] = redis.host_name

    eh = settings.event_hubs
    if eh.enabled:
        hubs = EventHubs(
            "events",
            {
                "resource_group_name": rg.name,
                "location": primary.location,
                "resource_name": name("eventhubs_namespace", code, unique=True),
                "sku": eh.sku,
                "capacity": eh.capacity,
                "zone_redundant": eh.zone_redundant,
                "event_hubs": {
                    hub: {
                        "partition_count": spec.partitions,
                        "retention_hours": spec.retention_hours,
                        "consumer_groups": spec.consumer_groups,
                    }
                    for hub, spec in eh.hubs.items()
                },
                **(
                    {"private_endpoints": endpoint("privatelink.servicebus.windows.net") or {}}
                    if private
                    else {"public_ip_rules": settings.network.authorized_ip_ranges}
                ),
                "diagnostic_settings": diagnostics,
                **({"lock": lock} if lock else {}),
                "tags": tags,
            },
        )
        outputs["eventHubsNamespace"] = hubs.name

    return {
        "environment": env,
        "regions": [r.location for r in settings.regions],
        "resourceGroups": {c: g.name for c, g in groups.items()},
        "actionGroupId": alerts.resource_id,
        "logAnalyticsWorkspaceId": monitoring.workspace_id,
        "keyVaultUri": vault.vault_uri,
        "registryLoginServer": registry.login_server,
        "clusters": {c: cl.name for c, cl in clusters.items()},
        "oidcIssuerUrls": {c: cl.oidc_issuer_url for c, cl in clusters.items()},
        **outputs,
    }
