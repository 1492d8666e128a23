"""CanaryRouting: weighted Istio routes with a header override, mutual-TLS subsets, an Argo Rollouts canary
with error-budget analysis, every custom resource after the release that installs its CRD, and refused
arguments. The spec builders and the threshold arithmetic are tested without the runtime as well."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sentimark_platform import schemacheck
from sentimark_platform.components import _canary_specs as specs
from sentimark_platform.offline import Plan, PlannedResource
from tests.components.test_service_mesh import CHARTS
from tests.programs import preview_program, refusal
from tests.programs import with_changes as _with

VS = "kubernetes:networking.istio.io/v1:VirtualService"
DR = "kubernetes:networking.istio.io/v1:DestinationRule"
GW = "kubernetes:networking.istio.io/v1:Gateway"
ROLLOUT = "kubernetes:argoproj.io/v1alpha1:Rollout"
TEMPLATE = "kubernetes:argoproj.io/v1alpha1:AnalysisTemplate"
HOST = "sentimark-api.sentimark-api.svc.cluster.local"
STEPS = [10, 25, 50, 75, 100]

DEV: dict[str, Any] = {
    "namespace": "sentimark-api",
    "service": "sentimark-api",
    "port": 8080,
    "steps": STEPS,
    "weights": {"stable": 90, "canary": 10},
    "header_route": {"name": "x-canary", "value": "always"},
    "hosts": ["api.dev.sentimark.example"],
    "gateways": ["istio-ingress/public"],
}
PROD: dict[str, Any] = {
    "namespace": "sentimark-api",
    "service": "sentimark-api",
    "port": 8080,
    "steps": STEPS,
    "header_route": {"name": "x-canary", "value": "always"},
    "hosts": ["api.sentimark.example"],
    "gateway": {"tls_credential_name": "api-tls"},
    "retries": {"attempts": 3, "per_try_timeout": "1s"},
    "timeout": "10s",
    "rollout": {
        "deployment": "sentimark-api",
        "replicas": 3,
        "manual_promotion": True,
        "analysis": {"prometheus_address": "http://prometheus-query.monitoring:9090", "slo_percent": 99.9,
                     "critical_percent": 80, "rollback_percent": 95},
    },
}

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
from sentimark_platform.components.canary_routing import CanaryRouting
from sentimark_platform.components.mesh import ServiceMesh
args = {args!r}
provider = k8s.Provider("cluster", kubeconfig="{{}}")
if args.pop("with_mesh", True):
    mesh = ServiceMesh("mesh", {{"provider": provider, "charts": {charts!r}}})
    args["crds_ready"] = mesh.crds_ready
args["provider"] = provider
routing = CanaryRouting("api", args)
pulumi.export("host", routing.host)
pulumi.export("rollout", routing.rollout_name)
"""


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, PROGRAM.format(args=args, charts=CHARTS))




def _one(plan: Plan, type_token: str) -> PlannedResource:
    (resource,) = plan.of_type(type_token)
    return resource


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("prod"), PROD)


def _destination(subset: str) -> dict[str, Any]:
    return {"host": HOST, "subset": subset, "port": {"number": 8080}}


def test_the_gateways_health_probe_is_answered_ahead_of_the_applications_routes(tmp_path: Path) -> None:
    (vs,) = _preview(tmp_path, {**DEV, "gateway_health_path": "/healthz/ready"}).of_type(VS)
    health, *_ = vs.inputs["spec"]["http"]
    # Only through the gateway: in-mesh calls to the service's own /healthz/ready still reach the application.
    assert health == {"name": "gateway-health", "match": [{"uri": {"exact": "/healthz/ready"},
                                                            "gateways": ["istio-ingress/public"]}],
                      "directResponse": {"status": 200, "body": {"string": "ok"}}}


def test_mesh_only_routes_keep_the_header_match_unrestricted(tmp_path: Path) -> None:
    args = {k: v for k, v in DEV.items() if k not in ("hosts", "gateways")}
    (vs,) = _preview(tmp_path, args).of_type(VS)
    assert vs.inputs["spec"]["gateways"] == ["mesh"]
    assert vs.inputs["spec"]["http"][0]["match"] == [{"headers": {"x-canary": {"exact": "always"}}}]


