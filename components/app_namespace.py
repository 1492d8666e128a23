"""One application's namespace with its guardrails: sidecar injection, a quota, container defaults, a
default-deny network policy with the few allows a meshed workload needs, a disruption budget and,
when asked, STRICT mutual TLS.

Network policy. Everything in and out is denied, then allowed:
- in: from the ingress gateway's namespace (any port); from the Prometheus namespace on the sidecar's
  metrics ports only (15020: app metrics merged by Istio, 15090: Envoy); from the namespace itself;
- out: DNS to kube-dns in kube-system (UDP and TCP 53); istiod in istio-system on 15012 (xDS and
  certificates; 15017 is istiod's webhook port, called by the API server, never by pods); the namespace
  itself; the caller's `egress` CIDRs and `egress_to_namespaces`.
Kubernetes policies always allow traffic between a pod and its own node (kubelet probes).

Disruption budget. One PodDisruptionBudget selects the application's pods by
`app.kubernetes.io/part-of: <application>` (Job pods excluded) with maxUnavailable 1: node drains evict one
pod at a time, and a single-replica workload can still be drained (minAvailable 1 would block AKS node
upgrades). Workloads must carry that label and must not add a second budget for the same pods (the eviction
API refuses pods covered by two). Unhealthy pods may always be evicted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict, cast

import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components._helm import DNS_LABEL
from sentimark_platform.components._pod_security import pod_security_labels
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["AppNamespace", "AppNamespaceArgs", "ContainerDefaultsArgs", "EgressRuleArgs", "double_quantity"]

_COMPONENT = "AppNamespace"
PART_OF = "app.kubernetes.io/part-of"
_QUANTITY = re.compile(r"^(\d+)(m|Mi|Gi|Ti)?$")
_CIDR = re.compile(r"^(\d{1,3}\.){3}\d{1,3}/\d{1,2}$")
_RESERVED_LABELS = ("istio-injection", "istio.io/rev", "control-plane", "kubernetes.io/metadata.name")


class ContainerDefaultsArgs(TypedDict):
    cpu_request: NotRequired[str]
    """CPU request of a container that sets none; 100m unless given."""
    memory_request: NotRequired[str]
    """Memory request of a container that sets none; 128Mi unless given."""
    cpu_limit: NotRequired[str]
    """CPU limit of a container that sets none; 500m unless given."""
    memory_limit: NotRequired[str]
    """Memory limit of a container that sets none; 512Mi unless given."""


class EgressRuleArgs(TypedDict):
    cidr: str
    """Destination block, e.g. the private endpoint subnet or 0.0.0.0/0 for the internet."""
    ports: Sequence[int]
    """Destination ports (at least one)."""
    protocol: NotRequired[Literal["TCP", "UDP"]]
    """TCP unless given."""
    except_cidrs: NotRequired[Sequence[str]]
    """Blocks inside `cidr` that stay denied (e.g. 10.0.0.0/8 when `cidr` is 0.0.0.0/0); none unless given."""


class AppNamespaceArgs(TypedDict):
    provider: pulumi.ProviderResource
    """Kubernetes provider of the cluster (AksCluster.kubernetes_provider)."""
    application: str
    """Application name: the namespace's name and the `app.kubernetes.io/part-of` value of its pods."""
    cpu_quota: str
    """Total CPU all containers may request, e.g. "4" or "3500m"."""
    memory_quota: str
    """Total memory all containers may request, e.g. "8Gi"."""
    cpu_limit_quota: NotRequired[str]
    """Total CPU limits; twice `cpu_quota` unless given (burst room: limits exceed requests, and Istio's
    sidecar sets its own limit)."""
    memory_limit_quota: NotRequired[str]
    """Total memory limits; twice `memory_quota` unless given."""
    max_pods: NotRequired[int]
    """Most pods in the namespace; 50 unless given."""
    container_defaults: NotRequired[ContainerDefaultsArgs]
    """Requests and limits of containers that set none (the quota requires both)."""
    ingress_gateway_namespace: NotRequired[str]
    """Namespace of the Istio ingress gateway pods allowed in; istio-ingress unless given."""
    monitoring_namespaces: NotRequired[Sequence[str]]
    """Namespaces of the Prometheus servers that scrape the pods; [kube-system] (managed Prometheus) unless given
    (ServiceMesh.scrape_namespaces: with the analysis Prometheus, also monitoring)."""
    metrics_ports: NotRequired[Sequence[int]]
    """Ports Prometheus may scrape; 15020 and 15090 (Istio's merged and Envoy metrics) unless given."""
    istio_namespace: NotRequired[str]
    """Namespace of istiod; istio-system unless given."""
    egress: NotRequired[Mapping[str, EgressRuleArgs]]
    """Extra egress allows by key (one NetworkPolicy `allow-egress-<key>` each); none unless given."""
    egress_to_namespaces: NotRequired[Sequence[str]]
    """Other namespaces the pods may call (any port); none unless given (their own policy must let them in)."""
    ingress_from_namespaces: NotRequired[Sequence[str]]
    """Other namespaces allowed in (any port); none unless given."""
    mtls_mode: NotRequired[Literal["STRICT", "PERMISSIVE"]]
    """A namespace-wide PeerAuthentication `default` with this mode; none unless given (the mesh default,
    PERMISSIVE, applies)."""
    crds_ready: NotRequired[Sequence[pulumi.Resource]]
    """What the PeerAuthentication depends on (ServiceMesh.crds_ready); required with `mtls_mode` (pass []
    only when Istio was installed outside this program)."""
    max_unavailable_pods: NotRequired[int]
    """Pods of the application a voluntary disruption may take down at once; 1 unless given."""
    labels: NotRequired[Mapping[str, str]]
    """Extra namespace labels; Istio's and AKS's reserved keys and the Pod Security Admission ones are refused."""
    pod_security: NotRequired[Literal["privileged", "baseline", "restricted"]]
    """The Pod Security Admission level enforced on the namespace (audit and warn stay at restricted:
    components/_pod_security.py); privileged unless given, because the sidecar injector's istio-init container
    needs NET_ADMIN and NET_RAW. Give baseline or restricted where the mesh runs the Istio CNI plugin (no
    istio-init) and the application's pods meet the level."""


