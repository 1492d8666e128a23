"""The Kubernetes version support table: past end of life and unknown versions refused, with dates and the fix."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentimark_platform.components import _kubernetes_versions as versions

TODAY = dt.date(2026, 12, 6)
TABLE = Path(versions.__file__).with_name("kubernetes_versions.json")


def test_a_version_past_its_upstream_end_of_life_is_refused_with_the_date_and_the_supported_ones() -> None:
    assert versions.support_problem("1.33", today=TODAY) == (
        "Kubernetes 1.33 reached end of life on 2026-06-28 (upstream 2026-06-28; AKS 2026-07-31): AKS no longer "
        "supports it and creates no new clusters on it; supported on 2026-12-06: 1.35 (until 2027-02-28), "
        "1.36 (until 2027-06-28); use one of them, e.g. '1.36' (the newest)"
    )


def test_between_the_upstream_and_the_aks_end_of_life_the_upstream_one_counts() -> None:
    problem = versions.support_problem("1.33", today=dt.date(2026, 7, 1))
    assert problem is not None
    assert problem.startswith("Kubernetes 1.33 reached end of life on 2026-06-28 (upstream 2026-06-28; AKS "
                              "2026-07-31): upstream ships no more fixes for it; supported on 2026-07-01: 1.34")
    assert versions.support_problem("1.33", today=dt.date(2026, 6, 27)) is None  # the last day before it


def test_an_unknown_version_is_refused_and_pointed_at_the_table() -> None:
    assert versions.support_problem("1.29", today=TODAY) == (
        "Kubernetes version '1.29' is not in the support table (components/kubernetes_versions.json, as of "
        "2026-12-06); supported on 2026-12-06: 1.35 (until 2027-02-28), 1.36 (until 2027-06-28); use one of them, "
        "e.g. '1.36' (the newest)"
    )
    not_a_version = versions.support_problem("latest", today=TODAY)
    assert not_a_version is not None
    assert not_a_version.startswith("Kubernetes version 'latest' is not a version such as '1.36'; supported on 2026-12-06")


def test_a_minor_only_planned_for_aks_is_not_offered_until_its_ga_is_recorded() -> None:
    problem = versions.support_problem("1.37", today=TODAY)
    assert problem is not None and problem.startswith(
        "Kubernetes 1.37 is not confirmed generally available on AKS (components/kubernetes_versions.json as of "
        "2026-12-06; the AKS calendar plans it by 2026-10-31); once the AKS release notes announce it")
    assert "1.37" not in versions.supported_versions(TODAY)


def test_a_version_before_its_aks_ga_is_refused() -> None:
    assert versions.support_problem("1.36", today=dt.date(2026, 6, 1)) == (
        "Kubernetes 1.36 is not generally available on AKS before 2026-06-19; supported on 2026-06-01: "
        "1.33 (until 2026-06-28), 1.34 (until 2026-10-27), 1.35 (until 2027-02-28); use one of them, e.g. '1.35' "
        "(the newest)"
    )


@pytest.mark.parametrize("version", ["1.36", "1.36.2", "v1.35", "1.35"])
def test_supported_versions_and_their_patches_pass(version: str) -> None:
    assert versions.support_problem(version, today=TODAY) is None


def test_on_the_table_date_the_stacks_can_choose_1_35_or_1_36() -> None:
    assert versions.supported_versions(TODAY) == ("1.35", "1.36")
    assert versions.end_of_life("1.36") == dt.date(2027, 6, 28)
    assert versions.end_of_life("1.28") is None


def test_a_version_ending_within_90_days_gets_a_warning_naming_the_newer_one() -> None:
    assert versions.expiring_soon("1.35", today=TODAY) == (
        "Kubernetes 1.35 reaches end of life on 2027-02-28, in 84 days (upstream 2027-02-28; AKS 2027-03-31); "
        "plan the upgrade to 1.36"
    )
    assert versions.expiring_soon("1.35", today=TODAY, days=30) is None
    assert versions.expiring_soon("1.36", today=TODAY) is None
    assert versions.expiring_soon("1.33", today=TODAY) is None  # refused, not warned about


def test_the_table_names_its_sources_and_date_and_marks_estimates_only_on_known_fields() -> None:
    raw = json.loads(TABLE.read_text())
    assert raw["as_of"] == "2026-12-06"
    urls = [source["url"] for source in raw["sources"]]
    assert any("kubernetes.io/releases" in url for url in urls)
    assert any("learn.microsoft.com/azure/aks/supported-kubernetes-versions" in url for url in urls)
    assert any("github.com/Azure/AKS" in url for url in urls)
    assert sorted(raw["versions"], key=lambda v: tuple(map(int, v.split(".")))) == [f"1.{n}" for n in range(30, 38)]
    dated = {"upstream_release", "upstream_end_of_life", "aks_ga", "aks_end_of_life"}
    for minor, entry in raw["versions"].items():
        assert set(entry["estimated"]) <= dated, minor
        assert entry["upstream_release"] < entry["upstream_end_of_life"], minor
        assert entry["aks_ga"] < entry["aks_end_of_life"], minor


def test_the_table_is_read_once() -> None:
    assert versions.support_table() is versions.support_table()


@given(st.dates(dt.date(2023, 1, 1), dt.date(2029, 12, 31)))
def test_every_version_reported_supported_ends_after_that_day(today: dt.date) -> None:
    supported = versions.supported_versions(today)
    for minor in supported:
        entry = versions.support_table().versions[minor]
        eol = versions.end_of_life(minor)
        assert eol is not None and eol > today
        assert eol <= entry.upstream_end_of_life and eol <= (entry.aks_end_of_life or eol)
        assert entry.aks_ga is not None and entry.aks_ga <= today
        assert versions.support_problem(minor, today=today) is None
    for minor in versions.support_table().versions:
        if minor not in supported:
            assert versions.support_problem(minor, today=today) is not None
