"""The cost function on hand-made plans: known answers, unknowns listed (never priced as zero), budgets.

The plan builders and the small price table (round numbers, so expected totals are easy to check) are
shared with test_diff.py.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentimark_platform.costs import (
    PriceTable,
    compare_with_budget,
    estimate_markdown,
    estimate_plan,
    format_estimate,
    load_prices,
)

RG = "rg-t-weu"


def resource(typ: str, name: str, inputs: dict[str, Any], *, custom: bool = True) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:t::p::{typ}::{name}", "type": typ, "name": name, "inputs": inputs, "custom": custom}


def plan(*resources: dict[str, Any], stack: str = "t") -> dict[str, Any]:
    return {"project": "p", "stack": stack, "resources": list(resources)}


GROUP = resource("azure-native:resources:ResourceGroup", "rg", {"resourceGroupName": RG, "location": "westeurope"})


def cluster(*, tier: str = "Standard", vm_size: str = "Standard_D4s_v5", count: int = 3, disk: str = "Managed") -> dict[str, Any]:
    return resource("azure-native:containerservice:ManagedCluster", "aks", {
        "resourceGroupName": RG, "resourceName": "aks-t", "location": "westeurope", "sku": {"name": "Base", "tier": tier},
        "agentPoolProfiles": [{"name": "system", "vmSize": vm_size, "count": count, "enableAutoScaling": False, "osDiskType": disk}],
    })


def user_pool(*, min_count: int, max_count: int = 10, spot: bool = False) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "resourceGroupName": RG, "resourceName": "aks-t", "agentPoolName": "apps", "vmSize": "Standard_D8s_v5",
        "enableAutoScaling": True, "minCount": min_count, "maxCount": max_count, "count": min_count, "osDiskType": "Managed",
    }
    if spot:
        inputs["scaleSetPriority"] = "Spot"
    return resource("azure-native:containerservice:AgentPool", "aks-np-apps", inputs)


def small_table() -> PriceTable:
    """The shipped table's shape with round prices: 100 h a month, 30 days."""
    data = copy.deepcopy(dict(load_prices().data))
    data["hours_per_month"] = 100
    data["days_per_month"] = 30
    data["assumptions"]["log_analytics_gb_per_day"]["value"] = 1
    data["prices"]["aks-tier"]["skus"] = {"Free": {"westeurope": 0}, "Standard": {"westeurope": 0.1}}
    data["prices"]["vm-linux"]["skus"] = {"Standard_D4s_v5": {"westeurope": 0.2}, "Standard_D8s_v5": {"westeurope": 0.4}}
    data["prices"]["managed-disk"]["skus"] = {"P4": {"westeurope": 5}, "P6": {"westeurope": 10}, "P10": {"westeurope": 20},
                                              "P15": {"westeurope": 40}, "P20": {"westeurope": 80}}
    data["prices"]["postgres-compute"]["skus"] = {"Standard_D2ds_v5": {"westeurope": 0.2}}
    data["prices"]["postgres-storage"]["skus"] = {"storage": {"westeurope": 0.1}}
    data["prices"]["postgres-geo-backup"]["skus"] = {"geo-redundant": {"westeurope": 0.2}}
    data["prices"]["managed-redis"]["skus"] = {"Balanced_B1": {"westeurope": 1.0}}
    data["prices"]["event-hubs"]["skus"] = {"Standard": {"westeurope": 0.03}}
    data["prices"]["log-analytics-ingestion"]["skus"] = {"PerGB2018": {"westeurope": 2}}
    data["prices"]["log-analytics-retention"]["skus"] = {"PerGB2018": {"westeurope": 0.1}}
    return PriceTable(data)


TABLE = small_table()


def test_cluster_costs_its_tier_nodes_and_managed_os_disks() -> None:
    estimate = estimate_plan(plan(cluster()), prices=TABLE)
    (aks,) = estimate.resources
    # Standard tier 0.1 × 100 h + 3 nodes × 0.2 × 100 h + 3 × P10 20
    assert aks.monthly_usd == pytest.approx(10 + 60 + 60)
    assert estimate.total_usd == pytest.approx(130)
    assert aks.lines[0].what == "AKS Standard tier"


