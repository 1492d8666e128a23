"""Platform metric alerts: which Azure Monitor metric, on which kind of resource, at which threshold and severity.

Metric names are the REST API names of Azure Monitor's platform metrics; thresholds, windows and severities
follow Azure Monitor Baseline Alerts (github.com/Azure/azure-monitor-baseline-alerts, `services/*/alerts.yaml`)
and AKS's recommended platform metric alerts (learn.microsoft.com/azure/azure-monitor/containers/
kubernetes-metric-alerts), except where a comment says otherwise:

- AKS pod restarts: AKS has no platform metric that counts restarts (Container insights' custom metric
  `restartingContainerCount` was retired on 31 May 2024). The platform alert here is pods in the Failed phase
  (`kube_pod_status_phase`, phase Failed, as Baseline Alerts has it); restarts and crash loops are the managed
  Prometheus rules KubePodContainerRestart and KubePodCrashLooping (see `_prometheus_rules.py`).
- Azure Managed Redis (Microsoft.Cache/redisEnterprise) uses the same names as classic Redis for these two,
  `serverLoad` and `usedmemorypercentage`; the thresholds are Baseline Alerts' classic Redis ones.
- Event Hubs: Baseline Alerts uses dynamic thresholds; here any throttled request or server error in 15 minutes
  alerts (a static threshold is predictable and testable; both metrics should be zero in a healthy namespace).
- Application Insights: availability only has data once availability tests exist; failed requests count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pulumi
from pulumi_azure_native import monitor

__all__ = ["METRIC_ALERTS", "MetricAlertSpec", "TargetKind", "build_metric_alerts"]

TargetKind = Literal["aks", "postgres", "redis", "event_hubs", "application_insights"]


@dataclass(frozen=True)
class MetricAlertSpec:
    key: str
    """Stable key: part of the Pulumi name (`<name>-ma-<kind>-<target key>-<key>`)."""
    metric_namespace: str
    metric_name: str
    operator: Literal["GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"]
    threshold: float
    time_aggregation: Literal["Average", "Count", "Maximum", "Minimum", "Total"]
    severity: int
    window_size: str
    evaluation_frequency: str
    description: str
    dimensions: tuple[tuple[str, tuple[str, ...]], ...] = ()


_AKS = "Microsoft.ContainerService/managedClusters"
_PSQL = "Microsoft.DBforPostgreSQL/flexibleServers"
_AMR = "Microsoft.Cache/redisEnterprise"
_EVH = "Microsoft.EventHub/namespaces"
_APPI = "microsoft.insights/components"

METRIC_ALERTS: dict[TargetKind, tuple[MetricAlertSpec, ...]] = {
    "aks": (
        MetricAlertSpec("node-cpu", _AKS, "node_cpu_usage_percentage", "GreaterThan", 95, "Average", 3, "PT5M", "PT5M",
                        "Node CPU usage above 95 % for 5 minutes."),
        MetricAlertSpec("node-memory", _AKS, "node_memory_working_set_percentage", "GreaterThan", 100, "Average", 3,
                        "PT5M", "PT5M", "Node memory working set above 100 % for 5 minutes (pods are being evicted)."),
        MetricAlertSpec("pods-failed", _AKS, "kube_pod_status_phase", "GreaterThan", 0, "Average", 3, "PT5M", "PT1M",
                        "Pods in the Failed phase for 5 minutes.", (("phase", ("Failed",)),)),
    ),
    "postgres": (
        MetricAlertSpec("cpu", _PSQL, "cpu_percent", "GreaterThan", 90, "Average", 2, "PT5M", "PT1M",
                        "PostgreSQL CPU above 90 % for 5 minutes."),
        MetricAlertSpec("storage", _PSQL, "storage_percent", "GreaterThan", 90, "Average", 2, "PT5M", "PT1M",
                        "PostgreSQL storage above 90 % (storage auto-grow or a bigger size is due)."),
        MetricAlertSpec("connections-failed", _PSQL, "connections_failed", "GreaterThan", 5, "Total", 3, "PT5M", "PT1M",
                        "More than 5 failed PostgreSQL connections in 5 minutes."),
    ),
    "redis": (
        MetricAlertSpec("server-load", _AMR, "serverLoad", "GreaterThan", 85, "Average", 3, "PT15M", "PT5M",
                        "Redis server load above 85 % for 15 minutes."),
        MetricAlertSpec("memory", _AMR, "usedmemorypercentage", "GreaterThan", 90, "Average", 2, "PT15M", "PT5M",
                        "Redis used memory above 90 % for 15 minutes (keys are being evicted)."),
    ),
    "event_hubs": (
        MetricAlertSpec("throttled", _EVH, "ThrottledRequests", "GreaterThan", 0, "Total", 3, "PT15M", "PT5M",
                        "Event Hubs throttled requests in the last 15 minutes (throughput units exhausted)."),
        MetricAlertSpec("server-errors", _EVH, "ServerErrors", "GreaterThan", 0, "Total", 2, "PT15M", "PT5M",
                        "Event Hubs server errors in the last 15 minutes."),
    ),
    "application_insights": (
        MetricAlertSpec("availability", _APPI, "availabilityResults/availabilityPercentage", "LessThan", 99, "Average", 1,
                        "PT15M", "PT5M", "Availability tests below 99 % over 15 minutes."),
        MetricAlertSpec("failed-requests", _APPI, "requests/failed", "GreaterThan", 10, "Count", 2, "PT15M", "PT5M",
                        "More than 10 failed requests in 15 minutes."),
    ),
}
"""Target kind -> the alerts every resource of that kind gets."""


def build_metric_alerts(
    name: str,
    *,
    kind: TargetKind,
    targets: Mapping[str, pulumi.Input[str]],
    resource_group_name: pulumi.Input[str],
    action_group_id: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> dict[str, monitor.MetricAlert]:
    """Every alert of `kind` for each target (key -> resource id), each notifying the action group."""
    created = {}
    for target_key, resource_id in targets.items():
        for spec in METRIC_ALERTS[kind]:
            created[f"{kind}-{target_key}-{spec.key}"] = monitor.MetricAlert(
                f"{name}-ma-{kind.replace('_', '-')}-{target_key}-{spec.key}",
                monitor.MetricAlertArgs(
                    resource_group_name=resource_group_name,
                    location="global",
                    description=spec.description,
                    enabled=True,
                    auto_mitigate=True,
                    severity=spec.severity,
                    scopes=[resource_id],
                    evaluation_frequency=spec.evaluation_frequency,
                    window_size=spec.window_size,
                    criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                        odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                        all_of=[
                            monitor.MetricCriteriaArgs(
                                criterion_type="StaticThresholdCriterion",
                                name=spec.key,
                                metric_namespace=spec.metric_namespace,
                                metric_name=spec.metric_name,
                                operator=spec.operator,
                                threshold=spec.threshold,
                                time_aggregation=spec.time_aggregation,
                                dimensions=[
                                    monitor.MetricDimensionArgs(name=dim, operator="Include", values=list(values))
                                    for dim, values in spec.dimensions
                                ]
                                or None,
                            )
                        ],
                    ),
                    actions=[monitor.MetricAlertActionArgs(action_group_id=action_group_id)],
                    tags=dict(tags),
                ),
                opts=pulumi.ResourceOptions(parent=parent),
            )
    return created
