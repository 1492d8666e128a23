import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import CanaryRouting

# In a real program: provider = AksCluster(...).kubernetes_provider, crds_ready = ServiceMesh(...).crds_ready.
provider = k8s.Provider("cluster", kubeconfig=pulumi.Config().require_secret("kubeconfig"))
routing = CanaryRouting("payments-api", {
    "provider": provider,
    "crds_ready": [],
    "namespace": "payments-api",
    "service": "payments-api",
    "port": 8080,
    "steps": [10, 25, 50, 100],
    "weights": {"stable": 90, "canary": 10},
    "header_route": {"name": "x-canary", "value": "always"},
})
