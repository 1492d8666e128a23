"""Who holds what, where: one deploy identity per environment, a pull-request identity that cannot change
state nor decrypt uat/prod secrets, and every assignment under the identity that holds it."""

from __future__ import annotations

import re

import pytest

from bootstrap._identities import constrained_role_condition, state_blob_condition, state_blob_prefixes
from sentimark_platform.components._interfaces import ROLE_DEFINITIONS
from tests.bootstrap._plans import (
    REPO,
    SUBSCRIPTIONS,
    assert_federated_only_with,
    bootstrap_plan,
    by_name,
    held_by,
    one,
    role,
)

CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
AKS_ADMIN = "Azure Kubernetes Service RBAC Cluster Admin"
CONTAINER_SCOPE = re.compile(r"/blobServices/default/containers/[^/]+$")


def _hub_id() -> str:
    return str(bootstrap_plan().outputs["runnerNetworkId"])


@pytest.mark.parametrize("environment", list(SUBSCRIPTIONS))
def test_each_deploy_identity_is_federated_only_with_its_own_github_environment(environment: str) -> None:
    # No identity trusts an environment that is not its own (the old single ci-deploy trusted all four).
    assert_federated_only_with(bootstrap_plan(), f"ci-deploy-{environment}", f"repo:{REPO}:environment:{environment}")


def test_pull_requests_federate_only_with_the_preview_identity() -> None:
    plan = bootstrap_plan()
    pull_request = [c for c in plan.of_type(CREDENTIAL) if c.inputs["subject"].endswith(":pull_request")]
    assert [(c.name, str(c.parent).rsplit("::", 1)[-1]) for c in pull_request] == [("ci-preview-fic-pull-request", "ci-preview")]
    assert [c for c in plan.of_type(CREDENTIAL) if c.parent == by_name(plan, "ci-preview").urn] == pull_request


@pytest.mark.parametrize("environment", list(SUBSCRIPTIONS))
def test_a_deploy_identity_holds_roles_only_in_its_own_subscription_state_and_key(environment: str) -> None:
    plan = bootstrap_plan()
    subscription = f"/subscriptions/{SUBSCRIPTIONS[environment]}"
    held = {a.name.removeprefix(f"ci-deploy-{environment}-"): a for a in held_by(plan, f"ci-deploy-{environment}")}
    assert {name: role(a) for name, a in held.items()} == {
        "ra-contributor": "Contributor",
        "ra-kv-secrets": "Key Vault Secrets Officer",
        "ra-rbac-admin": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
        "ra-aks-rbac-admin": AKS_ADMIN,
        "hub-ra-peering": by_name(plan, "runners-peering-role").inputs["roleDefinitionId"],
        "state-ra-blob": "Storage Blob Data Contributor",
        "key-ra-crypto": "Key Vault Crypto User",
    }
    for name in ("ra-contributor", "ra-kv-secrets", "ra-rbac-admin", "ra-aks-rbac-admin"):
        assert held[name].inputs["scope"] == subscription, name
        assert held[name].inputs["roleDefinitionId"].startswith(f"{subscription}/providers/Microsoft.Authorization/")
    assert held["hub-ra-peering"].inputs["scope"] == _hub_id()
    assert CONTAINER_SCOPE.search(held["state-ra-blob"].inputs["scope"])
    assert held["key-ra-crypto"].inputs["scope"].endswith(f"/keys/pulumi-secrets-{environment}")
    others = [s for e, s in SUBSCRIPTIONS.items() if e != environment]
    for assignment in held.values():
        assert not any(other in assignment.inputs["scope"] for other in others), assignment.name
        assert assignment.inputs["principalType"] == "ServicePrincipal"
        assert assignment.inputs["principalId"]


def test_the_rbac_administrator_stays_constrained_to_service_roles() -> None:
    plan = bootstrap_plan()
    for environment in SUBSCRIPTIONS:
        admin = by_name(plan, f"ci-deploy-{environment}-ra-rbac-admin").inputs
        assert admin["condition"] == constrained_role_condition() and admin["conditionVersion"] == "2.0"
    condition = constrained_role_condition()
    assert ROLE_DEFINITIONS["AcrPull"] in condition
    assert ROLE_DEFINITIONS["Owner"] not in condition and ROLE_DEFINITIONS["Contributor"] not in condition


def test_deploy_identities_write_only_their_own_stack_state() -> None:
    plan = bootstrap_plan()
    for environment in SUBSCRIPTIONS:
        blob = by_name(plan, f"ci-deploy-{environment}-state-ra-blob").inputs
        assert blob["conditionVersion"] == "2.0" and blob["condition"] == state_blob_condition(environment)
        for other in SUBSCRIPTIONS.keys() - {environment}:
            assert f"/{other}" not in blob["condition"]


def test_the_state_condition_covers_every_write_and_every_path_the_diy_backend_writes() -> None:
    condition = state_blob_condition("uat")
    for action in ("blobs/write", "blobs/add/action", "blobs/delete", "blobs/move/action"):
        assert f"!(ActionMatches{{'Microsoft.Storage/storageAccounts/blobServices/containers/{action}'}})" in condition
    # Reads are not among the restricted actions: a stack may read another's outputs.
    assert "blobs/read" not in condition
    assert state_blob_prefixes("uat") == (
        ".pulumi/stacks/sentimark-platform/uat.",  # uat.json, uat.json.gz, uat.json.bak, uat.pulumi-tags
        ".pulumi/history/sentimark-platform/uat/",
        ".pulumi/backups/sentimark-platform/uat/",
        ".pulumi/journal/sentimark-platform/uat/",
        ".pulumi/locks/organization/sentimark-platform/uat/",  # lock.go: the fully qualified stack name
    )
    for prefix in state_blob_prefixes("uat"):
        assert f"blobs:path] StringStartsWith '{prefix}'" in condition
    # `dev.` cannot match another stack whose name starts with dev (dev2.json): the prefix ends at the dot.
    assert not any(p.endswith("/dev") for p in state_blob_prefixes("dev"))


