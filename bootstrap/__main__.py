"""Bootstrap: what the platform stacks' state and CI need, created once, by hand, before any stack.

- a storage account and container for the `azblob://` backend: HTTPS only, TLS 1.2, no anonymous or
  shared-key access (Entra ID only), blob versioning and soft delete for blobs and containers, firewall
  default Deny with the operators' and CI runners' IP ranges;
- a Key Vault (RBAC, purge protection, same firewall) and an RSA key for the `azurekeyvault://` secrets
  provider;
- two CI identities, federated with this repository on GitHub: `ci-preview` for pull requests (read-only
  on the environments' subscriptions) and `ci-deploy` for the GitHub environments dev, sit, uat and prod
  (which carry the approvals). A pull request never gets a token that can change an environment.

The state account, container, vault and key are protected and locked: losing them loses every stack's
state or secrets. See README.md for the order of commands.
"""

from __future__ import annotations

import ipaddress
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

# Pulumi runs this file from bootstrap/; the shared helpers live at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi
from pulumi_azure_native import authorization, keyvault, managedidentity, resources, storage

from components._interfaces import (
    ROLE_DEFINITIONS,
    DiagnosticSettingsArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_role_assignments,
    role_definition_id,
)
from components._naming import region_code, resource_name, stable_suffix
from components._sdk import new_resource
from components._storage import secure_storage_account
from components._tags import finops_tags
from components.key_vault import KeyVault, KeyVaultArgs

ENVIRONMENTS = ("dev", "sit", "uat", "prod")
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "api://AzureADTokenExchange"
WORKLOAD = "smk"
STATE_CONTAINER = "pulumi-state"
SECRETS_KEY = "pulumi-secrets"
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
"""Role Based Access Control Administrator: the deploy identity may assign roles, constrained below."""
DELEGABLE_ROLES = tuple(sorted(name for name in ROLE_DEFINITIONS if name not in ("Owner", "Contributor")))
"""Roles the platform's stacks assign (AcrPull, Network Contributor, Key Vault Secrets User, ...): the only
ones `ci-deploy` may grant or remove. Owner, Contributor and User Access Administrator stay out of reach."""

_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_NON_PUBLIC = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8")
)


@dataclass(frozen=True)
class Settings:
    repository: str
    location: str
    owner: str
    cost_center: str
    subscriptions: dict[str, str]
    """Environment -> subscription id, in deployment order."""
    allowed_ip_ranges: tuple[str, ...]
    admin_group_object_id: str | None
    diagnostics_workspace_id: str | None
    """Log Analytics workspace for the vault's and the state blobs' audit logs; none unless configured."""


def _public_range(value: str) -> bool:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return isinstance(network, ipaddress.IPv4Network) and not any(network.overlaps(r) for r in _NON_PUBLIC)


def load_settings(config: pulumi.Config) -> Settings:
    """Every problem of Pulumi.<stack>.yaml at once, as one RunError (no resource is registered)."""
    problems = []
    repository = config.get("repository") or ""
    if not _REPOSITORY.match(repository):
        problems.append(f"repository: got {repository!r}; give the GitHub repository as <org>/<repo>")
    location = config.get("location") or ""
    try:
        region_code(location)
    except ValueError:
        problems.append(f"location: got {location!r}; use an Azure region with a short code in components._naming.REGION_CODES")
    environments = config.get_object("environments") or {}
    subscriptions: dict[str, str] = {}
    for environment, entry in environments.items() if isinstance(environments, dict) else ():
        subscription = entry.get("subscriptionId") if isinstance(entry, dict) else None
        if environment not in ENVIRONMENTS:
            problems.append(f"environments.{environment}: not one of {', '.join(ENVIRONMENTS)}")
        elif not isinstance(subscription, str) or not _GUID.match(subscription):
            problems.append(f"environments.{environment}.subscriptionId: got {subscription!r}; give the subscription's GUID")
    if not problems:
        subscriptions = {e: environments[e]["subscriptionId"] for e in ENVIRONMENTS if e in environments}
    if not environments:
        problems.append("environments: empty; map each environment (dev, sit, uat, prod) to {subscriptionId: ...}")
    ranges = config.get_object("allowedIpRanges") or []
    if not isinstance(ranges, list) or not ranges:
        problems.append("allowedIpRanges: empty; list the public IPv4 ranges of the operators and the CI runners "
                        "(the state account and the vault deny everything else)")
        ranges = []
    problems += [f"allowedIpRanges: {r!r} is not a public IPv4 address or CIDR" for r in ranges if not _public_range(str(r))]
    admin_group = config.get("adminGroupObjectId")
    if admin_group is not None and not _GUID.match(admin_group):
        problems.append(f"adminGroupObjectId: got {admin_group!r}; give the Entra group's object id")
    workspace = config.get("diagnosticsWorkspaceId")
    if workspace is not None and not workspace.lower().startswith("/subscriptions/"):
        problems.append(f"diagnosticsWorkspaceId: got {workspace!r}; give the workspace's resource id (/subscriptions/...)")
    for key in ("owner", "costCenter"):
        if not config.get(key):
            problems.append(f"{key}: missing; it becomes the FinOps tag of every resource")
    if problems:
        raise pulumi.RunError(f"{len(problems)} bootstrap configuration problem(s); no resource was registered:\n  - "
                              + "\n  - ".join(problems))
    return Settings(
        repository=repository,
        location=location,
        owner=config.require("owner"),
        cost_center=config.require("costCenter"),
        subscriptions=subscriptions,
        allowed_ip_ranges=tuple(str(r) for r in ranges),
        admin_group_object_id=admin_group,
        diagnostics_workspace_id=workspace,
    )


