"""An AKS cluster with Entra ID, workload identity, Azure CNI overlay, and a ready Kubernetes provider.

Only the system pool is inline in `agentPoolProfiles`; user pools are separate `AgentPool` resources, since
Azure cannot update inline profiles in place. Autoscaled node counts, and Kubernetes versions under an
auto-upgrade channel, are in `ignore_changes`: Azure changes them, and a preview would otherwise show drift.
"""

import base64
from typing import cast

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import containerservice as cs
from pulumi_azure_native import managedidentity

from sentimark_platform.components._interfaces import (
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_role_assignments,
)
from sentimark_platform.components._kubeconfig import convert_kubeconfig
from sentimark_platform.components._sdk import new_resource
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import check_arguments
from sentimark_platform.components.aks._profiles import cluster_args as _cluster_args
from sentimark_platform.components.aks._profiles import maintenance_window as _window
from sentimark_platform.components.aks._profiles import user_pool_args as _user_pool_args
from sentimark_platform.components.aks._rules import rules as _rules
from sentimark_platform.components.aks.args import DEFAULT_KMS_NETWORK_ACCESS, AksClusterArgs, AksKmsArgs

__all__ = ["AksCluster"]


def _kms_grants(kms: AksKmsArgs, principal: RoleAssignmentArgs) -> dict[str, RoleAssignmentArgs]:
    """The vault roles of learn.microsoft.com/azure/aks/use-kms-etcd-encryption ("Assign permissions ..."): Key Vault
    Crypto User (encrypt and decrypt), and for a private vault Key Vault Contributor, which lets AKS create and
    approve its private endpoint connection to the vault."""
    grants: dict[str, RoleAssignmentArgs] = {
        "crypto": {**principal, "role": "Key Vault Crypto User",
                   "description": "AKS KMS: encrypt and decrypt etcd's data encryption keys with the cluster's key"},
    }
    if kms.get("network_access", DEFAULT_KMS_NETWORK_ACCESS) == "Private":
        grants["vault"] = {**principal, "role": "Key Vault Contributor",
                           "description": "AKS KMS: private endpoint from the cluster's API server to this vault"}
    return grants


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
        """With a caller's private DNS zone, an API server subnet or KMS: the control plane's own identity and its
        grants (the id, and the assignments the cluster must wait for: AKS checks them when it creates the cluster).
        None otherwise: the cluster keeps a system-assigned identity, which exists only once the cluster does."""
        zone = args.get("private_dns_zone_id")
        api_server_subnet = args.get("api_server_subnet_id")
        kms = args.get("kms")
        if zone is None and api_server_subnet is None and kms is None:
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
        grants: list[pulumi.Resource] = []
        if zone is not None:
            grants += apply_role_assignments(f"{name}-id-zone", scope_id=zone, assignments={"dns": principal},
                                             parent=identity).values()
        if args.get("node_subnet_id") is not None:
            grants += apply_role_assignments(
                f"{name}-id-subnet",
                scope_id=args["node_subnet_id"],
                assignments={"network": {**principal, "role": "Network Contributor"}},
                parent=identity,
            ).values()
        if api_server_subnet is not None:
            # "The cluster identity needs permissions to both the API server subnet and the node subnet"
            # (learn.microsoft.com/azure/aks/api-server-vnet-integration).
            grants += apply_role_assignments(
                f"{name}-id-apiserver",
                scope_id=api_server_subnet,
                assignments={"network": {**principal, "role": "Network Contributor",
                                         "description": "AKS API Server VNet Integration: the API server's load balancer in this subnet"}},
                parent=identity,
            ).values()
        if kms is not None:
            grants += apply_role_assignments(
                f"{name}-id-kms", scope_id=kms["key_vault_id"], assignments=_kms_grants(kms, principal), parent=identity
            ).values()
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
                protect=args.get("protect") or None,
                ignore_changes=cluster_ignores or None,
                # AKS checks its identity's rights on the zone, the subnets and the key vault when it creates the
                # cluster (KMS: "The key vault access policy must be set before the feature is turned on").
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

