import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import AppNamespace

# In a real program: provider = AksCluster(...).kubernetes_provider, crds_ready = ServiceMesh(...).crds_ready.
provider = k8s.Provider("cluster", kubeconfig=pulumi.Config().require_secret("kubeconfig"))
api = AppNamespace("payments-api", {
    "provider": provider,
    "application": "payments-api",
    "cpu_quota": "4",
    "memory_quota": "8Gi",
    "container_defaults": {"cpu_request": "250m", "memory_request": "256Mi"},
    "egress": {"postgres": {"cidr": "10.20.64.0/21", "ports": [5432]}},
})
