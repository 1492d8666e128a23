"""Reusable Azure platform components. They know nothing of environments: every value is an argument."""

from components._aliases import is_versioned_type_alias, register_versioned_alias_pruning
from components._naming import NAMING_RULES, REGION_CODES, region_code, resource_name, stable_suffix, unique_resource_name
from components._tags import FINOPS_TAG_NAMES, finops_tags, merge_tags
from components.action_group import ActionGroup, ActionGroupArgs
from components.aks_cluster import AksCluster, AksClusterArgs, AksMaintenanceWindowArgs, AksSystemPoolArgs, AksUserPoolArgs
from components.container_registry import ContainerRegistry, ContainerRegistryArgs
from components.errors import InvalidArgumentError
from components.event_hubs import EventHubArgs, EventHubCaptureArgs, EventHubs, EventHubsArgs
from components.key_vault import KeyVault, KeyVaultArgs, KeyVaultPublicAccessArgs
from components.monitoring import PLATFORM_EVENT_TABLES, Monitoring, MonitoringArgs
from components.network import DEFAULT_PRIVATE_DNS_ZONES, Network, NetworkArgs, NetworkSubnetArgs
from components.postgres_server import (
    PostgresDatabaseArgs,
    PostgresEntraAdminArgs,
    PostgresMaintenanceWindowArgs,
    PostgresServer,
    PostgresServerArgs,
)
from components.redis import ClassicRedisArgs, Redis, RedisArgs
from components.workload_identity import (
    FederatedCredentialArgs,
    RoleGrantArgs,
    SecretProviderClassArgs,
    SyncedSecretArgs,
    VaultObjectArgs,
    WorkloadIdentity,
    WorkloadIdentityArgs,
)

__all__ = [
    "DEFAULT_PRIVATE_DNS_ZONES",
    "FINOPS_TAG_NAMES",
    "NAMING_RULES",
    "PLATFORM_EVENT_TABLES",
    "REGION_CODES",
    "ActionGroup",
    "ActionGroupArgs",
    "AksCluster",
    "AksClusterArgs",
    "AksMaintenanceWindowArgs",
    "AksSystemPoolArgs",
    "AksUserPoolArgs",
    "ClassicRedisArgs",
    "ContainerRegistry",
    "ContainerRegistryArgs",
    "EventHubArgs",
    "EventHubCaptureArgs",
    "EventHubs",
    "EventHubsArgs",
    "FederatedCredentialArgs",
    "InvalidArgumentError",
    "KeyVault",
    "KeyVaultArgs",
    "KeyVaultPublicAccessArgs",
    "Monitoring",
    "MonitoringArgs",
    "Network",
    "NetworkArgs",
    "NetworkSubnetArgs",
    "PostgresDatabaseArgs",
    "PostgresEntraAdminArgs",
    "PostgresMaintenanceWindowArgs",
    "PostgresServer",
    "PostgresServerArgs",
    "Redis",
    "RedisArgs",
    "RoleGrantArgs",
    "SecretProviderClassArgs",
    "SyncedSecretArgs",
    "VaultObjectArgs",
    "WorkloadIdentity",
    "WorkloadIdentityArgs",
    "finops_tags",
    "is_versioned_type_alias",
    "merge_tags",
    "region_code",
    "register_versioned_alias_pruning",
    "resource_name",
    "stable_suffix",
    "unique_resource_name",
]
