"""A monthly cost budget for one environment, with e-mail and action-group notifications.

Scope, chosen: one budget at subscription scope, filtered to the environment's resource groups (the
`ResourceGroupName` dimension), rather than one budget per resource group. The environment's amount is one
number (the stack's `budget.amountUsdPerMonth`), and a prod stack spans two regional resource groups: one
budget over both keeps one amount and one set of alerts, where per-group budgets would have to split the amount
by a guess. Give a resource group id as `scope_id` (and no `resource_group_names`) for a budget of one group.

Start date: Azure wants the first day of a month, refuses a past start date outside the current month ("Past
start date should be selected within the timegrain period"), and refuses to change it once the budget exists
(Consumption Budgets REST API, `BudgetTimePeriod.startDate`:
https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update#budgettimeperiod; DESIGN.md). So the
date sent is the later of the caller's `start_date` and the first day of the current month (UTC) at the time
of the run, and it is in `ignore_changes`: an existing budget keeps its date and shows no drift. A replacement
would not help: Pulumi sends a replacement the stored values of ignored properties (pulumi/pulumi#2657), the
now-past date Azure refuses. So a new `budget_name` is a new child resource (its logical name carries the Azure
name): Pulumi creates the new budget from fresh inputs, with a date Azure accepts, and deletes the old one. A
changed `scope_id` (another subscription) still replaces in place; a stack never moves its subscription.
The amount is in the billing account's currency (USD for a USD billing account).
"""

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict, cast

import pulumi
from pulumi_azure_native import consumption

from sentimark_platform.components._interfaces import IsoDate
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["DEFAULT_BUDGET_NOTIFICATIONS", "Budget", "BudgetArgs", "BudgetNotificationArgs"]

_COMPONENT = "Budget"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
_EARLIEST_START = dt.date(2017, 6, 1)  # Azure's documented earliest budget start
_MAX_NOTIFICATIONS = 5  # Azure's limit per budget


class BudgetNotificationArgs(TypedDict):
    kind: str
    """One of Actual, Forecasted. Actual: the month's cost so far crossed the threshold. Forecasted: the month is forecast to cross it."""
    threshold_percent: float
    """Percent of the amount, 0.01 to 1000."""


DEFAULT_BUDGET_NOTIFICATIONS: tuple[BudgetNotificationArgs, ...] = (
    {"kind": "Actual", "threshold_percent": 50},
    {"kind": "Actual", "threshold_percent": 80},
    {"kind": "Actual", "threshold_percent": 100},
    {"kind": "Forecasted", "threshold_percent": 100},
    {"kind": "Forecasted", "threshold_percent": 110},
)
"""Actual 50/80/100 % and Forecasted 100/110 %."""


class BudgetArgs(TypedDict):
    scope_id: pulumi.Input[str]
    """The subscription (`/subscriptions/<id>`) whose cost is budgeted, narrowed by `resource_group_names`;
    or one resource group's id."""
    amount_usd_per_month: float
    """The monthly amount, greater than 0 (in the billing currency)."""
    start_date: IsoDate
    """First day of a month as an ISO date (`2026-12-01`; a `datetime.date` in Python): the earliest month the
    budget tracks. The date sent is this one or, if it is earlier, the first day of the month (UTC) of the run
    that creates the budget: Azure refuses a start before the current month, which a replaced budget would
    otherwise re-send. Azure refuses to change the date after creation, so later changes to this argument, and
    the passing months, are ignored (`ignore_changes`): they never show as drift or turn into a failing update."""
    contact_emails: Sequence[str]
    """Who is e-mailed at every threshold; at least one."""
    resource_group_names: NotRequired[Sequence[pulumi.Input[str]]]
    """Only the cost of these resource groups counts; the whole scope's cost unless given."""
    tag_filter: NotRequired[Mapping[str, Sequence[str]]]
    """Only the cost of resources carrying one of these values for each tag counts (e.g.
    `{"environment": ["prod"]}`); no tag filter unless given."""
    action_group_id: NotRequired[pulumi.Input[str]]
    """An action group notified at every threshold too; only e-mails unless given."""
    notifications: NotRequired[Sequence[BudgetNotificationArgs]]
    """At most 5; DEFAULT_BUDGET_NOTIFICATIONS (Actual 50/80/100 %, Forecasted 100/110 %) unless given."""
    budget_name: NotRequired[str]
    """Azure name of the budget (unique in its scope); Pulumi auto-names it unless given. It is part of the child
    resource's logical name: a new name creates a new budget (with a start date Azure accepts) and deletes the old."""