def _assignment(role: str, principal_id: pulumi.Input[str], principal_type: str = "ServicePrincipal") -> RoleAssignmentArgs:
    return {"role": role, "principal_id": principal_id, "principal_type": principal_type}  # type: ignore[typeddict-item]


def _constrained_role_condition() -> str:
    guids = ", ".join(ROLE_DEFINITIONS[name] for name in DELEGABLE_ROLES)
    return (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}})) AND "
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
        f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}}))"
    )


def _identity(key: str, settings: Settings, group: resources.ResourceGroup, tags: dict[str, str]) -> managedidentity.UserAssignedIdentity:
    return new_resource(managedidentity.UserAssignedIdentity, key, managedidentity.UserAssignedIdentityArgs(
        resource_group_name=group.name,
        location=settings.location,
        resource_name=resource_name("user_assigned_identity", workload=WORKLOAD, environment="shared",
                                    region=region_code(settings.location), instance=key),
        tags=tags,
    ))


def _federate(identity: managedidentity.UserAssignedIdentity, key: str, subjects: dict[str, str],
              group: resources.ResourceGroup) -> list[managedidentity.FederatedIdentityCredential]:
    """One credential per subject, each created after the previous one: Azure answers 409 to concurrent
    writes of federated credentials on one identity."""
    created: list[managedidentity.FederatedIdentityCredential] = []
    for name, subject in subjects.items():
        created.append(new_resource(
            managedidentity.FederatedIdentityCredential,
            f"{key}-fic-{name}",
            managedidentity.FederatedIdentityCredentialArgs(
                resource_group_name=group.name,
                resource_name=identity.name,
                federated_identity_credential_resource_name=f"github-{name}",
                issuer=GITHUB_ISSUER,
                subject=subject,
                audiences=[AUDIENCE],
            ),
            pulumi.ResourceOptions(parent=identity, depends_on=created[-1:]),
        ))
    return created


