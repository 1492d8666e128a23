"""Canary traffic for one Service: Istio routes (weighted stable/canary split, an optional header that always
reaches the canary, retries, timeouts), a DestinationRule (version subsets, ISTIO_MUTUAL, outlier detection),
an optional Gateway, and optionally an Argo Rollouts canary that shifts those routes through the caller's
progressive steps while an AnalysisTemplate checks the success rate against the error budget and, optionally,
the p95 latency (thresholds explained in components/_canary_specs.py).

Every custom resource depends on `crds_ready` (ServiceMesh.crds_ready): their CRDs come with the Istio base
and Argo Rollouts releases, and istiod validates Istio resources.

Pulumi and the Rollouts controller share two fields: the controller rewrites the primary route's weights
and pins the subsets to pod-template hashes during a rollout. Pulumi only re-applies them when these
resources' own arguments change (never on an unrelated `pulumi up`); if that happens mid-rollout, traffic
goes back to stable until the controller's next reconcile re-applies the current step.

With a Rollout, pods get their subset's `version` label from the Rollout (ephemeral metadata); the
referenced Deployment's own pods should carry `version: stable` until the Rollout has scaled it down. Between
rollouts no pod is labelled `version: canary`, so the header route answers 503 until the next canary starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import _canary_specs as specs
from sentimark_platform.components._helm import DNS_LABEL
from sentimark_platform.components._validation import Rule, check_arguments
from sentimark_platform.components.mesh.component import gateway_spec

__all__ = [
    "CanaryAnalysisArgs",
    "CanaryGatewayArgs",
    "CanaryRolloutArgs",
    "CanaryRouting",
    "CanaryRoutingArgs",
    "HeaderRouteArgs",
    "OutlierDetectionArgs",
    "RetryArgs",
    "canary_steps_problem",
]

_COMPONENT = "CanaryRouting"
_SERVICE = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HEADER = re.compile(r"^[a-z0-9][-a-z0-9_]*$")
_GATEWAY = re.compile(r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/)?[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
_RETRY_ON = re.compile(r"^[a-z0-9-]+(,[a-z0-9-]+)*$")
_URL = re.compile(r"^https?://[^\s/]+(:\d+)?(/[^\s]*)?$")
_DEFAULT_SUBSETS = {"stable": {"version": "stable"}, "canary": {"version": "canary"}}
canary_steps_problem = specs.steps_problem
"""Why a list is not a canary progression (whole percentages 1-100, strictly increasing, ending at 100), or None:
the rule `steps` is checked against, for callers that validate settings before building anything."""


class HeaderRouteArgs(TypedDict):
    name: str
    """Request header (lowercase), e.g. x-canary."""
    value: str
    """Exact value that sends the request to the canary, e.g. always."""


class RetryArgs(TypedDict):
    attempts: NotRequired[int]
    """Retries per request; 2 unless given (0 turns retries off)."""
    per_try_timeout: NotRequired[str]
    """Timeout of each attempt; 2s unless given."""
    retry_on: NotRequired[str]
    """Envoy retry conditions; connection-level failures only unless given (connect-failure, refused-stream,
    unavailable, cancelled, reset): retrying 5xx would hide a failing canary from the analysis and repeat
    non-idempotent requests."""


class OutlierDetectionArgs(TypedDict):
    consecutive_5xx_errors: NotRequired[int]
    """5xx answers in a row that eject an endpoint; 5 unless given."""
    interval: NotRequired[str]
    """How often endpoints are scanned; 10s unless given."""
    base_ejection_time: NotRequired[str]
    """Minimum ejection time; 30s unless given."""
    max_ejection_percent: NotRequired[int]
    """Most endpoints ejected at once, in percent; 50 unless given."""


class CanaryGatewayArgs(TypedDict):
    tls_credential_name: NotRequired[str]
    """TLS Secret in the ingress gateway's namespace: HTTPS on 443 and HTTP redirected; HTTP only unless given."""


