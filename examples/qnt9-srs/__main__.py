"""QNT9 Stock Recommendation System (seed 003): its Azure infrastructure from the platform's components.

One resource group per stack with a virtual network, Log Analytics and Application Insights, an AKS cluster
whose user pool autoscales from 1 to 5 nodes, a container registry the cluster pulls from, a Key Vault for
the database administrator password (and, where `aks.etcdEncryption` is set, the key that encrypts the cluster's
secrets in etcd), and a PostgreSQL Flexible Server. Sizes are settings
(`Pulumi.<stack>.yaml`, validated by qnt9_settings.py); the program does not branch on the stack's name.
"""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_random as random
from pulumi_azure_native import authorization, resources
from qnt9_settings import load_settings

from sentimark_platform.components import (
    AksCluster,
    ContainerRegistry,
    KeyVault,
    Monitoring,
    Network,
    PostgresServer,
    finops_tags,
    firewall_rules_for,
    region_code,
    register_versioned_alias_pruning,
    resource_name,
    stable_suffix,
)

WORKLOAD = "qnt9"
SERVICE = "qnt9-srs"
NAME_CODES = {"staging": "stg"}
"""Shorter environment codes in Azure names (a vault name has at most 24 characters)."""
ETCD_KEY = "aks-etcd"
"""The vault key AKS encrypts etcd with (aks.etcdEncryption); the platform's stacks use the same name."""

# This stack never held resources created through explicit API-version types: skip their aliases (faster previews).
register_versioned_alias_pruning()
settings = load_settings()
env = settings.environment
code = region_code(settings.location)
private = settings.data_plane == "private"
etcd = settings.aks.etcd_encryption  # qnt9_settings refuses it unless the data plane is private
protection = settings.protection
lock = {"lock": {"kind": "CanNotDelete"}} if protection.lock_stateful else {}
tags = finops_tags(environment=env, owner=settings.owner, cost_center=settings.cost_center, service=SERVICE)
client = authorization.get_client_config_output()


def name(kind: str, *, unique: bool = False) -> str:
    return resource_name(kind, workload=WORKLOAD, environment=NAME_CODES.get(env, env), region=code,
                         suffix=stable_suffix(SERVICE, env) if unique else None)


def private_endpoint(zone: str) -> dict[str, dict[str, object]]:
    return {code: {"subnet_id": network.subnet_ids["snet-pe"], "private_dns_zone_ids": [network.private_dns_zone_ids[zone]]}}


# Nodes get half of the block (CNI overlay: pods are not in the VNet), endpoints and PostgreSQL an eighth each; with
# etcd encryption the API server's subnet is the first /27 of the next eighth, as in the platform's own layout (AKS
# asks for a /28 at least, and more room to scale the API server: learn.microsoft.com/azure/aks/api-server-vnet-integration).
nodes_block, rest = ipaddress.IPv4Network(settings.address_space).subnets(prefixlen_diff=1)
endpoints_block, postgres_block, spare_block, _ = rest.subnets(prefixlen_diff=2)
api_server_block = next(spare_block.subnets(new_prefix=27))
postgres_zone = f"{WORKLOAD}-{env}.private.postgres.database.azure.com"

