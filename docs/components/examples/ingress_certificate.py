import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import IngressCertificate

# In a real program: cluster = AksCluster(...), mesh = ServiceMesh(...) with
# ingress_gateway {"hosts": ["api.payments.example.com"], "tls_credential_name": "ingress-tls"}.
provider = k8s.Provider("cluster", kubeconfig=pulumi.Config().require_secret("kubeconfig"))
vault_id = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-payments-prod-weu"
            "/providers/Microsoft.KeyVault/vaults/kv-payments-prod-weu")
tls = IngressCertificate("ingress-tls", {
    "provider": provider,
    "resource_group_name": "rg-payments-prod-weu",
    "oidc_issuer_url": "https://westeurope.oic.prod-aks.azure.com/11111111-1111-1111-1111-111111111111/cluster/",
    "key_vault_id": vault_id,
    "key_vault_name": "kv-payments-prod-weu",
    "tenant_id": "11111111-1111-1111-1111-111111111111",
    # Imported by the team that owns the domain's public certificates (PFX or PEM with the private key).
    "certificate_name": "api-payments-example-com",
})
pulumi.export("tlsSecret", tls.secret_name)  # "ingress-tls" in istio-ingress