class CanaryAnalysisArgs(TypedDict):
    prometheus_address: pulumi.Input[str]
    """Prometheus query URL the Rollouts controller can reach without credentials (ServiceMesh.prometheus_address:
    kube-prometheus-stack, or the analysis Prometheus next to managed Prometheus)."""
    slo_percent: float
    """Success-rate objective the error budget derives from, e.g. 99.9."""
    critical_percent: float
    """Error-budget consumption that pauses the rollout for a person (seed 002: 80)."""
    rollback_percent: float
    """Error-budget consumption that aborts the rollout at once (seed 002: 95)."""
    rollback_at_critical: NotRequired[bool]
    """Abort already at `critical_percent` instead of pausing; False unless given."""
    no_traffic_passes: NotRequired[bool]
    """A window without requests counts as success; False unless given (no evidence: the rollout pauses)."""
    interval: NotRequired[str]
    """How often the success rate (and latency) is measured; 1m unless given."""
    latency_p95_ms: NotRequired[int]
    """Most milliseconds the service's 95th-percentile request duration may reach during a rollout (Istio's
    request-duration histogram); a second window above it aborts the rollout. No latency check unless given."""


class CanaryRolloutArgs(TypedDict):
    deployment: str
    """The application's Deployment (from GitOps) whose pod template the Rollout runs; it is scaled down
    progressively as Rollout pods become ready."""
    replicas: int
    """Pods of the Rollout."""
    analysis: CanaryAnalysisArgs
    """Success-rate analysis running throughout the rollout."""
    selector: NotRequired[Mapping[str, str]]
    """The Deployment's selector labels; {"app.kubernetes.io/name": <service>} unless given."""
    step_pause: NotRequired[str]
    """Pause after each step; 5m unless given."""
    manual_promotion: NotRequired[bool]
    """The first pause waits for a person to promote (manual approval); False unless given."""


class CanaryRoutingArgs(TypedDict):
    provider: pulumi.ProviderResource
    """Kubernetes provider of the cluster (AksCluster.kubernetes_provider)."""
    crds_ready: Sequence[pulumi.Resource]
    """What every custom resource here depends on (ServiceMesh.crds_ready); [] only when Istio and Argo
    Rollouts were installed outside this program."""
    namespace: str
    """The application namespace (AppNamespace.namespace)."""
    service: str
    """Kubernetes Service whose pods both subsets select; routes target <service>.<namespace>.svc.cluster.local."""
    port: int
    """Service port."""
    steps: Sequence[int]
    """Percent of traffic on the canary at each step: strictly increasing, ending at 100 (seed 002:
    10, 25, 50, 75, 100). Drives the Rollout; recorded on the VirtualService without one."""
    weights: NotRequired[Mapping[str, int]]
    """Initial weight per subset, summing to 100; stable 100 / canary 0 unless given (the only split
    allowed with a Rollout, which moves the weights itself)."""
    subsets: NotRequired[Mapping[str, Mapping[str, str]]]
    """Subset name -> pod labels; stable {version: stable} and canary {version: canary} unless given."""
    header_route: NotRequired[HeaderRouteArgs]
    """Requests with this header always reach the canary subset; none unless given. With gateways and mesh
    routing both on, only calls from inside the mesh: clients through a gateway cannot choose the canary."""
    hosts: NotRequired[Sequence[str]]
    """External host names routed through the gateway(s); none unless given (mesh-internal only)."""
    gateways: NotRequired[Sequence[str]]
    """Shared Gateways to bind to, as namespace/name (e.g. istio-ingress/public, ServiceMesh.shared_gateway)."""
    gateway_health_path: NotRequired[str]
    """On the external hosts, answer 200 at this exact path from the gateway itself (a Front Door health probe,
    e.g. ServiceMesh's "/healthz/ready"), ahead of the application's routes: it then does not matter in which
    order Istio merges this VirtualService with the shared Gateway's own health route; none unless given."""
    gateway: NotRequired[CanaryGatewayArgs]
    """Create a Gateway <service> in the namespace for `hosts`; none unless given."""
    mesh_routing: NotRequired[bool]
    """Apply the same routes to calls from inside the mesh (gateway "mesh"); True unless given."""
    retries: NotRequired[RetryArgs]
    """Retry policy of every route."""
    timeout: NotRequired[str]
    """Whole-request timeout of every route; 30s unless given."""
    outlier_detection: NotRequired[OutlierDetectionArgs]
    """Ejection of failing endpoints."""
    rollout: NotRequired[CanaryRolloutArgs]
    """An Argo Rollouts canary over these routes; none unless given (weights stay as given)."""


