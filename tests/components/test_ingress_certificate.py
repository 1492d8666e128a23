"""IngressCertificate: a least-privilege reader, a TLS Secret synced from the vault, sync pods that keep it
through node drains, schema-valid objects, and refused arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sentimark_platform import schemacheck
from sentimark_platform.offline import Plan
from tests.programs import preview_program, refusal
from tests.programs import with_changes as _with

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
VAULT_ID = f"{SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-platform"
TENANT = "11111111-1111-1111-1111-111111111111"
ISSUER = f"https://westeurope.oic.prod-aks.azure.com/{TENANT}/0a1b2c3d-0000-4000-8000-000000000000/"
SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"

ARGS: dict[str, Any] = {
    "resource_group_name": "rg-prod",
    "oidc_issuer_url": ISSUER,
    "key_vault_id": VAULT_ID,
    "key_vault_name": "kv-platform",
    "tenant_id": TENANT,
    "certificate_name": "api-example-com",
}

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
from sentimark_platform.components import IngressCertificate
args = {args!r}
if args.pop("with_provider", True):
    args["provider"] = k8s.Provider("cluster", kubeconfig="{{}}")
tls = IngressCertificate("tls", args)
pulumi.export("secret", tls.secret_name)
pulumi.export("clientId", tls.client_id)
pulumi.export("principalId", tls.principal_id)
"""


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, PROGRAM.format(args=args))


def test_reader_may_read_the_certificate_and_nothing_else(tmp_path: Path) -> None:
    plan = _preview(tmp_path, ARGS)
    (grant,) = plan.of_type("azure-native:authorization:RoleAssignment")
    assert grant.inputs["scope"] == f"{VAULT_ID}/secrets/api-example-com"
    assert grant.inputs["roleDefinitionId"].endswith("/4633458b-17de-408a-b874-0445c86b69e6")  # Key Vault Secrets User
    assert grant.inputs["principalId"] == plan.outputs["principalId"]
    (fic,) = plan.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    assert fic.inputs["subject"] == "system:serviceaccount:istio-ingress:ingress-tls-sync"
    assert fic.inputs["issuer"] == ISSUER


def test_certificate_becomes_a_tls_secret_in_the_gateway_namespace(tmp_path: Path) -> None:
    plan = _preview(tmp_path, ARGS)
    (spc,) = plan.of_type(SPC)
    assert spc.inputs["metadata"] == {"name": "ingress-tls-sync", "namespace": "istio-ingress"}
    spec = spc.inputs["spec"]
    objects = [yaml.safe_load(doc) for doc in yaml.safe_load(spec["parameters"]["objects"])["array"]]
    # Read as a secret: a Key Vault certificate's secret carries the private key too.
    assert objects == [{"objectName": "api-example-com", "objectType": "secret"}]
    assert spec["parameters"]["clientID"] == plan.outputs["clientId"]
    assert spec["secretObjects"] == [{
        "secretName": "ingress-tls", "type": "kubernetes.io/tls",
        "data": [{"key": "tls.key", "objectName": "api-example-com"}, {"key": "tls.crt", "objectName": "api-example-com"}],
    }]
    assert plan.outputs["secret"] == "ingress-tls"


def test_sync_pods_hold_the_volume_through_a_drain_without_privileges(tmp_path: Path) -> None:
    plan = _preview(tmp_path, ARGS)
    (deployment,) = plan.of_type(DEPLOYMENT)
    spec = deployment.inputs["spec"]
    assert spec["replicas"] == 2
    # Ready only once someone has imported the certificate: `pulumi up` must not wait for that.
    assert deployment.inputs["metadata"]["annotations"] == {"pulumi.com/skipAwait": "true"}
    pod = spec["template"]["spec"]
    assert pod["serviceAccountName"] == "ingress-tls-sync" and pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    (container,) = pod["containers"]
    # Issue 19: pinned by digest, not by a tag that can be moved.
    assert container["image"] == "registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a"
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}}
    (volume,) = pod["volumes"]
    assert volume["csi"] == {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                             "volumeAttributes": {"secretProviderClass": "ingress-tls-sync"}}
    (pdb,) = plan.of_type("kubernetes:policy/v1:PodDisruptionBudget")
    assert pdb.inputs["spec"]["maxUnavailable"] == 1
    assert pdb.inputs["spec"]["selector"] == spec["selector"]
    # The pods start once their identity, ServiceAccount and SecretProviderClass exist.
    (spc,) = plan.of_type(SPC)
    assert spc.urn in deployment.dependencies


def test_names_and_namespace_follow_the_arguments(tmp_path: Path) -> None:
    plan = _preview(tmp_path, _with(ARGS, namespace="edge", secret_name="www-tls", replicas=3,
                                    sync_image=f"myregistry.azurecr.io/pause:3.10@sha256:{'a' * 64}"))
    (deployment,) = plan.of_type(DEPLOYMENT)
    assert deployment.inputs["metadata"]["namespace"] == "edge" and deployment.inputs["metadata"]["name"] == "www-tls-sync"
    assert deployment.inputs["spec"]["replicas"] == 3
    assert deployment.inputs["spec"]["template"]["spec"]["containers"][0]["image"] == (
        f"myregistry.azurecr.io/pause:3.10@sha256:{'a' * 64}")
    (spc,) = plan.of_type(SPC)
    assert spc.inputs["spec"]["secretObjects"][0]["secretName"] == "www-tls"


def test_plan_passes_the_schemas(tmp_path: Path) -> None:
    plan = _preview(tmp_path, ARGS)
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    assert [n.type for n in report.not_checked] == ["pulumi:providers:kubernetes"]


BAD = {
    "no_provider": (
        _with(ARGS, with_provider=False),
        "IngressCertificate: argument 'provider' got None; required and missing: Kubernetes provider of the cluster "
        "(AksCluster.kubernetes_provider).",
    ),
    "certificate_name": (
        _with(ARGS, certificate_name="api.example.com"),
        "IngressCertificate: argument 'certificate_name' got 'api.example.com'; give the Key Vault certificate's "
        "name (1-127 letters, digits and '-')",
    ),
    "replicas": (
        _with(ARGS, replicas=0),
        "IngressCertificate: argument 'replicas' got 0; give 1 to 10 sync pods (2 keeps the Secret through a node drain)",
    ),
    "unpinned_image": (
        _with(ARGS, sync_image="pause"),
        "IngressCertificate: argument 'sync_image' got 'pause'; give an image pinned by digest, e.g. "
        "myregistry.azurecr.io/pause:3.10@sha256:<64 hex digits> (a tag can be moved to other content)",
    ),
    "image_pinned_by_tag_only": (
        _with(ARGS, sync_image="registry.k8s.io/pause:3.10"),
        "IngressCertificate: argument 'sync_image' got 'registry.k8s.io/pause:3.10'; give an image pinned by digest, "
        "e.g. myregistry.azurecr.io/pause:3.10@sha256:<64 hex digits> (a tag can be moved to other content)",
    ),
    "misspelled_key": (
        _with(ARGS, certifcate="x"),
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_bad_arguments_before_registering_anything(tmp_path: Path, case: str) -> None:
    args, message = BAD[case]
    error = refusal(lambda: _preview(tmp_path, args), "IngressCertificate", at_most_registered=None)
    if message is None:
        assert "'certifcate'" in str(error) and "certificate_name" in str(error)
    else:
        assert str(error) == message
