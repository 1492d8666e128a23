"""The data services of the primary region: PostgreSQL, Azure Managed Redis and Event Hubs.

Every credential they have goes to the Key Vault; outputs carry host names and secret names only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi

from sentimark_platform.components import (
    EventHubArgs,
    EventHubs,
    EventHubsArgs,
    KeyVault,
    PostgresServer,
    PostgresServerArgs,
    Redis,
    RedisArgs,
    RoleAssignmentArgs,
    firewall_rules_for,
)
from stacks._context import Observability, PlatformContext, from_settings, same_names

__all__ = ["REDIS_CONNECTION_SECRET", "build_data_services"]

REDIS_CONNECTION_SECRET = "redis-connection"
"""Key Vault secret (JSON: host, port, TLS, auth) that applications mount through their SecretProviderClass."""


def build_data_services(
    ctx: PlatformContext,
    obs: Observability,
    vault: KeyVault,
    *,
    identities: Mapping[str, Mapping[str, pulumi.Input[str]]],
) -> dict[str, Any]:
    """Register the enabled data services; return their stack outputs.

    `identities` are the applications' workload identities (application -> key -> principal id, a key per
    region); each gets the data access its settings declare (`applications.<app>.dataAccess`) and no more.
    """
    settings, name, code, rg, net, client, endpoint = ctx.settings, ctx.name, ctx.code, ctx.rg, ctx.net, ctx.client, ctx.endpoint
    diagnostics, monitoring, lock, tags = obs.diagnostics, obs.monitoring, ctx.lock, ctx.tags
    apps = settings.applications
    redis_users = {key: principal for app, keys in identities.items() if apps[app].data_access.redis
                   for key, principal in keys.items()}

    def hub_roles(hub: str) -> dict[str, RoleAssignmentArgs]:
        roles: dict[str, RoleAssignmentArgs] = {}
        for app, keys in identities.items():
            access = apps[app].data_access.event_hubs
            for direction, role, hubs in (("send", "Azure Event Hubs Data Sender", access.send),
                                          ("receive", "Azure Event Hubs Data Receiver", access.receive)):
                if hub in hubs:
                    roles.update({f"{key}-{direction}": {"role": role, "principal_id": principal,
                                                         "principal_type": "ServicePrincipal"}
                                  for key, principal in keys.items()})
        return roles

    private = settings.network.data_plane_access == "private"
    primary = settings.regions[0]
    outputs: dict[str, Any] = {}
    pg = settings.postgres
    if pg.enabled:
        pg_args: PostgresServerArgs = {
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
            "password_auth": pg.password_auth,
            "databases": {db: {} for db in pg.databases},
            "diagnostic_settings": diagnostics,
            "secret_expires_on": settings.protection.secrets_expire_on,
            "protect": settings.protection.protect_stateful,
            "tags": tags,
        }
        if private:
            pg_args["delegated_subnet_id"] = net.subnet_ids["snet-psql"]
            pg_args["private_dns_zone_id"] = net.private_dns_zone_ids[ctx.postgres_dns_zone]
        else:
            pg_args["public_access"] = True
            pg_args["firewall_rules"] = firewall_rules_for(settings.network.authorized_ip_ranges)
        if lock:
            pg_args["lock"] = lock
        with from_settings({**same_names("postgres", "version", "high_availability", "backup_retention_days",
                                          "geo_redundant_backup", "databases", "password_auth"),
                            "sku_tier": "postgres.tier", "sku_name": "postgres.skuName",
                            "storage_size_gb": "postgres.storageGb",
                            "firewall_rules": "network.authorizedIpRanges",
                            "secret_expires_on": "protection.secretsExpireOn",
                            "entra_admin.object_id": "platformAdmins.objectId",
                            "entra_admin.principal_name": "platformAdmins.displayName"}):
            postgres = PostgresServer("postgres", pg_args)
        outputs["postgresFqdn"] = postgres.fqdn
        monitoring.add_alert_targets({"postgres": {"main": postgres.resource_id}})

    if settings.redis.enabled:
        redis_args: RedisArgs = {
            "resource_group_name": rg.name,
            "location": primary.location,
            "resource_name": name("managed_redis", code, unique=True),
            "key_vault_name": vault.name,
            "connection_secret_name": REDIS_CONNECTION_SECRET,
            "sku_name": settings.redis.sku,
            "data_access": redis_users,
            "high_availability": settings.redis.high_availability,
            "diagnostic_settings": diagnostics,
            "secret_expires_on": settings.protection.secrets_expire_on,
            "protect": settings.protection.protect_stateful,
            "tags": tags,
        }
        if private:
            redis_args["private_endpoints"] = endpoint("privatelink.redis.azure.net") or {}
        else:
            # No IP firewall on Azure Managed Redis: a public data plane means TLS + Entra only.
            redis_args["public_network_access"] = True
        if lock:
            redis_args["lock"] = lock
        with from_settings({"sku_name": "redis.sku", "high_availability": "redis.highAvailability",
                            "secret_expires_on": "protection.secretsExpireOn"}):
            redis = Redis("redis", redis_args)
        outputs["redisHostName"] = redis.host_name
        monitoring.add_alert_targets({"redis": {"main": redis.resource_id}})

    eh = settings.event_hubs
    if eh.enabled:
        hub_args: dict[str, EventHubArgs] = {}
        for hub, spec in eh.hubs.items():
            hub_args[hub] = {
                "partition_count": spec.partitions,
                "retention_hours": spec.retention_hours,
                "consumer_groups": spec.consumer_groups,
            }
            if roles := hub_roles(hub):
                hub_args[hub]["role_assignments"] = roles
        eh_args: EventHubsArgs = {
            "resource_group_name": rg.name,
            "location": primary.location,
            "resource_name": name("eventhubs_namespace", code, unique=True),
            "sku": eh.sku,
            "capacity": eh.capacity,
            "zone_redundant": eh.zone_redundant,
            "event_hubs": hub_args,
            "diagnostic_settings": diagnostics,
            "secret_expires_on": settings.protection.secrets_expire_on,
            "protect": settings.protection.protect_stateful,
            "tags": tags,
        }
        if private:
            eh_args["private_endpoints"] = endpoint("privatelink.servicebus.windows.net") or {}
        else:
            eh_args["public_ip_rules"] = settings.network.authorized_ip_ranges
        if lock:
            eh_args["lock"] = lock
        with from_settings({**same_names("eventHubs", "sku", "capacity", "zone_redundant"),
                            "public_ip_rules": "network.authorizedIpRanges",
                            "secret_expires_on": "protection.secretsExpireOn",
                            **{f"event_hubs['{hub}'].partition_count": f"eventHubs.hubs.{hub}.partitions"
                               for hub in eh.hubs}},
                           sections={"event_hubs": "eventHubs.hubs"}):
            hubs = EventHubs("events", eh_args)
        outputs["eventHubsNamespace"] = hubs.name
        monitoring.add_alert_targets({"event_hubs": {"main": hubs.resource_id}})

    return outputs
