"""Kubernetes namespaces: Pod Security Admission labels on every namespace the platform creates (issue 19).

The admission controller built into Kubernetes reads `pod-security.kubernetes.io/<mode>` labels
(kubernetes.io/docs/concepts/security/pod-security-admission/): a namespace without them admits any pod, and its
violations reach nobody. Enforcement stays per namespace (privileged where Istio's istio-init runs, baseline
elsewhere: components/_pod_security.py); what this rule demands everywhere is a declared enforce level and
restricted auditing and warnings, so every gap to `restricted` is logged.
"""

from __future__ import annotations

from ._base import Resource, Rule, lookup, shown

NAMESPACE = "kubernetes:core/v1:Namespace"
_LEVELS = ("privileged", "baseline", "restricted")
_PREFIX = "pod-security.kubernetes.io"


def pod_security_labelled(resource: Resource) -> list[str]:
    labels = lookup(resource.inputs, "metadata.labels") or {}
    problems = []
    enforce = labels.get(f"{_PREFIX}/enforce")
    if enforce not in _LEVELS:
        problems.append(f"label {_PREFIX}/enforce is {shown(enforce)}; set one of {', '.join(_LEVELS)} (the strictest "
                        "level the namespace's pods meet)")
    for mode in ("audit", "warn"):
        if labels.get(f"{_PREFIX}/{mode}") != "restricted":
            problems.append(f"label {_PREFIX}/{mode} is {shown(labels.get(f'{_PREFIX}/{mode}'))}; set restricted, "
                            "so that every pod short of it is logged")
    return ["; ".join(problems)] if problems else []


RULES = (
    Rule("namespace-pod-security", "Every namespace declares a Pod Security Admission enforce level and audits and "
         "warns at restricted.", "medium", ("CIS AKS 4.2 (Pod Security Standards)", "MCSB AKS PV-2"),
         pod_security_labelled, frozenset({NAMESPACE}), environments=frozenset({"uat", "prod"})),
)
