"""The cross-cutting inputs every component accepts, with Azure Verified Modules' spellings, written once.

`tags`, `lock`, `diagnostic_settings`, `role_assignments`, `private_endpoints` and `managed_identities`
mean the same thing on every component; each is implemented here and called by every component that
supports it. Child resources are named from the component's name and the caller's keys, never from list
positions, so that reordering a mapping replaces nothing.

The argument types here are also part of the any-language schema (`provider/`): annotations are evaluated at
runtime (no `from __future__ import annotations`), choices are `str` with the allowed values in the
docstring, and dates are `IsoDate` (see docs/any-language.md).
"""

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, NotRequired, TypeAlias, TypedDict

import pulumi
from pulumi_azure_native import authorization, keyvault, monitor, network

__all__ = [
    "ROLE_DEFINITIONS",
    "DiagnosticSettingsArgs",
    "IsoDate",
    "LockArgs",
    "ManagedIdentitiesArgs",
    "PrivateEndpointArgs",
    "RoleAssignmentArgs",
    "apply_diagnostic_settings",
    "apply_lock",
    "apply_private_endpoints",
    "apply_role_assignments",
    "expiry_datetime",
    "identity_type",
    "role_definition_id",
    "write_vault_secret",
]


if TYPE_CHECKING:
    IsoDate: TypeAlias = dt.date | str
else:
    # The schema analyzer of `component_provider_host` evaluates annotations and supports no unions: other
    # languages pass an ISO date string, Python callers a `datetime.date` or that string (both work).
    IsoDate = str


class LockArgs(TypedDict):
    kind: str
    """One of CanNotDelete, ReadOnly. CanNotDelete: changes allowed, deletion refused. ReadOnly: neither (blocks
    many data-plane operations too)."""
    notes: NotRequired[str]
    """Why the lock is there; shown to whoever is refused. A generic note unless given."""


class DiagnosticSettingsArgs(TypedDict):
    workspace_id: pulumi.Input[str]
    """The Log Analytics workspace that receives logs and metrics (the component does not create it)."""
    category_groups: NotRequired[Sequence[str]]
    """Log category groups; ["allLogs"] unless given (or unless `categories` is given)."""
    categories: NotRequired[Sequence[str]]
    """Individual log categories, for resources whose groups are too broad (e.g. ["AuditEvent"])."""
    metrics: NotRequired[bool]
    """Send AllMetrics too; true unless given."""


class RoleAssignmentArgs(TypedDict):
    role: str
    """A built-in role name from ROLE_DEFINITIONS (e.g. "Key Vault Secrets User") or a role definition GUID."""
    principal_id: pulumi.Input[str]
    """Object id of the user, group or service principal (managed identities are service principals)."""
    principal_type: str
    """One of User, Group, ServicePrincipal. Stated explicitly: Azure otherwise looks the principal up and fails
    on a just-created identity."""
    description: NotRequired[str]
    """Why the assignment exists, shown in the Azure portal; none unless given."""
    condition: NotRequired[str]
    """An ABAC condition (version 2.0) that narrows what the role allows (e.g. which roles a role administrator
    may assign, which blob paths a writer may change); unconditioned unless given."""


class PrivateEndpointArgs(TypedDict):
    subnet_id: pulumi.Input[str]
    """Subnet that receives the endpoint's network interface."""
    private_dns_zone_ids: Sequence[pulumi.Input[str]]
    """privatelink DNS zones to register the endpoint in (e.g. privatelink.vaultcore.azure.net)."""
    group_id: NotRequired[str]
    """Sub-resource to connect (vault, registry, namespace, ...); the component's own default unless given."""


class ManagedIdentitiesArgs(TypedDict):
    system_assigned: NotRequired[bool]
    """A system-assigned identity; false unless given (components that need one say so)."""
    user_assigned_resource_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """User-assigned identities to attach; none unless given."""