@pytest.mark.parametrize(("size", "tier", "price"), [(30, "P4", 5), (64, "P6", 10), (100, "P10", 20), (256, "P15", 40)])
def test_managed_os_disks_are_priced_at_the_smallest_tier_that_holds_them(size: int, tier: str, price: int) -> None:
    pool = user_pool(min_count=2)
    pool["inputs"]["osDiskSizeGB"] = size
    estimate = estimate_plan(plan(cluster(), pool), prices=TABLE)
    line = next(r for r in estimate.resources if r.name == "aks-np-apps").lines[1]
    assert line.what == f"OS disk {tier} × 2, pool apps" and line.monthly_usd == pytest.approx(2 * price)


def test_free_tier_and_ephemeral_disks_cost_nothing_extra() -> None:
    estimate = estimate_plan(plan(cluster(tier="Free", disk="Ephemeral")), prices=TABLE)
    assert estimate.total_usd == pytest.approx(60)


def test_autoscaled_pools_are_priced_at_min_count_in_the_clusters_region() -> None:
    estimate = estimate_plan(plan(cluster(), user_pool(min_count=2)), prices=TABLE)
    pool = next(r for r in estimate.resources if r.name == "aks-np-apps")
    assert pool.region == "westeurope"  # the cluster's: the pool itself has no location
    assert pool.monthly_usd == pytest.approx(2 * 0.4 * 100 + 2 * 20)
    assert "minCount (autoscaled)" in pool.lines[0].what


def test_a_pool_scaled_to_zero_costs_nothing_and_spot_is_said_to_be_priced_at_pay_as_you_go() -> None:
    estimate = estimate_plan(plan(cluster(), user_pool(min_count=0, spot=True)), prices=TABLE)
    pool = next(r for r in estimate.resources if r.name == "aks-np-apps")
    assert pool.monthly_usd == 0
    assert "spot priced at pay-as-you-go" in pool.lines[0].what


def test_postgres_high_availability_doubles_compute_and_storage_and_geo_backup_adds_the_storage_once() -> None:
    server = resource("azure-native:dbforpostgresql:Server", "psql", {
        "resourceGroupName": RG, "location": "westeurope", "sku": {"tier": "GeneralPurpose", "name": "Standard_D2ds_v5"},
        "storage": {"storageSizeGB": 128}, "highAvailability": {"mode": "ZoneRedundant"}, "backup": {"geoRedundantBackup": "Enabled"},
    })
    (psql,) = estimate_plan(plan(server), prices=TABLE).resources
    assert psql.monthly_usd == pytest.approx(2 * 0.2 * 100 + 2 * 128 * 0.1 + 128 * 0.2)
    server["inputs"]["highAvailability"] = {"mode": "Disabled"}
    server["inputs"]["backup"] = {"geoRedundantBackup": "Disabled"}
    (single,) = estimate_plan(plan(server), prices=TABLE).resources
    assert single.monthly_usd == pytest.approx(0.2 * 100 + 128 * 0.1)


def test_managed_redis_without_high_availability_is_half_price_and_event_hubs_scale_with_units() -> None:
    redis = resource("azure-native:redisenterprise:RedisEnterprise", "amr", {
        "resourceGroupName": RG, "location": "westeurope", "sku": {"name": "Balanced_B1"}, "highAvailability": "Disabled"})
    hubs = resource("azure-native:eventhub:Namespace", "evhns", {
        "resourceGroupName": RG, "location": "westeurope", "sku": {"name": "Standard", "tier": "Standard", "capacity": 4}})
    estimate = estimate_plan(plan(redis, hubs), prices=TABLE)
    assert estimate.per_resource() == {redis["urn"]: 50.0, hubs["urn"]: 12.0}


