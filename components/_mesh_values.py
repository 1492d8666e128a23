"""The Helm values ServiceMesh gives each chart: typed, and only what differs from the charts' defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from components.service_mesh import InClusterPrometheusArgs, IngressGatewayArgs

__all__ = ["PROMETHEUS_FULLNAME", "argocd_values", "gateway_values", "istiod_values", "prometheus_values",
           "rollouts_values"]

PROMETHEUS_FULLNAME = "kube-prometheus-stack"


class _Autoscale(TypedDict):
    minReplicas: int
    maxReplicas: int


class _ServiceValues(TypedDict):
    type: Literal["LoadBalancer"]
    annotations: dict[str, str]


class _GatewayValues(TypedDict):
    service: _ServiceValues
    autoscaling: _Autoscale


class _PilotValues(TypedDict):
    autoscaleMin: int
    replicaCount: int


class _IstiodValues(TypedDict):
    pilot: _PilotValues
    meshConfig: dict[str, Any]


class _Replicas(TypedDict):
    replicas: int


class _Enabled(TypedDict):
    enabled: bool


_ArgoCdValues = TypedDict("_ArgoCdValues", {
    "dex": _Enabled, "controller": _Replicas, "server": _Replicas, "repoServer": _Replicas, "redis-ha": _Enabled,
})


class _RolloutsValues(TypedDict):
    controller: _Replicas
    dashboard: _Enabled


class _PrometheusSpec(TypedDict):
    retention: str
    serviceMonitorSelectorNilUsesHelmValues: bool
    podMonitorSelectorNilUsesHelmValues: bool


class _PrometheusValues(TypedDict):
    prometheusSpec: _PrometheusSpec


class _KubePrometheusStackValues(TypedDict):
    fullnameOverride: str
    grafana: _Enabled
    prometheus: _PrometheusValues


def istiod_values(ha: bool) -> _IstiodValues:
    replicas = 2 if ha else 1
    # Apps start only after their sidecar is ready: no failed outbound calls during pod start.
    return {"pilot": {"autoscaleMin": replicas, "replicaCount": replicas},
            "meshConfig": {"defaultConfig": {"holdApplicationUntilProxyStarts": True}}}


def gateway_values(gateway: IngressGatewayArgs, ha: bool) -> _GatewayValues:
    internal = gateway.get("load_balancer", "internal") == "internal"
    annotations = {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"} if internal else {}
    if not internal and gateway.get("dns_label"):
        annotations["service.beta.kubernetes.io/azure-dns-label-name"] = gateway["dns_label"]
    if not internal and gateway.get("allowed_service_tags"):
        annotations["service.beta.kubernetes.io/azure-allowed-service-tags"] = ",".join(gateway["allowed_service_tags"])
    return {"service": {"type": "LoadBalancer", "annotations": annotations},
            "autoscaling": {"minReplicas": gateway.get("min_replicas", 2 if ha else 1),
                            "maxReplicas": gateway.get("max_replicas", 5)}}


def argocd_values(ha: bool) -> _ArgoCdValues:
    replicas = 2 if ha else 1
    # Dex off: sign-in goes through Entra ID (OIDC), configured with the GitOps repository's settings.
    return {"dex": {"enabled": False}, "controller": {"replicas": 1}, "server": {"replicas": replicas},
            "repoServer": {"replicas": replicas}, "redis-ha": {"enabled": ha}}


def rollouts_values(ha: bool) -> _RolloutsValues:
    return {"controller": {"replicas": 2 if ha else 1}, "dashboard": {"enabled": False}}


def prometheus_values(prometheus: InClusterPrometheusArgs) -> _KubePrometheusStackValues:
    # Grafana off: its chart default admin password is public knowledge; dashboards live in Azure Managed Grafana.
    # The selectors' "NilUsesHelmValues" off: Prometheus picks up every ServiceMonitor/PodMonitor, not only the chart's.
    return {"fullnameOverride": PROMETHEUS_FULLNAME, "grafana": {"enabled": False},
            "prometheus": {"prometheusSpec": {"retention": f"{prometheus.get('retention_days', 30)}d",
                                              "serviceMonitorSelectorNilUsesHelmValues": False,
                                              "podMonitorSelectorNilUsesHelmValues": False}}}
