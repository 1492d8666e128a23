"""The Helm values ServiceMesh gives each chart: typed, and only what differs from the charts' defaults."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

from sentimark_platform.components.mesh.args import InClusterPrometheusArgs, IngressGatewayArgs

__all__ = ["ANALYSIS_PROMETHEUS_FULLNAME", "ANALYSIS_PROMETHEUS_PORT", "ANALYSIS_SCRAPE_METRICS",
           "PROMETHEUS_FULLNAME", "analysis_prometheus_values", "gateway_values", "istiod_values",
           "prometheus_values", "rollouts_values"]

PROMETHEUS_FULLNAME = "kube-prometheus-stack"
ANALYSIS_PROMETHEUS_FULLNAME = "analysis-prometheus"
ANALYSIS_PROMETHEUS_PORT = 9090
ANALYSIS_SCRAPE_METRICS = ("istio_requests_total", "istio_request_duration_milliseconds_bucket")
"""The only series the analysis Prometheus keeps: what canary analysis queries (components/_canary_specs.py)."""
# The `prometheus` chart's default scrape jobs (charts/prometheus/values.yaml `scrapeConfigs`, chart 29.x,
# prometheus-community/helm-charts cf408a2): each is switched off, so the server scrapes the sidecars only.
_CHART_SCRAPE_JOBS = ("prometheus", "kubernetes-api-servers", "kubernetes-nodes", "kubernetes-nodes-cadvisor",
                      "kubernetes-service-endpoints", "kubernetes-service-endpoints-slow", "prometheus-pushgateway",
                      "kubernetes-services", "kubernetes-pods", "kubernetes-pods-slow")


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


def analysis_prometheus_values(retention_hours: int) -> dict[str, Any]:
    """The prometheus-community `prometheus` chart as a small server that exists only for canary analysis: no
    Alertmanager, exporters or push gateway, no persistent volume (an emptyDir on the node's disk, bounded: a
    restart loses at most `retention_hours`, and the analysis then sees no data, which pauses a rollout unless
    `no_traffic_passes`), one scrape job for the sidecars' Envoy stats, and only the two Istio series the analysis
    reads (metric_relabel_configs keep)."""
    sidecars = {
        "kubernetes_sd_configs": [{"role": "pod"}],
        "metrics_path": "/stats/prometheus",
        "relabel_configs": [
            # Istio's injected istio-proxy container declares its Envoy stats port under this name (15090); STRICT
            # mTLS leaves it plain (Envoy's own listener, https://istio.io/latest/docs/ops/deployment/application-requirements/#ports-used-by-istio).
            {"source_labels": ["__meta_kubernetes_pod_container_port_name"], "action": "keep", "regex": "http-envoy-prom"},
            {"source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace"},
            {"source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod"},
        ],
        "metric_relabel_configs": [
            {"source_labels": ["__name__"], "action": "keep", "regex": "|".join(ANALYSIS_SCRAPE_METRICS)},
        ],
    }
    return {
        "server": {
            "fullnameOverride": ANALYSIS_PROMETHEUS_FULLNAME,
            "retention": f"{retention_hours}h",
            "persistentVolume": {"enabled": False},
            "emptyDir": {"sizeLimit": "2Gi"},
            "service": {"servicePort": ANALYSIS_PROMETHEUS_PORT},
            "global": {"scrape_interval": "15s", "evaluation_interval": "1m"},
            "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
        },
        "alertmanager": {"enabled": False},
        "kube-state-metrics": {"enabled": False},
        "prometheus-node-exporter": {"enabled": False},
        "prometheus-pushgateway": {"enabled": False},
        "scrapeConfigs": {**{job: {"enabled": False} for job in _CHART_SCRAPE_JOBS}, "istio-sidecars": sidecars},
    }


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
    if not internal and gateway.get("allowed_ip_ranges"):
        annotations["service.beta.kubernetes.io/azure-allowed-ip-ranges"] = ",".join(gateway["allowed_ip_ranges"])
    return {"service": {"type": "LoadBalancer", "annotations": annotations},
            "autoscaling": {"minReplicas": gateway.get("min_replicas", 2 if ha else 1),
                            "maxReplicas": gateway.get("max_replicas", 5)}}


def rollouts_values(ha: bool) -> _RolloutsValues:
    return {"controller": {"replicas": 2 if ha else 1}, "dashboard": {"enabled": False}}


def prometheus_values(prometheus: InClusterPrometheusArgs) -> _KubePrometheusStackValues:
    # Grafana off: its chart default admin password is public knowledge; dashboards live in Azure Managed Grafana.
    # The selectors' "NilUsesHelmValues" off: Prometheus picks up every ServiceMonitor/PodMonitor, not only the chart's.
    return {"fullnameOverride": PROMETHEUS_FULLNAME, "grafana": {"enabled": False},
            "prometheus": {"prometheusSpec": {"retention": f"{prometheus.get('retention_days', 30)}d",
                                              "serviceMonitorSelectorNilUsesHelmValues": False,
                                              "podMonitorSelectorNilUsesHelmValues": False}}}
