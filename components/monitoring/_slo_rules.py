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

from sentimark_platform.components.monitoring._prometheus_rules import AlertRule, RecordingRule, RuleGroup

__all__ = ["BURN_ALERTS", "CANARY_ALERTS", "CANARY_CRITICAL_WINDOW", "ROLLOUT_PHASES", "WINDOWS", "Objective", "canary_rule_group", "slo_rule_groups"]

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


CANARY_ALERTS = "canary-alerts"


CANARY_CRITICAL_WINDOW = "30m"
"""How long CanaryAnalysisCritical fires after a success-rate analysis turns Inconclusive (while its rollout stays
paused): an Inconclusive AnalysisRun stays in the rollout's history (unsuccessfulRunHistoryLimit) long after a
person has acted, so the alert is on the transition, not on the run's lasting phase."""
ROLLOUT_PHASES = ("Completed", "Progressing", "Paused", "Timeout", "Error", "Abort", "InvalidSpec")
"""The values of rollout_info's `phase` label (argoproj/argo-rollouts controller/metrics/rollouts.go,
`calculatePhase`, commit 9f8d111d8): not the Rollout's status.phase (Healthy, Degraded, ...)."""


def canary_rule_group() -> RuleGroup:
    """Alerts from the Argo Rollouts controller's own metrics (ServiceMesh `managed_prometheus` scrapes them with
    honorLabels, so `namespace` is the rollout's, not the controller's):
    - CanaryAnalysisCritical (severity 2): in the last 30 minutes a success-rate analysis turned Inconclusive and
      its namespace's rollout is paused. That is the critical band of the error budget (consumption at or above
      the critical percentage, below the rollback one, see components/_canary_specs.py) or a window without
      requests to judge; a person promotes or aborts it. Joined per namespace: the platform runs one rollout per
      application namespace.
    - CanaryRolledBack (severity 1): a rollout is aborted (`rollout_info` phase Abort), which it reports from
      the abort (analysis Failed: the rollback threshold or the latency limit) until a new revision or a retry.
    Metric names and labels: argoproj/argo-rollouts controller/metrics/prommetrics.go (rollout_info{namespace,
    name, phase}, analysis_run_metric_phase{namespace, name, metric, phase}) and rollouts.go (phase values).
    """
    by = "cluster, namespace"
    inconclusive = 'analysis_run_metric_phase{metric="success-rate", phase="Inconclusive"}'
    turned_inconclusive = (
        f"(max by ({by}, name) ({inconclusive}) == 1) "
        f"unless (max by ({by}, name) ({inconclusive} offset {CANARY_CRITICAL_WINDOW}) == 1)"
    )
    paused = f'(max by ({by}) (rollout_info{{phase="Paused"}}) == 1)'
    return RuleGroup(
        key=CANARY_ALERTS, name_prefix="CanaryAlerts-", name_suffix="",
        description="Canary releases paused in the error budget's critical band, or rolled back",
        rules=(
            AlertRule(
                alert="CanaryAnalysisCritical", expression=f"({turned_inconclusive}) and on ({by}) {paused}",
                for_="PT1M", severity=2, time_to_resolve="PT10M", labels={"severity": "warning"},
                description=("A canary in {{ $labels.namespace }} is paused: its success rate spends the error budget "
                             "in the critical band, or it had no requests to judge. Check it and run "
                             "`kubectl argo rollouts promote` or `abort`."),
            ),
            AlertRule(
                alert="CanaryRolledBack",
                expression=f'max by ({by}, name) (rollout_info{{phase="Abort"}}) == 1',
                for_="PT1M", severity=1, time_to_resolve="PT10M", labels={"severity": "critical"},
                description=("Rollout {{ $labels.namespace }}/{{ $labels.name }} was aborted (its analysis failed: the "
                             "error budget's rollback threshold or the latency limit) and all traffic is back on stable."),
            ),
        ),
    )
