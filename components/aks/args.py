"""AksCluster's arguments: the cluster, its system and user pools and maintenance windows, with their defaults.

The component (component.py), the ARM shapes it sends (_profiles.py) and its rules (_rules.py) all read these; none
of them imports another's caller.
"""

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    LockArgs,
    ManagedIdentitiesArgs,
    RoleAssignmentArgs,
)

__all__ = ["DEFAULT_KMS_NETWORK_ACCESS", "DEFAULT_POD_CIDR", "DEFAULT_SERVICE_CIDR", "AksClusterArgs", "AksKmsArgs",
           "AksMaintenanceWindowArgs", "AksSystemPoolArgs", "AksUserPoolArgs"]

DEFAULT_POD_CIDR = "10.244.0.0/16"
"""The overlay pod range AksCluster gives a cluster unless told otherwise."""
DEFAULT_SERVICE_CIDR = "10.0.0.0/16"
"""The service range AksCluster gives a cluster unless told otherwise (its DNS service at 10.0.0.10)."""
DEFAULT_KMS_NETWORK_ACCESS = "Private"
"""How a cluster's KMS plugin reaches its key vault unless told otherwise: privately (the platform's vaults refuse
public traffic)."""


class AksSystemPoolArgs(TypedDict):
    vm_size: str
    """VM size, e.g. Standard_D2s_v5 (needs a size that supports encryption at host)."""
    node_count: int
    """Nodes (fixed, or the autoscaler's minimum when `max_count` is given)."""
    max_count: NotRequired[int]
    """Autoscale from `node_count` to this; fixed size unless given (then the count is in ignore_changes)."""
    name: NotRequired[str]
    """Pool name; "system" unless given."""
    zones: NotRequired[Sequence[str]]
    """Availability zones, e.g. ["1", "2", "3"]; no zone pinning unless given."""
    max_pods: NotRequired[int]
    """Pods per node, at least 50; 110 unless given."""
    os_disk_type: NotRequired[str]
    """One of Ephemeral, Managed; Managed unless given. Ephemeral is faster and free, but only for VM sizes whose cache or temp disk
    holds the OS disk (e.g. Standard_D4ds_v5); Azure refuses it on others."""
    os_disk_size_gb: NotRequired[int]
    """OS disk size; Azure's default for the VM size unless given."""
    critical_addons_only: NotRequired[bool]
    """Taint the pool `CriticalAddonsOnly=true:NoSchedule`, so that only system add-ons (which tolerate it) run
    there and everything else needs a user pool; True unless given. Set False on a small cluster whose only user
    pool is Spot or scales to zero: charts without tolerations (istiod, Argo) then schedule on the system pool
    instead of staying Pending."""


class AksUserPoolArgs(TypedDict):
    vm_size: str
    """VM size, e.g. Standard_D4s_v5."""
    min_count: int
    """Autoscaler minimum (0 allowed: the pool can scale to nothing)."""
    max_count: int
    """Autoscaler maximum, at least `min_count` and at least 1."""
    spot: NotRequired[bool]
    """Spot VMs (eviction Delete, pay up to the on-demand price) with the taint and label Azure adds, so
    only pods that tolerate `kubernetes.azure.com/scalesetpriority=spot:NoSchedule` land there. Regular VMs
    unless given."""
    zones: NotRequired[Sequence[str]]
    """Availability zones; no zone pinning unless given."""
    labels: NotRequired[Mapping[str, str]]
    """Node labels; none beyond Azure's unless given."""
    taints: NotRequired[Sequence[str]]
    """Node taints as "key=value:Effect"; none unless given."""
    max_pods: NotRequired[int]
    """Pods per node, at least 50; 110 unless given."""
    os_disk_type: NotRequired[str]
    """One of Ephemeral, Managed; Managed unless given (see the system pool)."""
    os_disk_size_gb: NotRequired[int]
    """OS disk size; Azure's default for the VM size unless given."""


class AksMaintenanceWindowArgs(TypedDict):
    day_of_week: str
    """Day the window opens, Monday to Sunday (English names, capitalised)."""
    start_time: str
    """"HH:mm" in `utc_offset`."""
    duration_hours: NotRequired[int]
    """4 to 24 (Azure's minimum is 4); 4 unless given."""
    utc_offset: NotRequired[str]
    """"+01:00" style; "+00:00" unless given."""


