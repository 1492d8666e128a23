from sentimark_platform.components import AksCluster

cluster = AksCluster("aks", {
    "resource_group_name": "rg-payments-prod-weu",
    "resource_name": "aks-payments-prod-weu",
    "tier": "Standard",
    "node_subnet_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-payments-prod-weu"
                      "/providers/Microsoft.Network/virtualNetworks/vnet-payments-prod-weu/subnets/snet-aks",
    "admin_group_object_ids": ["33333333-3333-3333-3333-333333333333"],
    "system_pool": {"vm_size": "Standard_D4ds_v5", "node_count": 3, "zones": ["1", "2", "3"]},
    "user_pools": {"apps": {"vm_size": "Standard_D8s_v5", "min_count": 3, "max_count": 10, "zones": ["1", "2", "3"]}},
    "upgrade_window": {"day_of_week": "Sunday", "start_time": "02:00"},
    "lock": {"kind": "CanNotDelete"},
})
# cluster.kubernetes_provider deploys Kubernetes resources to it; cluster.oidc_issuer_url feeds WorkloadIdentity.
