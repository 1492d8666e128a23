"""The CI identities, their federated credentials, and every role they hold.

Every role assignment of an identity is registered with that identity as its parent, so "who holds what where"
reads off the plan by walking parents (the deployability checks do exactly that).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
from pulumi_azure_native import authorization, managedidentity, resources

from sentimark_platform.components import (
    ROLE_DEFINITIONS,
    RoleAssignmentArgs,
    apply_role_assignments,
    new_resource,
    region_code,
    resource_name,
)

__all__ = [
    "AUDIENCE",
    "DELEGABLE_ROLES",
    "GITHUB_ISSUER",
    "PLATFORM_PROJECT",
    "RBAC_ADMINISTRATOR",
    "assignment",
    "constrained_role_condition",
    "federate",
    "grant",
    "state_blob_condition",
    "state_blob_prefixes",
    "user_assigned_identity",
]

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
AUDIENCE = "api://AzureADTokenExchange"
WORKLOAD = "smk"
PLATFORM_PROJECT = "sentimark-platform"
"""The Pulumi project whose stacks CI deploys (name in the repository's Pulumi.yaml)."""
RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
"""Role Based Access Control Administrator: the deploy identity may assign roles, constrained below."""
DELEGABLE_ROLES = tuple(sorted(name for name in ROLE_DEFINITIONS if name not in ("Owner", "Contributor")))
"""Roles the platform's stacks assign (AcrPull, Network Contributor, Key Vault Secrets User, ...): the only
ones a deploy identity may grant or remove. Owner, Contributor and User Access Administrator stay out of reach."""

_BLOB_WRITES = (
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/add/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/move/action",
)
"""Every data action of Storage Blob Data Contributor that changes a blob (learn.microsoft.com/azure/
role-based-access-control/built-in-roles/storage)."""


def user_assigned_identity(key: str, *, location: str, group: resources.ResourceGroup,
                           tags: Mapping[str, str]) -> managedidentity.UserAssignedIdentity:
    return new_resource(managedidentity.UserAssignedIdentity, key, managedidentity.UserAssignedIdentityArgs(
        resource_group_name=group.name,
        location=location,
        resource_name=resource_name("user_assigned_identity", workload=WORKLOAD, environment="shared",
                                    region=region_code(location), instance=key),
        tags=dict(tags),
    ))


def federate(identity: managedidentity.UserAssignedIdentity, key: str, subjects: Mapping[str, str],
             group: resources.ResourceGroup) -> list[managedidentity.FederatedIdentityCredential]:
    """One credential per subject (logical name `<key>-fic-<name>`), each created after the previous one: Azure
    answers 409 to concurrent writes of federated credentials on one identity."""
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


def assignment(role: str, principal_id: pulumi.Input[str], principal_type: str = "ServicePrincipal",
               description: str | None = None, condition: str | None = None) -> RoleAssignmentArgs:
    args: RoleAssignmentArgs = {"role": role, "principal_id": principal_id, "principal_type": principal_type}
    if description:
        args["description"] = description
    if condition:
        args["condition"] = condition
    return args


def grant(name: str, *, scope: pulumi.Input[str], parent: pulumi.Resource,
          assignments: Mapping[str, RoleAssignmentArgs],
          depends_on: Sequence[pulumi.Resource] = ()) -> dict[str, authorization.RoleAssignment]:
    """`<name>-ra-<key>` for each assignment, parent `parent` (the identity that holds the roles)."""
    return apply_role_assignments(name, scope_id=scope, assignments=assignments, parent=parent, depends_on=depends_on)


def constrained_role_condition() -> str:
    """Role Based Access Control Administrator may write and delete only assignments of DELEGABLE_ROLES."""
    guids = ", ".join(ROLE_DEFINITIONS[name] for name in DELEGABLE_ROLES)
    return (
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR "
        f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}})) AND "
        "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR "
        f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{guids}}}))"
    )


def state_blob_prefixes(stack: str, project: str = PLATFORM_PROJECT) -> tuple[str, ...]:
    """The blobs the DIY backend writes for one stack of a project-scoped state (pulumi/pulumi
    pkg/backend/diy: store.go StackBasePath/HistoryDir/BackupDir/JournalDir, stack_tags.go, lock.go):
    `.pulumi/stacks/<project>/<stack>.json[.gz|.zst|.bak]` and `<stack>.pulumi-tags`, the history, backups and
    journal directories, and the lock files under the fully qualified name `organization/<project>/<stack>`."""
    return (
        f".pulumi/stacks/{project}/{stack}.",
        f".pulumi/history/{project}/{stack}/",
        f".pulumi/backups/{project}/{stack}/",
        f".pulumi/journal/{project}/{stack}/",
        f".pulumi/locks/organization/{project}/{stack}/",
    )


def state_blob_condition(stack: str, project: str = PLATFORM_PROJECT) -> str:
    """Writes and deletes only below the stack's own prefixes; reads stay open (a stack may read others'
    outputs, whose secrets stay encrypted with their own environment's key). Blob path attribute and
    StringStartsWith: learn.microsoft.com/azure/storage/blobs/storage-auth-abac-examples ("read or write
    blobs in named containers with a path")."""
    writes = " AND ".join(f"!(ActionMatches{{'{action}'}})" for action in _BLOB_WRITES)
    paths = " OR ".join(
        f"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path] StringStartsWith '{prefix}'"
        for prefix in state_blob_prefixes(stack, project)
    )
    return f"(({writes}) OR ({paths}))"
