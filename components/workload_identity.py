"""Workload identity, the whole chain: identity, federated credentials, role grants, ServiceAccounts, and an
optional SecretProviderClass that mounts Key Vault objects with that identity.

Pods opt in themselves: their template carries the label `azure.workload.identity/use: "true"` and
`serviceAccountName` of one of these ServiceAccounts (the AKS webhook then injects the token file and the
AZURE_* variables). That label is the application's concern, not this component's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s
from pulumi_azure_native import managedidentity

from sentimark_platform.components._interfaces import RoleAssignmentArgs, apply_role_assignments
from sentimark_platform.components._sdk import new_resource
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import check_arguments

__all__ = [
    "FederatedCredentialArgs",
    "RoleGrantArgs",
    "SecretProviderClassArgs",
    "SyncedSecretArgs",
    "VaultObjectArgs",
    "WorkloadIdentity",
    "WorkloadIdentityArgs",
    "vault_objects_parameter",
]

_COMPONENT = "WorkloadIdentity"
AUDIENCE = "api://AzureADTokenExchange"
_MAX_CREDENTIALS = 20  # Azure's limit of federated credentials per user-assigned identity
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_CREDENTIAL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,119}$")
_VAULT_OBJECT = re.compile(r"^[A-Za-z0-9-]{1,127}$")
_ALIAS = re.compile(r"^[A-Za-z0-9._-]{1,253}$")


class FederatedCredentialArgs(TypedDict):
    namespace: str
    """Kubernetes namespace of the ServiceAccount (it must exist)."""
    service_account: str
    """ServiceAccount name; the credential's subject is system:serviceaccount:<namespace>:<name>."""


class RoleGrantArgs(TypedDict):
    role: str
    """Built-in role name (e.g. "Key Vault Secrets User") or role definition GUID."""
    scope_id: pulumi.Input[str]
    """Resource id the identity gets the role on (e.g. the vault's resource id)."""


class VaultObjectArgs(TypedDict):
    object_name: str
    """Name of the secret, key or certificate in the vault."""
    object_type: Literal["secret", "key", "cert"]
    """Kind of vault object."""
    object_alias: NotRequired[str]
    """File name in the mount; `object_name` unless given."""
    object_version: NotRequired[str]
    """Pinned version; the latest (and rotated) version unless given."""


class SyncedSecretArgs(TypedDict):
    secret_name: str
    """Kubernetes Secret to create while a pod mounts the volume."""
    data: Mapping[str, str]
    """Secret key -> vault object (its alias if it has one, else its name)."""
    type: NotRequired[str]
    """Secret type; Opaque unless given."""
    labels: NotRequired[Mapping[str, str]]
    """Labels on the synced Secret (e.g. Argo CD finds credential templates by `argocd.argoproj.io/secret-type`);
    none unless given."""


class SecretProviderClassArgs(TypedDict):
    name: str
    """Kubernetes name of the SecretProviderClass."""
    namespace: str
    """Namespace; must be one of the federated credentials' namespaces (pods there use the identity)."""
    key_vault_name: pulumi.Input[str]
    """Vault name (not its URI)."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant of the vault."""
    objects: Sequence[VaultObjectArgs]
    """Vault objects to mount, at least one."""
    synced_secrets: NotRequired[Sequence[SyncedSecretArgs]]
    """Kubernetes Secrets to sync from the mounted objects; none unless given (files only)."""


class WorkloadIdentityArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the user-assigned identity."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer (AksCluster.oidc_issuer_url)."""
    federated_credentials: Mapping[str, FederatedCredentialArgs]
    """Credential name (Azure) -> ServiceAccount it trusts; at least one, at most 20."""
    kubernetes_provider: NotRequired[pulumi.ProviderResource]
    """Provider of the cluster (AksCluster.kubernetes_provider); needed unless `create_service_accounts` is
    False and there is no `secret_provider_class`."""
    create_service_accounts: NotRequired[bool]
    """Create each credential's ServiceAccount, annotated with the identity's client id; True unless given
    (False when the application's chart creates them: annotate them with `client_id` there)."""
    role_grants: NotRequired[Mapping[str, RoleGrantArgs]]
    """Roles the identity gets on other resources, by key; none unless given."""
    secret_provider_class: NotRequired[SecretProviderClassArgs]
    """A SecretProviderClass using this identity; none unless given. Its CRD comes with the AKS add-on
    azureKeyvaultSecretsProvider: pass the cluster in `opts.depends_on`."""
    resource_name: NotRequired[str]
    """Azure name of the identity; Pulumi auto-names it unless given."""
    location: NotRequired[pulumi.Input[str]]
    """Region; the resource group's unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the identity."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Role assignments on the identity itself (e.g. Managed Identity Operator); none unless given."""