class AppNamespace(pulumi.ComponentResource):
    """An application namespace in the mesh, with quota, defaults, network policy and disruption budget."""

    name: pulumi.Output[str]
    """The Kubernetes namespace's name, once created (depend on it through this output)."""
    resource_id: pulumi.Output[str]
    """The Pulumi id of the Namespace object."""
    namespace: str
    """The namespace's name (known before deployment, for other components' arguments)."""

    def __init__(self, name: str, args: AppNamespaceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("AppNamespace", args, AppNamespaceArgs, lambda: _rules(args))
        super().__init__("sentimark:index:AppNamespace", name, None, opts)
        app = args["application"]
        provider = args["provider"]
        labels = {**(args.get("labels") or {}), PART_OF: app, "istio-injection": "enabled",
                  **pod_security_labels(args.get("pod_security", "privileged"))}
        ns = k8s.core.v1.Namespace(
            f"{name}-ns",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=app, labels=labels),
            opts=pulumi.ResourceOptions(parent=self, provider=provider),
        )
        inside = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[ns])

        def meta(object_name: str) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=app, labels={PART_OF: app})

        cpu, memory = args["cpu_quota"], args["memory_quota"]
        k8s.core.v1.ResourceQuota(
            f"{name}-quota",
            metadata=meta("compute"),
            spec=k8s.core.v1.ResourceQuotaSpecArgs(hard={
                "requests.cpu": cpu,
                "requests.memory": memory,
                "limits.cpu": args.get("cpu_limit_quota") or double_quantity(cpu),
                "limits.memory": args.get("memory_limit_quota") or double_quantity(memory),
                "pods": str(args.get("max_pods", 50)),
            }),
            opts=inside,
        )
        defaults = args.get("container_defaults") or {}
        k8s.core.v1.LimitRange(
            f"{name}-limits",
            metadata=meta("container-defaults"),
            spec=k8s.core.v1.LimitRangeSpecArgs(limits=[k8s.core.v1.LimitRangeItemArgs(
                type="Container",
                default_request={"cpu": defaults.get("cpu_request", "100m"),
                                 "memory": defaults.get("memory_request", "128Mi")},
                default={"cpu": defaults.get("cpu_limit", "500m"), "memory": defaults.get("memory_limit", "512Mi")},
            )]),
            opts=inside,
        )
        for key, spec in _network_policies(args).items():
            k8s.networking.v1.NetworkPolicy(f"{name}-np-{key}", metadata=meta(key), spec=spec, opts=inside)
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=meta(f"{app}-default"),
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                max_unavailable=args.get("max_unavailable_pods", 1),
                selector=k8s.meta.v1.LabelSelectorArgs(
                    match_labels={PART_OF: app},
                    # Job pods have no scale subresource: a maxUnavailable budget over them would block evictions.
                    match_expressions=[k8s.meta.v1.LabelSelectorRequirementArgs(
                        key="batch.kubernetes.io/job-name", operator="DoesNotExist")],
                ),
                unhealthy_pod_eviction_policy="AlwaysAllow",
            ),
            opts=inside,
        )
        mtls = args.get("mtls_mode")
        if mtls is not None:
            k8s.apiextensions.CustomResource(
                f"{name}-peer-auth",
                api_version="security.istio.io/v1",
                kind="PeerAuthentication",
                metadata=meta("default"),
                spec={"mtls": {"mode": mtls}},
                opts=pulumi.ResourceOptions(parent=self, provider=provider,
                                            depends_on=[ns, *(args.get("crds_ready") or [])]),
            )
        self.namespace = app
        self.name = ns.metadata.name
        self.resource_id = ns.id
        self.register_outputs({"name": self.name, "resource_id": self.resource_id})


