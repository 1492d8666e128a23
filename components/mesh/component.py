"""The cluster's delivery layer: Istio (base, istiod, ingress gateway), Argo Rollouts and, when chosen,
an in-cluster kube-prometheus-stack or a small Prometheus for canary analysis only, each a pinned Helm release in
a namespace declared here.

Canary analysis needs a Prometheus query API the Argo Rollouts controller can call. Azure Monitor managed
Prometheus answers only Entra-authenticated queries, and the controller's Prometheus provider authenticates
with SigV4, OAuth2 client credentials (a standing client secret) or Google credentials, not with Azure workload
identity (https://argo-rollouts.readthedocs.io/en/stable/analysis/prometheus/, argoproj/argo-rollouts#5012).
So with managed Prometheus, `analysis_prometheus` adds an in-cluster server that keeps only the two Istio
series the analysis reads, for hours, reachable only from the Rollouts controller's namespace; the workspace
keeps everything else (dashboards, error-budget alerts). docs/progressive-delivery.md explains the choice.

Order matters: the Istio base chart installs the CRDs, istiod serves the validation and injection webhooks,
and the gateway is injected by istiod, so base -> istiod -> gateway, each with an explicit `depends_on`.
Custom resources elsewhere (VirtualService, PeerAuthentication, Rollout, ...) depend on `crds_ready`.

Argo CD is not here: the GitOps component (components/gitops.py) owns it with its sign-in, project and
Applications.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components._helm import (
    ChartPinArgs,
    chart_pin_rules,
    kubernetes_namespace,
    namespace_ingress_policy,
    pinned_release,
)
from sentimark_platform.components._pod_security import PodSecurityLevel
from sentimark_platform.components._validation import Rule, check_arguments, ipv4_network
from sentimark_platform.components.mesh._values import (
    ANALYSIS_PROMETHEUS_FULLNAME,
    ANALYSIS_PROMETHEUS_PORT,
    PROMETHEUS_FULLNAME,
    analysis_prometheus_values,
    gateway_values,
    istiod_values,
    prometheus_values,
    rollouts_values,
)
from sentimark_platform.components.mesh.args import (
    ServiceMeshArgs,
)

__all__ = ["INGRESS_NAMESPACE", "ISTIO_NAMESPACE", "ServiceMesh", "gateway_spec"]

_COMPONENT = "ServiceMesh"
ISTIO_NAMESPACE = "istio-system"
INGRESS_NAMESPACE = "istio-ingress"
ROLLOUTS_NAMESPACE = "argo-rollouts"
MONITORING_NAMESPACE = "monitoring"
MANAGED_PROMETHEUS_NAMESPACE = "kube-system"  # Azure Monitor managed Prometheus runs its ama-metrics agents here
_MANAGED_LABEL_LIMITS = {"labelLimit": 63, "labelNameLengthLimit": 511, "labelValueLengthLimit": 1023}
"""Azure's limits for managed Prometheus, harmless elsewhere: set them on a monitor, or series with longer labels
are dropped (learn.microsoft.com/azure/azure-monitor/containers/prometheus-metrics-scrape-crd)."""
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
_SECRET_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


class ServiceMesh(pulumi.ComponentResource):
    """Istio and Argo Rollouts (and optionally Prometheus) as pinned Helm releases."""

    releases: dict[str, k8s.helm.v3.Release]
    """Releases by Helm release name (istio-base, istiod, istio-ingress, argo-rollouts[, kube-prometheus-stack or analysis-prometheus])."""
    crds_ready: list[pulumi.Resource]
    """What custom resources must depend on: the releases that install the Istio, Argo Rollouts (and
    Prometheus operator) CRDs, and istiod, whose webhook validates Istio resources."""
    namespaces: dict[str, str]
    """Kubernetes namespace of each release, by release name."""
    ingress_gateway_namespace: str
    """Namespace of the Istio ingress gateway (istio-ingress), for AppNamespace's `ingress_gateway_namespace`."""
    ingress_namespace_resource: k8s.core.v1.Namespace
    """That namespace as a resource, for what else runs there to depend on (e.g. IngressCertificate)."""
    scrape_namespaces: list[str]
    """Namespaces whose pods scrape the sidecars' metrics (AppNamespace `monitoring_namespaces`): kube-system
    (managed Prometheus agents) and/or monitoring (in-cluster or analysis Prometheus)."""
    prometheus_address: str | None
    """In-cluster Prometheus query URL for canary analysis (kube-prometheus-stack or the analysis Prometheus);
    None when neither is installed."""
    shared_gateway: str | None
    """`istio-ingress/public` when `ingress_gateway.hosts` is given, for VirtualServices' `gateways`."""
    shared_gateway_ready: list[pulumi.Resource]
    """The shared Gateway and its health route: VirtualServices bound to the Gateway depend on these, so the
    health route is the older one and comes first when Istio merges routes for the same host (it merges a
    gateway's VirtualServices in creation order); empty without `hosts`."""

    def __init__(self, name: str, args: ServiceMeshArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("ServiceMesh", args, ServiceMeshArgs, lambda: _rules(args))
        super().__init__("sentimark:index:ServiceMesh", name, None, opts)
        provider = args["provider"]
        charts = args["charts"]
        ha = args.get("high_availability", False)
        gateway = args.get("ingress_gateway") or {}
        timeout = args.get("timeout_seconds", 600)
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)

        def namespace(ns: str, injection: Literal["enabled", "disabled"] | None,
                      pod_security: PodSecurityLevel = "baseline") -> k8s.core.v1.Namespace:
            # baseline: istiod, the gateway (its injection template adds no istio-init), Argo Rollouts and the
            # analysis Prometheus run no privileged, host-network or host-path pod (components/_pod_security.py).
            labels = {"app.kubernetes.io/managed-by": "pulumi"}
            if injection is not None:
                labels["istio-injection"] = injection
            return kubernetes_namespace(f"{name}-ns-{ns}", name=ns, labels=labels, pod_security=pod_security,
                                        opts=k8s_opts)

        def release(release_name: str, chart: str, pin: ChartPinArgs, ns: k8s.core.v1.Namespace,
                    values: Mapping[str, Any], after: Sequence[pulumi.Resource] = ()) -> k8s.helm.v3.Release:
            return pinned_release(f"{name}-{release_name}", release_name=release_name, chart=chart, pin=pin,
                                  namespace=ns, values=values, timeout_seconds=timeout, parent=self,
                                  provider=provider, depends_on=after)

        # The control plane is never injected; the gateway namespace is left unlabelled so that the gateway
        # chart's own pod label (sidecar.istio.io/inject) selects the gateway injection template.
        istio_ns = namespace(ISTIO_NAMESPACE, "disabled")
        ingress_ns = namespace(INGRESS_NAMESPACE, None)
        base = release("istio-base", "base", charts["istio_base"], istio_ns, {"defaultRevision": "default"})
        istiod = release("istiod", "istiod", charts["istiod"], istio_ns, istiod_values(ha), after=[base])
        ingress = release("istio-ingress", "gateway", charts["istio_gateway"], ingress_ns,
                          gateway_values(gateway, ha), after=[istiod])
        rollouts_ns = namespace(ROLLOUTS_NAMESPACE, "disabled")
        rollouts = release("argo-rollouts", "argo-rollouts", charts["argo_rollouts"], rollouts_ns, rollouts_values(ha))
        # The controller serves only its metrics (dashboard off): the metrics add-on (kube-system) and an in-cluster
        # Prometheus (monitoring) may scrape them; nothing else may reach it.
        namespace_ingress_policy(f"{name}-rollouts-ingress", namespace=ROLLOUTS_NAMESPACE,
                                 allow_from_namespaces=[MANAGED_PROMETHEUS_NAMESPACE, MONITORING_NAMESPACE],
                                 opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[rollouts_ns]))
        self.releases = {"istio-base": base, "istiod": istiod, "istio-ingress": ingress,
                         "argo-rollouts": rollouts}
        self.namespaces = {"istio-base": ISTIO_NAMESPACE, "istiod": ISTIO_NAMESPACE,
                           "istio-ingress": INGRESS_NAMESPACE,
                           "argo-rollouts": ROLLOUTS_NAMESPACE}
        self.crds_ready = [base, istiod, rollouts]

        prometheus = args.get("in_cluster_prometheus")
        managed = args.get("managed_prometheus", False)
        self.scrape_namespaces = [MANAGED_PROMETHEUS_NAMESPACE] if managed or prometheus is None else []
        self.prometheus_address = None
        if prometheus is not None:
            # The stack's node exporter reads the host's network, processes and paths: privileged.
            kps = release("kube-prometheus-stack", "kube-prometheus-stack", charts["kube_prometheus_stack"],
                          namespace(MONITORING_NAMESPACE, "disabled", "privileged"), prometheus_values(prometheus))
            self.releases["kube-prometheus-stack"] = kps
            self.namespaces["kube-prometheus-stack"] = MONITORING_NAMESPACE
            self.crds_ready.append(kps)
            self.scrape_namespaces.append(MONITORING_NAMESPACE)
            self.prometheus_address = (
                f"http://{PROMETHEUS_FULLNAME}-prometheus.{MONITORING_NAMESPACE}.svc.cluster.local:9090")
            # The chart scrapes only what a ServiceMonitor or PodMonitor names: without this, the sidecars'
            # istio_requests_total (what canary analysis queries) is never collected.
            envoy_pod_monitor(f"{name}-envoy-stats", "monitoring.coreos.com/v1", MONITORING_NAMESPACE,
                              opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[kps]))
        analysis = args.get("analysis_prometheus")
        if analysis is not None:
            monitoring_ns = namespace(MONITORING_NAMESPACE, "disabled")
            server = release("analysis-prometheus", "prometheus", charts["prometheus"], monitoring_ns,
                             analysis_prometheus_values(analysis.get("retention_hours", 6)))
            self.releases["analysis-prometheus"] = server
            self.namespaces["analysis-prometheus"] = MONITORING_NAMESPACE
            self.scrape_namespaces.append(MONITORING_NAMESPACE)
            self.prometheus_address = (f"http://{ANALYSIS_PROMETHEUS_FULLNAME}.{MONITORING_NAMESPACE}.svc.cluster.local:"
                                       f"{ANALYSIS_PROMETHEUS_PORT}")
            # Its only client is the Rollouts controller: nothing else in the cluster may query it.
            k8s.networking.v1.NetworkPolicy(
                f"{name}-analysis-prometheus-ingress",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="analysis-prometheus-queries", namespace=MONITORING_NAMESPACE),
                spec=k8s.networking.v1.NetworkPolicySpecArgs(
                    pod_selector=k8s.meta.v1.LabelSelectorArgs(),
                    policy_types=["Ingress"],
                    ingress=[k8s.networking.v1.NetworkPolicyIngressRuleArgs(
                        from_=[k8s.networking.v1.NetworkPolicyPeerArgs(namespace_selector=k8s.meta.v1.LabelSelectorArgs(
                            match_labels={"kubernetes.io/metadata.name": ROLLOUTS_NAMESPACE}))],
                        ports=[k8s.networking.v1.NetworkPolicyPortArgs(port=ANALYSIS_PROMETHEUS_PORT, protocol="TCP")],
                    )],
                ),
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[monitoring_ns]))
        if managed:
            # The metrics add-on's own CRD group: it ignores monitoring.coreos.com monitors (by design).
            envoy_pod_monitor(f"{name}-envoy-stats-managed", "azmonitoring.coreos.com/v1", MANAGED_PROMETHEUS_NAMESPACE,
                              opts=pulumi.ResourceOptions(parent=self, provider=provider))
            # The Rollouts controller's own metrics (rollout_info, analysis_run_metric_phase on its port `metrics`,
            # https://argo-rollouts.readthedocs.io/en/stable/features/controller-metrics/): the canary alerts
            # (Monitoring `canary_alerts`) read them in the workspace.
            k8s.apiextensions.CustomResource(
                f"{name}-rollouts-metrics-managed", api_version="azmonitoring.coreos.com/v1", kind="PodMonitor",
                metadata=k8s.meta.v1.ObjectMetaArgs(name="argo-rollouts", namespace=ROLLOUTS_NAMESPACE),
                # honorLabels: the metrics carry the rollout's own `namespace`; without it the scrape would overwrite
                # it with the controller's (argo-rollouts) and keep the rollout's as exported_namespace.
                spec={**_MANAGED_LABEL_LIMITS,
                      "selector": {"matchLabels": {"app.kubernetes.io/name": "argo-rollouts"}},
                      "podMetricsEndpoints": [{"port": "metrics", "path": "/metrics", "interval": "30s",
                                               "honorLabels": True}]},
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[rollouts]))

        def istio(suffix: str, kind: str, object_name: str, ns: str, spec: Mapping[str, Any],
                  after: Sequence[pulumi.Resource]) -> k8s.apiextensions.CustomResource:
            group = "security" if kind in ("PeerAuthentication", "AuthorizationPolicy") else "networking"
            return k8s.apiextensions.CustomResource(
                f"{name}-{suffix}", api_version=f"{group}.istio.io/v1", kind=kind,
                metadata=k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns), spec=dict(spec),
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=list(after)))

        mesh_mtls = args.get("mesh_mtls_mode")
        if mesh_mtls is not None:
            # The root namespace's `default` policy is the mesh-wide one (Istio's rootNamespace).
            istio("peer-auth", "PeerAuthentication", "default", ISTIO_NAMESPACE, {"mtls": {"mode": mesh_mtls}},
                  after=[base, istiod])

        self.ingress_gateway_namespace = INGRESS_NAMESPACE
        self.ingress_namespace_resource = ingress_ns
        self.shared_gateway = None
        self.shared_gateway_ready = []
        if gateway.get("hosts"):
            hosts = list(gateway["hosts"])
            shared = istio("gw-public", "Gateway", "public", INGRESS_NAMESPACE,
                           gateway_spec(hosts, gateway.get("tls_credential_name")), after=[base, istiod, ingress])
            self.shared_gateway = f"{INGRESS_NAMESPACE}/public"
            # Answered by the gateway itself: healthy means this region's gateway accepts and terminates
            # the host's TLS, whatever the applications behind it are doing.
            health = istio("vs-health", "VirtualService", "gateway-health", INGRESS_NAMESPACE, {
                "hosts": hosts, "gateways": [self.shared_gateway], "http": [{
                    "name": "health",
                    "match": [{"uri": {"exact": gateway.get("health_path", "/healthz/ready")}}],
                    "directResponse": {"status": 200, "body": {"string": "ok"}},
                }]}, after=[shared])
            self.shared_gateway_ready = [shared, health]
        front_door_id = gateway.get("front_door_id")
        if front_door_id is not None:
            # Front Door's health probes carry no X-Azure-FDID header (they send X-FD-HealthProbe), so the health
            # path stays open: it answers "ok" and nothing else.
            istio("authz-front-door", "AuthorizationPolicy", "front-door-only", INGRESS_NAMESPACE, {
                "selector": {"matchLabels": {"istio": "ingress"}},
                "action": "DENY",
                "rules": [{
                    "to": [{"operation": {"notPaths": [gateway.get("health_path", "/healthz/ready")]}}],
                    "when": [{"key": "request.headers[x-azure-fdid]", "notValues": [front_door_id]}],
                }],
            }, after=[base, istiod, ingress])
        self.register_outputs({
            "releases": {key: r.status for key, r in self.releases.items()},
            "namespaces": self.namespaces,
            "scrape_namespaces": self.scrape_namespaces,
            "prometheus_address": self.prometheus_address,
            "shared_gateway": self.shared_gateway,
        })


