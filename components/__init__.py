"""Reusable Azure platform components. They know nothing of environments: every value is an argument."""

from components._aliases import is_versioned_type_alias, register_versioned_alias_pruning
from components._helm import ChartPinArgs
from components._naming import (
    NAMING_RULES,
    REGION_CODES,
    region_code,
    resource_name,
    stable_suffix,
    unique_resource_name,
)
from components._tags import FINOPS_TAG_NAMES, finops_tags, merge_tags
from components.action_group import ActionGroup, ActionGroupArgs
from components.aks_cluster import (
    AksCluster,
    AksClusterArgs,
    AksMaintenanceWindowArgs,
    AksSystemPoolArgs,
    AksUserPoolArgs,
)
from components.app_namespace import AppNamespace, AppNamespaceArgs, ContainerDefaultsArgs, EgressRuleArgs
from components.budget import DEFAULT_BUDGET_NOTIFICATIONS, Budget, BudgetArgs, BudgetNotificationArgs
from components.canary_routing import (
    CanaryAnalysisArgs,
    CanaryGatewayArgs,
    CanaryRolloutArgs,
    CanaryRouting,
    CanaryRoutingArgs,
    HeaderRouteArgs,
    OutlierDetectionArgs,
    RetryArgs,
    canary_steps_problem,
)
from components.container_registry import ContainerRegistry, ContainerRegistryArgs
from components.errors import InvalidArgumentError
from components.event_hubs import EventHubArgs, EventHubCaptureArgs, EventHubs, EventHubsArgs
from components.front_door import FrontDoor, FrontDoorArgs, FrontDoorOriginArgs
from components.gitops import (
    GitOps,
    GitOpsApplicationArgs,
    GitOpsArgs,
    GitOpsRepositoryArgs,
    GitOpsRepositoryCredentialsArgs,
    GitOpsSsoArgs,
)
from components.ingress_certificate import DEFAULT_SYNC_IMAGE, IngressCertificate, IngressCertificateArgs
from components.key_vault import KeyVault, KeyVaultArgs, KeyVaultPublicAccessArgs
from components.monitoring import (
    PLATFORM_EVENT_TABLES,
    AlertTargetsArgs,
    GrafanaArgs,
    ManagedPrometheusArgs,
    Monitoring,
    MonitoringArgs,
    PrometheusClusterArgs,
)
from components.network import (
    DEFAULT_PRIVATE_DNS_ZONES,
    Network,
    NetworkArgs,
    NetworkSubnetArgs,
    virtual_network_peering,
)
from components.postgres_server import (
    PostgresDatabaseArgs,
    PostgresEntraAdminArgs,
    PostgresMaintenanceWindowArgs,
    PostgresServer,
    PostgresServerArgs,
)
from components.redis import ClassicRedisArgs, Redis, RedisArgs
from components.service_mesh import (
    InClusterPrometheusArgs,
    IngressGatewayArgs,
    ServiceMesh,
    ServiceMeshArgs,
    ServiceMeshChartsArgs,
)
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
    "DEFAULT_BUDGET_NOTIFICATIONS",
    "DEFAULT_PRIVATE_DNS_ZONES",
    "DEFAULT_SYNC_IMAGE",
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
    "AlertTargetsArgs",
    "AppNamespace",
    "AppNamespaceArgs",
    "Budget",
    "BudgetArgs",
    "BudgetNotificationArgs",
    "CanaryAnalysisArgs",
    "CanaryGatewayArgs",
    "CanaryRolloutArgs",
    "CanaryRouting",
    "CanaryRoutingArgs",
    "ChartPinArgs",
    "ClassicRedisArgs",
    "ContainerDefaultsArgs",
    "ContainerRegistry",
    "ContainerRegistryArgs",
    "EgressRuleArgs",
    "EventHubArgs",
    "EventHubCaptureArgs",
    "EventHubs",
    "EventHubsArgs",
    "FederatedCredentialArgs",
    "FrontDoor",
    "FrontDoorArgs",
    "FrontDoorOriginArgs",
    "GitOps",
    "GitOpsApplicationArgs",
    "GitOpsArgs",
    "GitOpsRepositoryArgs",
    "GitOpsRepositoryCredentialsArgs",
    "GitOpsSsoArgs",
    "GrafanaArgs",
    "HeaderRouteArgs",
    "InClusterPrometheusArgs",
    "IngressCertificate",
    "IngressCertificateArgs",
    "IngressGatewayArgs",
    "InvalidArgumentError",
    "KeyVault",
    "KeyVaultArgs",
    "KeyVaultPublicAccessArgs",
    "ManagedPrometheusArgs",
    "Monitoring",
    "MonitoringArgs",
    "Network",
    "NetworkArgs",
    "NetworkSubnetArgs",
    "OutlierDetectionArgs",
    "PostgresDatabaseArgs",
    "PostgresEntraAdminArgs",
    "PostgresMaintenanceWindowArgs",
    "PostgresServer",
    "PostgresServerArgs",
    "PrometheusClusterArgs",
    "Redis",
    "RedisArgs",
    "RetryArgs",
    "RoleGrantArgs",
    "SecretProviderClassArgs",
    "ServiceMesh",
    "ServiceMeshArgs",
    "ServiceMeshChartsArgs",
    "SyncedSecretArgs",
    "VaultObjectArgs",
    "WorkloadIdentity",
    "WorkloadIdentityArgs",
    "canary_steps_problem",
    "finops_tags",
    "is_versioned_type_alias",
    "merge_tags",
    "region_code",
    "register_versioned_alias_pruning",
    "resource_name",
    "stable_suffix",
    "unique_resource_name",
    "virtual_network_peering",
]
