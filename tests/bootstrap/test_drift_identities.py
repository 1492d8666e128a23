"""The drift identities `ci-drift-<env>`: trusted only by GitHub's environment drift-<env>, read the state without
writing it, decrypt only their own stack's key, and hold the AKS roles a refreshed preview needs only in their own
environment's subscription."""

from __future__ import annotations

import pytest

from tests.bootstrap._plans import (
    REPO,
    SUBSCRIPTIONS,
    assert_federated_only_with,
    bootstrap_plan,
    held_by,
    role,
)
from tests.bootstrap.test_identities import AKS_ADMIN, CONTAINER_SCOPE

ENVIRONMENTS = list(SUBSCRIPTIONS)
STATE_WRITERS = {"Storage Blob Data Contributor", "Storage Blob Data Owner", "Contributor", "Owner",
                 "Storage Account Contributor"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_drift_identity_is_federated_only_with_its_own_drift_environment(environment: str) -> None:
    # No other identity trusts drift-<env>; the drift identity trusts neither pull requests nor the deploy environment.
    assert_federated_only_with(bootstrap_plan(), f"ci-drift-{environment}", f"repo:{REPO}:environment:drift-{environment}")


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_drift_identity_holds_exactly_the_roles_a_refreshed_preview_needs(environment: str) -> None:
    plan = bootstrap_plan()
    subscription = f"/subscriptions/{SUBSCRIPTIONS[environment]}"
    held = {a.name.removeprefix(f"ci-drift-{environment}-"): a for a in held_by(plan, f"ci-drift-{environment}")}
    assert {name: role(a) for name, a in held.items()} == {
        "ra-reader": "Reader",
        "ra-aks-user": "Azure Kubernetes Service Cluster User Role",
        "ra-aks-rbac-admin": AKS_ADMIN,  # server-side dry-run: pulumi/pulumi-kubernetes#2213
        "state-ra-blob-reader": "Storage Blob Data Reader",
        "key-ra-crypto": "Key Vault Crypto User",
        "hub-ra-reader": "Reader",
    }
    for name in ("ra-reader", "ra-aks-user", "ra-aks-rbac-admin"):
        assert held[name].inputs["scope"] == subscription, name
    assert CONTAINER_SCOPE.search(held["state-ra-blob-reader"].inputs["scope"])
    assert held["hub-ra-reader"].inputs["scope"] == bootstrap_plan().outputs["runnerNetworkId"]
    for assignment in held.values():
        assert assignment.inputs["principalType"] == "ServicePrincipal"
        assert "condition" not in assignment.inputs or not assignment.inputs["condition"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_drift_identity_cannot_write_state(environment: str) -> None:
    held = held_by(bootstrap_plan(), f"ci-drift-{environment}")
    assert not [a.name for a in held if role(a) in STATE_WRITERS]
    on_state = [a for a in held if "Microsoft.Storage" in a.inputs["scope"]]
    assert [role(a) for a in on_state] == ["Storage Blob Data Reader"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_drift_identity_decrypts_only_its_own_stack_key(environment: str) -> None:
    plan = bootstrap_plan()
    held = held_by(plan, f"ci-drift-{environment}")
    on_vault = [a for a in held if "/Microsoft.KeyVault/vaults/" in a.inputs["scope"]]
    assert [a.inputs["scope"].rsplit("/keys/", 1)[-1] for a in on_vault] == [f"pulumi-secrets-{environment}"]
    assert [role(a) for a in on_vault] == ["Key Vault Crypto User"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_a_drift_identity_holds_nothing_on_another_environment(environment: str) -> None:
    held = held_by(bootstrap_plan(), f"ci-drift-{environment}")
    others = [e for e in SUBSCRIPTIONS if e != environment]
    for assignment in held:
        scope = assignment.inputs["scope"]
        assert not any(SUBSCRIPTIONS[other] in scope for other in others), assignment.name
        assert not any(scope.endswith(f"/keys/pulumi-secrets-{other}") for other in others), assignment.name
    aks = [a for a in held if role(a) in (AKS_ADMIN, "Azure Kubernetes Service Cluster User Role")]
    assert {a.inputs["scope"] for a in aks} == {f"/subscriptions/{SUBSCRIPTIONS[environment]}"}


def test_the_drift_client_ids_are_one_per_environment_and_no_other_identitys() -> None:
    outputs = bootstrap_plan().outputs
    drift = outputs["driftClientIds"]
    assert sorted(drift) == sorted(SUBSCRIPTIONS)
    assert len(set(drift.values())) == len(SUBSCRIPTIONS)
    assert not set(drift.values()) & (set(outputs["deployClientIds"].values()) | {outputs["previewClientId"]})