def test_dev_splits_by_weight_and_the_header_always_reaches_the_canary(dev: Plan) -> None:
    vs = _one(dev, VS)
    spec = vs.inputs["spec"]
    assert spec["hosts"] == ["api.dev.sentimark.example", HOST]
    assert spec["gateways"] == ["istio-ingress/public", "mesh"]
    header, primary = spec["http"]  # the header match comes first: Istio takes the first matching route
    assert header["name"] == "canary-header"
    # Bound to the public gateway and the mesh: only in-mesh callers may choose the canary with the header.
    assert header["match"] == [{"headers": {"x-canary": {"exact": "always"}}, "gateways": ["mesh"]}]
    assert header["route"] == [{"destination": _destination("canary"), "weight": 100}]
    assert primary["name"] == "primary" and "match" not in primary
    assert primary["route"] == [{"destination": _destination("stable"), "weight": 90},
                                {"destination": _destination("canary"), "weight": 10}]
    for route in spec["http"]:
        assert route["retries"] == {"attempts": 2, "perTryTimeout": "2s",
                                    "retryOn": "connect-failure,refused-stream,unavailable,cancelled,reset"}
        assert route["timeout"] == "30s"
    assert vs.inputs["metadata"]["annotations"] == {"sentimark.io/canary-steps": "10,25,50,75,100"}
    assert dev.of_type(ROLLOUT) == [] and dev.of_type(TEMPLATE) == [] and dev.of_type(GW) == []
    assert dev.outputs["host"] == HOST


def test_subsets_by_version_with_istio_mutual_tls_and_outlier_detection(dev: Plan) -> None:
    dr = _one(dev, DR)
    assert dr.inputs["spec"] == {
        "host": HOST,
        "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}, "outlierDetection": {
            "consecutive5xxErrors": 5, "interval": "10s", "baseEjectionTime": "30s", "maxEjectionPercent": 50}},
        "subsets": [{"name": "stable", "labels": {"version": "stable"}},
                    {"name": "canary", "labels": {"version": "canary"}}],
    }


def test_prod_rollout_drives_the_same_routes_through_the_steps(prod: Plan) -> None:
    rollout = _one(prod, ROLLOUT).inputs
    assert rollout["metadata"]["name"] == "sentimark-api" and rollout["metadata"]["namespace"] == "sentimark-api"
    spec = rollout["spec"]
    assert spec["workloadRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "sentimark-api",
                                   "scaleDown": "progressively"}
    assert spec["replicas"] == 3 and spec["selector"] == {"matchLabels": {"app.kubernetes.io/name": "sentimark-api"}}
    canary = spec["strategy"]["canary"]
    vs, dr = _one(prod, VS).inputs, _one(prod, DR).inputs
    assert canary["trafficRouting"] == {"istio": {
        "virtualService": {"name": vs["metadata"]["name"], "routes": ["primary"]},
        "destinationRule": {"name": dr["metadata"]["name"], "canarySubsetName": "canary", "stableSubsetName": "stable"}}}
    assert [r["name"] for r in vs["spec"]["http"]] == ["canary-header", "primary"]
    assert vs["spec"]["http"][1]["route"] == [{"destination": _destination("stable"), "weight": 100},
                                              {"destination": _destination("canary"), "weight": 0}]
    # Pods get the subsets' labels as ephemeral metadata, so the version subsets select them.
    assert canary["canaryMetadata"] == {"labels": {"version": "canary"}}
    assert canary["stableMetadata"] == {"labels": {"version": "stable"}}
    assert canary["steps"] == [
        {"setWeight": 10}, {"pause": {}},  # manual promotion: a person approves after the first step
        {"setWeight": 25}, {"pause": {"duration": "5m"}},
        {"setWeight": 50}, {"pause": {"duration": "5m"}},
        {"setWeight": 75}, {"pause": {"duration": "5m"}},
        {"setWeight": 100},
    ]
    template = _one(prod, TEMPLATE).inputs
    assert canary["analysis"] == {"templates": [{"templateName": template["metadata"]["name"]}],
                                  "args": [{"name": "service-name", "value": HOST}]}
    assert prod.outputs["rollout"] == "sentimark-api"


def test_prod_gateway_terminates_tls_for_the_hosts(prod: Plan) -> None:
    gw = _one(prod, GW).inputs
    assert gw["metadata"]["namespace"] == "sentimark-api"
    https, http = gw["spec"]["servers"]
    assert https["tls"]["credentialName"] == "api-tls" and https["hosts"] == ["api.sentimark.example"]
    assert http["tls"] == {"httpsRedirect": True}
    assert _one(prod, VS).inputs["spec"]["gateways"] == ["sentimark-api/sentimark-api", "mesh"]
    for route in _one(prod, VS).inputs["spec"]["http"]:
        assert route["retries"]["attempts"] == 3 and route["retries"]["perTryTimeout"] == "1s"
        assert route["timeout"] == "10s"