def test_workspace_ingestion_and_retention_beyond_31_days_follow_the_assumption() -> None:
    workspace = resource("azure-native:operationalinsights:Workspace", "log", {
        "resourceGroupName": RG, "location": "westeurope", "sku": {"name": "PerGB2018"}, "retentionInDays": 91})
    (log,) = estimate_plan(plan(workspace), prices=TABLE).resources
    # 1 GB/day × 30 days × 2, plus 60 days × 1 GB held × 0.1
    assert log.monthly_usd == pytest.approx(60 + 6)


def test_region_comes_from_the_resource_group_when_the_resource_has_no_location() -> None:
    hubs = resource("azure-native:eventhub:Namespace", "evhns", {"resourceGroupName": RG, "sku": {"name": "Standard"}})
    estimate = estimate_plan(plan(GROUP, hubs), prices=TABLE)
    (priced,) = estimate.resources
    assert (priced.region, priced.monthly_usd) == ("westeurope", pytest.approx(3.0))
    alone = estimate_plan(plan(hubs), prices=TABLE)
    assert alone.resources == () and "region unknown" in alone.unpriced[0].reason


def test_unknown_skus_are_listed_not_priced_as_zero() -> None:
    big = cluster(vm_size="Standard_E64s_v5")
    redis = resource("azure-native:redisenterprise:RedisEnterprise", "amr", {
        "resourceGroupName": RG, "location": "westeurope", "sku": {"name": "MemoryOptimized_M50"}})
    estimate = estimate_plan(plan(big, redis), prices=TABLE)
    assert estimate.resources == ()
    assert estimate.total_usd == 0 and not estimate.complete
    reasons = {u.name: u.reason for u in estimate.unpriced}
    assert "'Standard_E64s_v5' is not in the price table" in reasons["aks"]
    assert "'MemoryOptimized_M50' is not in the price table" in reasons["amr"]
    assert any("could not be priced" in w and "aks, amr" in w for w in compare_with_budget(estimate, 100))


def test_unknown_types_and_unknown_regions_are_unpriced_while_known_free_types_are_free() -> None:
    gateway = resource("azure-native:network:ApplicationGateway", "agw", {"resourceGroupName": RG, "location": "westeurope", "sku": {"name": "WAF_v2"}})
    elsewhere = resource("azure-native:containerregistry:Registry", "cr", {"resourceGroupName": RG, "location": "japaneast", "sku": {"name": "Premium"}})
    free = [
        GROUP,
        resource("azure-native:authorization:RoleAssignment", "ra", {"scope": "/subscriptions/s"}),
        resource("azure-native:authorization:ManagementLockByScope", "lock", {"scope": "/subscriptions/s", "level": "CanNotDelete"}),
        resource("azure-native:monitor:DiagnosticSetting", "diag", {"resourceUri": "/x"}),
        resource("kubernetes:core/v1:Namespace", "ns", {}),
    ]
    component = resource("sentimark:index:AksCluster", "aks", {}, custom=False)
    estimate = estimate_plan(plan(gateway, elsewhere, component, *free))
    assert {u.name: u.reason for u in estimate.unpriced} == {
        "agw": "no price rule for this resource type",
        "cr": "container-registry/Premium: no price for region 'japaneast' (known: northeurope, westeurope)",
    }
    assert sorted(urn for urn, _ in estimate.free) == sorted(r["urn"] for r in free)


def test_values_unknown_at_preview_time_make_a_resource_unpriced() -> None:
    hubs = resource("azure-native:eventhub:Namespace", "evhns", {"resourceGroupName": RG, "location": "westeurope", "sku": {"name": "[unknown]"}})
    (unpriced,) = estimate_plan(plan(hubs), prices=TABLE).unpriced
    assert unpriced.reason == "Event Hubs SKU is not known at preview time ('[unknown]')"


def test_shipped_prices_give_the_table_arithmetic() -> None:
    table = load_prices()
    estimate = estimate_plan(plan(cluster()))
    vm, _ = table.price("vm-linux", "Standard_D4s_v5", "westeurope")
    tier, _ = table.price("aks-tier", "Standard", "westeurope")
    disk, _ = table.price("managed-disk", "P10", "westeurope")
    assert estimate.total_usd == pytest.approx(round(730 * tier + 3 * 730 * vm + 3 * disk, 2))


