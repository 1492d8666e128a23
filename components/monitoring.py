"""Monitoring, first part: the Log Analytics workspace every diagnostic setting points at, the platform's
own event tables (seed 000), and workspace-based Application Insights.

Managed Prometheus, Grafana and metric alerts are not here yet (issue 5); they will join this component
and take the same workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import applicationinsights, operationalinsights

from components._interfaces import LockArgs, apply_lock
from components.errors import InvalidArgumentError

__all__ = ["PLATFORM_EVENT_TABLES", "Monitoring", "MonitoringArgs"]

# The platform's own events (seed 000): custom tables, name -> columns (besides TimeGenerated).
PLATFORM_EVENT_TABLES: dict[str, dict[str, str]] = {
    "FeatureFlagChanges_CL": {"Flag": "string", "OldValue": "string", "NewValue": "string", "ChangedBy": "string", "Environment": "string"},
    "DataMigrations_CL": {"Migration": "string", "Database": "string", "Status": "string", "DurationSeconds": "real"},
    "IcebergOperations_CL": {"TableName": "string", "Operation": "string", "SnapshotId": "string", "RowsAffected": "long"},
    "Rollbacks_CL": {"Service": "string", "FromVersion": "string", "ToVersion": "string", "Reason": "string", "ErrorBudgetPercent": "real"},
}


class MonitoringArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the workspace and Application Insights."""
    location: pulumi.Input[str]
    """Region of the workspace (the stack's primary region)."""
    retention_days: int
    """Log retention in the workspace, 30 to 730 days."""
    workspace_name: NotRequired[str]
    """Azure name of the workspace; Pulumi auto-names it unless given."""
    application_insights_name: NotRequired[str]
    """Azure name of Application Insights; Pulumi auto-names it unless given."""
    event_tables: NotRequired[Mapping[str, Mapping[str, str]]]
    """Custom tables (name ending in _CL -> column name -> type); PLATFORM_EVENT_TABLES unless given."""
    local_auth: NotRequired[bool]
    """Allow instrumentation-key ingestion into Application Insights; off unless given (Entra only)."""
    lock: NotRequired[LockArgs | None]
    """A lock on the workspace; none unless given."""
    tags: NotRequired[Mapping[str, str]]


_COLUMN_TYPES = ("string", "int", "long", "real", "boolean", "dateTime", "guid", "dynamic")


class Monitoring(pulumi.ComponentResource):
    """A Log Analytics workspace with the platform's event tables, and Application Insights on it."""

    workspace_id: pulumi.Output[str]
    workspace_name: pulumi.Output[str]
    application_insights_id: pulumi.Output[str]
    application_insights_connection_string: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        tables = args.get("event_tables", PLATFORM_EVENT_TABLES)
        _validate(args, tables)
        super().__init__("sentimark:index:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.get("tags") or {})
        workspace = operationalinsights.Workspace(
            f"{name}-log",
            operationalinsights.WorkspaceArgs(
                resource_group_name=args["resource_group_name"],
                location=args["location"],
                workspace_name=args.get("workspace_name"),
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=args["retention_days"],
                features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
                tags=tags,
            ),
            opts=child,
        )
        for table, columns in sorted(tables.items()):
            operationalinsights.Table(
                f"{name}-{table.removesuffix('_CL').lower()}",
                operationalinsights.TableArgs(
                    resource_group_name=args["resource_group_name"],
                    workspace_name=workspace.name,
                    table_name=table,
                    plan="Analytics",
                    retention_in_days=args["retention_days"],
                    schema=operationalinsights.SchemaArgs(
                        name=table,
                        columns=[operationalinsights.ColumnArgs(name="TimeGenerated", type="dateTime")]
                        + [operationalinsights.ColumnArgs(name=c, type=t) for c, t in columns.items()],
                    ),
                ),
                opts=child,
            )
        # Keyword form on purpose: ComponentArgs' `resource_name` collides with the SDK's own positional
        # `resource_name` in `_internal_init` ("got multiple values"); `resource_name_` is the escape hatch.
        insights = applicationinsights.Component(
            f"{name}-appi",
            resource_group_name=args["resource_group_name"],
            location=args["location"],
            resource_name_=args.get("application_insights_name"),
            kind="web",
            application_type="web",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=workspace.id,
            disable_local_auth=not args.get("local_auth", False),
            tags=tags,
            opts=child,
        )
        apply_lock(name, scope_id=workspace.id, lock=args.get("lock"), parent=self)
        self.workspace_id = workspace.id
        self.workspace_name = workspace.name
        self.application_insights_id = insights.id
        self.application_insights_connection_string = pulumi.Output.secret(insights.connection_string)
        self.register_outputs(
            {
                "workspace_id": self.workspace_id,
                "workspace_name": self.workspace_name,
                "application_insights_id": self.application_insights_id,
            }
        )


def _validate(args: MonitoringArgs, tables: Mapping[str, Mapping[str, str]]) -> None:
    retention = args["retention_days"]
    if not 30 <= retention <= 730:
        raise InvalidArgumentError("Monitoring", "retention_days", retention, "use 30 to 730 days (Log Analytics' range)")
    for table, columns in tables.items():
        if not table.endswith("_CL"):
            raise InvalidArgumentError("Monitoring", "event_tables", table, "custom table names must end in _CL")
        bad: Sequence[str] = [f"{c}: {t}" for c, t in columns.items() if t not in _COLUMN_TYPES]
        if bad:
            raise InvalidArgumentError(
                "Monitoring", f"event_tables[{table!r}]", bad, f"use column types from {', '.join(_COLUMN_TYPES)}"
            )
