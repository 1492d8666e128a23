"""Redis: Azure Managed Redis (redisenterprise) by default; classic Azure Cache for Redis only on explicit request.

Azure Cache for Redis (classic, Microsoft.Cache/redis) is being retired; Azure Managed Redis is its successor.
Both are built with TLS only, Entra ID authentication, access keys off and no public network access.
"""

import json
from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network, redisenterprise
from pulumi_azure_native import redis as classic_redis

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    IsoDate,
    LockArgs,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_private_endpoints,
    apply_role_assignments,
    expiry_datetime,
    write_vault_secret,
)
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["ClassicRedisArgs", "Redis", "RedisArgs"]

_COMPONENT = "Redis"
_AMR_PREFIXES = ("Balanced_", "MemoryOptimized_", "ComputeOptimized_", "FlashOptimized_")
_AMR_PORT = 10000
_CLASSIC_PORT = 6380


class ClassicRedisArgs(TypedDict):
    acknowledge_retirement: bool
    """Must be True: classic Azure Cache for Redis is being retired (use Azure Managed Redis instead)."""
    sku_name: str
    """Classic tier, one of Basic, Standard, Premium."""
    family: str
    """One of C (Basic/Standard), P (Premium)."""
    capacity: int
    """Size within the family (C0-C6, P1-P5)."""


class RedisArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the cache."""
    key_vault_name: pulumi.Input[str]
    """Key Vault that receives the connection-info secret (host, port, auth mode; no keys)."""
    sku_name: NotRequired[str]
    """Azure Managed Redis SKU; Balanced_B0 (the smallest) unless given. Ignored with `classic`."""
    high_availability: NotRequired[bool]
    """Replicated (primary + replica shards) when True; a single node unless given."""
    zones: NotRequired[list[str]]
    """Azure places the nodes unless given (e.g. ["1", "2", "3"] with high availability)."""
    eviction_policy: NotRequired[str]
    """One of AllKeysLFU, AllKeysLRU, AllKeysRandom, VolatileLRU, VolatileLFU, VolatileTTL, VolatileRandom,
    NoEviction; VolatileLRU (the API's default: evict least-recently-used keys that have a TTL) unless given."""
    clustering_policy: NotRequired[str]
    """One of OSSCluster, EnterpriseCluster, NoCluster; OSSCluster (the Azure Managed Redis default; needs a cluster-aware client) unless given.
    EnterpriseCluster presents a single endpoint to clients that are not cluster-aware."""
    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints (group id redisEnterprise, or redisCache for classic). Without any, the cache has no
    reachable data-plane endpoint: public network access is always disabled."""
    public_network_access: NotRequired[bool]
    """Reachable from the internet (still TLS-only and Entra-only: Azure Managed Redis has no IP firewall) when
    True, for stacks without private networking; disabled unless given. Not for classic caches."""
    data_access: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Entra service principals, e.g. workload identities (key -> object id), given the database's built-in
    "default" access policy, so they can authenticate with a token (access keys are off), and Key Vault Secrets
    User on the connection-info secret alone; none unless given. Azure Managed Redis only."""
    connection_secret_name: NotRequired[str]
    """Key Vault secret name of the connection info; f"{name}-redis-connection" unless given."""
    key_vault_resource_group_name: NotRequired[pulumi.Input[str]]
    """The cache's resource group unless given."""
    resource_name: NotRequired[str]
    """Azure name of the cache; Pulumi auto-names it unless given."""
    location: NotRequired[pulumi.Input[str]]
    """The resource group's location unless given."""
    classic: NotRequired[ClassicRedisArgs]
    """Classic Azure Cache for Redis instead of Azure Managed Redis; refused unless acknowledge_retirement is True."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """No diagnostic setting unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Control-plane role assignments on the cache; none unless given."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the cache; off unless given."""
    secret_expires_on: NotRequired[IsoDate]
    """Expiry date (ISO, e.g. 2026-12-31; a `datetime.date` in Python) of every Key Vault secret this component writes (rotate before it); no expiry unless given."""
    lock: NotRequired[LockArgs]
    """No management lock unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags; the stack's FinOps tags."""


class Redis(pulumi.ComponentResource):
    """A private, TLS-only, Entra-authenticated Redis cache (Azure Managed Redis unless `classic` is given)."""

    resource_id: pulumi.Output[str]
    """Resource id of the cache (the Azure Managed Redis cluster, or the classic cache)."""
    name: pulumi.Output[str]
    """Azure name of the cache."""
    host_name: pulumi.Output[str]
    """Host name clients connect to."""
    port: int
    """TLS port clients connect to (10000 for Azure Managed Redis, 6380 for classic)."""
    connection_secret_name: str
    """Name of the Key Vault secret with the connection info (JSON: host, port, tls, auth)."""

    def __init__(self, name: str, args: RedisArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("Redis", args, RedisArgs, lambda: _rules(args))
        super().__init__("sentimark:index:Redis", name, None, opts)
        tags = merge_tags(args.get("tags") or {}, None)
        classic = args.get("classic")
        if classic is not None:
            pulumi.log.warn(
                f"Redis {name!r}: classic Azure Cache for Redis is being retired; plan a move to Azure Managed Redis "
                "(drop the 'classic' argument).", resource=self,
            )
            cache_id, cache_name, host, port, group_id = self._classic(name, args, classic, tags)
        else:
            cache_id, cache_name, host, port, group_id = self._managed(name, args, tags)

        self.private_endpoints: dict[str, network.PrivateEndpoint] = apply_private_endpoints(
            name, resource_id=cache_id, endpoints=args.get("private_endpoints"), default_group_id=group_id,
            resource_group_name=args["resource_group_name"], location=args.get("location"), tags=tags, parent=self,
        )
        """Python only (the any-language schema references no other package's resources): the private endpoints
        by the keys of `private_endpoints`, empty without any, for a caller's DNS records, policies or diagnostics."""
        secret_name = args.get("connection_secret_name", f"{name}-redis-connection")
        info = pulumi.Output.from_input(host).apply(lambda h: json.dumps(
            {"host": h, "port": port, "tls": True, "auth": "Entra ID (Microsoft Entra token; access keys disabled)"}
        ))
        secret = write_vault_secret(
            f"{name}-connection", vault_name=args["key_vault_name"],
            resource_group_name=args.get("key_vault_resource_group_name", args["resource_group_name"]),
            secret_name=secret_name, value=info, content_type="application/json", tags=tags, parent=self,
            expires_on=expiry_datetime(args.get("secret_expires_on")),
        )
        # Whoever may use the cache may read how to reach it: that secret alone (scoped to it, so created after it).
        apply_role_assignments(f"{name}-connection", scope_id=secret.id, assignments={
            key: {"role": "Key Vault Secrets User", "principal_id": principal, "principal_type": "ServicePrincipal"}
            for key, principal in (args.get("data_access") or {}).items()
        }, parent=self)
        apply_diagnostic_settings(name, resource_id=cache_id, settings=args.get("diagnostic_settings"), parent=self)
        apply_role_assignments(name, scope_id=cache_id, assignments=args.get("role_assignments"), parent=self)
        apply_lock(name, scope_id=cache_id, lock=args.get("lock"), parent=self)

        self.resource_id = cache_id
        self.name = cache_name
        self.host_name = host
        self.port = port
        self.connection_secret_name = secret_name
        self.register_outputs({
            "resource_id": cache_id, "name": cache_name, "host_name": host, "port": port,
            "connection_secret_name": secret_name,
        })

    def _managed(self, name: str, args: RedisArgs, tags: dict[str, str]) -> tuple[Any, Any, Any, int, str]:
        cluster = redisenterprise.RedisEnterprise(
            f"{name}-amr",
            redisenterprise.RedisEnterpriseArgs(
                resource_group_name=args["resource_group_name"],
                cluster_name=args.get("resource_name"),
                location=args.get("location"),
                sku=redisenterprise.SkuArgs(name=args.get("sku_name", "Balanced_B0")),
                high_availability="Enabled" if args.get("high_availability", False) else "Disabled",
                minimum_tls_version="1.2",
                public_network_access="Enabled" if args.get("public_network_access", False) else "Disabled",
                zones=args.get("zones"),
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect") or None),
        )
        database = redisenterprise.Database(
            f"{name}-db",
            redisenterprise.DatabaseArgs(
                resource_group_name=args["resource_group_name"],
                cluster_name=cluster.name,
                database_name="default",  # Azure Managed Redis has exactly one database, named "default"
                client_protocol="Encrypted",
                access_keys_authentication="Disabled",
                port=_AMR_PORT,
                clustering_policy=args.get("clustering_policy", "OSSCluster"),
                eviction_policy=args.get("eviction_policy", "VolatileLRU"),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        previous: list[pulumi.Resource] = []
        for key, object_id in (args.get("data_access") or {}).items():
            assignment = redisenterprise.AccessPolicyAssignment(
                f"{name}-access-{key}",
                redisenterprise.AccessPolicyAssignmentArgs(
                    resource_group_name=args["resource_group_name"],
                    cluster_name=cluster.name,
                    database_name=database.name,
                    access_policy_name="default",
                    access_policy_assignment_name=assignment_name(key),
                    user=redisenterprise.AccessPolicyAssignmentPropertiesUserArgs(object_id=object_id),
                ),
                # One change at a time: the database answers 409 to concurrent access-policy updates.
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [assignment]
        return cluster.id, cluster.name, cluster.host_name, _AMR_PORT, "redisEnterprise"

    def _classic(self, name: str, args: RedisArgs, classic: ClassicRedisArgs,
                 tags: dict[str, str]) -> tuple[Any, Any, Any, int, str]:
        cache = classic_redis.Redis(
            f"{name}-redis",
            classic_redis.RedisArgs(
                resource_group_name=args["resource_group_name"],
                name=args.get("resource_name"),
                location=args.get("location"),
                sku=classic_redis.SkuArgs(name=classic["sku_name"], family=classic["family"],
                                          capacity=classic["capacity"]),
                enable_non_ssl_port=False,
                minimum_tls_version="1.2",
                public_network_access="Disabled",
                disable_access_key_authentication=True,
                redis_configuration=classic_redis.RedisCommonPropertiesRedisConfigurationArgs(
                    aad_enabled="true",
                    maxmemory_policy=_CLASSIC_EVICTION[args.get("eviction_policy", "VolatileLRU")],
                ),
                replicas_per_primary=1 if args.get("high_availability") and classic["sku_name"] == "Premium" else None,
                zones=args.get("zones"),
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect") or None),
        )
        return cache.id, cache.name, cache.host_name, _CLASSIC_PORT, "redisCache"


_CLASSIC_EVICTION = {
    "AllKeysLFU": "allkeys-lfu", "AllKeysLRU": "allkeys-lru", "AllKeysRandom": "allkeys-random",
    "VolatileLRU": "volatile-lru", "VolatileLFU": "volatile-lfu", "VolatileTTL": "volatile-ttl",
    "VolatileRandom": "volatile-random", "NoEviction": "noeviction",
}


def assignment_name(key: str) -> str:
    """Azure's name for a data-access key: letters and digits only, at most 60 (the API's rule)."""
    return "".join(c for c in key if c.isascii() and c.isalnum())[:60]


def _rules(args: RedisArgs) -> list[Rule]:
    """Rules: (argument, value, is it bad?, how to fix). The first bad one raises."""
    classic = args.get("classic")
    sku = args.get("sku_name", "Balanced_B0")
    secret = args.get("connection_secret_name")
    rules: list[Rule] = [
        ("classic", classic, classic is not None and classic.get("acknowledge_retirement") is not True,
         "classic Azure Cache for Redis is being retired: use Azure Managed Redis (drop 'classic'), or set "
         "classic.acknowledge_retirement True to build one anyway"),
        ("sku_name", sku, classic is None and not sku.startswith(_AMR_PREFIXES),
         "give an Azure Managed Redis SKU such as Balanced_B0, Balanced_B5, MemoryOptimized_M10 or ComputeOptimized_X5"),
        ("high_availability", True, classic is not None and bool(args.get("high_availability"))
         and classic["sku_name"] == "Basic",
         "the classic Basic tier has no replica; use Standard or Premium, or Azure Managed Redis"),
        ("public_network_access", True, classic is not None and bool(args.get("public_network_access")),
         "a classic cache stays private; use Azure Managed Redis for a public, Entra-only endpoint"),
        ("data_access", args.get("data_access"), classic is not None and bool(args.get("data_access")),
         "access-policy assignments are an Azure Managed Redis feature; grant classic access with its own policies"),
        ("data_access", sorted(args.get("data_access") or {}), len({assignment_name(k) for k in args.get("data_access") or {}})
         != len(args.get("data_access") or {}) or any(not assignment_name(k) for k in args.get("data_access") or {}),
         "use keys that stay distinct and non-empty as Azure's assignment names (letters and digits only, at most "
         "60: sentimark-api-weu becomes sentimarkapiweu)"),
        ("connection_secret_name", secret, secret is not None and not all(c.isalnum() or c == "-" for c in secret),
         "use letters, digits and dashes (Key Vault's rule)"),
    ]
    return rules
