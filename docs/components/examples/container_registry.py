from sentimark_platform.components import ContainerRegistry

registry = ContainerRegistry("registry", {
    "resource_group_name": "rg-payments-dev-weu",
    "sku": "Standard",
    "resource_name": "crpaymentsdevweu",
    # e.g. {"aks": cluster.kubelet_identity_object_id}: those identities may pull images.
    "pull_principal_ids": {"aks": "44444444-4444-4444-4444-444444444444"},
})
