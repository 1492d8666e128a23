"""The ARM shapes AksCluster sends: the cluster with its inline system pool, user pools, maintenance windows."""

from __future__ import annotations

import pulumi
from pulumi_azure_native import containerservice as cs

from sentimark_platform.components.aks.args import (
    DEFAULT_KMS_NETWORK_ACCESS,
    DEFAULT_POD_CIDR,
    DEFAULT_SERVICE_CIDR,
    AksClusterArgs,
    AksKmsArgs,
    AksMaintenanceWindowArgs,
    AksUserPoolArgs,
)

__all__ = ["cluster_args", "maintenance_window", "user_pool_args"]

_SPOT_LABEL = ("kubernetes.azure.com/scalesetpriority", "spot")
_SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
_SYSTEM_TAINT = "CriticalAddonsOnly=true:NoSchedule"




def _kms_profile(kms: AksKmsArgs | None) -> cs.AzureKeyVaultKmsArgs | None:
    """securityProfile.azureKeyVaultKms (ManagedCluster API 2025-09-01): keyVaultResourceId only with Private access,
    where it is required; with Public it must stay empty (the API's field descriptions)."""
    if kms is None:
        return None
    access = kms.get("network_access", DEFAULT_KMS_NETWORK_ACCESS)
    private = access == "Private"
    return cs.AzureKeyVaultKmsArgs(
        enabled=True,
        key_id=kms["key_id"],
        key_vault_network_access=access,
        key_vault_resource_id=kms["key_vault_id"] if private else None,
    )


def cluster_args(
    name: str, args: AksClusterArgs, tags: dict[str, str], control_plane_identity_id: pulumi.Input[str] | None = None
) -> cs.ManagedClusterArgs:
    system = args["system_pool"]
    private = args.get("private_cluster", True)
    policy = args.get("network_policy", "cilium")
    workspace = args.get("log_analytics_workspace_id")
    addons: dict[str, cs.ManagedClusterAddonProfileArgs] = {
        "kubeDashboard": cs.ManagedClusterAddonProfileArgs(enabled=False),
        "azurepolicy": cs.ManagedClusterAddonProfileArgs(enabled=args.get("azure_policy", True)),
        "azureKeyvaultSecretsProvider": cs.ManagedClusterAddonProfileArgs(
            enabled=args.get("key_vault_secrets_provider", True),
            config={"enableSecretRotation": "true", "rotationPollInterval": "2m"},
        ),
    }
    if workspace is not None:
        addons["omsagent"] = cs.ManagedClusterAddonProfileArgs(
            enabled=True, config={"logAnalyticsWorkspaceResourceID": workspace, "useAADAuth": "true"}
        )
    user_assigned = list((args.get("managed_identities") or {}).get("user_assigned_resource_ids") or [])
    if control_plane_identity_id is not None:
        user_assigned = [control_plane_identity_id]
    identity = (
        cs.ManagedClusterIdentityArgs(type=cs.ResourceIdentityType.USER_ASSIGNED, user_assigned_identities=user_assigned)
        if user_assigned
        else cs.ManagedClusterIdentityArgs(type=cs.ResourceIdentityType.SYSTEM_ASSIGNED)
    )
    autoscale = "max_count" in system
    return cs.ManagedClusterArgs(
        resource_group_name=args["resource_group_name"],
        resource_name=args.get("resource_name"),
        location=args.get("location"),
        dns_prefix=args.get("dns_prefix", args.get("resource_name", name)),
        kubernetes_version=args.get("kubernetes_version"),
        sku=cs.ManagedClusterSKUArgs(name="Base", tier=args.get("tier", "Standard")),
        identity=identity,
        enable_rbac=True,
        disable_local_accounts=args.get("disable_local_accounts", True),
        aad_profile=cs.ManagedClusterAADProfileArgs(
            managed=True,
            enable_azure_rbac=True,
            admin_group_object_ids=list(args.get("admin_group_object_ids") or []) or None,
            tenant_id=args.get("tenant_id"),
        ),
        oidc_issuer_profile=cs.ManagedClusterOIDCIssuerProfileArgs(enabled=True),
        security_profile=cs.ManagedClusterSecurityProfileArgs(
            workload_identity=cs.ManagedClusterSecurityProfileWorkloadIdentityArgs(enabled=True),
            image_cleaner=cs.ManagedClusterSecurityProfileImageCleanerArgs(enabled=True, interval_hours=168),
            defender=(
                cs.ManagedClusterSecurityProfileDefenderArgs(
                    log_analytics_workspace_resource_id=workspace,
                    security_monitoring=cs.ManagedClusterSecurityProfileDefenderSecurityMonitoringArgs(enabled=True),
                )
                if args.get("defender", False)
                else None
            ),
            azure_key_vault_kms=_kms_profile(args.get("kms")),
        ),
        api_server_access_profile=cs.ManagedClusterAPIServerAccessProfileArgs(
            enable_private_cluster=private,
            private_dns_zone=args.get("private_dns_zone_id", "system") if private else None,
            enable_private_cluster_public_fqdn=False if private else None,
            authorized_ip_ranges=list(args.get("api_server_authorized_ip_ranges") or []) or None,
            enable_vnet_integration=True if args.get("api_server_subnet_id") is not None else None,
            subnet_id=args.get("api_server_subnet_id"),
        ),
        network_profile=cs.ContainerServiceNetworkProfileArgs(
            network_plugin="azure",
            network_plugin_mode="overlay",
            network_dataplane="cilium" if policy == "cilium" else "azure",
            network_policy=policy,
            pod_cidr=args.get("pod_cidr", DEFAULT_POD_CIDR),
            service_cidr=args.get("service_cidr", DEFAULT_SERVICE_CIDR),
            dns_service_ip=args.get("dns_service_ip", "10.0.0.10"),
            load_balancer_sku="standard",
            outbound_type=args.get("outbound_type", "loadBalancer"),
        ),
        auto_upgrade_profile=cs.ManagedClusterAutoUpgradeProfileArgs(
            upgrade_channel=args.get("upgrade_channel", "patch"),
            node_os_upgrade_channel=args.get("node_os_upgrade_channel", "NodeImage"),
        ),
        addon_profiles=addons,
        azure_monitor_profile=(
            cs.ManagedClusterAzureMonitorProfileArgs(metrics=cs.ManagedClusterAzureMonitorProfileMetricsArgs(enabled=True))
            if args.get("managed_prometheus", False)
            else None
        ),
        agent_pool_profiles=[
            cs.ManagedClusterAgentPoolProfileArgs(
                name=system.get("name", "system"),
                mode="System",
                vm_size=system["vm_size"],
                count=system["node_count"],
                enable_auto_scaling=autoscale,
                min_count=system["node_count"] if autoscale else None,
                max_count=system.get("max_count"),
                availability_zones=list(system.get("zones") or []) or None,
                max_pods=system.get("max_pods", 110),
                node_taints=[_SYSTEM_TAINT] if system.get("critical_addons_only", True) else None,
                os_type="Linux",
                os_sku="AzureLinux",
                os_disk_type=system.get("os_disk_type", "Managed"),
                os_disk_size_gb=system.get("os_disk_size_gb"),
                enable_encryption_at_host=args.get("encryption_at_host", True),
                enable_node_public_ip=False,
                type="VirtualMachineScaleSets",
                vnet_subnet_id=args.get("node_subnet_id"),
                orchestrator_version=args.get("kubernetes_version"),
                tags=tags or None,
            )
        ],
        tags=tags or None,
    )