def double_quantity(quantity: str) -> str:
    """Twice a Kubernetes quantity of the forms the quota accepts here: "4" -> "8", "512Mi" -> "1024Mi"."""
    match = _QUANTITY.match(quantity)
    if match is None:
        raise ValueError(f"not a quantity like 4, 500m or 8Gi: {quantity!r}")
    number, unit = int(match.group(1)) * 2, match.group(2) or ""
    return f"{number}{unit}"


def _peer(namespace: str, pods: Mapping[str, str] | None = None) -> k8s.networking.v1.NetworkPolicyPeerArgs:
    return k8s.networking.v1.NetworkPolicyPeerArgs(
        namespace_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"kubernetes.io/metadata.name": namespace}),
        pod_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(pods)) if pods else None,
    )


def _ports(numbers: Sequence[int], protocol: str = "TCP") -> list[k8s.networking.v1.NetworkPolicyPortArgs]:
    return [k8s.networking.v1.NetworkPolicyPortArgs(port=n, protocol=protocol) for n in numbers]


def _network_policies(args: AppNamespaceArgs) -> dict[str, k8s.networking.v1.NetworkPolicySpecArgs]:
    """Policy name -> spec. Policies add up: a pod may do what any policy selecting it allows."""
    every_pod = k8s.meta.v1.LabelSelectorArgs()
    own = k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs())
    ingress_rule, egress_rule = k8s.networking.v1.NetworkPolicyIngressRuleArgs, k8s.networking.v1.NetworkPolicyEgressRuleArgs

    def ingress(*rules: k8s.networking.v1.NetworkPolicyIngressRuleArgs) -> k8s.networking.v1.NetworkPolicySpecArgs:
        return k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=every_pod, policy_types=["Ingress"], ingress=list(rules))

    def egress(*rules: k8s.networking.v1.NetworkPolicyEgressRuleArgs) -> k8s.networking.v1.NetworkPolicySpecArgs:
        return k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=every_pod, policy_types=["Egress"], egress=list(rules))

    policies = {
        "default-deny": k8s.networking.v1.NetworkPolicySpecArgs(pod_selector=every_pod, policy_types=["Ingress", "Egress"]),
        "allow-same-namespace": k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=every_pod, policy_types=["Ingress", "Egress"],
            ingress=[ingress_rule(from_=[own])], egress=[egress_rule(to=[own])]),
        "allow-from-ingress-gateway": ingress(ingress_rule(from_=[_peer(args.get("ingress_gateway_namespace", "istio-ingress"))])),
        "allow-prometheus-scrape": ingress(ingress_rule(
            from_=[_peer(n) for n in args.get("monitoring_namespaces", ["kube-system"])],
            ports=_ports(args.get("metrics_ports", (15020, 15090))))),
        "allow-dns": egress(egress_rule(to=[_peer("kube-system", {"k8s-app": "kube-dns"})],
                                        ports=[*_ports([53], "UDP"), *_ports([53], "TCP")])),
        "allow-istiod": egress(egress_rule(to=[_peer(args.get("istio_namespace", "istio-system"), {"app": "istiod"})],
                                           ports=_ports([15012]))),
    }
    if args.get("ingress_from_namespaces"):
        policies["allow-from-namespaces"] = ingress(ingress_rule(from_=[_peer(n) for n in args["ingress_from_namespaces"]]))
    if args.get("egress_to_namespaces"):
        policies["allow-to-namespaces"] = egress(egress_rule(to=[_peer(n) for n in args["egress_to_namespaces"]]))
    for key, rule in (args.get("egress") or {}).items():
        block = k8s.networking.v1.IPBlockArgs(cidr=rule["cidr"], except_=list(rule["except_cidrs"]) if rule.get("except_cidrs") else None)
        policies[f"allow-egress-{key}"] = egress(egress_rule(
            to=[k8s.networking.v1.NetworkPolicyPeerArgs(ip_block=block)],
            ports=_ports(rule["ports"], rule.get("protocol", "TCP"))))
    return policies


def _not_quantity(pattern: re.Pattern[str], *, optional: bool) -> Callable[[Any], bool]:
    def is_bad(value: Any) -> bool:
        if value is None:
            return not optional
        return not isinstance(value, str) or not pattern.match(value)

    return is_bad


