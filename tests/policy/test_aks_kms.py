"""aks-kms-etcd-encryption: Kubernetes secrets in etcd are encrypted with a Key Vault key in a private vault (KMS);
mandatory in uat and prod, advisory in dev and sit (issue 19)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.policy import UNKNOWN, PolicyResult, Resource, evaluate_plan, evaluate_resources, rule
from tests.components.test_aks_cluster import DEV, KMS_PROD, PROD
from tests.components.test_aks_cluster import _preview as preview_cluster

POLICY = "aks-kms-etcd-encryption"
CLUSTER_T = "azure-native:containerservice:ManagedCluster"
KEY_ID = "https://kv-smk-prod.vault.azure.net/keys/aks-etcd/0123456789abcdef0123456789abcdef"
VAULT_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv"
KMS = {"enabled": True, "keyId": KEY_ID, "keyVaultNetworkAccess": "Private", "keyVaultResourceId": VAULT_ID}


def cluster(kms: dict[str, Any] | None) -> Resource:
    security: dict[str, Any] = {"workloadIdentity": {"enabled": True}}
    if kms is not None:
        security["azureKeyVaultKms"] = kms
    return Resource(urn=f"urn:pulumi:prod::p::{CLUSTER_T}::aks", type=CLUSTER_T, name="aks",
                    inputs={"securityProfile": security})


def run(resource: Resource, environment: str = "prod") -> list[PolicyResult]:
    return evaluate_resources([resource], environment=environment, rules=[rule(POLICY)])


def test_a_cluster_with_kms_on_a_private_vault_passes() -> None:
    (result,) = run(cluster(KMS))
    assert result.passed and result.message == ""


@pytest.mark.parametrize(
    ("kms", "message"),
    [
        (None, "securityProfile.azureKeyVaultKms.enabled is absent; encrypt Kubernetes secrets in etcd with a Key Vault "
               "key (AksCluster `kms` with a KeyVault key that has a rotation policy)"),
        ({**KMS, "enabled": False}, "securityProfile.azureKeyVaultKms.enabled is false; encrypt Kubernetes secrets"),
        ({**KMS, "keyVaultNetworkAccess": "Public"},
         'securityProfile.azureKeyVaultKms.keyVaultNetworkAccess is "Public"; keep the key in a private vault '
         "(network_access Private, with API Server VNet Integration)"),
        # The ManagedCluster API reads a missing network access as Public.
        ({k: v for k, v in KMS.items() if k != "keyVaultNetworkAccess"},
         'securityProfile.azureKeyVaultKms.keyVaultNetworkAccess is "Public"'),
    ],
    ids=["absent", "disabled", "public-vault", "network-access-left-out"],
)
def test_a_cluster_without_kms_on_a_private_vault_fails(kms: dict[str, Any] | None, message: str) -> None:
    (result,) = run(cluster(kms))
    assert not result.passed and result.message.startswith(message)
    assert result.severity == "high"


@pytest.mark.parametrize(("environment", "blocking"), [("dev", False), ("sit", False), ("uat", True), ("prod", True)])
def test_mandatory_in_uat_and_prod_advisory_in_dev_and_sit(environment: str, blocking: bool) -> None:
    (result,) = run(cluster(None), environment)
    assert not result.passed
    assert result.enforcement == ("mandatory" if blocking else "advisory")
    assert result.blocking is blocking


def test_a_value_known_only_at_the_update_is_judged_then() -> None:
    (result,) = run(cluster({**KMS, "enabled": UNKNOWN}))
    assert result.passed and "unknown until the update" in result.message


def test_the_rule_is_in_the_baseline_with_its_references() -> None:
    policy = rule(POLICY)
    assert policy.environments is None  # every environment; enforcement alone differs
    assert "MCSB AKS DP-5" in policy.references


def _plan_results(tmp_path: Path, args: dict[str, Any], environment: str) -> list[PolicyResult]:
    plan = preview_cluster(tmp_path, copy.deepcopy(args))
    return [r for r in evaluate_plan(plan.to_json(), environment=environment) if r.policy == POLICY]


def test_an_aks_cluster_with_kms_passes_and_one_without_is_blocked_in_prod(tmp_path: Path) -> None:
    (with_kms,) = _plan_results(tmp_path / "kms", KMS_PROD, "prod")
    assert with_kms.passed
    (without,) = _plan_results(tmp_path / "plain", PROD, "prod")
    assert without.blocking and "azureKeyVaultKms.enabled is absent" in without.message
    (dev,) = _plan_results(tmp_path / "dev", DEV, "dev")
    assert not dev.passed and not dev.blocking