def test_analysis_maps_the_error_budget_to_success_rate_conditions(prod: Plan) -> None:
    (metric,) = _one(prod, TEMPLATE).inputs["spec"]["metrics"]
    # SLO 99.9 %: budget 0.1 % errors; 80 % of it consumed at 99.92 % success, 95 % at 99.905 %.
    assert metric["successCondition"] == "result[0] > 0.9992"
    assert metric["failureCondition"] == "result[0] <= 0.99905"
    assert (metric["failureLimit"], metric["inconclusiveLimit"], metric["interval"]) == (0, 0, "1m")
    prometheus = metric["provider"]["prometheus"]
    assert prometheus["address"] == "http://prometheus-query.monitoring:9090"
    assert 'destination_service=~"{{args.service-name}}",response_code!~"5.*"' in prometheus["query"]
    assert _one(prod, TEMPLATE).inputs["spec"]["args"] == [{"name": "service-name"}]


def test_every_custom_resource_depends_on_the_release_that_installs_its_crd(prod: Plan) -> None:
    releases = {r.inputs["name"]: r.urn for r in prod.of_type("kubernetes:helm.sh/v3:Release")}
    for type_token in (VS, DR, GW):
        assert releases["istio-base"] in _one(prod, type_token).dependencies, type_token
        assert releases["istiod"] in _one(prod, type_token).dependencies, type_token  # its webhook validates them
    for type_token in (ROLLOUT, TEMPLATE):
        assert releases["argo-rollouts"] in _one(prod, type_token).dependencies, type_token
    rollout = _one(prod, ROLLOUT)
    assert {_one(prod, t).urn for t in (VS, DR, TEMPLATE)} <= set(rollout.dependencies)


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_plan_passes_the_schemas(tmp_path: Path, args: dict[str, Any]) -> None:
    plan = _preview(tmp_path, args)
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    custom = [r for r in plan.resources if r.type in (VS, DR, GW, ROLLOUT, TEMPLATE)]
    assert len(custom) == (2 if args is DEV else 5)
    assert {n.urn for n in report.not_checked}.isdisjoint(r.urn for r in custom)


