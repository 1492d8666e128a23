"""Istio: mutual TLS is STRICT in uat and prod (the platform's routing.mtlsMode there)."""

from __future__ import annotations

from collections.abc import Sequence

from ._base import Finding, Resource, Rule, lookup, resource_label

PEER_AUTHENTICATION_TYPES = frozenset({
    "kubernetes:security.istio.io/v1:PeerAuthentication",
    "kubernetes:security.istio.io/v1beta1:PeerAuthentication",
})
HELM_RELEASE_TYPES = frozenset({"kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart"})
ROOT_NAMESPACE = "istio-system"
_WEAK = ("PERMISSIVE", "DISABLE")


def _installs_istiod(resource: Resource) -> bool:
    return resource.type in HELM_RELEASE_TYPES and str(resource.inputs.get("chart", "")).rsplit("/", 1)[-1] == "istiod"


def mtls_strict(resources: Sequence[Resource]) -> list[Finding]:
    findings = []
    mesh_wide_strict = 0
    for policy in resources:
        if policy.type not in PEER_AUTHENTICATION_TYPES:
            continue
        mode = lookup(policy.inputs, "spec.mtls.mode")
        label = resource_label(policy.urn)
        if mode in _WEAK:
            findings.append(Finding(policy.urn, f"{label}: spec.mtls.mode is {mode}; use STRICT (plain-text traffic is accepted otherwise)"))
        for port, setting in (lookup(policy.inputs, "spec.portLevelMtls") or {}).items():
            if isinstance(setting, dict) and setting.get("mode") in _WEAK:
                findings.append(Finding(policy.urn, f"{label}: port {port} mTLS mode is {setting['mode']}; use STRICT"))
        namespace = lookup(policy.inputs, "metadata.namespace")
        if namespace == ROOT_NAMESPACE and not lookup(policy.inputs, "spec.selector") and mode == "STRICT":
            mesh_wide_strict += 1
    # Each cluster (one istiod release each) needs its own root policy; the plan does not say which cluster a
    # Kubernetes resource goes to, so fewer mesh-wide policies than istiod releases is a violation on each.
    istiod = [r for r in resources if _installs_istiod(r)]
    if len(istiod) > mesh_wide_strict:
        findings += [
            Finding(release.urn, f"Istio is installed ({resource_label(release.urn)}) but {mesh_wide_strict} mesh-wide "
                                 f"PeerAuthentication(s) in {ROOT_NAMESPACE} set mtls.mode STRICT for {len(istiod)} "
                                 "istiod release(s); add one per cluster (namespace-level policies leave other "
                                 "namespaces PERMISSIVE)")
            for release in istiod
        ]
    return findings


_ALLOW_ANNOTATIONS = ("service.beta.kubernetes.io/azure-allowed-ip-ranges",
                      "service.beta.kubernetes.io/azure-allowed-service-tags")


def gateway_source_restricted(resource: Resource) -> list[str]:
    """A public Istio ingress gateway admits only listed sources: AKS's allowed-ip-ranges or allowed-service-tags
    annotation (NSG rules, kubernetes-sigs/cloud-provider-azure) or `loadBalancerSourceRanges`."""
    if str(resource.inputs.get("chart", "")).rsplit("/", 1)[-1] != "gateway":
        return []
    service = lookup(resource.inputs, "values.service") or {}
    annotations = service.get("annotations") or {}
    if annotations.get("service.beta.kubernetes.io/azure-load-balancer-internal") == "true":
        return []
    if any(annotations.get(a) for a in _ALLOW_ANNOTATIONS) or service.get("loadBalancerSourceRanges"):
        return []
    return [f"{resource_label(resource.urn)}: the public ingress gateway admits any source; list the ranges or service "
            "tags that may reach it (ServiceMesh ingress_gateway.allowed_ip_ranges / allowed_service_tags)"]


RULES = (
    Rule("istio-mtls-strict", "Istio mutual TLS is STRICT mesh-wide and nowhere weakened, in uat and prod.", "high",
         ("MCSB AKS DP-3", "platform design: routing.mtlsMode"), mtls_strict, scope="stack",
         environments=frozenset({"uat", "prod"})),
    Rule("ingress-source-restricted", "A public ingress gateway admits only listed address ranges or service tags.",
         "medium", ("MCSB AKS NS-1", "platform design: no open ingress"), gateway_source_restricted,
         HELM_RELEASE_TYPES),
)
