from sentimark_platform.components import ActionGroup

alerts = ActionGroup("alerts", {
    "resource_group_name": "rg-payments-dev-weu",
    "short_name": "payments",
    "emails": ["payments-oncall@example.com"],
    "tags": {"team": "payments"},
})