def _rules(args: AppNamespaceArgs) -> list[Rule]:
    def quantity(kind: str) -> tuple[re.Pattern[str], str]:
        if kind == "cpu":
            return re.compile(r"^\d+m?$"), "give whole cores (\"4\") or millicores (\"3500m\")"
        return re.compile(r"^\d+(Mi|Gi|Ti)$"), "give Mi, Gi or Ti, e.g. \"8Gi\""

    namespace_rule = "use a Kubernetes namespace name (lowercase letters, digits, '-', up to 63)"
    loose = cast("Mapping[str, Any]", args)
    rows: list[Rule] = [
        ("provider", args.get("provider"), lambda v: not isinstance(v, pulumi.ProviderResource),
         "pass the cluster's Kubernetes provider (AksCluster.kubernetes_provider)"),
        ("application", args.get("application"), lambda v: not isinstance(v, str) or not DNS_LABEL.match(v), namespace_rule),
        ("max_pods", args.get("max_pods", 50), lambda v: not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 10_000,
         "give 1 to 10000 pods"),
        ("max_unavailable_pods", args.get("max_unavailable_pods", 1),
         lambda v: not isinstance(v, int) or isinstance(v, bool) or v < 1,
         "give at least 1 (0 would block every node drain and AKS upgrade)"),
        ("mtls_mode", args.get("mtls_mode"), lambda v: v not in (None, "STRICT", "PERMISSIVE"), "use STRICT or PERMISSIVE"),
        ("crds_ready", args.get("crds_ready"), lambda v: args.get("mtls_mode") is not None and v is None,
         "pass ServiceMesh.crds_ready so that the PeerAuthentication waits for the Istio CRDs "
         "(or [] when Istio was installed outside this program)"),
        ("labels", sorted(args.get("labels") or {}), lambda v: bool(set(v) & set(_RESERVED_LABELS)),
         f"leave out {list(_RESERVED_LABELS)}: injection is always enabled, and AKS excludes namespaces labelled "
         "control-plane from admission webhooks (no sidecars)"),
        ("labels", sorted(args.get("labels") or {}),
         lambda v: any(k.startswith("pod-security.kubernetes.io/") for k in v),
         "leave out the pod-security.kubernetes.io labels: give pod_security instead"),
    ]
    for argument, kind in (("cpu_quota", "cpu"), ("memory_quota", "memory"), ("cpu_limit_quota", "cpu"),
                           ("memory_limit_quota", "memory")):
        pattern, fix = quantity(kind)
        rows.append((argument, loose.get(argument), _not_quantity(pattern, optional=True), fix))
    defaults = args.get("container_defaults") or {}
    for key, value in defaults.items():
        pattern, fix = quantity("cpu" if key.startswith("cpu") else "memory")
        rows.append((f"container_defaults.{key}", value, _not_quantity(pattern, optional=False), fix))
    for key in ("ingress_gateway_namespace", "istio_namespace"):
        rows.append((key, loose.get(key), lambda v: v is not None and not DNS_LABEL.match(v), namespace_rule))
    rows.append(("monitoring_namespaces", loose.get("monitoring_namespaces"),
                 lambda v: v is not None and (isinstance(v, str) or not v), "give a non-empty list of namespaces, e.g. [kube-system]"))
    for key in ("egress_to_namespaces", "ingress_from_namespaces", "monitoring_namespaces"):
        values = loose.get(key) or []
        for value in [] if isinstance(values, str) else values:
            rows.append((key, value, lambda v: not isinstance(v, str) or not DNS_LABEL.match(v), namespace_rule))
    for port in args.get("metrics_ports", (15020, 15090)):
        rows.append(("metrics_ports", port, lambda v: not isinstance(v, int) or not 1 <= v <= 65535, "give TCP ports 1-65535"))
    for key, rule in (args.get("egress") or {}).items():
        rows += [
            (f"egress[{key!r}]", key, lambda v: not DNS_LABEL.match(v), "key egress rules with lowercase letters, digits and '-'"),
            (f"egress[{key!r}].cidr", rule.get("cidr"), lambda v: not isinstance(v, str) or not _CIDR.match(v),
             "give an IPv4 CIDR block such as 10.1.2.0/24"),
            (f"egress[{key!r}].ports", list(rule.get("ports") or []),
             lambda v: not v or any(not isinstance(p, int) or not 1 <= p <= 65535 for p in v), "give at least one port 1-65535"),
            *((f"egress[{key!r}].except_cidrs", c, lambda v: not isinstance(v, str) or not _CIDR.match(v),
               "give IPv4 CIDR blocks inside cidr") for c in rule.get("except_cidrs") or []),
        ]
    return rows