BAD = {
    "weights_not_100": (
        _with(DEV, weights={"stable": 90, "canary": 20}),
        "CanaryRouting: argument 'weights' got {'stable': 90, 'canary': 20}; make the weights sum to 100 "
        "(they sum to 110)",
    ),
    "weights_of_unknown_subset": (
        _with(DEV, weights={"stable": 50, "blue": 50}),
        "CanaryRouting: argument 'weights' got {'stable': 50, 'blue': 50}; weight only defined subsets "
        "['canary', 'stable']; unknown: ['blue']",
    ),
    "steps_not_increasing": (
        _with(DEV, steps=[10, 50, 25, 100]),
        "CanaryRouting: argument 'steps' got [10, 50, 25, 100]; give strictly increasing percentages, "
        "e.g. [10, 25, 50, 75, 100]",
    ),
    "steps_not_ending_at_100": (
        _with(DEV, steps=[10, 25, 50, 75]),
        "CanaryRouting: argument 'steps' got [10, 25, 50, 75]; end at 100 (the canary takes all traffic before "
        "it becomes stable)",
    ),
    "health_path_without_a_gateway": (
        {**{k: v for k, v in DEV.items() if k not in ("hosts", "gateways")}, "gateway_health_path": "/healthz/ready"},
        "CanaryRouting: argument 'gateway_health_path' got '/healthz/ready'; give an absolute path such as "
        "/healthz/ready, with gateways (or gateway) to answer it on",
    ),
    "header_route_without_canary_subset": (
        _with(DEV, subsets={"stable": {"version": "stable"}}, weights={"stable": 100}),
        "CanaryRouting: argument 'header_route' got {'name': 'x-canary', 'value': 'always'}; define a 'canary' "
        "subset for the header route to reach (subsets are ['stable'])",
    ),
    "rollout_with_preset_weights": (
        _with(PROD, weights={"stable": 90, "canary": 10}),
        "CanaryRouting: argument 'weights' got {'stable': 90, 'canary': 10}; leave weights out (stable 100, "
        "canary 0): the Rollout moves them itself",
    ),
    "critical_not_below_rollback": (
        _with(PROD, rollout={**PROD["rollout"], "analysis": {**PROD["rollout"]["analysis"], "critical_percent": 95}}),
        "CanaryRouting: argument 'rollout.analysis.critical_percent' got 95; give less than rollback_percent (95): "
        "critical pauses, rollback aborts",
    ),
    "hosts_without_gateway": (
        _with(DEV, gateways=None),
        "CanaryRouting: argument 'hosts' got ['api.dev.sentimark.example']; give hosts together with gateways or "
        "gateway (hosts need a gateway; a gateway needs hosts)",
    ),
    "uppercase_header": (
        _with(DEV, header_route={"name": "X-Canary", "value": "always"}),
        "CanaryRouting: argument 'header_route.name' got 'X-Canary'; give a lowercase header name such as x-canary "
        "(Istio matches lowercase header names)",
    ),
    "no_crds_ready": (
        _with(DEV, with_mesh=False),
        "CanaryRouting: argument 'crds_ready' got None; required and missing: What every custom resource here "
        "depends on (ServiceMesh.crds_ready); [] only when Istio and Argo Rollouts were installed outside this program.",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_bad_arguments_before_registering_anything(tmp_path: Path, case: str) -> None:
    args, message = BAD[case]
    args = {**args, "with_mesh": False, "crds_ready": [] if case != "no_crds_ready" else None}
    if args["crds_ready"] is None:
        del args["crds_ready"]
    error = refusal(lambda: _preview(tmp_path, args), "CanaryRouting")
    assert str(error) == message


# --- the pure builders ----------------------------------------------------------------------------------

def test_thresholds_are_exact_decimals() -> None:
    assert specs.error_budget_thresholds(99.9, 80, 95) == ("0.9992", "0.99905")
    assert specs.error_budget_thresholds(99, 80, 95) == ("0.992", "0.9905")


@given(slo=st.decimals(min_value=Decimal("90"), max_value=Decimal("99.999"), places=3),
       critical=st.integers(1, 99), gap=st.integers(1, 99))
def test_thresholds_order_pause_band_between_success_and_failure(slo: Decimal, critical: int, gap: int) -> None:
    rollback = min(critical + gap, 100)
    crit, roll = (Decimal(t) for t in specs.error_budget_thresholds(float(slo), critical, rollback))
    budget = 1 - slo / 100
    assert roll < crit < 1  # failing needs a lower success rate than pausing
    assert (1 - crit) / budget * 100 == critical and (1 - roll) / budget * 100 == rollback


def test_no_traffic_passes_only_when_asked() -> None:
    common = {"prometheus_address": "http://p:9090", "slo_percent": 99.9, "critical_percent": 80,
              "rollback_percent": 95, "interval": "1m"}
    strict = specs.analysis_template_spec(**common, rollback_at_critical=False, no_traffic_passes=False)["metrics"][0]
    lenient = specs.analysis_template_spec(**common, rollback_at_critical=True, no_traffic_passes=True)["metrics"][0]
    assert strict["successCondition"] == "result[0] > 0.9992"  # NaN compares false: Inconclusive, the rollout pauses
    assert lenient["successCondition"] == "isNaN(result[0]) || result[0] > 0.9992"
    assert lenient["failureCondition"] == "result[0] <= 0.9992"  # no pause band: abort at the critical threshold
    assert strict["provider"]["prometheus"]["query"].endswith(" or on() vector(NaN)")


def test_latency_limit_adds_a_p95_metric_that_tolerates_one_slow_window(tmp_path: Path) -> None:
    args = _with(PROD, rollout={**PROD["rollout"], "analysis": {**PROD["rollout"]["analysis"], "latency_p95_ms": 400}})
    plan = _preview(tmp_path, args)
    success, latency = _one(plan, TEMPLATE).inputs["spec"]["metrics"]
    assert success["name"] == "success-rate" and latency["name"] == "latency-p95"
    assert (latency["successCondition"], latency["failureCondition"]) == ("result[0] <= 400", "result[0] > 400")
    # The second window above the limit aborts; NaN (no requests) meets neither condition: Inconclusive, a pause.
    assert (latency["failureLimit"], latency["inconclusiveLimit"]) == (1, 0)
    query = latency["provider"]["prometheus"]["query"]
    assert query.startswith("histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket{")
    assert 'reporter="destination",destination_service=~"{{args.service-name}}"' in query
    assert query.endswith(" or on() vector(NaN)")
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())


def test_latency_limit_must_be_whole_milliseconds(tmp_path: Path) -> None:
    args = _with(PROD, rollout={**PROD["rollout"], "analysis": {**PROD["rollout"]["analysis"], "latency_p95_ms": 0.5}})
    with pytest.raises(Exception, match=r"'rollout.analysis.latency_p95_ms' got 0.5; give a whole number: Most milliseconds"):
        _preview(tmp_path, args)


@given(st.lists(st.integers(1, 99), min_size=0, max_size=8, unique=True))
def test_any_increasing_progression_ending_at_100_is_accepted(values: list[int]) -> None:
    steps = [*sorted(values), 100]
    assert specs.steps_problem(steps) is None
    rendered = specs.rollout_steps(steps, pause="5m", manual_promotion=False)
    assert [s["setWeight"] for s in rendered if "setWeight" in s] == steps
    assert len([s for s in rendered if "pause" in s]) == len(steps) - 1


@given(st.lists(st.integers(1, 100), min_size=2, max_size=8))
def test_progressions_that_go_back_or_stop_short_are_refused(steps: list[int]) -> None:
    valid = all(b > a for a, b in itertools.pairwise(steps)) and steps[-1] == 100
    assert (specs.steps_problem(steps) is None) == valid