def main() -> None:
    settings = load_settings(pulumi.Config())
    client = authorization.get_client_config_output()
    region = region_code(settings.location)
    suffix = stable_suffix(settings.repository)
    tags = finops_tags(environment="shared", owner=settings.owner, cost_center=settings.cost_center,
                       service="sentimark-bootstrap")
    stateful = pulumi.ResourceOptions(protect=True)

    group = resources.ResourceGroup(
        "state-rg",
        resources.ResourceGroupArgs(
            resource_group_name=resource_name("resource_group", workload=WORKLOAD, environment="shared", region=region,
                                              instance="state"),
            location=settings.location,
            tags=tags,
        ),
    )

    preview = _identity("ci-preview", settings, group, tags)
    deploy = _identity("ci-deploy", settings, group, tags)
    _federate(preview, "ci-preview", {"pull-request": f"repo:{settings.repository}:pull_request"}, group)
    _federate(deploy, "ci-deploy", {e: f"repo:{settings.repository}:environment:{e}" for e in settings.subscriptions}, group)

    account, container = secure_storage_account(
        "state",
        resource_group_name=group.name,
        account_name=resource_name("storage_account", workload=WORKLOAD, environment="shared", region=region, suffix=suffix),
        container_name=STATE_CONTAINER,
        location=settings.location,
        tags=tags,
        sku="Standard_GZRS",
        allowed_ip_ranges=settings.allowed_ip_ranges,
        protect=True,
    )
    storage.BlobServiceProperties(
        "state-blob",
        storage.BlobServicePropertiesArgs(
            resource_group_name=group.name,
            account_name=account.name,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=30),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=30),
        ),
        opts=pulumi.ResourceOptions(parent=account),
    )
    apply_lock("state-st", scope_id=account.id, lock={"kind": "CanNotDelete"}, parent=account)
    diagnostics: DiagnosticSettingsArgs | None = (
        {"workspace_id": settings.diagnostics_workspace_id} if settings.diagnostics_workspace_id else None
    )
    # Who read or wrote state: the blob service's StorageRead/Write/Delete logs.
    apply_diagnostic_settings("state-blob", resource_id=pulumi.Output.concat(account.id, "/blobServices/default"),
                              settings=diagnostics, parent=account)

    state_users = {"preview": _assignment("Storage Blob Data Contributor", preview.principal_id),
                     "deploy": _assignment("Storage Blob Data Contributor", deploy.principal_id)}
    vault_users = {"preview": _assignment("Key Vault Crypto User", preview.principal_id),
                   "deploy": _assignment("Key Vault Crypto User", deploy.principal_id)}
    if settings.admin_group_object_id:
        state_users["admins"] = _assignment("Storage Blob Data Contributor", settings.admin_group_object_id, "Group")
        vault_users["admins"] = _assignment("Key Vault Crypto User", settings.admin_group_object_id, "Group")
    # Preview needs the blob role too: the diy backend writes lock files under .pulumi/locks.
    apply_role_assignments("state-container", scope_id=container.id, assignments=state_users, parent=container)

    vault_args: KeyVaultArgs = {
        "resource_group_name": group.name,
        "tenant_id": client.tenant_id,
        "location": settings.location,
        "resource_name": resource_name("key_vault", workload=WORKLOAD, environment="shared", region=region, suffix=suffix),
        "public_network_access": {"allowed_ip_ranges": list(settings.allowed_ip_ranges)},
        "role_assignments": vault_users,
        "lock": {"kind": "CanNotDelete", "notes": "Holds the key that encrypts every stack's secrets."},
        "tags": tags,
    }
    if diagnostics:
        vault_args["diagnostic_settings"] = diagnostics
    vault = KeyVault(
        "state",
        vault_args,
        opts=stateful,
    )
    keyvault.Key(
        "state-key",
        keyvault.KeyArgs(
            resource_group_name=group.name,
            vault_name=vault.name,
            key_name=SECRETS_KEY,
            # No rotation policy: a rotated key gets a new version and Pulumi's data keys wrapped with the old
            # version must still unwrap; rotate deliberately with `pulumi stack change-secrets-provider`.
            properties=keyvault.KeyPropertiesArgs(
                kty="RSA",
                key_size=3072,
                key_ops=["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                attributes=keyvault.KeyAttributesArgs(enabled=True),
            ),
            tags=tags,
        ),
        opts=pulumi.ResourceOptions(parent=vault, protect=True),
    )

    for environment, subscription in settings.subscriptions.items():
        scope = f"/subscriptions/{subscription}"
        apply_role_assignments(f"ci-preview-{environment}", scope_id=scope, parent=preview, assignments={
            "reader": _assignment("Reader", preview.principal_id),
            # listClusterUserCredential: the stacks read the kubeconfig of existing clusters during preview.
            "aks-user": _assignment("Azure Kubernetes Service Cluster User Role", preview.principal_id),
        })
        apply_role_assignments(f"ci-deploy-{environment}", scope_id=scope, parent=deploy, assignments={
            "contributor": _assignment("Contributor", deploy.principal_id),
            # The stacks write connection secrets into their own (RBAC) vaults.
            "kv-secrets": _assignment("Key Vault Secrets Officer", deploy.principal_id),
        })
        definition = role_definition_id(RBAC_ADMINISTRATOR, scope)
        authorization.RoleAssignment(
            f"ci-deploy-{environment}-ra-rbac-admin",
            authorization.RoleAssignmentArgs(
                scope=scope,
                principal_id=deploy.principal_id,
                principal_type="ServicePrincipal",
                role_definition_id=definition,
                role_assignment_name=pulumi.Output.all(scope, deploy.principal_id, definition).apply(
                    lambda parts: str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))
                ),
                condition=_constrained_role_condition(),
                condition_version="2.0",
                description="The stacks assign service roles (AcrPull, Network Contributor, ...); nothing broader.",
            ),
            opts=pulumi.ResourceOptions(parent=deploy),
        )

    pulumi.export("backendUrl", pulumi.Output.concat("azblob://", STATE_CONTAINER, "?storage_account=", account.name))
    pulumi.export("secretsProvider", pulumi.Output.concat("azurekeyvault://", vault.name, ".vault.azure.net/keys/", SECRETS_KEY))
    pulumi.export("tenantId", client.tenant_id)
    pulumi.export("previewClientId", preview.client_id)
    pulumi.export("deployClientId", deploy.client_id)
    pulumi.export("subscriptions", settings.subscriptions)


main()
