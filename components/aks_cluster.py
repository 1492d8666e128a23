"""An AKS cluster with Entra ID, workload identity, Azure CNI overlay, and a ready Kubernetes provider.

Only the system pool is inline in `agentPoolProfiles`; user pools are separate `AgentPool` resources, since
Azure cannot update inline profiles in place. Autoscaled node counts, and Kubernetes versions under an
auto-upgrade channel, are in `ignore_changes`: Azure changes them, and a preview would otherwise show drift.
"""

import base64
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict, cast

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice as cs
from pulumi_azure_native import managedidentity

from sentimark_platform.components._aks_profiles import DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR
from sentimark_platform.components._aks_profiles import cluster_args as _cluster_args
from sentimark_platform.components._aks_profiles import maintenance_window as _window
from sentimark_platform.components._aks_profiles import user_pool_args as _user_pool_args
from sentimark_platform.components._aks_rules import rules as _rules
from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    LockArgs,
    ManagedIdentitiesArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_role_assignments,
)
from sentimark_platform.components._kubeconfig import convert_kubeconfig
from sentimark_platform.components._sdk import new_resource
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import check_arguments

__all__ = ["DEFAULT_POD_CIDR", "DEFAULT_SERVICE_CIDR", "AksCluster", "AksClusterArgs", "AksMaintenanceWindowArgs",
           "AksSystemPoolArgs", "AksUserPoolArgs"]



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
    managed_identities: NotRequired[ManagedIdentitiesArgs]
    """Control-plane identity: one user-assigned id, or system-assigned unless given."""
    kubelogin_mode: NotRequired[str]
    """How the Kubernetes provider signs in, one of azurecli, workloadidentity: "azurecli" (az login on the deploying machine) unless given,
    or "workloadidentity" (a CI runner with AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_FEDERATED_TOKEN_FILE)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the cluster and its pools."""
    lock: NotRequired[LockArgs]
    """Management lock on the cluster; none unless given."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """Control-plane logs (API server, audit, ...) to a workspace; none unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Role assignments on the cluster (e.g. Azure Kubernetes Service RBAC Reader); none unless given."""


class AksCluster(pulumi.ComponentResource):
    """An AKS cluster, its user pools, maintenance windows and a Kubernetes provider for it."""

    name: pulumi.Output[str]
    """Azure name of the cluster."""
    resource_id: pulumi.Output[str]
    """Resource id of the cluster."""
    principal_id: pulumi.Output[str | None]
    """Principal of the system-assigned control-plane identity (None with a user-assigned one)."""
    oidc_issuer_url: pulumi.Output[str]
    """The cluster's OIDC issuer URL, for workload identity federated credentials."""
    kubelet_identity_object_id: pulumi.Output[str]
    """Object id of the kubelet identity (e.g. for AcrPull on a registry)."""
    kubelet_identity_client_id: pulumi.Output[str]
    """Client id of the kubelet identity."""
    kubeconfig: pulumi.Output[str]
    """A secret: the user kubeconfig, converted for non-interactive kubelogin (other languages build their
    Kubernetes provider from it)."""
    # `kubernetes_provider` (a pulumi_kubernetes.Provider for the cluster) is annotated where it is assigned in
    # __init__, not here: class annotations form the any-language schema, and a provider reference is not part
    # of it (see docs/any-language.md).

    def _control_plane_identity(
        self, name: str, args: AksClusterArgs, tags: dict[str, str]
    ) -> tuple[pulumi.Output[str], list[pulumi.Resource]] | None:
        """With a caller's private DNS zone: the control plane's own identity and its two grants (the id, and the
        assignments the cluster must wait for). None otherwise."""
        zone = args.get("private_dns_zone_id")
        if zone is None:
            return None
        identity = new_resource(
            managedidentity.UserAssignedIdentity,
            f"{name}-id",
            managedidentity.UserAssignedIdentityArgs(
                resource_group_name=args["resource_group_name"],
                location=args.get("location"),
                resource_name=f"id-{args['resource_name']}" if "resource_name" in args else None,
                tags=tags or None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        principal: RoleAssignmentArgs = {"role": "Private DNS Zone Contributor", "principal_id": identity.principal_id,
                                          "principal_type": "ServicePrincipal"}
        grants: list[pulumi.Resource] = [
            *apply_role_assignments(f"{name}-id-zone", scope_id=zone, assignments={"dns": principal}, parent=identity).values(),
            *apply_role_assignments(
                f"{name}-id-subnet",
                scope_id=args["node_subnet_id"],
                assignments={"network": {**principal, "role": "Network Contributor"}},
                parent=identity,
            ).values(),
        ]
        return cast("pulumi.Output[str]", identity.id), grants

    def __init__(self, name: str, args: AksClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("AksCluster", args, AksClusterArgs, lambda: _rules(args))
        super().__init__("sentimark:index:AksCluster", name, None, opts)
        tags = merge_tags(args.get("tags") or {}, None)
        channel = args.get("upgrade_channel", "patch")
        versioned = channel != "none"
        system = args["system_pool"]
        cluster_ignores = (["agentPoolProfiles[0].count"] if "max_count" in system else []) + (
            ["kubernetesVersion", "agentPoolProfiles[0].orchestratorVersion"] if versioned else []
        )
        control_plane = self._control_plane_identity(name, args, tags)
        cluster = new_resource(
            cs.ManagedCluster,
            f"{name}-aks",
            _cluster_args(name, args, tags, control_plane[0] if control_plane else None),
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=cluster_ignores or None,
                # AKS checks its identity's rights on the zone and subnet when it creates the cluster.
                depends_on=control_plane[1] if control_plane else None,
            ),
        )
        rg = args["resource_group_name"]
        pools: list[cs.AgentPool] = []
        self.user_pools: dict[str, cs.AgentPool] = {}
        """Python only (the any-language schema references no other package's resources): the user node pools by the
        keys of `user_pools` (the system pool is inline in the cluster), for a caller's dependencies or settings."""
        for key, pool in (args.get("user_pools") or {}).items():
            pools.append(
                new_resource(
                    cs.AgentPool,
                    f"{name}-np-{key}",
                    _user_pool_args(key, pool, rg, cluster.name, args, tags),
                    # One pool operation at a time: AKS answers 409 to concurrent operations on a cluster.
                    opts=pulumi.ResourceOptions(
                        parent=self,
                        depends_on=pools[-1:],
                        ignore_changes=["count", *(["orchestratorVersion"] if versioned else [])],
                    ),
                )
            )
            self.user_pools[key] = pools[-1]
        windows = {
            "aksManagedAutoUpgradeSchedule": (args.get("upgrade_window") if versioned else None, "mw-upgrade"),
            "aksManagedNodeOSUpgradeSchedule": (
                args.get("node_os_upgrade_window", args.get("upgrade_window"))
                if args.get("node_os_upgrade_channel", "NodeImage") not in ("None", "Unmanaged")
                else None,
                "mw-nodeos",
            ),
        }
        for config_name, (window, abbr) in windows.items():
            if window is not None:
                new_resource(
                    cs.MaintenanceConfiguration,
                    f"{name}-{abbr}",
                    cs.MaintenanceConfigurationArgs(
                        resource_group_name=rg,
                        resource_name=cluster.name,
                        config_name=config_name,
                        maintenance_window=_window(window),
                    ),
                    opts=pulumi.ResourceOptions(parent=self, depends_on=pools[-1:]),
                )
        apply_diagnostic_settings(name, resource_id=cluster.id, settings=args.get("diagnostic_settings"), parent=self)
        apply_lock(name, scope_id=cluster.id, lock=args.get("lock"), parent=self)
        apply_role_assignments(name, scope_id=cluster.id, assignments=args.get("role_assignments"), parent=self)

        mode = args.get("kubelogin_mode", "azurecli")
        credentials = cs.list_managed_cluster_user_credentials_output(
            resource_group_name=rg, resource_name=cluster.name, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        # Entra ID clusters return an exec/devicecode user kubeconfig, whether or not local accounts are
        # disabled; we never fetch admin credentials.
        self.kubeconfig = pulumi.Output.secret(
            credentials.apply(lambda c: convert_kubeconfig(base64.b64decode(c.kubeconfigs[0].value).decode(), mode))
        )
        self.kubernetes_provider: k8s.Provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=self.kubeconfig,
            # Replace the provider (and so every Kubernetes resource) only if the cluster itself changes,
            # not when a credential rotation changes the kubeconfig text.
            cluster_identifier=cluster.id,
            enable_server_side_apply=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=pools),
        )
        """Python only: a Kubernetes provider for the cluster (kubelogin, server-side apply), for Kubernetes
        resources and the mesh, namespace and workload identity components."""
        self.name = cluster.name
        self.resource_id = cluster.id
        user_assigned = (args.get("managed_identities") or {}).get("user_assigned_resource_ids") or control_plane
        self.principal_id = (
            pulumi.Output.from_input(None)
            if user_assigned
            else cluster.identity.apply(lambda i: i.principal_id if i else None)
        )
        subnet = args.get("node_subnet_id")
        if subnet is not None and not user_assigned:
            # In a caller's subnet the control plane manages load balancer IPs and the private endpoint; the
            # Azure CLI grants this role itself, ARM does not. (A user-assigned identity: the caller grants it.)
            apply_role_assignments(
                f"{name}-subnet",
                scope_id=subnet,
                assignments={"network": {"role": "Network Contributor", "principal_id": cast("pulumi.Output[str]", self.principal_id),
                                         "principal_type": "ServicePrincipal"}},
                parent=self,
            )
        self.oidc_issuer_url = cluster.oidc_issuer_profile.apply(lambda p: p.issuer_url)
        kubelet = cluster.identity_profile.apply(lambda p: (p or {})["kubeletidentity"])
        self.kubelet_identity_object_id = kubelet.apply(lambda k: k.object_id)
        self.kubelet_identity_client_id = kubelet.apply(lambda k: k.client_id)
        self.register_outputs(
            {
                "name": self.name,
                "resource_id": self.resource_id,
                "principal_id": self.principal_id,
                "oidc_issuer_url": self.oidc_issuer_url,
                "kubelet_identity_object_id": self.kubelet_identity_object_id,
                "kubelet_identity_client_id": self.kubelet_identity_client_id,
            }
        )