# Built-in role definition GUIDs (identical in every Azure tenant).
ROLE_DEFINITIONS: dict[str, str] = {
    "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
    "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7",
    "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
    "Key Vault Certificates Officer": "a4417e6f-fecd-4de8-b567-7b0420556985",
    "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
    "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
    # Manages vaults, no data access (learn.microsoft.com/azure/role-based-access-control/built-in-roles/security).
    "Key Vault Contributor": "f25e0fa2-a7c8-4377-a976-54943a77a395",
    "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "AcrPush": "8311e382-0749-4cb8-b61a-304f252e45ec",
    "Monitoring Data Reader": "b0d8363b-8ddd-447d-831f-62ca05bff136",
    "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "Monitoring Reader": "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
    "Grafana Admin": "22926164-76b3-42b3-bc55-97df8dab3e41",
    "Grafana Viewer": "60921a7e-fef1-4a43-9b16-a26c52ad4769",
    "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
    "Azure Event Hubs Data Owner": "f526a384-b230-433a-b45c-95f59c4a2dec",
    "Azure Event Hubs Data Sender": "2b629674-e913-4c01-ae53-ef4638d8f975",
    "Azure Event Hubs Data Receiver": "a638d3c7-ab3a-418d-83e6-5f17a39d4fde",
    "Azure Kubernetes Service RBAC Cluster Admin": "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b",
    "Azure Kubernetes Service RBAC Reader": "7f6c6a51-bcf8-42ba-9220-52d62157d7db",
    "Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
    "Network Contributor": "4d97b98b-1d4f-4787-a291-c67834d212e7",
    "Private DNS Zone Contributor": "b12aa53e-6015-4669-85d0-8515ebb3ae7f",
    "Managed Identity Operator": "f1a07417-d97a-45cb-824c-7a7467783830",
}

_GUID_LENGTH = 36


def role_definition_id(role: str, scope_id: pulumi.Input[str]) -> pulumi.Output[str]:
    """The subscription-scoped role definition id Azure stores (the short form would show drift forever)."""
    guid = ROLE_DEFINITIONS.get(role, role)
    if len(guid) != _GUID_LENGTH or guid.count("-") != 4:
        known = ", ".join(sorted(ROLE_DEFINITIONS))
        raise ValueError(f"role {role!r} is neither a known built-in role ({known}) nor a role definition GUID")

    def build(scope: str) -> str:
        subscription = scope.split("/")[2] if scope.startswith("/subscriptions/") else ""
        prefix = f"/subscriptions/{subscription}" if subscription else ""
        return f"{prefix}/providers/Microsoft.Authorization/roleDefinitions/{guid}"

    return pulumi.Output.from_input(scope_id).apply(build)


def apply_role_assignments(
    name: str,
    *,
    scope_id: pulumi.Input[str],
    assignments: Mapping[str, RoleAssignmentArgs] | None,
    parent: pulumi.Resource,
    depends_on: Sequence[pulumi.Resource] = (),
) -> dict[str, authorization.RoleAssignment]:
    """One role assignment per key. Its Azure name is a GUID derived from scope, principal and role, so
    that a changed principal gets a new assignment instead of a 409 on the old name. `depends_on`: what must
    exist first (a custom role definition assigned here)."""
    created = {}
    for key, assignment in (assignments or {}).items():
        role = assignment["role"]
        definition = role_definition_id(role, scope_id)
        guid = pulumi.Output.all(scope_id, assignment["principal_id"], definition).apply(
            lambda parts: str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))
        )
        created[key] = authorization.RoleAssignment(
            f"{name}-ra-{key}",
            authorization.RoleAssignmentArgs(
                scope=scope_id,
                principal_id=assignment["principal_id"],
                principal_type=assignment["principal_type"],
                role_definition_id=definition,
                role_assignment_name=guid,
                description=assignment.get("description"),
                condition=assignment.get("condition"),
                condition_version="2.0" if assignment.get("condition") else None,
            ),
            opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on) or None),
        )
    return created


