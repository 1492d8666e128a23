from sentimark_platform.components import FrontDoor

edge = FrontDoor("edge", {
    "resource_group_name": "rg-payments-prod-weu",
    "origins": {
        "weu": {"host_name": "payments-weu.westeurope.cloudapp.azure.com", "primary": True},
        "neu": {"host_name": "payments-neu.northeurope.cloudapp.azure.com"},
    },
    # A WAF needs Premium: Microsoft default and bot manager rule sets in Prevention mode, a per-client rate limit
    # and block lists, attached to the endpoint (and the custom domain, when one is given).
    "sku": "Premium_AzureFrontDoor",
    "waf": {
        "rate_limit_per_minute": 1000,
        "blocked_ip_ranges": ["203.0.113.0/24"],
        "blocked_countries": ["KP"],
    },
})
