"""A Key Vault certificate served by the Istio ingress gateway: synced into a Kubernetes TLS Secret by the
Secrets Store CSI driver, with a workload identity that may read that one certificate and nothing else.

Why a certificate from Key Vault: Azure Front Door re-encrypts to its origins and accepts only a certificate
from a publicly trusted CA whose name covers the host header it sends. Those certificates are issued for a
domain the team owns (its public-certificate process, or an ACME client with DNS validation) and imported
into the platform's Key Vault under `certificate_name`; renewing means importing a new version there, and
the driver's rotation (the AKS add-on polls every two minutes) brings it to the gateway.

How it reaches the gateway: the CSI driver creates a synced Secret only while a pod mounts the volume, and
deletes it when the last such pod is gone. A small Deployment (`<secret_name>-sync`, a pause container,
two replicas spread over nodes, a disruption budget of one) mounts it, so the Secret outlives node drains
and the gateway pods never depend on the mount: a missing or unreadable certificate leaves the HTTPS
listener without a credential (Istio logs it) instead of stopping the gateway, and `pulumi up` does not wait
for the sync pods (`pulumi.com/skipAwait`): they become ready only once the certificate is in the vault. The gateway reads the Secret
from its own namespace (the gateway chart's RBAC allows it): name it in the Gateway's `credentialName`
(ServiceMesh `ingress_gateway.tls_credential_name`).

Its SecretProviderClass CRD comes with the AKS add-on azureKeyvaultSecretsProvider and the namespace with
ServiceMesh: pass both in `opts.depends_on`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components._helm import DNS_LABEL
from sentimark_platform.components._validation import Rule, check_arguments
from sentimark_platform.components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs

__all__ = ["DEFAULT_SYNC_IMAGE", "IngressCertificate", "IngressCertificateArgs"]

_COMPONENT = "IngressCertificate"
DEFAULT_SYNC_IMAGE = ("registry.k8s.io/pause:3.10"
                      "@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a")
"""The sync pods' container: it only has to stay running while the driver mounts the volume. Pinned by digest (the
multi-architecture index of pause 3.10, as cilium/cilium's images pin it): a moved tag cannot change what runs."""
_CERTIFICATE = re.compile(r"^[A-Za-z0-9-]{1,127}$")
_IMAGE = re.compile(r"^[a-z0-9.-]+(:\d+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]+)?@sha256:[0-9a-f]{64}$")


class IngressCertificateArgs(TypedDict):
    provider: pulumi.ProviderResource
    """Kubernetes provider of the cluster (AksCluster.kubernetes_provider)."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the sync pods' user-assigned identity."""
    location: NotRequired[pulumi.Input[str]]
    """Region of the identity; the resource group's unless given."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer (AksCluster.oidc_issuer_url)."""
    key_vault_id: pulumi.Input[str]
    """Resource id of the vault holding the certificate; the identity gets Key Vault Secrets User on the
    certificate's secret only."""
    key_vault_name: pulumi.Input[str]
    """Name of that vault."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant of the vault."""
    certificate_name: str
    """Key Vault certificate (imported with its private key, PEM or PFX) that the gateway presents."""
    namespace: NotRequired[str]
    """Namespace of the ingress gateway; istio-ingress unless given (ServiceMesh.ingress_gateway_namespace)."""
    secret_name: NotRequired[str]
    """Kubernetes TLS Secret to create there; ingress-tls unless given."""
    replicas: NotRequired[int]
    """Sync pods; 2 unless given (the Secret disappears with the last one)."""
    sync_image: NotRequired[str]
    """Image of the sync pods, pinned by digest (`repository[:tag]@sha256:...`); registry.k8s.io/pause:3.10 at its
    digest unless given (mirror it into your registry where policy allows only that)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the identity."""


