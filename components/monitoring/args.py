"""Monitoring's arguments: the workspace, managed Prometheus and its clusters, Grafana, alert targets and the
platform's event tables, with their defaults. The component (component.py) and its rules and builders (the
private modules beside it) read these; none of them imports another's caller."""

from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi

from sentimark_platform.components._interfaces import LockArgs, PrivateEndpointArgs, RoleAssignmentArgs

__all__ = ["PLATFORM_EVENT_TABLES", "AlertTargetsArgs", "ContainerInsightsClusterArgs", "GrafanaArgs", "ManagedPrometheusArgs", "MonitoringArgs", "PrometheusClusterArgs", "ServiceLevelObjectiveArgs"]

# The platform's own events (seed 000): custom tables, name -> columns (besides TimeGenerated).
PLATFORM_EVENT_TABLES: dict[str, dict[str, str]] = {
    "FeatureFlagChanges_CL": {"Flag": "string", "OldValue": "string", "NewValue": "string", "ChangedBy": "string", "Environment": "string"},
    "DataMigrations_CL": {"Migration": "string", "Database": "string", "Status": "string", "DurationSeconds": "real"},
    "IcebergOperations_CL": {"TableName": "string", "Operation": "string", "SnapshotId": "string", "RowsAffected": "long"},
    "Rollbacks_CL": {"Service": "string", "FromVersion": "string", "ToVersion": "string", "Reason": "string", "ErrorBudgetPercent": "real"},
}


class PrometheusClusterArgs(TypedDict):
    resource_id: pulumi.Input[str]
    """The AKS cluster's resource id: the data collection rule association's scope and a rule group scope."""
    name: pulumi.Input[str]
    """The cluster's Azure name: rule groups filter on it (`clusterName`) and carry it in their names."""


class ContainerInsightsClusterArgs(TypedDict):
    resource_id: pulumi.Input[str]
    """The AKS cluster's resource id: the scope of its associations. Its monitoring add-on must send to this
    component's workspace with managed-identity auth (AksCluster does, given `log_analytics_workspace_id`)."""
    location: str
    """The cluster's region, e.g. northeurope (a plain string: it decides which data collection endpoints exist)."""
    private: NotRequired[bool]
    """The cluster is private: its Azure Monitor agents fetch their configuration from a data collection endpoint
    in its region (association `configurationAccessEndpoint`), which an Azure Monitor Private Link Scope needs.
    Off unless True: the agents use Azure Monitor's public regional endpoints."""


class _AddContainerInsightsArgs(TypedDict):
    clusters: Mapping[str, ContainerInsightsClusterArgs]


class ServiceLevelObjectiveArgs(TypedDict):
    namespace: str
    """Kubernetes namespace of the service."""
    service: str
    """Kubernetes Service name (Istio's `destination_service_name`)."""
    success_percent: float
    """Share of requests that must not fail with a 5xx, e.g. 99.9; the error budget is the rest."""


class ManagedPrometheusArgs(TypedDict):
    clusters: NotRequired[Mapping[str, PrometheusClusterArgs]]
    """AKS clusters whose metrics go to the Azure Monitor workspace, by the caller's key (e.g. region code); none
    unless given (add them later with `Monitoring.add_clusters`)."""
    monitor_workspace_name: NotRequired[str]
    """Azure name of the Azure Monitor workspace (4-44 letters, digits, hyphens); Pulumi auto-names it unless given."""
    recommended_rules: NotRequired[bool]
    """AKS's recommended recording and alert rule groups for each cluster; on unless False."""
    public_network_access: NotRequired[bool]
    """Public ingestion and query endpoints of the Azure Monitor workspace and the collection endpoint (Entra
    authenticated; there are no keys). On unless False: off needs Azure Monitor Private Link Scopes, not built here."""
    service_level_objectives: NotRequired[Mapping[str, ServiceLevelObjectiveArgs]]
    """Error-budget burn-rate alerts (fast: 14.4x over 1 h and 5 min; slow: 6x over 6 h and 30 min) for these
    services, by the caller's key, on every cluster, from the sidecars' request metrics (ServiceMesh
    `managed_prometheus` collects them); none unless given."""
    canary_alerts: NotRequired[bool]
    """On every cluster, alerts when a canary pauses in the error budget's critical band (severity 2) and when a
    rollout is aborted (severity 1), from the Argo Rollouts controller's metrics (ServiceMesh `managed_prometheus`
    collects them); off unless True."""