class CanaryRouting(pulumi.ComponentResource):
    """Weighted Istio routing between a stable and a canary subset, optionally driven by Argo Rollouts."""

    host: str
    """The Service's cluster-local FQDN."""
    virtual_service_name: str
    """Name of the Istio VirtualService that splits the traffic."""
    destination_rule_name: str
    """Name of the Istio DestinationRule that defines the stable and canary subsets."""
    rollout_name: str | None
    """Name of the Argo Rollout; None without `rollout`."""
    analysis_template_name: str | None
    """Name of the Argo AnalysisTemplate that gates each step; None without `rollout`."""

    def __init__(self, name: str, args: CanaryRoutingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("CanaryRouting", args, CanaryRoutingArgs, lambda: _rules(args))
        super().__init__("sentimark:index:CanaryRouting", name, None, opts)
        ns, service = args["namespace"], args["service"]
        host = f"{service}.{ns}.svc.cluster.local"
        subsets = args.get("subsets") or _DEFAULT_SUBSETS
        rollout = args.get("rollout")
        cr_opts = pulumi.ResourceOptions(parent=self, provider=args["provider"], depends_on=list(args["crds_ready"]))

        def custom(suffix: str, api_version: str, kind: str, object_name: str, spec: dict[str, Any],
                   annotations: Mapping[str, str] | None = None) -> k8s.apiextensions.CustomResource:
            return k8s.apiextensions.CustomResource(
                f"{name}-{suffix}", api_version=api_version, kind=kind,
                metadata=k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns,
                                                    labels={"app.kubernetes.io/name": service},
                                                    annotations=dict(annotations) if annotations else None),
                spec=spec, opts=cr_opts)

        gateways = [specs.gateway_ref(g, ns) for g in args.get("gateways") or []]
        external_hosts = list(args.get("hosts") or [])
        own_gateway = args.get("gateway")
        if own_gateway is not None:
            custom("gw", "networking.istio.io/v1", "Gateway", service,
                   gateway_spec(list(external_hosts), own_gateway.get("tls_credential_name")))
            gateways.append(f"{ns}/{service}")
        mesh = args.get("mesh_routing", True)
        hosts = [*external_hosts, host] if mesh else external_hosts
        if mesh:
            gateways.append("mesh")

        retries = args.get("retries") or {}
        outlier = args.get("outlier_detection") or {}
        dr = custom("dr", "networking.istio.io/v1", "DestinationRule", service, specs.destination_rule_spec(
            host=host, subsets=subsets, outlier_detection={
                "consecutive5xxErrors": outlier.get("consecutive_5xx_errors", 5),
                "interval": outlier.get("interval", "10s"),
                "baseEjectionTime": outlier.get("base_ejection_time", "30s"),
                "maxEjectionPercent": outlier.get("max_ejection_percent", 50),
            }))
        steps = list(args["steps"])
        vs = custom("vs", "networking.istio.io/v1", "VirtualService", service, specs.virtual_service_spec(
            host=host, port=args["port"], hosts=hosts, gateways=gateways,
            weights=args.get("weights") or {"stable": 100, "canary": 0},
            header_route=args.get("header_route"),
            health_path=args.get("gateway_health_path"),
            retries={"attempts": retries.get("attempts", 2), "perTryTimeout": retries.get("per_try_timeout", "2s"),
                     "retryOn": retries.get("retry_on", "connect-failure,refused-stream,unavailable,cancelled,reset")},
            timeout=args.get("timeout", "30s")),
            annotations=None if rollout else {"sentimark.io/canary-steps": ",".join(map(str, steps))})

        self.host = host
        self.virtual_service_name = service
        self.destination_rule_name = service
        self.rollout_name = None
        self.analysis_template_name = None
        if rollout is not None:
            analysis = rollout["analysis"]
            template = f"{service}-success-rate"
            at = custom("at", "argoproj.io/v1alpha1", "AnalysisTemplate", template, specs.analysis_template_spec(
                prometheus_address=analysis["prometheus_address"], slo_percent=analysis["slo_percent"],
                critical_percent=analysis["critical_percent"], rollback_percent=analysis["rollback_percent"],
                rollback_at_critical=analysis.get("rollback_at_critical", False),
                no_traffic_passes=analysis.get("no_traffic_passes", False),
                interval=analysis.get("interval", "1m"), latency_p95_ms=analysis.get("latency_p95_ms")))
            k8s.apiextensions.CustomResource(
                f"{name}-rollout", api_version="argoproj.io/v1alpha1", kind="Rollout",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=service, namespace=ns, labels={"app.kubernetes.io/name": service}),
                spec=specs.rollout_spec(
                    deployment=rollout["deployment"], replicas=rollout["replicas"],
                    selector=rollout.get("selector") or {"app.kubernetes.io/name": service},
                    subsets=subsets, virtual_service=service, destination_rule=service, analysis_template=template,
                    host=host, steps=specs.rollout_steps(steps, pause=rollout.get("step_pause", "5m"),
                                                         manual_promotion=rollout.get("manual_promotion", False))),
                # The controller validates the routes, subsets and template when the Rollout appears.
                opts=pulumi.ResourceOptions(parent=self, provider=args["provider"],
                                            depends_on=[*args["crds_ready"], vs, dr, at]))
            self.rollout_name = service
            self.analysis_template_name = template
        self.register_outputs({"host": host, "virtual_service_name": service, "destination_rule_name": service,
                               "rollout_name": self.rollout_name})