def test_every_shipped_price_row_names_its_source_page_and_date() -> None:
    data = load_prices().data
    assert data["written_on"] == "2026-11-24" and "not fetched live" in data["disclaimer"]
    for key, row in data["prices"].items():
        assert row["source"].startswith("https://azure.microsoft.com/pricing/details/"), key
        assert row["read_on"] == data["written_on"] and "recalled" in row["basis"], key
        for sku, regions in row["skus"].items():
            assert set(regions) in ({"westeurope", "northeurope"}, {"global"}), (key, sku)
            assert all(isinstance(p, (int, float)) and p >= 0 for p in regions.values()), (key, sku)


@given(count=st.integers(min_value=0, max_value=100), vm=st.sampled_from(["Standard_D4s_v5", "Standard_D8s_v5"]))
def test_a_clusters_cost_is_linear_in_its_node_count(count: int, vm: str) -> None:
    estimate = estimate_plan(plan(cluster(vm_size=vm, count=count)), prices=TABLE)
    per_node = {"Standard_D4s_v5": 0.2, "Standard_D8s_v5": 0.4}[vm] * 100 + 20
    assert estimate.total_usd == pytest.approx(10 + count * per_node)


def test_budget_comparison_warns_over_the_budget_or_over_the_first_threshold() -> None:
    estimate = estimate_plan(plan(cluster()), prices=TABLE)  # 130
    assert compare_with_budget(estimate, 1000) == []
    (over_threshold,) = compare_with_budget(estimate, 200)
    assert over_threshold == "estimated $130.00/month is over the first budget alert (50 % = $100.00): that alert would fire every month"
    (over_budget,) = compare_with_budget(estimate, 100)
    assert over_budget == "estimated $130.00/month is over the budget of $100.00 (130 %): raise the budget or size the stack down"
    assert compare_with_budget(estimate, 200, first_threshold_percent=80) == []
    with pytest.raises(ValueError, match="budget_usd_per_month must be greater than 0"):
        compare_with_budget(estimate, 0)
    with pytest.raises(ValueError, match="first_threshold_percent"):
        compare_with_budget(estimate, 100, first_threshold_percent=0)


def test_terminal_and_markdown_renderings_show_the_total_the_lines_and_the_unpriced() -> None:
    estimate = estimate_plan(plan(cluster(), cluster(vm_size="Standard_E64s_v5") | {"name": "big", "urn": "urn:big"}), prices=TABLE)
    lines = format_estimate(estimate)
    assert lines[0] == "Estimated monthly cost of stack t: $130.00 (lower bound: some resources could not be priced)"
    assert any("Standard_D4s_v5 × 3 nodes, pool system (count): $60.00" in line for line in lines)
    assert any(line.startswith("    - big (containerservice:ManagedCluster): vm-linux: SKU 'Standard_E64s_v5'") for line in lines)
    markdown = estimate_markdown(estimate)
    assert "| **Total** | | | **$130.00** (lower bound) | |" in markdown
    assert "- `big` (`containerservice:ManagedCluster`):" in markdown
    assert all(math.isfinite(r.monthly_usd) for r in estimate.resources)


def test_front_door_pays_its_profiles_base_fee_and_its_children_are_free() -> None:
    profile = resource("azure-native:cdn:Profile", "afd", {"resourceGroupName": RG, "location": "global", "sku": {"name": "Standard_AzureFrontDoor"}})
    route = resource("azure-native:cdn:Route", "route", {"resourceGroupName": RG})
    estimate = estimate_plan(plan(profile, route))
    fee, _ = load_prices().price("front-door", "Standard_AzureFrontDoor", "global")
    assert estimate.per_resource() == {profile["urn"]: fee}
    assert [urn for urn, _ in estimate.free] == [route["urn"]]