def envoy_pod_monitor(resource_name: str, api_version: str, namespace: str,
                      opts: pulumi.ResourceOptions) -> k8s.apiextensions.CustomResource:
    """A PodMonitor for every sidecar's Envoy stats: injected pods carry security.istio.io/tlsMode and serve them
    on their port http-envoy-prom (15090), which STRICT mTLS leaves plain (Envoy's own listener)."""
    return k8s.apiextensions.CustomResource(
        resource_name,
        api_version=api_version,
        kind="PodMonitor",
        metadata=k8s.meta.v1.ObjectMetaArgs(name="envoy-stats", namespace=namespace),
        spec={
            **_MANAGED_LABEL_LIMITS,
            "selector": {"matchExpressions": [{"key": "security.istio.io/tlsMode", "operator": "Exists"}]},
            "namespaceSelector": {"any": True},
            "jobLabel": "envoy-stats",
            "podMetricsEndpoints": [{"port": "http-envoy-prom", "path": "/stats/prometheus", "interval": "30s"}],
        },
        opts=opts,
    )


def gateway_spec(hosts: list[str], tls_credential_name: str | None) -> dict[str, Any]:
    """An Istio Gateway on the ingress gateway pods (`istio: ingress`, from the release name istio-ingress)."""
    http: dict[str, Any] = {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": hosts}
    if tls_credential_name is None:
        servers = [http]
    else:
        servers = [
            {"port": {"number": 443, "name": "https", "protocol": "HTTPS"}, "hosts": hosts,
             "tls": {"mode": "SIMPLE", "credentialName": tls_credential_name, "minProtocolVersion": "TLSV1_2"}},
            {**http, "tls": {"httpsRedirect": True}},
        ]
    return {"selector": {"istio": "ingress"}, "servers": servers}


_DNS_LABEL = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")


def _rules(args: ServiceMeshArgs) -> list[Rule]:
    charts = args["charts"]
    gateway = args.get("ingress_gateway") or {}
    prometheus = args.get("in_cluster_prometheus")
    analysis = args.get("analysis_prometheus")
    min_replicas = gateway.get("min_replicas", 2 if args.get("high_availability", False) else 1)
    rows: list[Rule] = [
        ("provider", args.get("provider"), lambda v: not isinstance(v, pulumi.ProviderResource),
         "pass the cluster's Kubernetes provider (AksCluster.kubernetes_provider)"),
        ("managed_prometheus", args.get("managed_prometheus", False), lambda v: not isinstance(v, bool),
         "give true when the cluster has the managed Prometheus metrics add-on, else false"),
        ("timeout_seconds", args.get("timeout_seconds", 600), lambda v: not isinstance(v, int) or not 60 <= v <= 3600,
         "give 60 to 3600 seconds"),
        ("ingress_gateway.load_balancer", gateway.get("load_balancer", "internal"),
         lambda v: v not in ("internal", "public"), "use internal or public"),
        ("ingress_gateway.min_replicas", min_replicas, lambda v: not isinstance(v, int) or v < 1,
         "give at least 1 gateway replica"),
        ("ingress_gateway.max_replicas", gateway.get("max_replicas", 5),
         lambda v: not isinstance(v, int) or (isinstance(min_replicas, int) and v < min_replicas),
         f"give at least min_replicas ({min_replicas})"),
        ("ingress_gateway.dns_label", gateway.get("dns_label"),
         lambda v: v is not None and (gateway.get("load_balancer", "internal") != "public" or not _DNS_LABEL.match(v)),
         "give a public gateway (load_balancer public) a DNS label of 3-63 lowercase letters, digits and hyphens"),
        ("ingress_gateway.tls_credential_name", gateway.get("tls_credential_name"),
         lambda v: v is not None and not _SECRET_NAME.match(v), "name a Kubernetes Secret in istio-ingress"),
        ("charts.kube_prometheus_stack", charts.get("kube_prometheus_stack"),
         lambda v: prometheus is not None and v is None, "pin the kube-prometheus-stack chart to install Prometheus in-cluster"),
        ("charts.prometheus", charts.get("prometheus"),
         lambda v: analysis is not None and v is None, "pin the prometheus chart to install the analysis Prometheus"),
        ("analysis_prometheus", analysis,
         lambda v: v is not None and prometheus is not None,
         "leave analysis_prometheus out with in_cluster_prometheus: that Prometheus already answers canary analysis"),
        ("analysis_prometheus.retention_hours", (analysis or {}).get("retention_hours", 6),
         lambda v: not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 48, "give 1 to 48 hours"),
        ("in_cluster_prometheus.retention_days", (prometheus or {}).get("retention_days", 30),
         lambda v: not isinstance(v, int) or not 1 <= v <= 365, "give 1 to 365 days"),
    ]
    rows.append(("ingress_gateway.health_path", gateway.get("health_path"),
                 lambda v: v is not None and (not gateway.get("hosts") or not isinstance(v, str) or not _PATH.match(v)),
                 "give an absolute path such as /healthz/ready, together with ingress_gateway.hosts"))
    # The id is usually an Output (skipped): what must come with it is checked on the other fields.
    with_front_door = "front_door_id" in gateway
    rows += [
        ("ingress_gateway.front_door_id", gateway.get("front_door_id"),
         lambda v: v is not None and (not isinstance(v, str) or not _UUID.match(v)),
         "give the Front Door profile's id (FrontDoor.front_door_id), a GUID"),
        ("ingress_gateway.load_balancer", gateway.get("load_balancer", "internal"),
         lambda v: with_front_door and v != "public", "public when front_door_id is given (Front Door reaches public origins)"),
        ("ingress_gateway.hosts", list(gateway.get("hosts") or []),
         lambda v: with_front_door and not v,
         "give the hosts Front Door sends when front_door_id is given (the probe's health route is on their Gateway)"),
    ]
    for cidr in gateway.get("allowed_ip_ranges") or []:
        rows.append(("ingress_gateway.allowed_ip_ranges", cidr, lambda v: ipv4_network(v) is None,
                     "give IPv4 CIDR blocks such as 203.0.113.0/24"))
    rows.append(("ingress_gateway.allowed_ip_ranges", list(gateway.get("allowed_ip_ranges") or []),
                 lambda v: bool(v) and gateway.get("load_balancer", "internal") != "public",
                 "leave it out for an internal gateway (only the VNet reaches it)"))
    for host in gateway.get("hosts") or []:
        rows.append(("ingress_gateway.hosts", host, lambda v: not isinstance(v, str) or not _HOST.match(v),
                     "give DNS host names such as api.example.com or *.example.com"))
    for key in ("istio_base", "istiod", "istio_gateway", "argo_rollouts", "kube_prometheus_stack", "prometheus"):
        pin = cast("Mapping[str, Any]", charts).get(key)
        if pin is not None:
            rows += chart_pin_rules(f"charts.{key}", pin)
    return rows
