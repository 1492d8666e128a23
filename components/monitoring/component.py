"""Monitoring: the Log Analytics workspace every diagnostic setting points at, the platform's own event tables
(seed 000), workspace-based Application Insights, and, when asked for, managed Prometheus, Azure Managed
Grafana and platform metric alerts.

- Managed Prometheus (`prometheus`): an Azure Monitor workspace, a data collection endpoint and rule (a
  `Microsoft-PrometheusMetrics` stream from the `prometheusForwarder` data source to the workspace), an
  association per AKS cluster, and AKS's recommended recording and alert rule groups per cluster
  (`_prometheus_rules.py`). The clusters must have the metrics add-on on (`azureMonitorProfile.metrics`).
- Grafana (`grafana`): system-assigned identity, API keys and deterministic outbound IPs off, wired to the
  Azure Monitor workspace; Monitoring Data Reader on that workspace and Monitoring Reader on the scope given
  for its identity, Grafana Admin for the group given.
- Container Insights (`add_container_insights`): AksCluster turns the monitoring add-on on with managed-identity
  auth, which collects nothing until a data collection rule is associated with the cluster under the name
  `ContainerInsightsExtension` (`az aks enable-addons` creates it; a deployment of the cluster does not). This
  builds one rule into the workspace, in the workspace's region, that association per cluster, and for each
  private cluster a data collection endpoint in its region (one per region, the Prometheus endpoint reused
  where it is in that region) with the cluster's `configurationAccessEndpoint` association
  (`_container_insights.py` has the sources).
- Alerts: this component does not create the action group it notifies (it takes `action_group_id`, e.g.
  `ActionGroup(...).resource_id`). With it, every resource in `alert_targets` and Application Insights get the
  platform metric alerts of `_metric_alerts.py`, and the Prometheus alert rules notify it too.

Clusters and data services are usually created after this component (they take `workspace_id` for their
diagnostic settings), so their bindings can be added afterwards too: `add_clusters(...)` and
`add_alert_targets(...)` build exactly what `prometheus.clusters` and `alert_targets` build at construction,
with the same checks, as children of this component. `add_container_insights(...)` has no construction-time
counterpart: it needs the clusters.

Diagnostic settings for resources that other components create are those components' `diagnostic_settings`
argument (`components._interfaces.apply_diagnostic_settings`); this component sends its own workspace's audit
logs and Grafana's logs to the workspace (`self_diagnostics`).
"""

from collections.abc import Mapping
from typing import Any, cast

import pulumi
from pulumi_azure_native import applicationinsights, dashboard, monitor, operationalinsights

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_private_endpoints,
    apply_role_assignments,
)
from sentimark_platform.components._validation import check_arguments
from sentimark_platform.components.monitoring import _container_insights as _insights
from sentimark_platform.components.monitoring._metric_alerts import TargetKind, build_metric_alerts
from sentimark_platform.components.monitoring._prometheus_rules import (
    RECOMMENDED_RULE_GROUPS,
    RuleGroup,
    bind_cluster,
    build_collection,
)
from sentimark_platform.components.monitoring._rules import ALERT_KINDS
from sentimark_platform.components.monitoring._rules import check as _check
from sentimark_platform.components.monitoring._rules import cluster_rules as _cluster_rules
from sentimark_platform.components.monitoring._rules import rules as _rules
from sentimark_platform.components.monitoring._rules import target_rules as _target_rules
from sentimark_platform.components.monitoring._slo_rules import Objective, canary_rule_group, slo_rule_groups
from sentimark_platform.components.monitoring.args import (
    PLATFORM_EVENT_TABLES,
    AlertTargetsArgs,
    ContainerInsightsClusterArgs,
    GrafanaArgs,
    MonitoringArgs,
    PrometheusClusterArgs,
    _AddContainerInsightsArgs,
)

__all__ = ["Monitoring"]

