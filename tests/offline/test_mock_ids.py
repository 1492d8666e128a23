"""The offline engine's resource ids have Azure's shape, so that scopes and references in a plan read like the
ones a real `pulumi up` sends (role assignment scopes, private link targets, diagnostic settings)."""

from __future__ import annotations

import pytest

from sentimark_platform.offline._arm_ids import ARM_PATHS, SUBSCRIPTION_ID, arm_id

RG = f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/rg"


@pytest.mark.parametrize(("typ", "inputs", "name", "expected"), [
    ("azure-native:keyvault:Vault", {"resourceGroupName": "rg"}, "kv-1",
     f"{RG}/providers/Microsoft.KeyVault/vaults/kv-1"),
    ("azure-native:keyvault:Secret", {"resourceGroupName": "rg", "vaultName": "kv-1"}, "db-password",
     f"{RG}/providers/Microsoft.KeyVault/vaults/kv-1/secrets/db-password"),
    ("azure-native:eventhub:ConsumerGroup", {"resourceGroupName": "rg", "namespaceName": "ns", "eventHubName": "orders"},
     "billing", f"{RG}/providers/Microsoft.EventHub/namespaces/ns/eventhubs/orders/consumergroups/billing"),
    ("azure-native:eventhub:NamespaceNetworkRuleSet", {"resourceGroupName": "rg", "namespaceName": "ns"}, "events-nrs",
     f"{RG}/providers/Microsoft.EventHub/namespaces/ns/networkRuleSets/default"),
    ("azure-native:storage:BlobContainer", {"resourceGroupName": "rg", "accountName": "st1"}, "capture",
     f"{RG}/providers/Microsoft.Storage/storageAccounts/st1/blobServices/default/containers/capture"),
    ("azure-native:redisenterprise:AccessPolicyAssignment",
     {"resourceGroupName": "rg", "clusterName": "amr", "databaseName": "default"}, "api",
     f"{RG}/providers/Microsoft.Cache/redisEnterprise/amr/databases/default/accessPolicyAssignments/api"),
    ("azure-native:authorization:RoleAssignment", {"scope": f"{RG}/providers/Microsoft.KeyVault/vaults/kv-1"}, "guid",
     f"{RG}/providers/Microsoft.KeyVault/vaults/kv-1/providers/Microsoft.Authorization/roleAssignments/guid"),
    ("azure-native:monitor:DiagnosticSetting", {"resourceUri": f"{RG}/providers/Microsoft.KeyVault/vaults/kv-1"}, "diag",
     f"{RG}/providers/Microsoft.KeyVault/vaults/kv-1/providers/Microsoft.Insights/diagnosticSettings/diag"),
    ("azure-native:monitor:ActionGroup", {"resourceGroupName": "rg"}, "ag", f"{RG}/providers/Microsoft.Insights/actionGroups/ag"),
])
def test_ids_have_azures_shape(typ: str, inputs: dict[str, str], name: str, expected: str) -> None:
    assert arm_id(typ, inputs, name) == expected


def test_a_child_without_its_parents_name_and_an_unknown_type_fall_back_to_an_approximation() -> None:
    assert arm_id("azure-native:keyvault:Secret", {"resourceGroupName": "rg"}, "s") == (
        f"{RG}/providers/Microsoft.Keyvault/secrets/s")
    assert arm_id("azure-native:web:WebApp", {"resourceGroupName": "rg"}, "app") == (
        f"{RG}/providers/Microsoft.Web/webApps/app")


def test_every_azure_type_the_stacks_register_has_a_path() -> None:
    from tests.conftest import STACKS, plan_of

    types = {r.type.split(":", 1)[1] for stack in STACKS for r in plan_of(stack).resources
             if r.type.startswith("azure-native:")} - {"resources:ResourceGroup"}
    assert sorted(types - set(ARM_PATHS)) == []
