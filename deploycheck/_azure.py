"""Reading Azure facts out of offline plans: ids, role assignments and who holds them."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from sentimark_platform.components import ROLE_DEFINITIONS
from sentimark_platform.offline import Plan, PlannedResource

__all__ = [
    "ROLE_AKS_RBAC_CLUSTER_ADMIN",
    "ROLE_KEY_VAULT_CRYPTO_USER",
    "ROLE_STORAGE_BLOB_DATA_CONTRIBUTOR",
    "ROLE_STORAGE_BLOB_DATA_OWNER",
    "Assignment",
    "assignments_of",
    "covers",
    "id_name",
    "label",
    "role_guid",
    "same_resource",
]

# Built-in role definition ids, from the one table the components use (components._interfaces.ROLE_DEFINITIONS,
# learn.microsoft.com/azure/role-based-access-control/built-in-roles); Blob Data Owner is not assigned anywhere.
ROLE_AKS_RBAC_CLUSTER_ADMIN = ROLE_DEFINITIONS["Azure Kubernetes Service RBAC Cluster Admin"]
ROLE_KEY_VAULT_CRYPTO_USER = ROLE_DEFINITIONS["Key Vault Crypto User"]
ROLE_STORAGE_BLOB_DATA_CONTRIBUTOR = ROLE_DEFINITIONS["Storage Blob Data Contributor"]
ROLE_STORAGE_BLOB_DATA_OWNER = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b"

def label(resource: PlannedResource) -> str:
    return f"{resource.type}::{resource.name}"


def role_guid(definition_id: Any) -> str | None:
    return definition_id.rsplit("/", 1)[-1].lower() if isinstance(definition_id, str) else None


def id_name(resource_id: Any) -> str | None:
    return resource_id.rstrip("/").rsplit("/", 1)[-1] if isinstance(resource_id, str) else None


def same_resource(a: Any, b: Any) -> bool:
    """Two ids name the same resource, whatever the subscription: offline ids carry a placeholder subscription,
    so compare resource group, provider path and name (case-insensitively, as ARM does)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    def tail(value: str) -> str:
        lowered = value.lower().rstrip("/")
        return lowered.split("/resourcegroups/", 1)[-1]
    return tail(a) == tail(b)


def covers(ranges: list[Any], wanted: str) -> bool:
    """Some CIDR in `ranges` contains the `wanted` CIDR."""
    try:
        target = ipaddress.ip_network(wanted, strict=False)
    except ValueError:
        return False
    for value in ranges:
        try:
            network = ipaddress.ip_network(str(value), strict=False)
        except ValueError:
            continue
        if network.version == target.version and target.subnet_of(network):  # type: ignore[arg-type]
            return True
    return False


class Assignment:
    """One role assignment in a plan, with the identity it belongs to (its nearest UserAssignedIdentity
    ancestor: bootstrap parents every assignment under the identity it grants)."""

    def __init__(self, resource: PlannedResource, holder: PlannedResource | None) -> None:
        self.resource = resource
        self.holder = holder
        self.role = role_guid(resource.inputs.get("roleDefinitionId"))
        scope = resource.inputs.get("scope")
        self.scope = scope if isinstance(scope, str) else ""
        self.condition = resource.inputs.get("condition")


def assignments_of(plan: Plan) -> Iterator[Assignment]:
    by_urn = plan.by_urn()
    for resource in plan.of_type("azure-native:authorization:RoleAssignment"):
        holder = None
        parent = resource.parent
        while parent is not None and parent in by_urn:
            candidate = by_urn[parent]
            if candidate.type == "azure-native:managedidentity:UserAssignedIdentity":
                holder = candidate
                break
            parent = candidate.parent
        yield Assignment(resource, holder)
