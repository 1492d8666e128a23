"""Pinned Helm releases and the namespaces they install into: the one way components install charts.

A release here is always a `kubernetes:helm.sh/v3:Release` with an exact chart version from an explicit
repository (no ranges, no "latest"), installed atomically (a failed install or upgrade rolls back and
cleans up) and awaited (`skip_await` False), so that whatever depends on it runs after its workloads are
ready. Namespaces are created as `core/v1 Namespace` resources, never by Helm (`create_namespace` False),
so that their labels are declared and reviewed like any other resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components._pod_security import PodSecurityLevel, pod_security_labels
from sentimark_platform.components._validation import Rule

__all__ = [
    "DNS_LABEL",
    "ChartPinArgs",
    "chart_pin_rules",
    "kubernetes_namespace",
    "pinned_release",
]

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_REPOSITORY = re.compile(r"^(https|oci)://[^\s]+$")

class ChartPinArgs(TypedDict):
    repository: str
    """Chart repository: an https:// Helm repository or an oci:// registry path (without the chart name)."""
    version: str
    """Exact chart version (e.g. 1.27.3); ranges are refused, so that an install is reproducible."""


def chart_pin_rules(argument: str, pin: ChartPinArgs) -> list[Rule]:
    """Validation rows for one chart pin."""
    return [
        (f"{argument}.repository", pin.get("repository"), lambda v: not isinstance(v, str) or not _REPOSITORY.match(v),
         "give the chart repository as an https:// or oci:// URL"),
        (f"{argument}.version", pin.get("version"), lambda v: not isinstance(v, str) or not _EXACT_VERSION.match(v),
         "pin an exact chart version such as 1.27.3 (no ranges or 'latest')"),
    ]


def kubernetes_namespace(
    resource_name: str,
    *,
    name: str,
    labels: Mapping[str, str],
    pod_security: PodSecurityLevel,
    opts: pulumi.ResourceOptions,
) -> k8s.core.v1.Namespace:
    """A namespace with a fixed name (charts and policies refer to it by name), declared labels and the Pod Security
    Admission level its pods meet (components/_pod_security.py)."""
    return k8s.core.v1.Namespace(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name=name, labels={**labels, **pod_security_labels(pod_security)}),
        opts=opts,
    )


def namespace_ingress_policy(
    resource_name: str,
    *,
    namespace: str,
    allow_from_namespaces: Sequence[str],
    opts: pulumi.ResourceOptions,
) -> k8s.networking.v1.NetworkPolicy:
    """Default-deny ingress for every pod of `namespace`, except from its own pods and from the namespaces named
    (a scraper's, e.g. kube-system for the metrics add-on). Egress stays open: the platform's controllers call the
    API server, whose address a NetworkPolicy cannot name reliably under AKS's Cilium dataplane (docs/security.md).
    Kubelet probes are not affected: Cilium admits traffic from the pod's own node by default
    (docs.cilium.io/en/stable/security/policy/language/, "host" entity, policy-allow-localhost)."""
    peers = [k8s.networking.v1.NetworkPolicyPeerArgs(pod_selector=k8s.meta.v1.LabelSelectorArgs())]
    peers += [k8s.networking.v1.NetworkPolicyPeerArgs(namespace_selector=k8s.meta.v1.LabelSelectorArgs(
        match_labels={"kubernetes.io/metadata.name": source})) for source in allow_from_namespaces]
    return k8s.networking.v1.NetworkPolicy(
        resource_name,
        metadata=k8s.meta.v1.ObjectMetaArgs(name="default-deny-ingress", namespace=namespace),
        spec=k8s.networking.v1.NetworkPolicySpecArgs(
            pod_selector=k8s.meta.v1.LabelSelectorArgs(),
            policy_types=["Ingress"],
            ingress=[k8s.networking.v1.NetworkPolicyIngressRuleArgs(from_=peers)],
        ),
        opts=opts,
    )


def pinned_release(
    resource_name: str,
    *,
    release_name: str,
    chart: str,
    pin: ChartPinArgs,
    namespace: k8s.core.v1.Namespace,
    values: Mapping[str, Any],
    timeout_seconds: int,
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> k8s.helm.v3.Release:
    """One chart at its pinned version, atomic and awaited, in a namespace this program created.

    `release_name` is the Helm release name: charts name their objects after it (the Istio gateway chart
    labels its pods `istio: <name without "istio-">`), so it is fixed rather than auto-named.
    """
    repository = pin["repository"].rstrip("/")
    if repository.startswith("oci://"):
        chart_ref, repository_opts = f"{repository}/{chart}", None
    else:
        chart_ref, repository_opts = chart, k8s.helm.v3.RepositoryOptsArgs(repo=repository)
    return k8s.helm.v3.Release(
        resource_name,
        k8s.helm.v3.ReleaseArgs(
            name=release_name,
            chart=chart_ref,
            version=pin["version"],
            repository_opts=repository_opts,
            namespace=namespace.metadata.name,
            create_namespace=False,
            values=dict(values),
            atomic=True,
            cleanup_on_fail=True,
            skip_await=False,
            timeout=timeout_seconds,
        ),
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=[namespace, *depends_on]),
    )