group = resources.ResourceGroup(
    "rg", resources.ResourceGroupArgs(resource_group_name=name("resource_group"), location=settings.location, tags=tags)
)
network = Network(
    "net",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "resource_name": name("virtual_network"),
        "address_space": [settings.address_space],
        "subnets": {
            "snet-aks": {"address_prefix": str(nodes_block)},
            "snet-pe": {"address_prefix": str(endpoints_block)},
            "snet-psql": {"address_prefix": str(postgres_block), "delegation": "Microsoft.DBforPostgreSQL/flexibleServers"},
            # API Server VNet Integration: the API server's load balancer sits here, and KMS reaches the private vault
            # from here (its NSG keeps Azure's default rules, which allow the VNet's own traffic to port 443).
            **({"snet-apiserver": {"address_prefix": str(api_server_block),
                                   "delegation": "Microsoft.ContainerService/managedClusters"}} if etcd else {}),
        },
        "private_dns_zones": ["privatelink.vaultcore.azure.net", "privatelink.azurecr.io", postgres_zone] if private else [],
        "tags": tags,
    },
)
monitoring = Monitoring(
    "monitoring",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "retention_days": settings.log_retention_days,
        "workspace_name": name("log_analytics_workspace"),
        "application_insights_name": name("application_insights"),
        # The subscription's activity log beside the project's logs, one setting per stack.
        "activity_log_setting_name": f"activity-log-{WORKLOAD}-{env}",
        "event_tables": {},  # the platform's own event tables are not QNT9's
        **lock,
        "protect": protection.protect_stateful,
        "tags": tags,
    },
)
# Before the cluster: with etcd encryption the cluster takes the vault's key (and its roles on the vault) at creation.
vault = KeyVault(
    "vault",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "tenant_id": client.tenant_id,
        # Purge protection keeps a deleted vault's name for 90 days: a random suffix lets the stack be re-created.
        "resource_name": random.RandomString(
            "vault-name-suffix", random.RandomStringArgs(length=5, upper=False, special=False)
        ).result.apply(lambda suffix: resource_name("key_vault", workload=WORKLOAD, environment=NAME_CODES.get(env, env),
                                                    region=code, suffix=suffix)),
        **(
            {"private_endpoints": private_endpoint("privatelink.vaultcore.azure.net")}
            if private
            else {"public_network_access": {"allowed_ip_ranges": settings.authorized_ip_ranges}}
        ),
        "role_assignments": {
            "admins": {"role": "Key Vault Secrets Officer", "principal_id": settings.admins.object_id, "principal_type": "Group"}
        },
        "diagnostic_settings": {"workspace_id": monitoring.workspace_id, "category_groups": ["audit"]},
        # The key etcd is encrypted with: Key Vault rotates it and its versions expire; AKS needs encrypt and decrypt
        # only. No near-expiry notification: nothing here subscribes to Key Vault's Event Grid events.
        **({"keys": {ETCD_KEY: {"rotate_after_days": etcd.rotate_after_days, "expires_after_days": etcd.expires_after_days,
                                "operations": ["encrypt", "decrypt"]}}} if etcd else {}),
        **lock,
        "protect": protection.protect_stateful,
        "tags": tags,
    },
)
aks = settings.aks
cluster = AksCluster(
    "aks",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "resource_name": name("kubernetes_cluster"),
        "tier": aks.tier,
        "kubernetes_version": aks.kubernetes_version,
        "private_cluster": aks.private_cluster,
        "node_subnet_id": network.subnet_ids["snet-aks"],
        **({} if aks.private_cluster else {"api_server_authorized_ip_ranges": settings.authorized_ip_ranges}),
        "admin_group_object_ids": [settings.admins.object_id],
        "tenant_id": client.tenant_id,
        "system_pool": {"vm_size": aks.node_vm_size, "node_count": aks.system_nodes, "zones": aks.zones},
        "user_pools": {
            "apps": {"vm_size": aks.node_vm_size, "min_count": aks.min_nodes, "max_count": aks.max_nodes, "zones": aks.zones}
        },
        "log_analytics_workspace_id": monitoring.workspace_id,
        "defender": aks.defender,
        "diagnostic_settings": {"workspace_id": monitoring.workspace_id, "category_groups": ["audit"]},
        # etcd is state of record too: locked and protected with the data services.
        **lock,
        "protect": protection.protect_stateful,
        # KMS with Private access: AKS links the API server to the vault privately from snet-apiserver, and the
        # component grants the control plane's identity the vault and subnet roles before the cluster is created.
        **({"api_server_subnet_id": network.subnet_ids["snet-apiserver"],
            "kms": {"key_id": vault.key_ids[ETCD_KEY], "key_vault_id": vault.resource_id}} if etcd else {}),
        "tags": tags,
    },
)
# Container Insights with managed-identity auth collects only once a rule and its association exist.
monitoring.add_container_insights(
    {"aks": {"resource_id": cluster.resource_id, "location": settings.location, "private": aks.private_cluster}}
)
registry = ContainerRegistry(
    "registry",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "resource_name": name("container_registry", unique=True),
        "sku": settings.registry_sku,
        "pull_principal_ids": {"aks": cluster.kubelet_identity_object_id},
        **({"private_endpoints": private_endpoint("privatelink.azurecr.io")} if private else {}),
        "diagnostic_settings": {"workspace_id": monitoring.workspace_id},
        "tags": tags,
    },
)
pg = settings.postgres
postgres = PostgresServer(
    "postgres",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "tenant_id": client.tenant_id,
        "resource_name": name("postgresql_server", unique=True),
        "entra_admin": {"object_id": settings.admins.object_id, "principal_name": settings.admins.display_name},
        "key_vault_name": vault.name,
        "sku_tier": pg.tier,
        "sku_name": pg.sku_name,
        "storage_size_gb": pg.storage_gb,
        "high_availability": pg.high_availability,
        "backup_retention_days": pg.backup_retention_days,
        "geo_redundant_backup": pg.geo_redundant_backup,
        "password_auth": pg.password_auth,
        **(
            {"delegated_subnet_id": network.subnet_ids["snet-psql"], "private_dns_zone_id": network.private_dns_zone_ids[postgres_zone]}
            if private
            else {"public_access": True,
                  "firewall_rules": firewall_rules_for(settings.authorized_ip_ranges)}
        ),
        "databases": {"qnt9": {}},
        "diagnostic_settings": {"workspace_id": monitoring.workspace_id},
        **lock,
        "protect": protection.protect_stateful,
        "secret_expires_on": protection.secrets_expire_on,
        "tags": tags,
    },
)

# The platform's policy pack judges a stack by its exported `environment` (dev, sit, uat or prod).
pulumi.export("environment", settings.platform_environment)
pulumi.export("resourceGroup", group.name)
pulumi.export("clusterName", cluster.name)
pulumi.export("registryLoginServer", registry.login_server)
pulumi.export("keyVaultUri", vault.vault_uri)
pulumi.export("postgresFqdn", postgres.fqdn)
pulumi.export("postgresAdminPasswordSecret", postgres.admin_password_secret_name)
# Not a credential with local auth off (ingestion needs Entra ID), but nothing gains from showing it in logs.
pulumi.export("appInsightsConnectionString", pulumi.Output.secret(monitoring.application_insights_connection_string))
