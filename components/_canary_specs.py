"""Pure builders of the canary custom resources' specs (VirtualService, DestinationRule, Rollout,
AnalysisTemplate) and the error-budget arithmetic. No Pulumi runtime here: everything is testable directly.

Error budget -> success-rate thresholds (seed 002: "critical" at 80 % and "emergency rollback" at 95 %).
The percentages are shares of the error budget that the canary's error rate would consume. With an SLO of
`slo` percent successful requests, the budget is the allowed error ratio e = 1 - slo/100, and a window with
success rate r consumes (1 - r) / e of it. So consumption >= p percent  <=>  r <= 1 - (p/100) * e.
For slo 99.9 (e = 0.001), critical 80 and rollback 95:
- Successful    r >  0.9992           (consumption below 80 %): the rollout proceeds;
- Inconclusive  0.99905 < r <= 0.9992 (80 % to 95 %, "critical"): the AnalysisRun ends Inconclusive and the
  Rollout pauses until a person promotes or aborts it;
- Failed        r <= 0.99905          (95 % and more, "emergency"): failureLimit 0, so the first such
  measurement aborts the Rollout and all traffic returns to stable.
With `rollback_at_critical` the failure threshold is the critical one (no pause band).
A window without requests gives NaN (0/0): Inconclusive (pause) unless `no_traffic_passes`.

Latency (optional): the service's 95th-percentile request duration from Istio's histogram over 5 min. Above
the limit is a failed measurement; `LATENCY_FAILURE_LIMIT` failures are tolerated (a single slow window, e.g.
a cold cache right after a step, does not abort), the next one aborts. No requests: NaN, Inconclusive as above.

Argo Rollouts semantics relied on (https://argo-rollouts.readthedocs.io/en/stable/features/analysis/):
a measurement that meets neither successCondition nor failureCondition is Inconclusive; more than
`failureLimit` failed (or `inconclusiveLimit` inconclusive) measurements end the AnalysisRun Failed
(Inconclusive); a background analysis (`strategy.canary.analysis`) that fails aborts the Rollout, and an
Inconclusive one pauses it until `kubectl argo rollouts promote` or `abort`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = [
    "ARGO_DURATION",
    "ISTIO_DURATION",
    "LATENCY_FAILURE_LIMIT",
    "LATENCY_QUERY",
    "SUCCESS_RATE_QUERY",
    "analysis_template_spec",
    "destination_rule_spec",
    "error_budget_thresholds",
    "gateway_ref",
    "rollout_spec",
    "rollout_steps",
    "steps_problem",
    "virtual_service_spec",
    "weights_problem",
]

ISTIO_DURATION = re.compile(r"^(\d+(h|ms|m|s))+$")
ARGO_DURATION = re.compile(r"^\d+(s|m|h)$")
PRIMARY_ROUTE = "primary"
GATEWAY_HEALTH_ROUTE = "gateway-health"
"""Name of the route that answers a gateway health probe on the external hosts."""
HEADER_ROUTE = "canary-header"
# Without any series (the service never had a request) the ratio is an empty vector, which Argo Rollouts
# reports as a measurement error; `or on() vector(NaN)` turns that into NaN, the same as "no requests".
SUCCESS_RATE_QUERY = (
    '(sum(rate(istio_requests_total{destination_service=~"{{args.service-name}}",response_code!~"5.*"}[5m])) / '
    'sum(rate(istio_requests_total{destination_service=~"{{args.service-name}}"}[5m]))) or on() vector(NaN)'
)
# The called service's own sidecars measure the whole request time they serve (reporter="destination").
LATENCY_QUERY = (
    'histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{'
    'reporter="destination",destination_service=~"{{args.service-name}}"}[5m]))) or on() vector(NaN)'
)
LATENCY_FAILURE_LIMIT = 1


def steps_problem(steps: Sequence[Any]) -> str | None:
    """Why `steps` is not a canary progression (integers 1-100, strictly increasing, ending at 100), or None."""
    if not steps:
        return "give at least one step, the last being 100"
    if any(not isinstance(s, int) or isinstance(s, bool) or not 1 <= s <= 100 for s in steps):
        return "give whole percentages from 1 to 100"
    if any(b <= a for a, b in itertools.pairwise(steps)):
        return "give strictly increasing percentages, e.g. [10, 25, 50, 75, 100]"
    if steps[-1] != 100:
        return "end at 100 (the canary takes all traffic before it becomes stable)"
    return None


def weights_problem(weights: Mapping[str, Any], subsets: Sequence[str]) -> str | None:
    """Why `weights` cannot be a route split over `subsets`, or None."""
    unknown = sorted(set(weights) - set(subsets))
    if unknown:
        return f"weight only defined subsets {sorted(subsets)}; unknown: {unknown}"
    if any(not isinstance(w, int) or isinstance(w, bool) or not 0 <= w <= 100 for w in weights.values()):
        return "give whole percentages from 0 to 100"
    if sum(weights.values()) != 100:
        return f"make the weights sum to 100 (they sum to {sum(weights.values())})"
    return None


def error_budget_thresholds(slo_percent: float, critical_percent: float, rollback_percent: float) -> tuple[str, str]:
    """(critical, rollback) success-rate thresholds as exact decimal strings (see the module docstring)."""
    budget = 1 - Decimal(str(slo_percent)) / 100

    def threshold(percent: float) -> str:
        value = 1 - Decimal(str(percent)) / 100 * budget
        return format(value.normalize(), "f")

    return threshold(critical_percent), threshold(rollback_percent)


def gateway_ref(gateway: str, namespace: str) -> str:
    """`ns/name` as VirtualServices refer to Gateways."""
    return gateway if "/" in gateway else f"{namespace}/{gateway}"


def virtual_service_spec(
    *,
    host: str,
    port: int,
    hosts: Sequence[str],
    gateways: Sequence[str],
    weights: Mapping[str, int],
    header_route: Mapping[str, Any] | None,
    retries: Mapping[str, Any],
    timeout: str,
    health_path: str | None = None,
) -> dict[str, Any]:
    """Routes for `host` (the Service FQDN): an optional gateway health answer, an optional header match to the
    canary, then the weighted split."""

    def destination(subset: str) -> dict[str, Any]:
        return {"host": host, "subset": subset, "port": {"number": port}}

    policy = {"retries": dict(retries), "timeout": timeout}
    http: list[dict[str, Any]] = []
    external = [g for g in gateways if g != "mesh"]
    if health_path is not None and external:
        # The gateway answers its health probe itself, whichever VirtualService for the host Istio merges first.
        http.append({
            "name": GATEWAY_HEALTH_ROUTE,
            "match": [{"uri": {"exact": health_path}, "gateways": external}],
            "directResponse": {"status": 200, "body": {"string": "ok"}},
        })
    if header_route is not None:
        match: dict[str, Any] = {"headers": {header_route["name"]: {"exact": header_route["value"]}}}
        if "mesh" in gateways and len(gateways) > 1:
            # Callers inside the mesh only: a client on the internet must not pick the canary with a header.
            match["gateways"] = ["mesh"]
        http.append({
            "name": HEADER_ROUTE,
            "match": [match],
            "route": [{"destination": destination("canary"), "weight": 100}],
            **policy,
        })
    http.append({
        "name": PRIMARY_ROUTE,
        "route": [{"destination": destination(subset), "weight": weight} for subset, weight in weights.items()],
        **policy,
    })
    return {"hosts": list(hosts), "gateways": list(gateways), "http": http}


def destination_rule_spec(
    *, host: str, subsets: Mapping[str, Mapping[str, str]], outlier_detection: Mapping[str, Any]
) -> dict[str, Any]:
    """Subsets by pod labels, Istio mutual TLS to every subset, and ejection of failing endpoints."""
    return {
        "host": host,
        "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}, "outlierDetection": dict(outlier_detection)},
        "subsets": [{"name": name, "labels": dict(labels)} for name, labels in subsets.items()],
    }


def rollout_steps(steps: Sequence[int], *, pause: str, manual_promotion: bool) -> list[dict[str, Any]]:
    """setWeight for each step, a pause after each but the last (100 %); with `manual_promotion` the first
    pause waits for a person (`kubectl argo rollouts promote`)."""
    out: list[dict[str, Any]] = []
    for index, weight in enumerate(steps):
        out.append({"setWeight": weight})
        if weight < 100:
            out.append({"pause": {} if manual_promotion and index == 0 else {"duration": pause}})
    return out


def rollout_spec(
    *,
    deployment: str,
    replicas: int,
    selector: Mapping[str, str],
    subsets: Mapping[str, Mapping[str, str]],
    virtual_service: str,
    destination_rule: str,
    analysis_template: str,
    host: str,
    steps: list[dict[str, Any]],
) -> dict[str, Any]:
    """A canary Rollout of an existing Deployment (workloadRef), shifting the VirtualService's primary route.

    The canary and stable pods get the subsets' labels as ephemeral metadata, so the DestinationRule's
    `version` subsets select them; the controller also pins each subset to its pod-template hash.
    """
    return {
        "replicas": replicas,
        "selector": {"matchLabels": dict(selector)},
        "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment, "scaleDown": "progressively"},
        "strategy": {"canary": {
            "canaryMetadata": {"labels": dict(subsets["canary"])},
            "stableMetadata": {"labels": dict(subsets["stable"])},
            "trafficRouting": {"istio": {
                "virtualService": {"name": virtual_service, "routes": [PRIMARY_ROUTE]},
                "destinationRule": {"name": destination_rule, "canarySubsetName": "canary", "stableSubsetName": "stable"},
            }},
            "analysis": {"templates": [{"templateName": analysis_template}],
                         "args": [{"name": "service-name", "value": host}]},
            "steps": steps,
        }},
    }


def analysis_template_spec(
    *,
    prometheus_address: object,
    slo_percent: float,
    critical_percent: float,
    rollback_percent: float,
    rollback_at_critical: bool,
    no_traffic_passes: bool,
    interval: str,
    latency_p95_ms: int | None = None,
) -> dict[str, Any]:
    """The success-rate metric with the error-budget thresholds and, with `latency_p95_ms`, the p95 latency
    metric (module docstring)."""
    critical, rollback = error_budget_thresholds(slo_percent, critical_percent, rollback_percent)
    failure = critical if rollback_at_critical else rollback
    success = f"result[0] > {critical}"
    if no_traffic_passes:
        success = f"isNaN(result[0]) || {success}"
    metrics: list[dict[str, Any]] = [{
        "name": "success-rate",
        "interval": interval,
        "successCondition": success,
        "failureCondition": f"result[0] <= {failure}",
        "failureLimit": 0,
        "inconclusiveLimit": 0,
        "provider": {"prometheus": {"address": prometheus_address, "query": SUCCESS_RATE_QUERY}},
    }]
    if latency_p95_ms is not None:
        fast = f"result[0] <= {latency_p95_ms}"
        metrics.append({
            "name": "latency-p95",
            "interval": interval,
            "successCondition": f"isNaN(result[0]) || {fast}" if no_traffic_passes else fast,
            "failureCondition": f"result[0] > {latency_p95_ms}",
            "failureLimit": LATENCY_FAILURE_LIMIT,
            "inconclusiveLimit": 0,
            "provider": {"prometheus": {"address": prometheus_address, "query": LATENCY_QUERY}},
        })
    return {"args": [{"name": "service-name"}], "metrics": metrics}
