from sentimark_platform.components import EventHubs

events = EventHubs("events", {
    "resource_group_name": "rg-payments-dev-weu",
    "sku": "Standard",
    "event_hubs": {"payments": {"partition_count": 4, "consumer_groups": ["ledger"]}},
    "public_ip_rules": ["203.0.113.0/24"],
    "role_assignments": {
        "ledger": {"role": "Azure Event Hubs Data Receiver", "principal_id": "55555555-5555-5555-5555-555555555555",
                   "principal_type": "ServicePrincipal"},
    },
})
