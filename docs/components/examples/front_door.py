from sentimark_platform.components import FrontDoor

edge = FrontDoor("edge", {
    "resource_group_name": "rg-payments-prod-weu",
    "origins": {
        "weu": {"host_name": "payments-weu.westeurope.cloudapp.azure.com", "primary": True},
        "neu": {"host_name": "payments-neu.northeurope.cloudapp.azure.com"},
    },
})