class IngressCertificate(pulumi.ComponentResource):
    """A Key Vault certificate as a TLS Secret in the ingress gateway's namespace."""

    secret_name: str
    """The TLS Secret's name, for the Gateway's `credentialName`."""
    namespace: str
    """Namespace of the Secret (the ingress gateway's)."""
    client_id: pulumi.Output[str]
    """Client id of the identity that reads the certificate."""
    principal_id: pulumi.Output[str]
    """Object id of that identity."""

    def __init__(self, name: str, args: IngressCertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments(_COMPONENT, args, IngressCertificateArgs, lambda: _rules(args))
        super().__init__("sentimark:index:IngressCertificate", name, None, opts)
        namespace = args.get("namespace", "istio-ingress")
        secret = args.get("secret_name", "ingress-tls")
        certificate = args["certificate_name"]
        workload = f"{secret}-sync"
        labels = {"app.kubernetes.io/name": workload, "app.kubernetes.io/part-of": "ingress",
                  "app.kubernetes.io/managed-by": "pulumi"}
        identity: WorkloadIdentityArgs = {
            "resource_group_name": args["resource_group_name"],
            "oidc_issuer_url": args["oidc_issuer_url"],
            "federated_credentials": {workload: {"namespace": namespace, "service_account": workload}},
            "kubernetes_provider": args["provider"],
            # Least privilege: the certificate's secret, not the vault (Key Vault RBAC scopes to one object).
            "role_grants": {"certificate": {
                "role": "Key Vault Secrets User",
                "scope_id": pulumi.Output.concat(args["key_vault_id"], "/secrets/", certificate),
            }},
            "secret_provider_class": {
                "name": workload,
                "namespace": namespace,
                "key_vault_name": args["key_vault_name"],
                "tenant_id": args["tenant_id"],
                # A certificate read as a secret carries its private key; the driver splits it into tls.crt/tls.key.
                "objects": [{"object_name": certificate, "object_type": "secret"}],
                "synced_secrets": [{"secret_name": secret, "type": "kubernetes.io/tls",
                                    "data": {"tls.key": certificate, "tls.crt": certificate}}],
            },
        }
        if "location" in args:
            identity["location"] = args["location"]
        if "tags" in args:
            identity["tags"] = args["tags"]
        reader = WorkloadIdentity(f"{name}-wi", identity, opts=pulumi.ResourceOptions(parent=self))
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=args["provider"], depends_on=[reader])
        meta = k8s.meta.v1.ObjectMetaArgs(name=workload, namespace=namespace, labels=labels)
        selector = k8s.meta.v1.LabelSelectorArgs(match_labels={"app.kubernetes.io/name": workload})
        k8s.apps.v1.Deployment(
            f"{name}-sync",
            # Pulumi would otherwise wait for the pods to become ready, and they cannot before someone has
            # imported the certificate (docs/runbooks/ingress-certificate.md): the first `pulumi up` would fail.
            metadata=k8s.meta.v1.ObjectMetaArgs(name=workload, namespace=namespace, labels=labels,
                                                annotations={"pulumi.com/skipAwait": "true"}),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=args.get("replicas", 2),
                selector=selector,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=_sync_pod(workload, args.get("sync_image", DEFAULT_SYNC_IMAGE)),
                ),
            ),
            opts=k8s_opts,
        )
        k8s.policy.v1.PodDisruptionBudget(
            f"{name}-pdb",
            metadata=meta,
            spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(max_unavailable=1, selector=selector),
            opts=k8s_opts,
        )
        self.secret_name = secret
        self.namespace = namespace
        self.client_id = reader.client_id
        self.principal_id = reader.principal_id
        self.register_outputs({"secret_name": secret, "namespace": namespace, "client_id": self.client_id,
                               "principal_id": self.principal_id})


def _sync_pod(workload: str, image: str) -> k8s.core.v1.PodSpecArgs:
    """A pause container that holds the CSI volume; no token, no privileges, no writable filesystem."""
    return k8s.core.v1.PodSpecArgs(
        service_account_name=workload,
        # The driver gets its own token for the ServiceAccount (CSIDriver tokenRequests); the pod needs none.
        automount_service_account_token=False,
        security_context=k8s.core.v1.PodSecurityContextArgs(
            run_as_non_root=True, run_as_user=65535, run_as_group=65535,
            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
        ),
        topology_spread_constraints=[k8s.core.v1.TopologySpreadConstraintArgs(
            max_skew=1, topology_key="kubernetes.io/hostname", when_unsatisfiable="ScheduleAnyway",
            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels={"app.kubernetes.io/name": workload}),
        )],
        containers=[k8s.core.v1.ContainerArgs(
            name="sync",
            image=image,
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": "1m", "memory": "8Mi"}, limits={"cpu": "10m", "memory": "16Mi"}),
            security_context=k8s.core.v1.SecurityContextArgs(
                allow_privilege_escalation=False, read_only_root_filesystem=True,
                capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
            ),
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="certificate", mount_path="/mnt/certificate",
                                                       read_only=True)],
        )],
        volumes=[k8s.core.v1.VolumeArgs(
            name="certificate",
            csi=k8s.core.v1.CSIVolumeSourceArgs(driver="secrets-store.csi.k8s.io", read_only=True,
                                                volume_attributes={"secretProviderClass": workload}),
        )],
    )


def _rules(args: IngressCertificateArgs) -> list[Rule]:
    return [
        ("provider", args.get("provider"), lambda v: not isinstance(v, pulumi.ProviderResource),
         "pass the cluster's Kubernetes provider (AksCluster.kubernetes_provider)"),
        ("certificate_name", args.get("certificate_name"), lambda v: not isinstance(v, str) or not _CERTIFICATE.match(v),
         "give the Key Vault certificate's name (1-127 letters, digits and '-')"),
        ("namespace", args.get("namespace", "istio-ingress"), lambda v: not isinstance(v, str) or not DNS_LABEL.match(v),
         "give the ingress gateway's namespace, e.g. istio-ingress"),
        ("secret_name", args.get("secret_name", "ingress-tls"),
         lambda v: not isinstance(v, str) or not DNS_LABEL.match(v) or len(v) > 58,
         "give a Secret name of lowercase letters, digits and '-', at most 58 characters (the sync Deployment adds -sync)"),
        ("replicas", args.get("replicas", 2), lambda v: not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 10,
         "give 1 to 10 sync pods (2 keeps the Secret through a node drain)"),
        ("sync_image", args.get("sync_image", DEFAULT_SYNC_IMAGE), lambda v: not isinstance(v, str) or not _IMAGE.match(v),
         "give an image pinned by digest, e.g. myregistry.azurecr.io/pause:3.10@sha256:<64 hex digits> (a tag can be "
         "moved to other content)"),
    ]
