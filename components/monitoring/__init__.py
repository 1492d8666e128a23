"""Monitoring: the component (component.py), its arguments (args.py), its argument rules (_rules.py) and what it
builds: metric alerts (_metric_alerts.py), AKS's recommended Prometheus rule groups (_prometheus_rules.py), the
error-budget and canary rule groups (_slo_rules.py) and Container Insights (_container_insights.py)."""

from sentimark_platform.components.monitoring.args import (
    PLATFORM_EVENT_TABLES,
    AlertTargetsArgs,
    ContainerInsightsClusterArgs,
    GrafanaArgs,
    ManagedPrometheusArgs,
    MonitoringArgs,
    PrometheusClusterArgs,
    ServiceLevelObjectiveArgs,
)
from sentimark_platform.components.monitoring.component import Monitoring

__all__ = [
    "PLATFORM_EVENT_TABLES",
    "AlertTargetsArgs",
    "ContainerInsightsClusterArgs",
    "GrafanaArgs",
    "ManagedPrometheusArgs",
    "Monitoring",
    "MonitoringArgs",
    "PrometheusClusterArgs",
    "ServiceLevelObjectiveArgs",
]
