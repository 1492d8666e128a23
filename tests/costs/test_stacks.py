"""The real stacks' estimates: finite, and growing from dev to prod."""

from __future__ import annotations

import math

import pytest

from sentimark_platform.costs import compare_with_budget, estimate_plan
from tests.conftest import STACKS, plan_of


@pytest.mark.parametrize("stack", STACKS)
def test_each_stacks_estimate_is_finite_and_prices_its_clusters_and_data_services(stack: str) -> None:
    estimate = estimate_plan(plan_of(stack).to_json())
    assert estimate.stack == stack
    assert math.isfinite(estimate.total_usd) and estimate.total_usd > 0
    priced = {r.type for r in estimate.resources}
    assert {
        "azure-native:containerservice:ManagedCluster",
        "azure-native:dbforpostgresql:Server",
        "azure-native:redisenterprise:RedisEnterprise",
        "azure-native:eventhub:Namespace",
        "azure-native:operationalinsights:Workspace",
    } <= priced, [u.reason for u in estimate.unpriced]
    assert all(isinstance(w, str) for w in compare_with_budget(estimate, 1000))


def test_estimates_grow_from_dev_to_prod() -> None:
    totals = [estimate_plan(plan_of(stack).to_json()).total_usd for stack in STACKS]
    assert totals == sorted(totals) and len(set(totals)) == len(totals), dict(zip(STACKS, totals, strict=True))
