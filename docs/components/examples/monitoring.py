from sentimark_platform.components import Monitoring

monitoring = Monitoring("monitoring", {
    "resource_group_name": "rg-payments-dev-weu",
    "location": "westeurope",
    "retention_days": 30,
})
# monitoring.workspace_id goes into other components' diagnostic_settings={"workspace_id": ...}.
