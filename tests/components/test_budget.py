"""Budget: a monthly cost budget over the environment's resource groups, notifications, a pinned start date that
a new budget moves up to the current month."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentimark_platform.components import InvalidArgumentError
from sentimark_platform.components import budget as budget_module
from sentimark_platform.offline import Plan, run_preview
from sentimark_platform.schemacheck import validate_plan
from tests.programs import preview_program

TODAY = dt.date(2026, 12, 6)

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
ACTION_GROUP = f"{SUB}/resourceGroups/rg-smk-prod-weu/providers/Microsoft.Insights/actionGroups/ag-smk-prod"
DEV: dict[str, Any] = {
    "scope_id": SUB,
    "amount_usd_per_month": 150,
    "start_date": "2026-12-01",
    "contact_emails": ["platform-team@sentimark.example"],
    "resource_group_names": ["rg-smk-dev-weu"],
}
PROD: dict[str, Any] = {
    "scope_id": SUB,
    "amount_usd_per_month": 8000,
    "start_date": "2026-12-01",
    "contact_emails": ["platform-team@sentimark.example", "finance@sentimark.example"],
    "resource_group_names": ["rg-smk-prod-weu", "rg-smk-prod-neu"],
    "tag_filter": {"environment": ["prod"]},
    "action_group_id": ACTION_GROUP,
    "budget_name": "budget-smk-prod",
}
BUDGET = "azure-native:consumption:Budget"


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json, pulumi\n"
        "from sentimark_platform.components.budget import Budget\n"
        f"b = Budget('budget', json.loads({json.dumps(json.dumps(args))}))\n"
        "pulumi.export('id', b.resource_id)\n")


@pytest.fixture(scope="module", autouse=True)
def frozen_today() -> Iterator[None]:
    """Every plan of this module is made on 2026-12-06 (UTC): the start date sent depends on the run's month."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(budget_module, "_today", lambda: TODAY)
        yield


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("prod"), PROD)


def test_development_like_budget_is_monthly_over_the_resource_group_with_five_notifications(dev: Plan) -> None:
    (budget,) = dev.of_type(BUDGET)
    inputs = budget.inputs
    assert inputs["scope"] == SUB
    assert (inputs["amount"], inputs["category"], inputs["timeGrain"]) == (150, "Cost", "Monthly")
    assert inputs["timePeriod"] == {"startDate": "2026-12-01T00:00:00Z"}
    assert inputs["filter"] == {"dimensions": {"name": "ResourceGroupName", "operator": "In", "values": ["rg-smk-dev-weu"]}}
    notes = inputs["notifications"]
    assert sorted((n["thresholdType"], n["threshold"]) for n in notes.values()) == [
        ("Actual", 50), ("Actual", 80), ("Actual", 100), ("Forecasted", 100), ("Forecasted", 110)
    ]
    assert set(notes) == {
        "Actual_GreaterThan_50_Percent", "Actual_GreaterThan_80_Percent", "Actual_GreaterThan_100_Percent",
        "Forecasted_GreaterThan_100_Percent", "Forecasted_GreaterThan_110_Percent",
    }
    for note in notes.values():
        assert note["enabled"] is True and note["operator"] == "GreaterThan"
        assert note["contactEmails"] == ["platform-team@sentimark.example"]
        assert "contactGroups" not in note


def test_the_start_date_is_pinned_and_its_changes_ignored(dev: Plan) -> None:
    (budget,) = dev.of_type(BUDGET)
    assert budget.ignore_changes == ("timePeriod.startDate",)
    assert budget.parent is not None and budget.parent.endswith("sentimark:index:Budget::budget")


def test_a_past_start_date_becomes_the_first_of_the_current_month(tmp_path: Path) -> None:
    # A replaced budget (new name or scope) re-sends the stack's old date; Azure refuses a start before this month.
    plan = _preview(tmp_path, {**DEV, "start_date": "2025-06-01"})
    (budget,) = plan.of_type(BUDGET)
    assert budget.inputs["timePeriod"] == {"startDate": "2026-12-01T00:00:00Z"}
    assert budget.ignore_changes == ("timePeriod.startDate",)  # later months never show as drift


def test_a_start_date_in_the_current_or_a_later_month_is_kept(tmp_path: Path) -> None:
    plan = _preview(tmp_path, {**DEV, "start_date": "2027-03-01"})
    (budget,) = plan.of_type(BUDGET)
    assert budget.inputs["timePeriod"] == {"startDate": "2027-03-01T00:00:00Z"}


def test_the_run_month_is_read_from_the_clock_in_utc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first run of a new month moves a new budget's start with it; nothing else reads the clock.
    monkeypatch.setattr(budget_module, "_today", lambda: dt.date(2027, 2, 28))
    (budget,) = _preview(tmp_path, DEV).of_type(BUDGET)
    assert budget.inputs["timePeriod"] == {"startDate": "2027-02-01T00:00:00Z"}


@given(start=st.dates(dt.date(2017, 6, 1), dt.date(2040, 12, 1)).map(lambda d: d.replace(day=1)),
       today=st.dates(dt.date(2017, 6, 1), dt.date(2040, 12, 31)))
