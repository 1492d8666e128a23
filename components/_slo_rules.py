"""Error-budget alerts for services in the mesh, as Prometheus rule groups for managed Prometheus.

The multiwindow, multi-burn-rate alerts of Google's SRE workbook (chapter "Alerting on SLOs"), over Istio's
request metrics as the called service's sidecars report them (`istio_requests_total`, reporter="destination";
ServiceMesh `managed_prometheus` collects them). A 5xx answer is an error; the error budget is 1 - objective.
- fast burn: errors at 14.4 x the budget rate over 1 h and over 5 min (2 % of a 30-day budget in one hour):
  severity 1, for 2 min;
- slow burn: 6 x over 6 h and over 30 min (5 % of a 30-day budget in six hours): severity 2, for 15 min.
The short window makes an alert stop soon after the errors do. Recording rules compute each window's error
ratio per service once; the alert rules compare them with each service's own objective.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components._prometheus_rules import AlertRule, RecordingRule, RuleGroup

__all__ = ["BURN_ALERTS", "WINDOWS", "Objective", "slo_rule_groups"]

WINDOWS = ("5m", "30m", "1h", "6h")
# `cluster` kept: rule groups filter on it (clusterName), and the regions' series must not overwrite each other.
_BY = "cluster, destination_service_namespace, destination_service_name"
# (alert, long window, short window, burn-rate factor, for, Azure severity, severity label)
BURN_ALERTS = (
    ("ErrorBudgetFastBurn", "1h", "5m", 14.4, "PT2M", 1, "critical"),
    ("ErrorBudgetSlowBurn", "6h", "30m", 6.0, "PT15M", 2, "warning"),
)


@dataclass(frozen=True)
class Objective:
    namespace: str
    service: str
    success_percent: float


def _record(window: str) -> str:
    return f"istio:request_error_ratio:rate{window}"


def _recording_rules() -> tuple[RecordingRule, ...]:
    def ratio(window: str) -> str:
        errors = f'sum by ({_BY}) (rate(istio_requests_total{{reporter="destination", response_code=~"5.."}}[{window}]))'
        total = f'sum by ({_BY}) (rate(istio_requests_total{{reporter="destination"}}[{window}]))'
        return f"{errors} / {total}"

    return tuple(RecordingRule(record=_record(w), expression=ratio(w)) for w in WINDOWS)


def _alert_rules(objectives: Mapping[str, Objective]) -> tuple[AlertRule, ...]:
    rules = []
    for objective in objectives.values():
        budget = 1 - objective.success_percent / 100
        selector = (f'{{destination_service_namespace="{objective.namespace}", '
                    f'destination_service_name="{objective.service}"}}')
        for alert, long, short, factor, for_, severity, label in BURN_ALERTS:
            threshold = f"{factor * budget:.6g}"
            rules.append(AlertRule(
                alert=alert,
                expression=f"{_record(long)}{selector} > {threshold} and {_record(short)}{selector} > {threshold}",
                for_=for_,
                severity=severity,
                time_to_resolve="PT10M",
                labels={"severity": label, "service": objective.service, "namespace": objective.namespace},
                description=(f"{objective.namespace}/{objective.service} is spending its error budget "
                             f"({objective.success_percent:g} % objective) {factor:g} times faster than it lasts: "
                             f"5xx ratio above {threshold} over the last {long} and {short}."),
            ))
    return tuple(rules)


def slo_rule_groups(objectives: Mapping[str, Objective]) -> tuple[RuleGroup, ...]:
    """The recording group (error ratios per service and window) and the alert group (burn rates per objective);
    nothing without objectives."""
    if not objectives:
        return ()
    return (
        RuleGroup(key="slo-recording", name_prefix="ServiceLevelRecordingRules-", name_suffix="",
                  description="Istio request error ratios per service over 5m, 30m, 1h and 6h",
                  rules=_recording_rules()),
        RuleGroup(key="slo-alerts", name_prefix="ServiceLevelAlerts-", name_suffix="",
                  description="Error-budget burn-rate alerts (multiwindow, multi-burn-rate) per service objective",
                  rules=_alert_rules(objectives)),
    )