def apply_lock(
    name: str,
    *,
    scope_id: pulumi.Input[str],
    lock: LockArgs | None,
    parent: pulumi.Resource,
) -> authorization.ManagementLockByScope | None:
    """A management lock on the resource; none when `lock` is None."""
    if lock is None:
        return None
    return authorization.ManagementLockByScope(
        f"{name}-lock",
        authorization.ManagementLockByScopeArgs(
            scope=scope_id,
            level=lock["kind"],
            lock_name=f"lock-{name}",
            notes=lock.get("notes", "Managed by Pulumi (sentimark-platform); remove through the stack, not the portal."),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def apply_diagnostic_settings(
    name: str,
    *,
    resource_id: pulumi.Input[str],
    settings: DiagnosticSettingsArgs | None,
    parent: pulumi.Resource,
) -> monitor.DiagnosticSetting | None:
    """Send the resource's logs (and metrics) to the workspace; none when `settings` is None."""
    if settings is None:
        return None
    categories = list(settings.get("categories") or [])
    groups = list(settings.get("category_groups") or ([] if categories else ["allLogs"]))
    logs = [monitor.DiagnosticsLogSettingsArgs(category_group=g, enabled=True) for g in groups]
    logs += [monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in categories]
    metrics = (
        [monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)]
        if settings.get("metrics", True)
        else None
    )
    return monitor.DiagnosticSetting(
        f"{name}-diag",
        monitor.DiagnosticSettingArgs(
            resource_uri=resource_id,
            name=f"diag-{name}",
            workspace_id=settings["workspace_id"],
            logs=logs or None,
            metrics=metrics,
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def apply_private_endpoints(
    name: str,
    *,
    resource_id: pulumi.Input[str],
    endpoints: Mapping[str, PrivateEndpointArgs] | None,
    default_group_id: str,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str] | None,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> dict[str, network.PrivateEndpoint]:
    """A private endpoint per key, each registered in its privatelink DNS zones through a zone group."""
    created = {}
    for key, endpoint in (endpoints or {}).items():
        group_id = endpoint.get("group_id", default_group_id)
        pe = network.PrivateEndpoint(
            f"{name}-pe-{key}",
            network.PrivateEndpointArgs(
                resource_group_name=resource_group_name,
                location=location,
                private_endpoint_name=f"pe-{name}-{key}",
                subnet=network.SubnetArgs(id=endpoint["subnet_id"]),
                private_link_service_connections=[
                    network.PrivateLinkServiceConnectionArgs(
                        name=f"{name}-{group_id}",
                        private_link_service_id=resource_id,
                        group_ids=[group_id],
                    )
                ],
                tags=dict(tags),
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
        network.PrivateDnsZoneGroup(
            f"{name}-pe-{key}-dns",
            network.PrivateDnsZoneGroupArgs(
                resource_group_name=resource_group_name,
                private_endpoint_name=pe.name,
                private_dns_zone_group_name="default",
                private_dns_zone_configs=[
                    # Config names only need to be unique within the group.
                    network.PrivateDnsZoneConfigArgs(name=f"zone-{i}", private_dns_zone_id=zone_id)
                    for i, zone_id in enumerate(endpoint["private_dns_zone_ids"])
                ],
            ),
            opts=pulumi.ResourceOptions(parent=pe),
        )
        created[key] = pe
    return created


def identity_type(identities: ManagedIdentitiesArgs | None) -> str | None:
    """The ARM identity `type` for the given identities ("SystemAssigned, UserAssigned", ...), or None."""
    if not identities:
        return None
    kinds = []
    if identities.get("system_assigned"):
        kinds.append("SystemAssigned")
    if identities.get("user_assigned_resource_ids"):
        kinds.append("UserAssigned")
    return ", ".join(kinds) or None


def expiry_datetime(day: dt.date | str | None) -> dt.datetime | None:
    """Midnight UTC of an expiry date (the day a secret stops working), or None for no expiry."""
    if day is None:
        return None
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def write_vault_secret(
    name: str,
    *,
    vault_name: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    secret_name: str,
    value: pulumi.Input[str],
    content_type: str,
    expires_on: dt.datetime | None = None,
    tags: Mapping[str, str] | None = None,
    parent: pulumi.Resource,
) -> keyvault.Secret:
    """Store a credential in Key Vault; the value stays a secret end to end and never becomes an output."""
    attributes = keyvault.SecretAttributesArgs(
        enabled=True,
        expires=int(expires_on.timestamp()) if expires_on is not None else None,
    )
    return keyvault.Secret(
        f"{name}-secret",
        keyvault.SecretArgs(
            vault_name=vault_name,
            resource_group_name=resource_group_name,
            secret_name=secret_name,
            properties=keyvault.SecretPropertiesArgs(
                value=pulumi.Output.secret(value),
                content_type=content_type,
                attributes=attributes,
            ),
            tags=dict(tags) if tags else None,
        ),
        opts=pulumi.ResourceOptions(parent=parent, additional_secret_outputs=["properties"]),
    )