def _rules(args: CanaryRoutingArgs) -> list[Rule]:
    subsets = args.get("subsets") or _DEFAULT_SUBSETS
    weights = args.get("weights") or {"stable": 100, "canary": 0}
    rollout = args.get("rollout")
    header = args.get("header_route")
    retries = args.get("retries") or {}
    outlier = args.get("outlier_detection") or {}
    bound = bool(args.get("gateways")) or "gateway" in args
    duration_fix = "give a duration such as 500ms, 2s, 1m or 1m30s"
    rows: list[Rule] = [
        ("provider", args.get("provider"), lambda v: not isinstance(v, pulumi.ProviderResource),
         "pass the cluster's Kubernetes provider (AksCluster.kubernetes_provider)"),
        ("crds_ready", args.get("crds_ready"), lambda v: v is None,
         "pass ServiceMesh.crds_ready so that the custom resources wait for their CRDs "
         "(or [] when Istio and Argo Rollouts were installed outside this program)"),
        ("namespace", args.get("namespace"), lambda v: not isinstance(v, str) or not DNS_LABEL.match(v),
         "use a Kubernetes namespace name (lowercase letters, digits, '-', up to 63)"),
        ("service", args.get("service"), lambda v: not isinstance(v, str) or not _SERVICE.match(v),
         "use a Kubernetes Service name (lowercase letters, digits and '-', starting with a letter)"),
        ("port", args.get("port"), lambda v: not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 65535,
         "give the Service port, 1-65535"),
        ("steps", list(args.get("steps") or []), lambda v: specs.steps_problem(v) is not None,
         specs.steps_problem(list(args.get("steps") or [])) or ""),
        ("subsets", dict(subsets), lambda v: not v or any(not DNS_LABEL.match(k) or not labels for k, labels in v.items()),
         "name subsets with lowercase letters, digits and '-', each with at least one pod label"),
        ("weights", dict(weights), lambda v: specs.weights_problem(v, list(subsets)) is not None,
         specs.weights_problem(weights, list(subsets)) or ""),
        ("mesh_routing", args.get("mesh_routing", True), lambda v: v is False and not bound,
         "keep mesh routing or bind a gateway: the routes need at least one of them"),
        ("hosts", list(args.get("hosts") or []), lambda v: bool(v) != bound,
         "give hosts together with gateways or gateway (hosts need a gateway; a gateway needs hosts)"),
        ("retries.attempts", retries.get("attempts", 2), lambda v: not isinstance(v, int) or not 0 <= v <= 10,
         "give 0 to 10 retries"),
        ("retries.per_try_timeout", retries.get("per_try_timeout", "2s"), lambda v: not specs.ISTIO_DURATION.match(v), duration_fix),
        ("retries.retry_on", retries.get("retry_on", "reset"), lambda v: not _RETRY_ON.match(v),
         "give comma-separated Envoy retry conditions such as connect-failure,reset"),
        ("timeout", args.get("timeout", "30s"), lambda v: not specs.ISTIO_DURATION.match(v), duration_fix),
        ("outlier_detection.interval", outlier.get("interval", "10s"), lambda v: not specs.ISTIO_DURATION.match(v), duration_fix),
        ("outlier_detection.base_ejection_time", outlier.get("base_ejection_time", "30s"),
         lambda v: not specs.ISTIO_DURATION.match(v), duration_fix),
        ("outlier_detection.consecutive_5xx_errors", outlier.get("consecutive_5xx_errors", 5),
         lambda v: not isinstance(v, int) or v < 1, "give at least 1"),
        ("outlier_detection.max_ejection_percent", outlier.get("max_ejection_percent", 50),
         lambda v: not isinstance(v, int) or not 0 <= v <= 100, "give 0 to 100 percent"),
    ]
    health = args.get("gateway_health_path")
    rows.append(("gateway_health_path", health,
                 lambda v: v is not None and (not isinstance(v, str) or not _PATH.match(v)
                                              or not (args.get("gateways") or args.get("gateway"))),
                 "give an absolute path such as /healthz/ready, with gateways (or gateway) to answer it on"))
    if header is not None:
        rows += [
            ("header_route", dict(header), lambda v: "canary" not in subsets,
             f"define a 'canary' subset for the header route to reach (subsets are {sorted(subsets)})"),
            ("header_route.name", header.get("name"), lambda v: not isinstance(v, str) or not _HEADER.match(v),
             "give a lowercase header name such as x-canary (Istio matches lowercase header names)"),
            ("header_route.value", header.get("value"), lambda v: not isinstance(v, str) or not v,
             "give the exact header value, e.g. always"),
        ]
    rows += [("hosts", h, lambda v: not isinstance(v, str) or not _HOST.match(v),
              "give DNS host names such as api.example.com") for h in args.get("hosts") or []]
    rows += [("gateways", g, lambda v: not isinstance(v, str) or v == "mesh" or not _GATEWAY.match(v),
              "give Gateways as namespace/name, e.g. istio-ingress/public (mesh is added by mesh_routing)")
             for g in args.get("gateways") or []]
    if rollout is not None:
        analysis = rollout["analysis"]
        rows += [
            ("subsets", sorted(subsets), lambda v: not {"stable", "canary"} <= set(v),
             "define both 'stable' and 'canary' subsets for the Rollout to shift between"),
            ("weights", dict(weights), lambda v: v != {"stable": 100, "canary": 0},
             "leave weights out (stable 100, canary 0): the Rollout moves them itself"),
            ("rollout.deployment", rollout.get("deployment"), lambda v: not isinstance(v, str) or not DNS_LABEL.match(v),
             "name the application's Deployment"),
            ("rollout.replicas", rollout.get("replicas"), lambda v: not isinstance(v, int) or isinstance(v, bool) or v < 1,
             "give at least 1 replica"),
            ("rollout.step_pause", rollout.get("step_pause", "5m"), lambda v: not specs.ARGO_DURATION.match(v),
             "give a pause such as 30s, 5m or 1h"),
            ("rollout.analysis.prometheus_address", analysis.get("prometheus_address"),
             lambda v: not isinstance(v, str) or not _URL.match(v), "give the Prometheus URL, e.g. http://prometheus.monitoring:9090"),
            ("rollout.analysis.slo_percent", analysis.get("slo_percent"),
             lambda v: not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 < v < 100,
             "give the success-rate objective in percent, above 0 and below 100 (e.g. 99.9)"),
            ("rollout.analysis.interval", analysis.get("interval", "1m"), lambda v: not specs.ISTIO_DURATION.match(v), duration_fix),
            ("rollout.analysis.latency_p95_ms", analysis.get("latency_p95_ms"),
             lambda v: v is not None and (not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 600_000),
             "give whole milliseconds from 1 to 600000 (e.g. 500), or leave it out for no latency check"),
        ]
        critical, rollback = analysis.get("critical_percent"), analysis.get("rollback_percent")
        for key, value in (("critical_percent", critical), ("rollback_percent", rollback)):
            rows.append((f"rollout.analysis.{key}", value,
                         lambda v: not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 < v <= 100,
                         "give an error-budget consumption percentage above 0, at most 100"))
        rows.append(("rollout.analysis.critical_percent", critical,
                     lambda v: isinstance(rollback, (int, float)) and isinstance(v, (int, float)) and v >= rollback,
                     f"give less than rollback_percent ({rollback}): critical pauses, rollback aborts"))
    return rows
