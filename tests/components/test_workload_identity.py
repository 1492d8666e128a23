"""WorkloadIdentity: the federated chain, credential ordering, the Kubernetes objects, and refused arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from sentimark_platform import schemacheck
from sentimark_platform.components.workload_identity import vault_objects_parameter
from sentimark_platform.offline import Plan
from tests.programs import preview_program, refusal
from tests.programs import with_changes as _with

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
VAULT_ID = f"{SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-platform"
TENANT = "11111111-1111-1111-1111-111111111111"
ISSUER = f"https://westeurope.oic.prod-aks.azure.com/{TENANT}/0a1b2c3d-0000-4000-8000-000000000000/"
FIC = "azure-native:managedidentity:FederatedIdentityCredential"
SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
SA = "kubernetes:core/v1:ServiceAccount"

DEV: dict[str, Any] = {
    "resource_group_name": "rg-dev",
    "oidc_issuer_url": ISSUER,
    "federated_credentials": {"api": {"namespace": "apps", "service_account": "api"}},
    "role_grants": {"kv": {"role": "Key Vault Secrets User", "scope_id": VAULT_ID}},
}

PROD: dict[str, Any] = {
    "resource_group_name": "rg-prod",
    "resource_name": "id-prod-api",
    "oidc_issuer_url": ISSUER,
    "federated_credentials": {
        "api": {"namespace": "apps", "service_account": "api"},
        "worker": {"namespace": "apps", "service_account": "worker"},
        "migrate": {"namespace": "jobs", "service_account": "migrate"},
    },
    "role_grants": {"kv": {"role": "Key Vault Secrets User", "scope_id": VAULT_ID}},
    "secret_provider_class": {
        "name": "api-secrets",
        "namespace": "apps",
        "key_vault_name": "kv-platform",
        "tenant_id": TENANT,
        "objects": [
            {"object_name": "postgres-connection", "object_type": "secret", "object_alias": "postgres"},
            {"object_name": "api-tls", "object_type": "cert", "object_version": "0123abcd"},
        ],
        "synced_secrets": [{"secret_name": "api-db", "data": {"connection-string": "postgres"}}],
    },
    "tags": {"environment": "prod"},
}

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
from sentimark_platform.components.workload_identity import WorkloadIdentity
args = {args!r}
if args.pop("with_provider", True):
    args["kubernetes_provider"] = k8s.Provider("cluster", kubeconfig="{{}}")
identity = WorkloadIdentity("api", args)
pulumi.export("clientId", identity.client_id)
pulumi.export("principalId", identity.principal_id)
pulumi.export("tenantId", identity.tenant_id)
"""


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, PROGRAM.format(args=args))




def test_dev_identity_trusts_one_service_account_and_reads_the_vault(tmp_path: Path) -> None:
    plan = _preview(tmp_path, DEV)
    (fic,) = plan.of_type(FIC)
    assert fic.inputs["issuer"] == ISSUER
    assert fic.inputs["subject"] == "system:serviceaccount:apps:api"
    assert fic.inputs["audiences"] == ["api://AzureADTokenExchange"]
    assert fic.inputs["federatedIdentityCredentialResourceName"] == "api"
    (grant,) = plan.of_type("azure-native:authorization:RoleAssignment")
    assert grant.name == "api-grant-ra-kv" and grant.inputs["scope"] == VAULT_ID
    assert grant.inputs["principalId"] == plan.outputs["principalId"]
    assert grant.inputs["principalType"] == "ServicePrincipal"
    assert grant.inputs["roleDefinitionId"].endswith("/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6")
    (account,) = plan.of_type(SA)
    assert account.inputs["metadata"] == {
        "name": "api", "namespace": "apps",
        "annotations": {"azure.workload.identity/client-id": plan.outputs["clientId"],
                        "azure.workload.identity/tenant-id": plan.outputs["tenantId"]},
    }
    assert plan.of_type(SPC) == []


