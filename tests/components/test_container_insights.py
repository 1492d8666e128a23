"""Container Insights' data: the streams and settings the rule sends, the region names endpoints are keyed by,
and the argument rules (the resources themselves are tested through Monitoring in test_monitoring.py)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sentimark_platform.components.monitoring._container_insights import (
    DATA_COLLECTION_SETTINGS,
    STREAMS,
    cluster_rules,
    region_of,
)

CLUSTER = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"


def test_the_streams_keep_the_rule_out_of_high_scale_mode_and_cover_the_log_schema_in_use() -> None:
    assert len(set(STREAMS)) == len(STREAMS)
    # High-scale streams make the template add an ingestion endpoint and route the rule through it; none here.
    assert not {"Microsoft-ContainerLogV2-HighScale", "Microsoft-RetinaNetworkFlowLogs"} & set(STREAMS)
    # "When specifying the individual streams, you must include the corresponding table for ContainerLog or
    # ContainerLogV2": with enableContainerLogV2 that is ContainerLogV2.
    assert DATA_COLLECTION_SETTINGS["enableContainerLogV2"] is True and "Microsoft-ContainerLogV2" in STREAMS
    # The views need the inventory and performance tables too.
    assert {"Microsoft-KubePodInventory", "Microsoft-KubeNodeInventory", "Microsoft-Perf", "Microsoft-InsightsMetrics"} <= set(STREAMS)


def test_the_settings_are_ones_the_agent_applies_rather_than_silently_replaces() -> None:
    # Outside 1m-30m the agent falls back to 1m; a namespace list with mode Off would be ignored.
    minutes = int(DATA_COLLECTION_SETTINGS["interval"].removesuffix("m"))
    assert 1 <= minutes <= 30
    assert DATA_COLLECTION_SETTINGS["namespaceFilteringMode"] in ("Off", "Include", "Exclude")
    assert DATA_COLLECTION_SETTINGS["namespaceFilteringMode"] != "Off" or "namespaces" not in DATA_COLLECTION_SETTINGS


@given(st.sampled_from(["westeurope", "northeurope", "swedencentral", "eastus2"]), st.booleans())
def test_display_and_short_region_names_are_the_same_endpoint_region(region: str, display: bool) -> None:
    spelled = region.replace("europe", " Europe").replace("central", " Central").title() if display else region
    assert region_of(spelled) == region
    assert region_of(region_of(spelled)) == region_of(spelled)


def _bad(rules: list[tuple[str, object, bool, str]]) -> list[tuple[str, object]]:
    return [(argument, value) for argument, value, bad, _ in rules if bad]


def test_good_clusters_break_no_rule() -> None:
    clusters = {"weu": {"resource_id": CLUSTER + "-weu", "location": "West Europe", "private": True},
                "neu": {"resource_id": CLUSTER + "-neu", "location": "northeurope"}}
    assert _bad(cluster_rules(clusters, set(), set())) == []  # type: ignore[arg-type]


def test_a_cluster_already_bound_under_another_key_is_refused_whatever_the_case_of_its_id() -> None:
    rules = cluster_rules({"b": {"resource_id": CLUSTER.upper(), "location": "northeurope"}}, {"a"}, {CLUSTER.lower()})
    assert _bad(rules) == [("clusters['b'].resource_id", CLUSTER.upper())]
