import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import WorkloadIdentity

# In a real program: cluster = AksCluster(...); its oidc_issuer_url and kubernetes_provider.
provider = k8s.Provider("cluster", kubeconfig=pulumi.Config().require_secret("kubeconfig"))
api = WorkloadIdentity("payments-api", {
    "resource_group_name": "rg-payments-dev-weu",
    "oidc_issuer_url": "https://westeurope.oic.prod-aks.azure.com/11111111-1111-1111-1111-111111111111/cluster/",
    "kubernetes_provider": provider,
    "federated_credentials": {"payments-api": {"namespace": "payments", "service_account": "payments-api"}},
    "role_grants": {
        "vault": {"role": "Key Vault Secrets User",
                  "scope_id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-payments-dev-weu"
                              "/providers/Microsoft.KeyVault/vaults/kv-payments-dev-weu"},
    },
})
# Pods use it with serviceAccountName payments-api and the label azure.workload.identity/use: "true".
