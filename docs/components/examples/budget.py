import datetime

from sentimark_platform.components import Budget

budget = Budget("budget", {
    "scope_id": "/subscriptions/00000000-0000-0000-0000-000000000000",
    "amount_usd_per_month": 400,
    "start_date": datetime.date(2026, 12, 1),
    "contact_emails": ["payments-finops@example.com"],
    "resource_group_names": ["rg-payments-dev-weu"],
})
