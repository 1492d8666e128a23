"""The payments team's platform: an AKS cluster, a Key Vault, and a workload identity for the payments API.

It uses the sentimark-platform package as installed from its release wheel (requirements.txt), nothing else of that
repository. The tests preview it offline in a fresh virtual environment (tests/consumer/).
"""

import pulumi
from pulumi_azure_native import resources

from sentimark_platform.components import AksCluster, KeyVault, WorkloadIdentity, region_code, resource_name

TENANT = "11111111-1111-1111-1111-111111111111"
ADMINS = "33333333-3333-3333-3333-333333333333"
OFFICE = "203.0.113.0/24"
NAMING = {"workload": "payments", "environment": "dev", "region": region_code("westeurope")}

group = resources.ResourceGroup(
    "rg", resource_group_name=resource_name("resource_group", **NAMING), location="westeurope"
)
cluster = AksCluster("aks", {
    "resource_group_name": group.name,
    "resource_name": resource_name("kubernetes_cluster", **NAMING),
    "tier": "Free",
    "private_cluster": False,
    "api_server_authorized_ip_ranges": [OFFICE],
    "admin_group_object_ids": [ADMINS],
    "system_pool": {"vm_size": "Standard_D2s_v5", "node_count": 1},
    "user_pools": {"apps": {"vm_size": "Standard_D4s_v5", "min_count": 0, "max_count": 2}},
    "tags": {"team": "payments"},
})
vault = KeyVault("kv", {
    "resource_group_name": group.name,
    "tenant_id": TENANT,
    "soft_delete_retention_days": 7,
    "public_network_access": {"allowed_ip_ranges": [OFFICE]},
    "tags": {"team": "payments"},
})
api = WorkloadIdentity("payments-api", {
    "resource_group_name": group.name,
    "oidc_issuer_url": cluster.oidc_issuer_url,
    "kubernetes_provider": cluster.kubernetes_provider,
    "federated_credentials": {"payments-api": {"namespace": "payments", "service_account": "payments-api"}},
    "role_grants": {"vault": {"role": "Key Vault Secrets User", "scope_id": vault.resource_id}},
    "secret_provider_class": {
        "name": "payments-api-secrets",
        "namespace": "payments",
        "key_vault_name": vault.name,
        "tenant_id": TENANT,
        "objects": [{"object_name": "payments-db", "object_type": "secret"}],
    },
    "tags": {"team": "payments"},
})

pulumi.export("cluster", cluster.name)
pulumi.export("vaultUri", vault.vault_uri)
pulumi.export("apiClientId", api.client_id)
