import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import GitOps

# In a real program: cluster = AksCluster(...), vault = KeyVault(...), and AppNamespace(...) per application.
provider = k8s.Provider("cluster", kubeconfig=pulumi.Config().require_secret("kubeconfig"))
tenant = "11111111-1111-1111-1111-111111111111"
gitops = GitOps("gitops", {
    "provider": provider,
    "chart": {"repository": "https://argoproj.github.io/argo-helm", "version": "9.1.0"},
    "tenant_id": tenant,
    # The app registration created once per environment (docs/gitops.md) and the Entra groups RBAC maps to roles.
    "sso": {"client_id": "22222222-2222-2222-2222-222222222222",
            "admin_groups": ["33333333-3333-3333-3333-333333333333"],
            "readonly_groups": ["44444444-4444-4444-4444-444444444444"]},
    "project": "payments-prod",
    "repository": {
        "url": "https://github.com/example/payments-deploy.git",
        "revision": "release/prod",
        # A GitHub App whose private key someone put into the vault; only the secret's name is in the plan.
        "credentials": {
            "github_app_id": 123456,
            "github_app_installation_id": 7890123,
            "private_key_secret_name": "argocd-github-app-key",
            "key_vault_id": ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-payments-prod-weu"
                             "/providers/Microsoft.KeyVault/vaults/kv-payments-prod-weu"),
            "key_vault_name": "kv-payments-prod-weu",
            "resource_group_name": "rg-payments-prod-weu",
            "oidc_issuer_url": f"https://westeurope.oic.prod-aks.azure.com/{tenant}/cluster/",
        },
    },
    "applications": {"payments-api": {"path": "apps/payments-api/overlays/prod"}},
    "auto_sync": False,  # a person starts every sync in prod
    "high_availability": True,
})
pulumi.export("argocdProject", gitops.project_name)