def test_every_deploy_identity_is_kubernetes_admin_of_its_subscription_from_the_bootstrap_on() -> None:
    plan = bootstrap_plan()
    for environment, subscription in SUBSCRIPTIONS.items():
        admins = [a for a in held_by(plan, f"ci-deploy-{environment}") if role(a) == AKS_ADMIN]
        assert [a.inputs["scope"] for a in admins] == [f"/subscriptions/{subscription}"]
        assert admins[0].inputs["roleDefinitionId"].endswith("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b")


def test_the_preview_identity_reads_state_and_holds_nothing_on_uat_and_prod() -> None:
    plan = bootstrap_plan()
    held = held_by(plan, "ci-preview")
    roles = {(a.name, role(a)) for a in held}
    assert ("ci-preview-state-ra-blob-reader", "Storage Blob Data Reader") in roles
    writers = {"Storage Blob Data Contributor", "Contributor", "Owner"}
    assert not [a.name for a in held if role(a) in writers]
    for environment in ("uat", "prod"):
        assert not [a.name for a in held if SUBSCRIPTIONS[environment] in a.inputs["scope"]]
        assert not [a.name for a in held if a.inputs["scope"].endswith(f"/keys/pulumi-secrets-{environment}")]
    vault = one(plan, "azure-native:keyvault:Vault").inputs["vaultName"]
    assert not [a.name for a in held if a.inputs["scope"].endswith(f"/vaults/{vault}")]  # the whole vault


@pytest.mark.parametrize("environment", ["dev", "sit"])
def test_the_preview_identity_can_preview_the_pull_request_environments(environment: str) -> None:
    plan = bootstrap_plan()
    held = {a.name: a for a in held_by(plan, "ci-preview") if environment in a.name}
    subscription = f"/subscriptions/{SUBSCRIPTIONS[environment]}"
    assert {role(a) for a in held.values() if a.inputs["scope"] == subscription} == {
        "Reader", "Azure Kubernetes Service Cluster User Role", AKS_ADMIN,  # server-side dry-run needs write rights
    }
    (key,) = [a for a in held.values() if role(a) == "Key Vault Crypto User"]
    assert key.inputs["scope"].endswith(f"/keys/pulumi-secrets-{environment}")


def test_fewer_pull_request_previews_mean_fewer_preview_roles() -> None:
    from sentimark_platform.offline import run_preview
    from tests.bootstrap._plans import BOOTSTRAP

    plan = run_preview(BOOTSTRAP, "main", config={"sentimark-bootstrap:pullRequestPreviews": []})
    assert {a.name for a in held_by(plan, "ci-preview")} == {"ci-preview-state-ra-blob-reader", "ci-preview-hub-ra-reader"}


def test_every_role_assignment_has_its_holder_as_ancestor_and_complete_inputs() -> None:
    plan = bootstrap_plan()
    assignments = plan.of_type("azure-native:authorization:RoleAssignment")
    held = {a.urn for name in ("ci-preview", "registrar", *(f"ci-{kind}-{e}" for kind in ("deploy", "drift") for e in SUBSCRIPTIONS))
            for a in held_by(plan, name)}
    groups = {a.urn for a in assignments if a.inputs["principalType"] == "Group"}
    assert held | groups == {a.urn for a in assignments}  # no identity's role hangs elsewhere in the tree
    for assignment in assignments:
        assert {"scope", "roleDefinitionId", "principalType", "principalId", "roleAssignmentName"} <= set(assignment.inputs)
        assert re.search(r"/roleDefinitions/[0-9a-f-]{36}$", assignment.inputs["roleDefinitionId"])


def test_only_the_operators_group_holds_data_roles_on_the_whole_vault() -> None:
    plan = bootstrap_plan()
    vault = one(plan, "azure-native:keyvault:Vault")
    on_vault = [a for a in plan.of_type("azure-native:authorization:RoleAssignment") if vault.urn in a.dependencies
                and a.inputs["scope"].endswith(vault.inputs["vaultName"])]
    assert [(a.name, a.inputs["principalType"]) for a in on_vault] == [("state-ra-admins", "Group")]


def test_deploy_identities_may_only_peer_with_the_hub_and_link_zones_to_it() -> None:
    plan = bootstrap_plan()
    role = by_name(plan, "runners-peering-role").inputs
    actions = set(role["permissions"][0]["actions"])
    # Peerings and zone links only: no subnet, NSG, NAT or GitHub network settings writes (Network Contributor).
    assert all(a.startswith("Microsoft.Network/virtualNetworks/") for a in actions)
    assert not any(a.endswith("/subnets/write") or a == "Microsoft.Network/virtualNetworks/write" for a in actions)
    assert {"Microsoft.Network/virtualNetworks/peer/action", "Microsoft.Network/virtualNetworks/join/action"} <= actions
    assert role["assignableScopes"] == [role["scope"]] and "/resourceGroups/rg-smk-shared-neu-runners" in role["scope"]
