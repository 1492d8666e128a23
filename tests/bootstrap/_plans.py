"""The bootstrap's offline plan and the lookups its tests share."""

from __future__ import annotations

import functools

from sentimark_platform.components._interfaces import ROLE_DEFINITIONS
from sentimark_platform.deploycheck._azure import assignments_of
from sentimark_platform.offline import Plan, PlannedResource, run_preview
from tests.conftest import ROOT

__all__ = [
    "BOOTSTRAP",
    "REPO",
    "SUBSCRIPTIONS",
    "WORKSPACE",
    "bootstrap_plan",
    "by_name",
    "held_by",
    "one",
    "role",
]

BOOTSTRAP = ROOT / "bootstrap"
REPO = "sentimark/sentimark-platform"
WORKSPACE = "/subscriptions/0d3c1e6a-1b2c-4d5e-8f90-a1b2c3d4e5f6/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/log"
SUBSCRIPTIONS = {
    "dev": "0d3c1e6a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
    "sit": "1e4d2f7b-2c3d-4e5f-9a01-b2c3d4e5f6a7",
    "uat": "2f5e3a8c-3d4e-4f5a-8b12-c3d4e5f6a7b8",
    "prod": "3a6f4b9d-4e5f-4a6b-9c23-d4e5f6a7b8c9",
}


@functools.cache
def bootstrap_plan(workspace: bool = True) -> Plan:
    """The plan of stack `main`; `workspace=False` without the audit-log workspace."""
    return run_preview(BOOTSTRAP, "main", config=None if workspace else {"sentimark-bootstrap:diagnosticsWorkspaceId": None})


def one(plan: Plan, type_: str) -> PlannedResource:
    (found,) = plan.of_type(type_)
    return found


def by_name(plan: Plan, name: str) -> PlannedResource:
    (found,) = [r for r in plan.resources if r.name == name]
    return found


def role(assignment: PlannedResource) -> str:
    guid = assignment.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
    return {v: k for k, v in ROLE_DEFINITIONS.items()}.get(guid, guid)


def held_by(plan: Plan, identity: str) -> list[PlannedResource]:
    """Role assignments whose nearest identity ancestor (walking `parent`) is the identity `identity`: exactly how
    the deployability checks decide who holds a role (deploycheck._azure.assignments_of)."""
    return [a.resource for a in assignments_of(plan) if a.holder is not None and a.holder.name == identity]


def assert_federated_only_with(plan: Plan, identity_name: str, subject: str) -> None:
    """The identity has exactly one federated credential, `<identity>-fic-github`, for GitHub's issuer and the
    Azure audience, with `subject`; and no other identity trusts that subject."""
    identity = by_name(plan, identity_name)
    credentials = plan.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    (credential,) = [c for c in credentials if c.parent == identity.urn]
    assert credential.name == f"{identity_name}-fic-github"
    assert credential.inputs["subject"] == subject
    assert credential.inputs["issuer"] == "https://token.actions.githubusercontent.com"
    assert credential.inputs["audiences"] == ["api://AzureADTokenExchange"]
    assert identity.inputs["resourceName"] == f"id-smk-shared-weu-{identity_name}"
    assert [c for c in credentials if c.inputs["subject"] == subject] == [credential]
