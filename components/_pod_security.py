"""Pod Security Admission labels for every namespace the components create (issue 19).

Kubernetes' built-in admission controller reads three modes from a namespace's labels
(kubernetes.io/docs/concepts/security/pod-security-admission/): `enforce` refuses a pod that breaks the level,
`audit` records it in the API server's audit log (which AKS sends to the workspace), `warn` tells the client that
applied it (Argo CD shows the warning). Every namespace here enforces the strictest level its own pods meet and
audits and warns at `restricted`, so what stands between a namespace and `restricted` is visible in the logs.

Where `enforce` cannot be `baseline` yet:
- Namespaces with Istio sidecars: the injected `istio-init` container needs NET_ADMIN and NET_RAW, which `baseline`
  forbids; only the Istio CNI plugin removes it (istio.io/latest/docs/setup/additional-setup/pod-security-admission/),
  and running that plugin beside AKS's Cilium dataplane is not verified here (docs/security.md).
- A namespace with kube-prometheus-stack: its node exporter uses the host's network, PID namespace and paths.

The enforce version is `latest`: a pod the cluster's own version's rules admit is admitted; pin a version only to
hold an upgrade's stricter rules back (the same page, "enforce-version").
"""

from __future__ import annotations

from typing import Literal

__all__ = ["PodSecurityLevel", "pod_security_labels"]

PodSecurityLevel = Literal["privileged", "baseline", "restricted"]

_PREFIX = "pod-security.kubernetes.io"


def pod_security_labels(enforce: PodSecurityLevel) -> dict[str, str]:
    """The namespace labels that enforce `enforce` and audit and warn at `restricted`."""
    return {
        f"{_PREFIX}/enforce": enforce,
        f"{_PREFIX}/enforce-version": "latest",
        f"{_PREFIX}/audit": "restricted",
        f"{_PREFIX}/warn": "restricted",
    }
