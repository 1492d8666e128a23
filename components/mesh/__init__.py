"""ServiceMesh: the component (component.py), its arguments (args.py) and the Helm values it gives each chart
(_values.py)."""

from sentimark_platform.components.mesh.args import (
    AnalysisPrometheusArgs,
    InClusterPrometheusArgs,
    IngressGatewayArgs,
    ServiceMeshArgs,
    ServiceMeshChartsArgs,
)
from sentimark_platform.components.mesh.component import INGRESS_NAMESPACE, ISTIO_NAMESPACE, ServiceMesh, gateway_spec

__all__ = [
    "INGRESS_NAMESPACE",
    "ISTIO_NAMESPACE",
    "AnalysisPrometheusArgs",
    "InClusterPrometheusArgs",
    "IngressGatewayArgs",
    "ServiceMesh",
    "ServiceMeshArgs",
    "ServiceMeshChartsArgs",
    "gateway_spec",
]