def user_pool_args(
    key: str, pool: AksUserPoolArgs, rg: pulumi.Input[str], cluster_name: pulumi.Input[str],
    args: AksClusterArgs, tags: dict[str, str],
) -> cs.AgentPoolArgs:
    spot = pool.get("spot", False)
    labels = dict(pool.get("labels") or {})
    taints = list(pool.get("taints") or [])
    if spot:
        # Azure adds these to spot nodes itself; declaring them keeps previews free of drift.
        labels.setdefault(*_SPOT_LABEL)
        taints += [] if _SPOT_TAINT in taints else [_SPOT_TAINT]
    return cs.AgentPoolArgs(
        resource_group_name=rg,
        resource_name=cluster_name,
        agent_pool_name=key,
        mode="User",
        vm_size=pool["vm_size"],
        count=pool["min_count"],
        enable_auto_scaling=True,
        min_count=pool["min_count"],
        max_count=pool["max_count"],
        availability_zones=list(pool.get("zones") or []) or None,
        max_pods=pool.get("max_pods", 110),
        node_labels=labels or None,
        node_taints=taints or None,
        os_type="Linux",
        os_sku="AzureLinux",
        os_disk_type=pool.get("os_disk_type", "Managed"),
        os_disk_size_gb=pool.get("os_disk_size_gb"),
        enable_encryption_at_host=args.get("encryption_at_host", True),
        enable_node_public_ip=False,
        type="VirtualMachineScaleSets",
        vnet_subnet_id=args.get("node_subnet_id"),
        orchestrator_version=args.get("kubernetes_version"),
        scale_set_priority="Spot" if spot else None,
        scale_set_eviction_policy="Delete" if spot else None,
        spot_max_price=-1 if spot else None,
        tags=tags or None,
    )


def maintenance_window(window: AksMaintenanceWindowArgs) -> cs.MaintenanceWindowArgs:
    return cs.MaintenanceWindowArgs(
        schedule=cs.ScheduleArgs(weekly=cs.WeeklyScheduleArgs(day_of_week=window["day_of_week"], interval_weeks=1)),
        start_time=window["start_time"],
        duration_hours=window.get("duration_hours", 4),
        utc_offset=window.get("utc_offset", "+00:00"),
    )