class GrafanaArgs(TypedDict):
    resource_name: str
    """Azure name, 2-23 letters, digits and hyphens (a Pulumi auto-name with its random suffix would not fit)."""
    reader_scopes: Mapping[str, pulumi.Input[str]]
    """Resource group or subscription ids, by the caller's key (e.g. region code), where Grafana's identity gets
    Monitoring Reader (its Azure Monitor data source: platform metrics and logs). Resource groups keep it least
    privilege when environments share a subscription."""
    admin_group_object_id: NotRequired[pulumi.Input[str]]
    """Entra group that gets Grafana Admin on the instance; nobody unless given (add users by `role_assignments`)."""
    public_access: NotRequired[bool]
    """Reachable from the internet (Entra sign-in still required); off unless True: use `private_endpoints`."""
    sku: NotRequired[str]
    """One of Standard, Essential; Standard unless given (Essential has no zone redundancy, private endpoints or SLA)."""
    major_version: NotRequired[str]
    """Grafana major version; "11" unless given."""
    zone_redundant: NotRequired[bool]
    """Spread over availability zones (Standard only); off unless given."""
    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints (group id `grafana`, zone privatelink.grafana.azure.com); none unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """More role assignments on the Grafana instance (e.g. Grafana Viewer for a team); none unless given."""


class AlertTargetsArgs(TypedDict):
    aks: NotRequired[Mapping[str, pulumi.Input[str]]]
    """AKS cluster ids by the caller's key: node CPU, node memory, failed pods."""
    postgres: NotRequired[Mapping[str, pulumi.Input[str]]]
    """PostgreSQL flexible server ids: CPU, storage, failed connections."""
    redis: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Azure Managed Redis cluster ids: server load, memory."""
    event_hubs: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Event Hubs namespace ids: throttled requests, server errors."""


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
    prometheus: NotRequired[ManagedPrometheusArgs]
    """Managed Prometheus for the clusters given; none unless given."""
    grafana: NotRequired[GrafanaArgs]
    """Azure Managed Grafana (wired to the Azure Monitor workspace when `prometheus` is given); none unless given."""
    action_group_id: NotRequired[pulumi.Input[str]]
    """The action group every alert notifies. Without it: no metric alerts, and Prometheus alerts notify nobody."""
    alert_targets: NotRequired[AlertTargetsArgs]
    """Resources that get platform metric alerts (needs `action_group_id`); none unless given (add them later
    with `Monitoring.add_alert_targets`)."""
    application_insights_alerts: NotRequired[bool]
    """Availability and failed-request alerts on Application Insights; on when `action_group_id` is given."""
    activity_log_setting_name: NotRequired[str]
    """Export the subscription's activity log (every category) to the workspace, under this diagnostic setting name
    (unique in the subscription: a subscription takes at most 5, so name it after the stack); not exported unless
    given."""
    self_diagnostics: NotRequired[bool]
    """Send the workspace's audit logs (who queried what) and Grafana's logs to the workspace; on unless False."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Role assignments on the workspace (e.g. Log Analytics Reader for a team); none unless given."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the Log Analytics workspace (its logs are the audit trail) and the Azure Monitor
    workspace (the metrics history); off unless given."""
    lock: NotRequired[LockArgs | None]
    """A lock on the Log Analytics workspace and the Azure Monitor workspace; none unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the workspace, Application Insights and the monitoring resources; the stack's FinOps tags."""
