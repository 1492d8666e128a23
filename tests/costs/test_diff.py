"""cost_diff: the per-resource and total monthly delta between two hand-made plans, as Markdown."""

from __future__ import annotations

from sentimark_platform.costs import cost_diff
from tests.costs.test_estimate import RG, cluster, plan, resource, small_table, user_pool

TABLE = small_table()
REDIS = resource("azure-native:redisenterprise:RedisEnterprise", "amr", {
    "resourceGroupName": RG, "location": "westeurope", "sku": {"name": "Balanced_B1"}})
HUBS = resource("azure-native:eventhub:Namespace", "evhns", {
    "resourceGroupName": RG, "location": "westeurope", "sku": {"name": "Standard", "capacity": 1}})


def test_changed_added_and_removed_resources_and_the_total_are_in_the_table() -> None:
    base = plan(cluster(count=2), user_pool(min_count=1), HUBS)
    head = plan(cluster(count=3), user_pool(min_count=1), REDIS)
    text = cost_diff(base, head, prices=TABLE)
    lines = text.splitlines()
    assert lines[0] == "### Monthly cost change — t"
    assert "| Resource | Type | Base | Head | Change |" in lines
    assert "| amr | `redisenterprise:RedisEnterprise` | — | $100.00 | +$100.00 |" in lines
    assert "| aks | `containerservice:ManagedCluster` | $90.00 | $130.00 | +$40.00 |" in lines
    assert "| evhns | `eventhub:Namespace` | $3.00 | — | -$3.00 |" in lines
    assert not any(line.startswith("| aks-np-apps") for line in lines)  # unchanged: not listed
    assert "| **Total** | | **$153.00** | **$290.00** | **+$137.00** |" in lines
    rows = [line for line in lines if line.startswith("| ") and "**" not in line and "Resource" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| amr", "| aks", "| evhns"]  # largest change first


def test_an_unchanged_plan_says_so() -> None:
    text = cost_diff(plan(cluster()), plan(cluster()), prices=TABLE)
    assert "No change in the estimated monthly cost ($130.00)." in text
    assert "|" not in text


def test_resources_the_head_cannot_price_are_listed_under_the_table() -> None:
    head = plan(cluster(), cluster(vm_size="Standard_E64s_v5") | {"name": "big", "urn": "urn:big"})
    text = cost_diff(plan(cluster()), head, prices=TABLE)
    assert "**Could not price in head (1)** — missing from the totals, not counted as zero:" in text
    assert "- `big` (`containerservice:ManagedCluster`): vm-linux: SKU 'Standard_E64s_v5' is not in the price table" in text