class WorkloadIdentity(pulumi.ComponentResource):
    """A user-assigned identity that Kubernetes ServiceAccounts can act as."""

    name: pulumi.Output[str]
    """Azure name of the user-assigned identity."""
    resource_id: pulumi.Output[str]
    """Resource id of the identity."""
    principal_id: pulumi.Output[str]
    """Object id of the identity's service principal (for role assignments elsewhere)."""
    client_id: pulumi.Output[str]
    """Client id: the ServiceAccounts' `azure.workload.identity/client-id` annotation."""
    tenant_id: pulumi.Output[str]
    """Entra ID tenant of the identity."""
    secret_provider_class_name: str | None
    """Name of the SecretProviderClass; None without `secret_provider_class`."""

    def __init__(self, name: str, args: WorkloadIdentityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("WorkloadIdentity", args, WorkloadIdentityArgs, lambda: _rules(args))
        super().__init__("sentimark:index:WorkloadIdentity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identity = new_resource(
            managedidentity.UserAssignedIdentity,
            f"{name}-id",
            managedidentity.UserAssignedIdentityArgs(
                resource_group_name=args["resource_group_name"],
                resource_name=args.get("resource_name"),
                location=args.get("location"),
                tags=merge_tags(args.get("tags") or {}, None) or None,
            ),
            child,
        )
        previous: list[pulumi.Resource] = []
        for key, credential in args["federated_credentials"].items():
            fic = new_resource(
                managedidentity.FederatedIdentityCredential,
                f"{name}-fic-{key}",
                managedidentity.FederatedIdentityCredentialArgs(
                    resource_group_name=args["resource_group_name"],
                    resource_name=identity.name,
                    federated_identity_credential_resource_name=key,
                    issuer=args["oidc_issuer_url"],
                    subject=f"system:serviceaccount:{credential['namespace']}:{credential['service_account']}",
                    audiences=[AUDIENCE],
                ),
                # Azure answers 409 to concurrent writes of credentials on one identity: one after another.
                pulumi.ResourceOptions(parent=self, depends_on=previous[-1:]),
            )
            previous.append(fic)
        for key, grant in (args.get("role_grants") or {}).items():
            apply_role_assignments(
                f"{name}-grant",
                scope_id=grant["scope_id"],
                assignments={
                    key: {"role": grant["role"], "principal_id": identity.principal_id, "principal_type": "ServicePrincipal"}
                },
                parent=self,
            )
        apply_role_assignments(name, scope_id=identity.id, assignments=args.get("role_assignments"), parent=self)

        provider = args.get("kubernetes_provider")
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)
        if args.get("create_service_accounts", True):
            for key, credential in args["federated_credentials"].items():
                k8s.core.v1.ServiceAccount(
                    f"{name}-sa-{key}",
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=credential["service_account"],
                        namespace=credential["namespace"],
                        annotations={
                            "azure.workload.identity/client-id": identity.client_id,
                            "azure.workload.identity/tenant-id": identity.tenant_id,
                        },
                    ),
                    opts=k8s_opts,
                )
        spc = args.get("secret_provider_class")
        self.secret_provider_class_name = spc["name"] if spc else None
        if spc is not None:
            k8s.apiextensions.CustomResource(
                f"{name}-spc",
                api_version="secrets-store.csi.x-k8s.io/v1",
                kind="SecretProviderClass",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=spc["name"], namespace=spc["namespace"]),
                spec=_spc_spec(spc, identity.client_id),
                opts=k8s_opts,
            )
        self.name = identity.name
        self.resource_id = identity.id
        self.principal_id = identity.principal_id
        self.client_id = identity.client_id
        self.tenant_id = identity.tenant_id
        self.register_outputs(
            {
                "name": self.name,
                "resource_id": self.resource_id,
                "principal_id": self.principal_id,
                "client_id": self.client_id,
                "tenant_id": self.tenant_id,
            }
        )



def vault_objects_parameter(objects: Sequence[VaultObjectArgs]) -> str:
    """The `objects` parameter of the Azure Key Vault provider: a YAML `array` of YAML documents."""
    lines = ["array:"]
    for obj in objects:
        lines.append("  - |")
        lines.append(f"    objectName: {obj['object_name']}")
        lines.append(f"    objectType: {obj['object_type']}")
        if "object_alias" in obj:
            lines.append(f"    objectAlias: {obj['object_alias']}")
        if "object_version" in obj:
            lines.append(f"    objectVersion: {obj['object_version']}")
    return "\n".join(lines) + "\n"


