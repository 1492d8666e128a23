"""ServiceMesh's arguments: the chart pins, the ingress gateway and the optional Prometheus servers, with their
defaults. The component (component.py) and the Helm values it gives each chart (_values.py) read these; neither
imports the other's caller."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NotRequired, TypedDict

import pulumi

from sentimark_platform.components._helm import ChartPinArgs

__all__ = ["AnalysisPrometheusArgs", "InClusterPrometheusArgs", "IngressGatewayArgs", "ServiceMeshArgs", "ServiceMeshChartsArgs"]


class ServiceMeshChartsArgs(TypedDict):
    istio_base: ChartPinArgs
    """Chart `base` (Istio CRDs and cluster roles)."""
    istiod: ChartPinArgs
    """Chart `istiod` (control plane); keep it at the same version as `istio_base`."""
    istio_gateway: ChartPinArgs
    """Chart `gateway` (the ingress gateway Deployment and Service)."""
    argo_rollouts: ChartPinArgs
    """Chart `argo-rollouts` (installs the Rollout and AnalysisTemplate CRDs)."""
    kube_prometheus_stack: NotRequired[ChartPinArgs]
    """Chart `kube-prometheus-stack`; needed only with `in_cluster_prometheus`."""
    prometheus: NotRequired[ChartPinArgs]
    """Chart `prometheus` (prometheus-community); needed only with `analysis_prometheus`."""


class IngressGatewayArgs(TypedDict):
    load_balancer: NotRequired[Literal["internal", "public"]]
    """internal (an Azure internal load balancer in the cluster's VNet, reached through a front door or
    application gateway) unless given; public gives the gateway a public IP."""
    dns_label: NotRequired[str]
    """DNS label of a public gateway's IP: it answers at `<label>.<region>.cloudapp.azure.com` (what a Front
    Door origin points at); no DNS name unless given."""
    allowed_service_tags: NotRequired[Sequence[str]]
    """Only these Azure service tags may reach a public gateway (e.g. ["AzureFrontDoor.Backend"]); any source
    unless given (or `allowed_ip_ranges`)."""
    allowed_ip_ranges: NotRequired[Sequence[str]]
    """Only these IPv4 CIDRs may reach a public gateway (e.g. the office's egress), through AKS's
    `service.beta.kubernetes.io/azure-allowed-ip-ranges` annotation on the load balancer Service, which the cloud
    provider turns into NSG rules (kubernetes-sigs/cloud-provider-azure#4974, Kubernetes 1.27+); any source unless
    given (or `allowed_service_tags`). Azure's load balancer probes stay admitted by the NSG's default rules."""
    min_replicas: NotRequired[int]
    """Fewest gateway pods (autoscaled); 1 unless given, 2 with `high_availability`."""
    max_replicas: NotRequired[int]
    """Most gateway pods; 5 unless given."""
    hosts: NotRequired[Sequence[str]]
    """Host names the shared Gateway `istio-ingress/public` serves (VirtualServices in any namespace bind to
    it by that name); no shared Gateway unless given."""
    tls_credential_name: NotRequired[str]
    """Kubernetes TLS Secret in istio-ingress: the shared Gateway serves HTTPS on 443 with it and redirects
    HTTP; plain HTTP on 80 unless given (TLS terminated in front of the load balancer)."""
    front_door_id: NotRequired[pulumi.Input[str]]
    """Refuse (403) every request to the gateway whose `X-Azure-FDID` header is not this Front Door profile's id
    (FrontDoor.front_door_id), except on `health_path` (Front Door's probes carry no such header); no such check
    unless given. The AzureFrontDoor.Backend service tag lets any Front Door profile in, other tenants' too."""
    health_path: NotRequired[str]
    """Path on the shared Gateway's hosts that answers 200 from the gateway itself (a Front Door or load
    balancer health probe); "/healthz/ready" unless given. Only with `hosts`."""


class InClusterPrometheusArgs(TypedDict):
    retention_days: NotRequired[int]
    """Days Prometheus keeps samples; 30 unless given (seed 002)."""


class AnalysisPrometheusArgs(TypedDict):
    retention_hours: NotRequired[int]
    """Hours of samples kept (in an emptyDir on the node's disk, at most 2 GiB); 6 unless given. Analysis reads
    5-minute windows."""


class ServiceMeshArgs(TypedDict):
    provider: pulumi.ProviderResource
    """Kubernetes provider of the cluster (AksCluster.kubernetes_provider)."""
    mesh_mtls_mode: NotRequired[Literal["STRICT", "PERMISSIVE"]]
    """A mesh-wide PeerAuthentication `default` in istio-system with this mode: STRICT refuses plain-text traffic
    between sidecars in every namespace, not only those with their own policy; none (Istio's PERMISSIVE) unless
    given."""
    charts: ServiceMeshChartsArgs
    """Pinned chart repository and version of each release."""
    high_availability: NotRequired[bool]
    """Two replicas of istiod, the gateway and the Rollouts controller; single replicas unless given."""
    ingress_gateway: NotRequired[IngressGatewayArgs]
    """Ingress gateway options; an internal load balancer and no shared Gateway unless given."""
    in_cluster_prometheus: NotRequired[InClusterPrometheusArgs]
    """Install kube-prometheus-stack (Grafana off) in namespace monitoring; none unless given (Azure Monitor
    managed Prometheus, whose agents run in kube-system)."""
    analysis_prometheus: NotRequired[AnalysisPrometheusArgs]
    """Install a small Prometheus (chart `prometheus`) in namespace monitoring that scrapes only the sidecars'
    request metrics, for canary analysis (`prometheus_address`); only the argo-rollouts namespace may query it.
    For clusters on managed Prometheus, whose workspace the Rollouts controller cannot query; not together with
    `in_cluster_prometheus` (that one already answers analysis). None unless given."""
    managed_prometheus: NotRequired[bool]
    """The cluster sends metrics to Azure Monitor managed Prometheus (AksCluster `managed_prometheus`): scrape the
    sidecars' Envoy stats there too, with an `azmonitoring.coreos.com/v1` PodMonitor (the metrics add-on installs
    that CRD); False unless given. Without it the workspace and Grafana have no Istio request metrics."""
    timeout_seconds: NotRequired[int]
    """How long each release may take to become ready before Helm rolls it back; 600 unless given."""