def test_credentials_on_one_identity_are_created_one_after_another(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    by_name = {r.name: r for r in plan.of_type(FIC)}
    assert list(PROD["federated_credentials"]) == ["api", "worker", "migrate"]
    assert by_name["api-fic-api"].dependencies == (plan.of_type("azure-native:managedidentity:UserAssignedIdentity")[0].urn,)
    assert by_name["api-fic-api"].urn in by_name["api-fic-worker"].dependencies
    assert by_name["api-fic-worker"].urn in by_name["api-fic-migrate"].dependencies
    assert by_name["api-fic-api"].urn not in by_name["api-fic-migrate"].dependencies  # a chain, not a fan-in
    assert {r.inputs["subject"] for r in by_name.values()} == {
        "system:serviceaccount:apps:api", "system:serviceaccount:apps:worker", "system:serviceaccount:jobs:migrate"}


def test_prod_secret_provider_class_mounts_vault_objects_with_the_identity(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (spc,) = plan.of_type(SPC)
    assert spc.inputs["apiVersion"] == "secrets-store.csi.x-k8s.io/v1" and spc.inputs["kind"] == "SecretProviderClass"
    assert spc.inputs["metadata"] == {"name": "api-secrets", "namespace": "apps"}
    spec = spc.inputs["spec"]
    assert spec["provider"] == "azure"
    params = spec["parameters"]
    assert params["usePodIdentity"] == "false"
    assert params["clientID"] == plan.outputs["clientId"]
    assert (params["keyvaultName"], params["tenantId"]) == ("kv-platform", TENANT)
    objects = [yaml.safe_load(doc) for doc in yaml.safe_load(params["objects"])["array"]]
    assert objects == [
        {"objectName": "postgres-connection", "objectType": "secret", "objectAlias": "postgres"},
        {"objectName": "api-tls", "objectType": "cert", "objectVersion": "0123abcd"},
    ]
    assert spec["secretObjects"] == [
        {"secretName": "api-db", "type": "Opaque", "data": [{"key": "connection-string", "objectName": "postgres"}]}]
    assert {r.inputs["metadata"]["name"] for r in plan.of_type(SA)} == {"api", "worker", "migrate"}
    (identity,) = plan.of_type("azure-native:managedidentity:UserAssignedIdentity")
    assert identity.inputs["resourceName"] == "id-prod-api" and identity.inputs["tags"] == {"environment": "prod"}


def test_vault_objects_parameter_is_the_providers_yaml_array() -> None:
    assert vault_objects_parameter([{"object_name": "a", "object_type": "secret"}]) == (
        "array:\n  - |\n    objectName: a\n    objectType: secret\n")


def test_service_accounts_can_be_left_to_the_chart(tmp_path: Path) -> None:
    plan = _preview(tmp_path, _with(DEV, create_service_accounts=False, with_provider=False))
    assert plan.of_type(SA) == [] and len(plan.of_type(FIC)) == 1


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_plan_passes_the_schemas(tmp_path: Path, args: dict[str, Any]) -> None:
    plan = _preview(tmp_path, args)
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    checked = [r for r in plan.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert report.checked == len(checked)
    assert [n.type for n in report.not_checked] == ["pulumi:providers:kubernetes"]


BAD = {
    "no_credentials": (
        _with(DEV, federated_credentials={}),
        "WorkloadIdentity: argument 'federated_credentials' got {}; give 1 to 20 credentials (Azure's limit per "
        "identity); use another identity for more",
    ),
    "same_subject_twice": (
        _with(DEV, federated_credentials={"a1": {"namespace": "apps", "service_account": "api"},
                                          "a2": {"namespace": "apps", "service_account": "api"}}),
        "WorkloadIdentity: argument 'federated_credentials' got [('apps', 'api'), ('apps', 'api')]; give each "
        "ServiceAccount once (Azure refuses two credentials with the same issuer and subject)",
    ),
    "no_provider": (
        _with(DEV, with_provider=False),
        "WorkloadIdentity: argument 'kubernetes_provider' got None; pass the cluster's provider "
        "(AksCluster.kubernetes_provider), or set create_service_accounts False and leave out secret_provider_class",
    ),
    "bad_namespace": (
        _with(DEV, federated_credentials={"api": {"namespace": "Apps", "service_account": "api"}}),
        "WorkloadIdentity: argument \"federated_credentials['api'].namespace\" got 'Apps'; use a Kubernetes "
        "namespace name (lowercase letters, digits, '-', up to 63)",
    ),
    "spc_in_a_namespace_without_credential": (
        _with(PROD, secret_provider_class={**PROD["secret_provider_class"], "namespace": "other"}),
        "WorkloadIdentity: argument 'secret_provider_class.namespace' got 'other'; use a namespace whose "
        "ServiceAccount has a federated credential: one of ['apps', 'jobs']",
    ),
    "synced_secret_of_unknown_object": (
        _with(PROD, secret_provider_class={**PROD["secret_provider_class"],
                                           "synced_secrets": [{"secret_name": "db", "data": {"c": "postgres-connection"}}]}),
        "WorkloadIdentity: argument 'secret_provider_class.synced_secrets.data' got 'postgres-connection'; refer to "
        "a mounted object by its alias or name: one of ['api-tls', 'postgres']",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_bad_arguments_before_registering_anything(tmp_path: Path, case: str) -> None:
    args, message = BAD[case]
    error = refusal(lambda: _preview(tmp_path, args), "WorkloadIdentity")
    # The case's own problem comes first; any other problem of the same arguments is listed with it.
    assert str(error.problems[0]) == message  # type: ignore[attr-defined]
    assert all(f"argument {p.argument!r} got" in str(error) for p in error.problems)  # type: ignore[attr-defined]