class Monitoring(pulumi.ComponentResource):
    """A Log Analytics workspace with the platform's event tables and Application Insights on it; optionally
    managed Prometheus, Grafana and metric alerts."""

    workspace_id: pulumi.Output[str]
    """Resource id of the Log Analytics workspace (for other components' `diagnostic_settings`)."""
    workspace_name: pulumi.Output[str]
    """Azure name of the Log Analytics workspace."""
    application_insights_id: pulumi.Output[str]
    """Resource id of Application Insights."""
    application_insights_connection_string: pulumi.Output[str]
    """Application Insights connection string for the applications' telemetry SDKs (ingestion needs Entra ID
    auth unless `local_auth`)."""
    monitor_workspace_id: pulumi.Output[str] | None
    """The Azure Monitor workspace (Prometheus metrics); None without `prometheus`."""
    data_collection_rule_id: pulumi.Output[str] | None
    """The data collection rule that sends the clusters' Prometheus metrics; None without `prometheus`."""
    container_insights_rule_id: pulumi.Output[str] | None
    """The data collection rule that sends the clusters' Container Insights data to the workspace; None until
    `add_container_insights` is called with a cluster."""
    container_insights_endpoint_ids: dict[str, pulumi.Output[str]]
    """Data collection endpoint ids by region (e.g. northeurope) that private clusters' agents fetch their
    configuration from (for an Azure Monitor Private Link Scope); filled by `add_container_insights`."""
    grafana_id: pulumi.Output[str] | None
    """Resource id of Azure Managed Grafana; None without `grafana`."""
    grafana_endpoint: pulumi.Output[str | None] | None
    """Grafana's https endpoint; None without `grafana`."""
    grafana_principal_id: pulumi.Output[str] | None
    """Object id of Grafana's system-assigned identity; None without `grafana`."""
    metric_alert_ids: dict[str, pulumi.Output[str]]
    """Metric alert ids by `<kind>-<target key>-<signal>` (e.g. `postgres-main-cpu`), including those added by
    `add_alert_targets` (the registered outputs hold the ones known at construction)."""

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        tables = args.get("event_tables", PLATFORM_EVENT_TABLES)
        check_arguments("Monitoring", args, MonitoringArgs, lambda: _rules(args, tables))
        super().__init__("sentimark:index:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = dict(args.get("tags") or {})
        rg, location = args["resource_group_name"], args["location"]
        workspace = operationalinsights.Workspace(
            f"{name}-log",
            operationalinsights.WorkspaceArgs(
                resource_group_name=rg,
                location=location,
                workspace_name=args.get("workspace_name"),
                sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
                retention_in_days=args["retention_days"],
                features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect") or None),
        )
        for table, columns in sorted(tables.items()):
            operationalinsights.Table(
                f"{name}-{table.removesuffix('_CL').lower()}",
                operationalinsights.TableArgs(
                    resource_group_name=rg,
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
            resource_group_name=rg,
            location=location,
            resource_name_=args.get("application_insights_name"),
            kind="web",
            application_type="web",
            ingestion_mode="LogAnalytics",
            workspace_resource_id=workspace.id,
            disable_local_auth=not args.get("local_auth", False),
            tags=tags,
            opts=child,
        )
        self_diagnostics = args.get("self_diagnostics", True)
        if self_diagnostics:
            audit: DiagnosticSettingsArgs = {"workspace_id": workspace.id, "category_groups": ["audit"]}
            apply_diagnostic_settings(f"{name}-log", resource_id=workspace.id, settings=audit, parent=self)
        apply_role_assignments(f"{name}-log", scope_id=workspace.id, assignments=args.get("role_assignments"), parent=self)
        apply_lock(name, scope_id=workspace.id, lock=args.get("lock"), parent=self)
        activity_log = args.get("activity_log_setting_name")
        if activity_log is not None:
            # The subscription's activity log (who changed what, policy, security and health events) in the
            # workspace's AzureActivity table, which has no ingestion charge
            # (learn.microsoft.com/azure/azure-monitor/platform/activity-log#send-to-log-analytics-workspace).
            monitor.SubscriptionDiagnosticSetting(
                f"{name}-activity-log",
                monitor.SubscriptionDiagnosticSettingArgs(
                    name=activity_log,
                    workspace_id=workspace.id,
                    logs=[monitor.SubscriptionLogSettingsArgs(category_group="allLogs", enabled=True)],
                ),
                opts=child,
            )

        self._name, self._rg, self._location, self._tags = name, rg, location, tags
        self._action_group_id = args.get("action_group_id")
        self._cluster_keys: set[str] = set()
        self._alert_keys: set[str] = set()
        self._recommended_rules = True
        self._slo_groups: tuple[RuleGroup, ...] = ()
        self.monitor_workspace_id = self.data_collection_rule_id = self.container_insights_rule_id = None
        self.container_insights_endpoint_ids = {}
        self._insights_keys: set[str] = set()
        self._insights_cluster_ids: set[str] = set()
        self._prometheus_endpoint: tuple[str, pulumi.Output[str]] | None = None
        prometheus = args.get("prometheus")
        if prometheus is not None:
            amw, dcr = build_collection(
                name, resource_group_name=rg, location=location,
                monitor_workspace_name=prometheus.get("monitor_workspace_name"),
                public_network_access=prometheus.get("public_network_access", True), tags=tags, parent=self,
                protect=bool(args.get("protect")),
            )
            self.monitor_workspace_id, self.data_collection_rule_id = amw.id, dcr.id
            apply_lock(f"{name}-amw", scope_id=amw.id, lock=args.get("lock"), parent=self)
            if isinstance(location, str):
                # The Prometheus endpoint is in this region: private clusters here fetch their configuration from it.
                self._prometheus_endpoint = (_insights.region_of(location),
                                             cast("pulumi.Output[str]", dcr.data_collection_endpoint_id))
            self._recommended_rules = prometheus.get("recommended_rules", True)
            self._slo_groups = slo_rule_groups({
                key: Objective(o["namespace"], o["service"], float(o["success_percent"]))
                for key, o in (prometheus.get("service_level_objectives") or {}).items()
            })
            if prometheus.get("canary_alerts", False):
                self._slo_groups = (*self._slo_groups, canary_rule_group())
            self._bind_clusters(prometheus.get("clusters") or {})
        self.grafana_id = self.grafana_endpoint = self.grafana_principal_id = None
        grafana = args.get("grafana")
        if grafana is not None:
            self._grafana(name, args, grafana, tags, workspace.id if self_diagnostics else None)

        self.metric_alert_ids = {}
        self._add_alerts(cast("Mapping[str, Mapping[str, pulumi.Input[str]]]", args.get("alert_targets") or {}))
        if self._action_group_id is not None and args.get("application_insights_alerts", True):
            self._add_alerts({"application_insights": {"appi": insights.id}})

        self.workspace_id = workspace.id
        self.workspace_name = workspace.name
        self.application_insights_id = insights.id
        self.application_insights_connection_string = pulumi.Output.secret(insights.connection_string)
        self.register_outputs(
            {
                "workspace_id": self.workspace_id,
                "workspace_name": self.workspace_name,
                "application_insights_id": self.application_insights_id,
                "monitor_workspace_id": self.monitor_workspace_id,
                "data_collection_rule_id": self.data_collection_rule_id,
                "grafana_id": self.grafana_id,
                "grafana_endpoint": self.grafana_endpoint,
                "grafana_principal_id": self.grafana_principal_id,
                "metric_alert_ids": self.metric_alert_ids,
            }
        )

    def add_clusters(self, clusters: Mapping[str, PrometheusClusterArgs]) -> None:
        """Collect Prometheus metrics from more AKS clusters, by the caller's key: the association and (unless
        `recommended_rules` was False) the rule groups per cluster. Needs `prometheus` at construction."""
        _check([
            ("prometheus", None, self.data_collection_rule_id is None,
             "construct Monitoring with prometheus={...} (it holds the Azure Monitor workspace) to add clusters"),
            *_cluster_rules(clusters, self._cluster_keys, "clusters"),
        ])
        self._bind_clusters(clusters)

    def add_alert_targets(self, targets: AlertTargetsArgs) -> None:
        """Platform metric alerts for more resources (the same kinds as `alert_targets`). Needs `action_group_id`."""
        _check(_target_rules(cast("Mapping[str, Any]", targets), self._alert_keys, self._action_group_id is not None, "targets"))
        self._add_alerts(cast("Mapping[str, Mapping[str, pulumi.Input[str]]]", targets))

    def add_container_insights(self, clusters: Mapping[str, ContainerInsightsClusterArgs]) -> None:
        """Make Container Insights collect from these AKS clusters, by the caller's key (e.g. region code): the
        workspace's Container Insights rule (created on the first call, in the workspace's region), the cluster's
        `ContainerInsightsExtension` association with it, and for a `private` cluster a data collection endpoint
        in its region (one per region across calls; the Prometheus endpoint where it is in that region) with the
        cluster's `configurationAccessEndpoint` association. Call it after the clusters exist (it needs their ids)."""
        check_arguments("Monitoring", {"clusters": clusters}, _AddContainerInsightsArgs,
                        lambda: _insights.cluster_rules(clusters, self._insights_keys, self._insights_cluster_ids))
        if not clusters:
            return
        if self.container_insights_rule_id is None:
            self.container_insights_rule_id = _insights.build_rule(
                self._name, resource_group_name=self._rg, location=self._location, workspace_id=self.workspace_id,
                tags=self._tags, parent=self,
            ).id
        for key, cluster in clusters.items():
            self._insights_keys.add(key)
            if isinstance(cluster["resource_id"], str):
                self._insights_cluster_ids.add(cluster["resource_id"].lower())
            endpoint_id = None
            if cluster.get("private", False):
                region = _insights.region_of(cluster["location"])
                if region not in self.container_insights_endpoint_ids:
                    reused = self._prometheus_endpoint
                    self.container_insights_endpoint_ids[region] = reused[1] if reused and reused[0] == region else (
                        _insights.build_endpoint(self._name, region=region, resource_group_name=self._rg,
                                                 tags=self._tags, parent=self).id)
                endpoint_id = self.container_insights_endpoint_ids[region]
            _insights.associate_cluster(
                self._name, cluster_key=key, cluster_id=cluster["resource_id"],
                data_collection_rule_id=self.container_insights_rule_id, data_collection_endpoint_id=endpoint_id,
                parent=self,
            )

    def _bind_clusters(self, clusters: Mapping[str, PrometheusClusterArgs]) -> None:
        assert self.monitor_workspace_id is not None and self.data_collection_rule_id is not None
        for key, cluster in clusters.items():
            self._cluster_keys.add(key)
            bind_cluster(
                self._name, cluster_key=key, cluster_id=cluster["resource_id"], cluster_name=cluster["name"],
                monitor_workspace_id=self.monitor_workspace_id, data_collection_rule_id=self.data_collection_rule_id,
                resource_group_name=self._rg, location=self._location, action_group_id=self._action_group_id,
                rule_groups=(*(RECOMMENDED_RULE_GROUPS if self._recommended_rules else ()), *self._slo_groups),
                tags=self._tags, parent=self,
            )

    def _add_alerts(self, targets: Mapping[str, Mapping[str, pulumi.Input[str]]]) -> None:
        if self._action_group_id is None:
            return
        for kind in (*ALERT_KINDS, "application_insights"):
            chosen = targets.get(kind) or {}
            self._alert_keys.update(f"{kind}/{key}" for key in chosen)
            alerts = build_metric_alerts(self._name, kind=cast("TargetKind", kind), targets=chosen, resource_group_name=self._rg,
                                         action_group_id=self._action_group_id, tags=self._tags, parent=self)
            self.metric_alert_ids.update({key: alert.id for key, alert in alerts.items()})

    def _grafana(self, name: str, args: MonitoringArgs, grafana: GrafanaArgs, tags: dict[str, str],
                 diagnostics_workspace_id: pulumi.Output[str] | None) -> None:
        rg, location = args["resource_group_name"], args["location"]
        integrations = (
            dashboard.GrafanaIntegrationsArgs(
                azure_monitor_workspace_integrations=[
                    dashboard.AzureMonitorWorkspaceIntegrationArgs(azure_monitor_workspace_resource_id=self.monitor_workspace_id)
                ]
            )
            if self.monitor_workspace_id is not None
            else None
        )
        instance = dashboard.Grafana(
            f"{name}-grafana",
            dashboard.GrafanaArgs(
                resource_group_name=rg,
                location=location,
                workspace_name=grafana["resource_name"],
                sku=dashboard.ResourceSkuArgs(name=grafana.get("sku", "Standard")),
                identity=dashboard.ManagedServiceIdentityArgs(type="SystemAssigned"),
                properties=dashboard.ManagedGrafanaPropertiesArgs(
                    api_key="Disabled",
                    deterministic_outbound_ip="Disabled",
                    public_network_access="Enabled" if grafana.get("public_access", False) else "Disabled",
                    zone_redundancy="Enabled" if grafana.get("zone_redundant", False) else "Disabled",
                    grafana_major_version=grafana.get("major_version", "11"),
                    grafana_integrations=integrations,
                ),
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        principal = cast("pulumi.Output[str]", instance.identity.apply(lambda i: i.principal_id if i else None))

        def reader(role: str) -> RoleAssignmentArgs:
            return {"role": role, "principal_id": principal, "principal_type": "ServicePrincipal",
                    "description": f"Managed Grafana {grafana['resource_name']} reads monitoring data"}

        if self.monitor_workspace_id is not None:
            apply_role_assignments(f"{name}-amw", scope_id=self.monitor_workspace_id,
                                   assignments={"grafana": reader("Monitoring Data Reader")}, parent=self)
        for key, scope in grafana["reader_scopes"].items():
            apply_role_assignments(f"{name}-grafana-read-{key}", scope_id=scope,
                                   assignments={"grafana": reader("Monitoring Reader")}, parent=self)
        assignments: dict[str, RoleAssignmentArgs] = dict(grafana.get("role_assignments") or {})
        admins = grafana.get("admin_group_object_id")
        if admins is not None:
            assignments["grafana-admins"] = {"role": "Grafana Admin", "principal_id": admins, "principal_type": "Group"}
        apply_role_assignments(f"{name}-grafana", scope_id=instance.id, assignments=assignments, parent=self)
        apply_private_endpoints(
            f"{name}-grafana", resource_id=instance.id, endpoints=grafana.get("private_endpoints"), default_group_id="grafana",
            resource_group_name=rg, location=location, tags=tags, parent=self,
        )
        if diagnostics_workspace_id is not None:
            apply_diagnostic_settings(f"{name}-grafana", resource_id=instance.id,
                                      settings={"workspace_id": diagnostics_workspace_id}, parent=self)
        self.grafana_id = instance.id
        self.grafana_endpoint = instance.properties.apply(lambda p: p.endpoint if p else None)
        self.grafana_principal_id = principal
