import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import ServiceMesh

ISTIO = "https://istio-release.storage.googleapis.com/charts"
ARGO = "https://argoproj.github.io/argo-helm"
# In a real program: provider = AksCluster(...).kubernetes_provider.
provider = k8s.Provider("cluster", kubeconfig=pulumi.Config().require_secret("kubeconfig"))
mesh = ServiceMesh("mesh", {
    "provider": provider,
    "charts": {
        "istio_base": {"repository": ISTIO, "version": "1.27.3"},
        "istiod": {"repository": ISTIO, "version": "1.27.3"},
        "istio_gateway": {"repository": ISTIO, "version": "1.27.3"},
        "argo_rollouts": {"repository": ARGO, "version": "2.40.5"},
    },
    "ingress_gateway": {"load_balancer": "public", "hosts": ["*.payments.example.com"]},
})
# mesh.crds_ready goes into AppNamespace and CanaryRouting; mesh.shared_gateway into CanaryRouting's gateways.