class Budget(pulumi.ComponentResource):
    """A monthly cost budget with Actual and Forecasted notifications."""

    resource_id: pulumi.Output[str]
    """Resource id of the budget."""
    name: pulumi.Output[str]
    """Azure name of the budget."""

    def __init__(self, name: str, args: BudgetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        today = _today()
        check_arguments("Budget", args, BudgetArgs, lambda: _rules(args, today=today))
        start = _effective_start_date(cast("dt.date", _start_date(args["start_date"])), today=today)
        super().__init__("sentimark:index:Budget", name, None, opts)
        emails = list(args["contact_emails"])
        group = args.get("action_group_id")
        notifications = {
            _notification_key(n): consumption.NotificationArgs(
                enabled=True,
                operator="GreaterThan",
                threshold=float(n["threshold_percent"]),
                threshold_type=n["kind"],
                contact_emails=emails,
                contact_groups=[group] if group is not None else None,
            )
            for n in args.get("notifications", DEFAULT_BUDGET_NOTIFICATIONS)
        }
        budget = consumption.Budget(
            f"{name}-budget" if args.get("budget_name") is None else f"{name}-{args['budget_name']}",
            consumption.BudgetArgs(
                scope=args["scope_id"],
                budget_name=args.get("budget_name"),
                amount=float(args["amount_usd_per_month"]),
                category="Cost",
                time_grain="Monthly",
                time_period=consumption.BudgetTimePeriodArgs(start_date=f"{start.isoformat()}T00:00:00Z"),
                filter=_filter(args),
                notifications=notifications,
            ),
            # Sent only on create: an existing budget keeps the date it was created with (Azure refuses a change).
            # A budget created before its logical name carried the Azure name keeps its state (no create-then-
            # delete of the same Azure budget).
            opts=pulumi.ResourceOptions(
                parent=self,
                ignore_changes=["timePeriod.startDate"],
                aliases=[pulumi.Alias(name=f"{name}-budget")] if args.get("budget_name") is not None else None,
            ),
        )
        self.resource_id = budget.id
        self.name = budget.name
        self.register_outputs({"resource_id": self.resource_id, "name": self.name})


def _today() -> dt.date:
    """Today in UTC, the one clock this module reads (tests patch it so that plans stay deterministic)."""
    return dt.datetime.now(dt.UTC).date()


def _effective_start_date(start: dt.date, *, today: dt.date) -> dt.date:
    """The start date a new budget can be created with: `start`, or the first day of `today`'s month if that is
    later (Azure refuses a past start date outside the current month)."""
    return max(start, today.replace(day=1))


def _notification_key(notification: BudgetNotificationArgs) -> str:
    threshold = notification["threshold_percent"]
    shown = f"{threshold:g}".replace(".", "_")
    return f"{notification['kind']}_GreaterThan_{shown}_Percent"


def _filter(args: BudgetArgs) -> consumption.BudgetFilterArgs | None:
    groups = args.get("resource_group_names")
    parts = []
    if groups is not None:
        parts.append(consumption.BudgetFilterPropertiesArgs(
            dimensions=consumption.BudgetComparisonExpressionArgs(name="ResourceGroupName", operator="In", values=list(groups))
        ))
    for tag, values in sorted((args.get("tag_filter") or {}).items()):
        parts.append(consumption.BudgetFilterPropertiesArgs(
            tags=consumption.BudgetComparisonExpressionArgs(name=tag, operator="In", values=list(values))
        ))
    if not parts:
        return None
    if len(parts) == 1:  # Azure wants `and` to have at least two members
        return consumption.BudgetFilterArgs(dimensions=parts[0].dimensions, tags=parts[0].tags)
    return consumption.BudgetFilterArgs(and_=parts)


def _start_date(value: dt.date | str) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _rules(args: BudgetArgs, *, today: dt.date) -> list[Rule]:
    """(argument, value, is it bad?, how to fix), run beside the field checks (components/_validation.py)."""
    amount = args["amount_usd_per_month"]
    raw_start = args["start_date"]
    start = _start_date(raw_start)
    this_month = today.replace(day=1)
    latest_start = this_month.replace(year=this_month.year + 1)
    emails = list(args["contact_emails"])
    groups = args.get("resource_group_names")
    tags = args.get("tag_filter") or {}
    notifications = list(args.get("notifications", DEFAULT_BUDGET_NOTIFICATIONS))
    keys = [_notification_key(n) for n in notifications if n.get("kind") in ("Actual", "Forecasted")]
    return [
        ("amount_usd_per_month", amount, isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0,
         "give a monthly amount greater than 0"),
        ("start_date", raw_start, start is None, "give an ISO date, the first day of a month, e.g. 2026-12-01"),
        ("start_date", raw_start, start is not None and start.day != 1,
         "give the first day of a month, e.g. 2026-12-01 (Azure budgets start on a month boundary)"),
        ("start_date", raw_start, start is not None and start < _EARLIEST_START, "give June 2017 or later (Azure's limit)"),
        ("start_date", raw_start, start is not None and start > latest_start,
         f"give {latest_start.isoformat()} or earlier: Azure refuses a start more than twelve months ahead"),
        ("contact_emails", emails, not emails, "give at least one e-mail address"),
        *[("contact_emails", e, not _EMAIL.match(e), "give an e-mail address such as finance@example.com") for e in emails],
        ("resource_group_names", [], groups is not None and not list(groups),
         "give at least one resource group, or leave the argument out to budget the whole scope"),
        *[(f"tag_filter[{tag!r}]", list(values), not list(values), "give at least one tag value")
          for tag, values in tags.items()],
        ("notifications", len(notifications), not 1 <= len(notifications) <= _MAX_NOTIFICATIONS,
         f"give 1 to {_MAX_NOTIFICATIONS} notifications (Azure's limit)"),
        *[("notifications", n.get("threshold_percent"), not 0.01 <= float(n.get("threshold_percent", 0)) <= 1000,
           "give a threshold from 0.01 to 1000 percent") for n in notifications],
        ("notifications", sorted(k for k in keys if keys.count(k) > 1), len(set(keys)) != len(keys),
         "give each kind and threshold once"),
    ]