def test_the_start_sent_is_a_first_of_month_azure_accepts_and_never_earlier_than_asked(
    start: dt.date, today: dt.date
) -> None:
    sent = budget_module._effective_start_date(start, today=today)
    assert sent.day == 1
    assert sent >= today.replace(day=1)  # not before the current month (Azure's rule)
    assert sent >= start and (sent == start or start < today.replace(day=1))


def test_production_like_budget_spans_both_regions_filters_the_tag_and_notifies_the_action_group(prod: Plan) -> None:
    (budget,) = prod.of_type(BUDGET)
    inputs = budget.inputs
    assert inputs["budgetName"] == "budget-smk-prod"
    assert inputs["amount"] == 8000
    assert inputs["filter"] == {
        "and": [
            {"dimensions": {"name": "ResourceGroupName", "operator": "In", "values": ["rg-smk-prod-weu", "rg-smk-prod-neu"]}},
            {"tags": {"name": "environment", "operator": "In", "values": ["prod"]}},
        ]
    }
    for note in inputs["notifications"].values():
        assert note["contactGroups"] == [ACTION_GROUP]
        assert note["contactEmails"] == ["platform-team@sentimark.example", "finance@sentimark.example"]
    assert prod.outputs["id"].endswith("/budget-smk-prod")


@pytest.mark.parametrize("plan_name", ["dev", "prod"])
def test_budgets_pass_the_arm_schema(plan_name: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    report = validate_plan(plan.to_json())
    assert (report.checked, report.problems) == (1, [])


def test_custom_notifications_and_a_whole_scope_budget(tmp_path: Path) -> None:
    args = {k: v for k, v in DEV.items() if k != "resource_group_names"}
    plan = _preview(tmp_path, {**args, "notifications": [{"kind": "Actual", "threshold_percent": 90.5}]})
    (budget,) = plan.of_type(BUDGET)
    assert "filter" not in budget.inputs
    assert list(budget.inputs["notifications"]) == ["Actual_GreaterThan_90_5_Percent"]
    assert budget.inputs["notifications"]["Actual_GreaterThan_90_5_Percent"]["threshold"] == 90.5


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount_usd_per_month": 0}, "Budget: argument 'amount_usd_per_month' got 0; give a monthly amount greater than 0"),
        ({"amount_usd_per_month": -150}, "Budget: argument 'amount_usd_per_month' got -150; give a monthly amount greater than 0"),
        ({"start_date": "2026-12-15"},
         "Budget: argument 'start_date' got '2026-12-15'; give the first day of a month, e.g. 2026-12-01 (Azure budgets start on a month boundary)"),
        ({"start_date": "December 2026"},
         "Budget: argument 'start_date' got 'December 2026'; give an ISO date, the first day of a month, e.g. 2026-12-01"),
        ({"start_date": "2017-01-01"}, "Budget: argument 'start_date' got '2017-01-01'; give June 2017 or later (Azure's limit)"),
        ({"start_date": "2028-01-01"},
         "Budget: argument 'start_date' got '2028-01-01'; give 2027-12-01 or earlier: Azure refuses a start more than "
         "twelve months ahead"),
        ({"contact_emails": []}, "Budget: argument 'contact_emails' got []; give at least one e-mail address"),
        ({"contact_emails": ["finance"]}, "Budget: argument 'contact_emails' got 'finance'; give an e-mail address such as finance@example.com"),
        ({"resource_group_names": []},
         "Budget: argument 'resource_group_names' got []; give at least one resource group, or leave the argument out to budget the whole scope"),
        ({"tag_filter": {"environment": []}}, "Budget: argument \"tag_filter['environment']\" got []; give at least one tag value"),
        ({"notifications": [{"kind": "Actual", "threshold_percent": p} for p in (10, 20, 30, 40, 50, 60)]},
         "Budget: argument 'notifications' got 6; give 1 to 5 notifications (Azure's limit)"),
        ({"notifications": [{"kind": "Actual", "threshold_percent": 0}]},
         "Budget: argument 'notifications' got 0; give a threshold from 0.01 to 1000 percent"),
        ({"notifications": [{"kind": "Expected", "threshold_percent": 50}]},
         "Budget: argument 'notifications[0].kind' got 'Expected'; use one of Actual, Forecasted"),
        ({"notifications": [{"kind": "Actual", "threshold_percent": 50}, {"kind": "Actual", "threshold_percent": 50}]},
         "Budget: argument 'notifications' got ['Actual_GreaterThan_50_Percent', 'Actual_GreaterThan_50_Percent']; give each kind and threshold once"),
    ],
)
def test_bad_budget_arguments_are_refused_before_anything_is_registered(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _preview(tmp_path, {**DEV, **change})
    assert str(caught.value) == message
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]


def test_a_date_object_is_accepted_as_the_start(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import datetime\nfrom sentimark_platform.components.budget import Budget\n"
        f"Budget('b', {{**{DEV!r}, 'start_date': datetime.date(2027, 1, 1)}})\n"
    )
    (budget,) = run_preview(tmp_path, "dev").of_type(BUDGET)
    assert budget.inputs["timePeriod"]["startDate"] == "2027-01-01T00:00:00Z"