class AksKmsArgs(TypedDict):
    key_id: pulumi.Input[str]
    """The versioned key URI, https://<vault>.vault.azure.net/keys/<name>/<version>: a KeyVault's
    `key_ids[<name>]` (AKS's KMS plugin wraps etcd's data keys with this version; the Azure CLI refuses a key id
    without a version, azure-cli acs/_validators.py validate_azure_keyvault_kms_key_id). AKS does not follow the
    key's rotations by itself: a new version reaches the cluster only when this value changes
    (learn.microsoft.com/azure/aks/use-kms-etcd-encryption, "Rotate existing keys"). Pass the KeyVault output and run
    `pulumi up --refresh` after each rotation (at least once every `rotate_after_days`): the refresh reads the new
    version and the update moves the cluster to it. Then re-encrypt the secrets (`kubectl get secrets -A -o json |
    kubectl replace -f -`). Keep the version in use and the one before it enabled and unexpired until the next
    rotation; an expired key stops the API server from reading secrets."""
    key_vault_id: pulumi.Input[str]
    """Resource id of the vault holding the key. The control-plane identity gets Key Vault Crypto User on it
    (encrypt and decrypt), and with Private access Key Vault Contributor too (AKS creates a private endpoint to the
    vault in the node resource group and approves its connection); both before the cluster is created. The vault
    must use Azure RBAC (a KeyVault does), sit in the cluster's tenant and keep the key: deleting the key or the
    vault makes the cluster's secrets unrecoverable."""
    network_access: NotRequired[str]
    """How the API server reaches the vault, one of Private, Public; Private unless given. Private: the vault may
    refuse all public traffic (a KeyVault without `public_network_access`), AKS links to it privately, and the
    cluster needs API Server VNet Integration (`api_server_subnet_id`); the API server subnet's network security
    group must allow TCP 443 to the vault's private endpoint. Public: the vault must accept traffic from all
    networks (Azure's KMS plugin is refused by a vault firewall limited to selected networks or IP ranges, which
    every KeyVault has). Switching an existing cluster between the two needs KMS turned off first
    (learn.microsoft.com/azure/aks/use-kms-etcd-encryption, "Limitations")."""


class AksClusterArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the cluster."""
    system_pool: AksSystemPoolArgs
    """The system pool (inline; tainted CriticalAddonsOnly so that applications go to user pools)."""
    resource_name: NotRequired[str]
    """Azure name of the cluster; Pulumi auto-names it from the component name unless given."""
    location: NotRequired[pulumi.Input[str]]
    """Region; the resource group's unless given."""
    dns_prefix: NotRequired[str]
    """DNS prefix of the API server; `resource_name` (or the component name) unless given."""
    kubernetes_version: NotRequired[str]
    """"1.36" style: a minor version that has not reached its end of life (components/kubernetes_versions.json;
    `validate` refuses others); Azure's default version unless given. Ignored after creation under an upgrade
    channel."""
    tier: NotRequired[str]
    """One of Free, Standard, Premium; Standard (uptime SLA) unless given."""
    user_pools: NotRequired[Mapping[str, AksUserPoolArgs]]
    """User pools by Azure pool name (lowercase letters and digits, up to 12); none unless given."""
    node_subnet_id: NotRequired[pulumi.Input[str]]
    """Subnet for the nodes; AKS creates its own virtual network unless given (not allowed when private)."""
    private_cluster: NotRequired[bool]
    """API server on a private endpoint in the node subnet; True unless given. False needs
    `api_server_authorized_ip_ranges` or `allow_open_api_server`."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """A private cluster's DNS zone, owned by the caller: the id of a `privatelink.<region>.azmk8s.io` zone or a
    `<subzone>.privatelink.<region>.azmk8s.io` one, which the caller links to every network that must reach the API
    server (CI runners' hub, operators' networks). The component then gives the control plane its own
    user-assigned identity (`<name>-id`, in `resource_group_name`) with Private DNS Zone Contributor on the zone
    and Network Contributor on `node_subnet_id`, granted before the cluster is created. Without it AKS keeps a
    system-managed zone linked only to the cluster's own VNet, which a peered runner cannot resolve
    (learn.microsoft.com/azure/aks/private-clusters, "Configure a private DNS zone")."""
    api_server_subnet_id: NotRequired[pulumi.Input[str]]
    """API Server VNet Integration: the API server's internal load balancer goes into this subnet of the nodes'
    virtual network, and nodes reach it without a tunnel. The subnet must be delegated to
    Microsoft.ContainerService/managedClusters, hold nothing else (other clusters of the same network may share
    it), and be a /28 or larger (AKS reserves at least nine addresses; running out stops the API server from
    scaling). The component then gives the control plane its own user-assigned identity (`<name>-id`) with Network
    Contributor on this subnet and on `node_subnet_id`, granted before the cluster is created
    (learn.microsoft.com/azure/aks/api-server-vnet-integration). Turning it on for an existing cluster cannot be
    undone and needs the cluster stopped and started by hand afterwards. Needed by `kms` with Private access; the API
    server stays behind a public endpoint or a private one as `private_cluster` says. No VNet integration unless
    given."""
    api_server_authorized_ip_ranges: NotRequired[Sequence[str]]
    """IPv4 CIDRs allowed to reach a public API server; none unless given."""
    allow_open_api_server: NotRequired[bool]
    """Set True to accept a public API server reachable from anywhere; False unless given."""
    pod_cidr: NotRequired[str]
    """Overlay pod CIDR; 10.244.0.0/16 unless given."""
    service_cidr: NotRequired[str]
    """Service CIDR; 10.0.0.0/16 (DNS service 10.0.0.10) unless given; then give `dns_service_ip` too."""
    dns_service_ip: NotRequired[str]
    """Cluster DNS address inside `service_cidr`; 10.0.0.10 unless given."""
    network_policy: NotRequired[str]
    """Network policy engine, one of cilium, azure (cilium also makes Cilium the dataplane); cilium unless given."""
    outbound_type: NotRequired[str]
    """Egress, one of loadBalancer, userDefinedRouting, managedNATGateway, userAssignedNATGateway; loadBalancer
    unless given."""
    admin_group_object_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Entra ID groups that are cluster admins; none unless given (grant access with Azure RBAC roles)."""
    tenant_id: NotRequired[pulumi.Input[str]]
    """Entra ID tenant; the deployment's tenant unless given."""
    disable_local_accounts: NotRequired[bool]
    """True unless given: only Entra ID identities can sign in (no static admin certificate)."""
    upgrade_channel: NotRequired[str]
    """Kubernetes auto-upgrade, one of none, patch, stable, rapid, node-image; patch unless given."""
    node_os_upgrade_channel: NotRequired[str]
    """Node OS upgrades, one of None, Unmanaged, NodeImage, SecurityPatch; NodeImage unless given."""
    upgrade_window: NotRequired[AksMaintenanceWindowArgs]
    """Weekly window for Kubernetes upgrades; AKS may upgrade at any time unless given."""
    node_os_upgrade_window: NotRequired[AksMaintenanceWindowArgs]
    """Weekly window for node OS upgrades; `upgrade_window` unless given."""
    log_analytics_workspace_id: NotRequired[pulumi.Input[str]]
    """Container Insights (omsagent with Entra ID auth) into this workspace; no Container Insights unless given."""
    managed_prometheus: NotRequired[bool]
    """Turn on the AKS metrics add-on (`azureMonitorProfile.metrics`), which scrapes into managed Prometheus
    through the data collection rule associated with the cluster (see Monitoring); off unless given."""
    defender: NotRequired[bool]
    """Microsoft Defender for Containers sensor, reporting to `log_analytics_workspace_id`; off unless given."""
    azure_policy: NotRequired[bool]
    """Azure Policy add-on (Gatekeeper); on unless given."""
    key_vault_secrets_provider: NotRequired[bool]
    """Key Vault CSI driver with secret rotation every 2 minutes; on unless given."""
    encryption_at_host: NotRequired[bool]
    """Encrypt temp and cache disks on the hosts (needs the subscription feature EncryptionAtHost); on unless given."""
    kms: NotRequired[AksKmsArgs]
    """Encrypt Kubernetes secrets in etcd with a customer-managed Key Vault key (KMS v2 on Kubernetes 1.27 and
    later): securityProfile.azureKeyVaultKms. KMS needs a user-assigned control-plane identity, so the component
    creates one (`<name>-id`) and grants it the vault roles before the cluster is created
    (learn.microsoft.com/azure/aks/use-kms-etcd-encryption). Secrets stay encrypted only with Azure's platform
    keys unless given."""
    managed_identities: NotRequired[ManagedIdentitiesArgs]
    """Control-plane identity: one user-assigned id, or system-assigned unless given. Not with
    `private_dns_zone_id`, `api_server_subnet_id` or `kms`: the component then creates the identity itself."""
    kubelogin_mode: NotRequired[str]
    """How the Kubernetes provider signs in, one of azurecli, workloadidentity: "azurecli" (az login on the deploying machine) unless given,
    or "workloadidentity" (a CI runner with AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_FEDERATED_TOKEN_FILE)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the cluster and its pools."""
    lock: NotRequired[LockArgs]
    """Management lock on the cluster; none unless given. A CanNotDelete lock also covers the cluster's child
    resources: removing a user pool then needs the lock lifted first (locks are inherited by child resources,
    learn.microsoft.com/azure/azure-resource-manager/management/lock-resources)."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the cluster: `pulumi destroy` or a change that would replace it stops instead; off unless
    given."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """Control-plane logs (API server, audit, ...) to a workspace; none unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Role assignments on the cluster (e.g. Azure Kubernetes Service RBAC Reader); none unless given."""
