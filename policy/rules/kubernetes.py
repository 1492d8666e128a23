"""Kubernetes objects the program writes itself: Pod Security Admission labels on every namespace, and workload
images pinned by digest (issue 19). Charts rendered at deploy time are pinned by chart version instead: their
manifests are not in the plan.

Pod Security Admission:
The admission controller built into Kubernetes reads `pod-security.kubernetes.io/<mode>` labels
(kubernetes.io/docs/concepts/security/pod-security-admission/): a namespace without them admits any pod, and its
violations reach nobody. Enforcement stays per namespace (privileged where Istio's istio-init runs, baseline
elsewhere: components/_pod_security.py); what this rule demands everywhere is a declared enforce level and
restricted auditing and warnings, so every gap to `restricted` is logged.
"""

from __future__ import annotations

import re
from typing import Any

from ._base import Resource, Rule, lookup, shown

NAMESPACE = "kubernetes:core/v1:Namespace"
WORKLOADS = frozenset({
    "kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:StatefulSet",
    "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob", "kubernetes:core/v1:Pod",
})
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
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


def _pod_spec(resource: Resource) -> Any:
    if resource.type == "kubernetes:core/v1:Pod":
        return lookup(resource.inputs, "spec")
    if resource.type == "kubernetes:batch/v1:CronJob":
        return lookup(resource.inputs, "spec.jobTemplate.spec.template.spec")
    return lookup(resource.inputs, "spec.template.spec")


def images_pinned_by_digest(resource: Resource) -> list[str]:
    spec = _pod_spec(resource) or {}
    containers = [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]
    loose = [str(c.get("image")) for c in containers if isinstance(c, dict) and not _DIGEST.search(str(c.get("image")))]
    if not loose:
        return []
    return [f"image(s) {', '.join(loose)} not pinned by digest; write repository[:tag]@sha256:<digest> (a tag can be "
            "moved to other content after review)"]


RULES = (
    Rule("namespace-pod-security", "Every namespace declares a Pod Security Admission enforce level and audits and "
         "warns at restricted.", "medium", ("CIS AKS 4.2 (Pod Security Standards)", "MCSB AKS PV-2"),
         pod_security_labelled, frozenset({NAMESPACE}), environments=frozenset({"uat", "prod"})),
    Rule("k8s-image-digest", "Every container image the program writes into a workload is pinned by digest.", "medium",
         ("CIS AKS 5.1 (image provenance)", "MCSB AKS PV-2"), images_pinned_by_digest, WORKLOADS,
         environments=frozenset({"uat", "prod"})),
)
