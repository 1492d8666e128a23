"""Plan diff: exactly the added, removed and changed resources, and a comment under GitHub's limit."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from sentimark_platform.offline.diff import GITHUB_COMMENT_LIMIT, diff_markdown, diff_plans, urn_label
from tests.conftest import plan_of

P = "urn:pulumi:uat::sentimark-platform::"


def resource(urn_tail: str, inputs: dict[str, Any], **options: Any) -> dict[str, Any]:
    type_ = urn_tail.rsplit("::", 1)[0].rsplit("$", 1)[-1]
    return {"urn": P + urn_tail, "type": type_, "name": urn_tail.rsplit("::", 1)[1], "parent": None,
            "dependencies": options.get("dependencies", []), "inputs": inputs, "protect": options.get("protect", False),
            "retainOnDelete": False, "ignoreChanges": options.get("ignoreChanges", []), "custom": True}


def plan(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"project": "sentimark-platform", "stack": "uat", "resources": list(resources), "outputs": {}}


BASE = plan(
    resource("azure-native:resources:ResourceGroup::rg", {"location": "westeurope", "tags": {"owner": "a"}}),
    resource("azure-native:keyvault:Vault::kv", {"properties": {"sku": {"name": "standard"}, "enablePurgeProtection": True}}),
    resource("azure-native:redisenterprise:RedisEnterprise::redis", {"sku": {"name": "Balanced_B3"}}),
    resource("azure-native:containerservice:ManagedCluster::aks",
             {"agentPoolProfiles": [{"name": "system", "count": 2}], "kubernetesVersion": "1.33"},
             ignoreChanges=["kubernetesVersion"]),
    resource("azure-native:eventhub:Namespace::events", {"sku": {"name": "Standard", "capacity": 2}}),
    resource("azure-native:monitor:ActionGroup::alerts", {"enabled": True}),
)
HEAD = plan(
    resource("azure-native:resources:ResourceGroup::rg", {"location": "westeurope", "tags": {"owner": "b", "cost-center": "CC-1"}}),
    resource("azure-native:keyvault:Vault::kv", {"properties": {"sku": {"name": "premium"}, "enablePurgeProtection": True}},
             protect=True),
    resource("azure-native:containerservice:ManagedCluster::aks",
             {"agentPoolProfiles": [{"name": "system", "count": 3}, {"name": "extra", "count": 1}], "kubernetesVersion": "1.33"},
             ignoreChanges=["kubernetesVersion", "agentPoolProfiles"], dependencies=[P + "azure-native:resources:ResourceGroup::rg"]),
    resource("azure-native:eventhub:Namespace::events", {"sku": {"name": "Standard", "capacity": 2}}),
    resource("azure-native:monitor:ActionGroup::alerts", {"enabled": 1}),
    resource("azure-native:dbforpostgresql:Server::psql", {"version": "16"}),
)


def test_diff_lists_exactly_the_added_removed_and_changed_resources_with_their_paths() -> None:
    diff = diff_plans(BASE, HEAD)
    assert diff.added == (P + "azure-native:dbforpostgresql:Server::psql",)
    assert diff.removed == (P + "azure-native:redisenterprise:RedisEnterprise::redis",)
    assert [(c.urn, c.type, c.paths) for c in diff.changed] == [
        (P + "azure-native:containerservice:ManagedCluster::aks", "azure-native:containerservice:ManagedCluster",
         ("dependencies", "ignoreChanges", "inputs.agentPoolProfiles[0].count", "inputs.agentPoolProfiles[1]")),
        (P + "azure-native:keyvault:Vault::kv", "azure-native:keyvault:Vault", ("inputs.properties.sku.name", "protect")),
        (P + "azure-native:monitor:ActionGroup::alerts", "azure-native:monitor:ActionGroup", ("inputs.enabled",)),
        (P + "azure-native:resources:ResourceGroup::rg", "azure-native:resources:ResourceGroup",
         ('inputs.tags.cost-center', "inputs.tags.owner")),
    ]
    assert diff.unchanged == 1 and not diff.is_empty and not diff.moved and not diff.replacements


def test_report_on_two_hand_made_plans_names_exactly_those_resources() -> None:
    text = diff_markdown(diff_plans(BASE, HEAD))
    assert ("**`-` 1 to delete, `+-` 0 to replace (predicted), `+` 1 to create, `~` 4 to update** (1 unchanged)"
            in text)
    listed = re.findall(r"^- `([^`]+)`", text, flags=re.M)
    assert listed == [
        "redis (azure-native:redisenterprise:RedisEnterprise)",
        "psql (azure-native:dbforpostgresql:Server)",
        "aks (azure-native:containerservice:ManagedCluster)",
        "kv (azure-native:keyvault:Vault)",
        "alerts (azure-native:monitor:ActionGroup)",
        "rg (azure-native:resources:ResourceGroup)",
    ]
    assert ('- `kv (azure-native:keyvault:Vault)`\n  - `properties.sku.name: "standard" → "premium"`\n'
            "  - `options.protect: false → true`\n") in text
    assert "  - `enabled: true → 1`" in text  # a bool turned number is a change, shown as such
    assert '  - `tags.cost-center: (absent) → "CC-1"`' in text
    assert "events" not in text


def test_identical_plans_have_no_changes() -> None:
    prod = plan_of("prod").to_json()
    diff = diff_plans(prod, copy.deepcopy(prod))
    assert diff.is_empty and diff.unchanged == len(prod["resources"])
    assert "No resource changes." in diff_markdown(diff)


def test_keys_that_are_not_identifiers_are_quoted_in_paths() -> None:
    base = plan(resource("kubernetes:core/v1:Namespace::ns", {"metadata": {"labels": {"istio.io/rev": "a"}}}))
    head = plan(resource("kubernetes:core/v1:Namespace::ns", {"metadata": {"labels": {"istio.io/rev": "b"}}}))
    (change,) = diff_plans(base, head).changed
    assert change.paths == ('inputs.metadata.labels["istio.io/rev"]',)


def test_long_lists_are_folded() -> None:
    head = plan(*BASE["resources"], *(resource(f"azure-native:network:NetworkSecurityGroup::nsg-{i}", {}) for i in range(12)))
    text = diff_markdown(diff_plans(BASE, head), fold_after=10)
    assert "<details><summary>`+` To create (12)</summary>" in text
    assert text.count("<details>") == text.count("</details>") == 1


def test_a_huge_diff_stays_under_githubs_comment_limit_and_counts_what_it_leaves_out() -> None:
    long_name = "x" * 200
    base = plan(*(resource(f"azure-native:network:NetworkSecurityGroup::old-{i}-{long_name}", {}) for i in range(2000)))
    head = plan(*(resource(f"azure-native:network:NetworkSecurityGroup::new-{i}-{long_name}", {"a": i}) for i in range(2000)))
    text = diff_markdown(diff_plans(base, head))
    assert len(text) < GITHUB_COMMENT_LIMIT and len(text) <= 60_000
    shown = len(re.findall(r"^- `", text, flags=re.M))
    assert 0 < shown < 4000
    assert f"… and {4000 - shown} more resource changes not shown" in text
    assert text.count("<details>") == text.count("</details>")


def test_a_budget_over_githubs_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="exceeds GitHub's comment limit of 65536"):
        diff_markdown(diff_plans(BASE, HEAD), max_chars=70_000)


def test_urn_label_is_the_name_and_the_last_type() -> None:
    assert urn_label(P + "sentimark:index:KeyVault$azure-native:keyvault:Vault::vault-kv") == "vault-kv (azure-native:keyvault:Vault)"