def _spc_spec(spc: SecretProviderClassArgs, client_id: pulumi.Input[str]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "provider": "azure",
        "parameters": {
            "usePodIdentity": "false",
            "clientID": client_id,
            "keyvaultName": spc["key_vault_name"],
            "tenantId": spc["tenant_id"],
            "objects": vault_objects_parameter(spc["objects"]),
        },
    }
    if spc.get("synced_secrets"):
        spec["secretObjects"] = [
            {
                "secretName": s["secret_name"],
                "type": s.get("type", "Opaque"),
                "data": [{"key": key, "objectName": obj} for key, obj in s["data"].items()],
                **({"labels": dict(s["labels"])} if s.get("labels") else {}),
            }
            for s in spc["synced_secrets"]
        ]
    return spec


def _rules(args: WorkloadIdentityArgs) -> list[tuple[str, Any, Callable[[Any], bool], str]]:
    """(argument, value, is_bad, fix) rows; the first bad row is the error."""
    credentials = args["federated_credentials"]
    spc = args.get("secret_provider_class")
    needs_provider = args.get("create_service_accounts", True) or spc is not None
    subjects = [(c["namespace"], c["service_account"]) for c in credentials.values()]
    rows: list[tuple[str, Any, Callable[[Any], bool], str]] = [
        ("federated_credentials", dict(credentials), lambda v: not 1 <= len(v) <= _MAX_CREDENTIALS,
         f"give 1 to {_MAX_CREDENTIALS} credentials (Azure's limit per identity); use another identity for more"),
        ("federated_credentials", subjects, lambda v: len(set(v)) != len(v),
         "give each ServiceAccount once (Azure refuses two credentials with the same issuer and subject)"),
        ("kubernetes_provider", args.get("kubernetes_provider"), lambda v: needs_provider and v is None,
         "pass the cluster's provider (AksCluster.kubernetes_provider), or set create_service_accounts False "
         "and leave out secret_provider_class"),
    ]
    for key, credential in credentials.items():
        where = f"federated_credentials[{key!r}]"
        rows += [
            (where, key, lambda v: not _CREDENTIAL_NAME.match(v),
             "name credentials with 3-120 letters, digits, '-' and '_', starting with a letter or digit"),
            (f"{where}.namespace", credential["namespace"], lambda v: not _DNS_LABEL.match(v),
             "use a Kubernetes namespace name (lowercase letters, digits, '-', up to 63)"),
            (f"{where}.service_account", credential["service_account"], lambda v: not _DNS_SUBDOMAIN.match(v),
             "use a Kubernetes object name (lowercase letters, digits, '-', '.', up to 253)"),
        ]
    if spc is not None:
        names = {o.get("object_alias", o["object_name"]) for o in spc["objects"]}
        namespaces = sorted({c["namespace"] for c in credentials.values()})
        rows += [
            ("secret_provider_class.name", spc["name"], lambda v: not _DNS_SUBDOMAIN.match(v),
             "use a Kubernetes object name (lowercase letters, digits, '-', '.')"),
            ("secret_provider_class.namespace", spc["namespace"], lambda v: v not in namespaces,
             f"use a namespace whose ServiceAccount has a federated credential: one of {namespaces}"),
            ("secret_provider_class.objects", list(spc["objects"]), lambda v: not v, "give at least one vault object"),
        ]
        for obj in spc["objects"]:
            rows += [
                ("secret_provider_class.objects.object_name", obj["object_name"], lambda v: not _VAULT_OBJECT.match(v),
                 "use a Key Vault object name (1-127 letters, digits and '-')"),
                ("secret_provider_class.objects.object_type", obj["object_type"], lambda v: v not in ("secret", "key", "cert"),
                 "use secret, key or cert"),
                ("secret_provider_class.objects.object_alias", obj.get("object_alias"), lambda v: v is not None and not _ALIAS.match(v),
                 "use a file name of letters, digits, '.', '-' and '_'"),
            ]
        for synced in spc.get("synced_secrets") or []:
            rows += [
                ("secret_provider_class.synced_secrets.secret_name", synced["secret_name"],
                 lambda v: not _DNS_SUBDOMAIN.match(v), "use a Kubernetes Secret name"),
                *(("secret_provider_class.synced_secrets.data", obj, lambda v: v not in names,
                   f"refer to a mounted object by its alias or name: one of {sorted(names)}")
                  for obj in synced["data"].values()),
            ]
    return rows


