"""ServiceMesh: pinned, atomic, awaited Helm releases in declared namespaces, Istio installed in order, and
refused arguments."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform import schemacheck
from sentimark_platform.offline import Plan, PlannedResource
from tests.programs import preview_program, refusal

RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
GATEWAY = "kubernetes:networking.istio.io/v1:Gateway"
ISTIO = "https://istio-release.storage.googleapis.com/charts"
ARGO = "https://argoproj.github.io/argo-helm"

CHARTS: dict[str, Any] = {
    "istio_base": {"repository": ISTIO, "version": "1.27.3"},
    "istiod": {"repository": ISTIO, "version": "1.27.3"},
    "istio_gateway": {"repository": ISTIO, "version": "1.27.3"},
    "argo_rollouts": {"repository": ARGO, "version": "2.40.5"},
}
DEV: dict[str, Any] = {
    "charts": CHARTS,
    "ingress_gateway": {"load_balancer": "public", "hosts": ["*.dev.sentimark.example"]},
}
PROD: dict[str, Any] = {
    "charts": CHARTS,
    "high_availability": True,
    "ingress_gateway": {"hosts": ["api.sentimark.example"], "tls_credential_name": "api-tls", "max_replicas": 10},
    "timeout_seconds": 900,
}
IN_CLUSTER: dict[str, Any] = {
    "charts": {**CHARTS, "kube_prometheus_stack": {"repository": "oci://ghcr.io/prometheus-community/charts",
                                                    "version": "79.0.0"}},
    "in_cluster_prometheus": {"retention_days": 15},
}

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
from sentimark_platform.components.mesh import ServiceMesh
args = {args!r}
if args.pop("with_provider", True):
    args["provider"] = k8s.Provider("cluster", kubeconfig="{{}}")
mesh = ServiceMesh("mesh", args)
pulumi.export("crdsReady", [r.urn for r in mesh.crds_ready])
pulumi.export("sharedGateway", mesh.shared_gateway)
pulumi.export("scrapeNamespaces", mesh.scrape_namespaces)
pulumi.export("prometheusAddress", mesh.prometheus_address)
pulumi.export("namespaces", mesh.namespaces)
"""


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, PROGRAM.format(args=args))


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    args = copy.deepcopy(base)
    args.update(copy.deepcopy(changes))
    return args


def _releases(plan: Plan) -> dict[str, PlannedResource]:
    return {r.inputs["name"]: r for r in plan.of_type(RELEASE)}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("prod"), PROD)


def test_istio_installs_base_then_istiod_then_gateway(dev: Plan) -> None:
    releases = _releases(dev)
    base, istiod, gateway = releases["istio-base"], releases["istiod"], releases["istio-ingress"]
    assert base.urn in istiod.dependencies
    assert istiod.urn in gateway.dependencies
    assert istiod.urn not in base.dependencies and gateway.urn not in istiod.dependencies
    namespaces = {r.inputs["metadata"]["name"]: r.urn for r in dev.of_type(NAMESPACE)}
    for release in releases.values():  # every release waits for the namespace it installs into
        assert namespaces[release.inputs["namespace"]] in release.dependencies


def test_releases_are_pinned_atomic_and_awaited(prod: Plan) -> None:
    releases = _releases(prod)
    expected = {  # Helm release name -> (chart, namespace, pin)
        "istio-base": ("base", "istio-system", CHARTS["istio_base"]),
        "istiod": ("istiod", "istio-system", CHARTS["istiod"]),
        "istio-ingress": ("gateway", "istio-ingress", CHARTS["istio_gateway"]),
        "argo-rollouts": ("argo-rollouts", "argo-rollouts", CHARTS["argo_rollouts"]),
    }
    assert set(releases) == set(expected)
    for release_name, (chart, namespace, pin) in expected.items():
        inputs = releases[release_name].inputs
        assert (inputs["chart"], inputs["namespace"]) == (chart, namespace)
        assert (inputs["repositoryOpts"], inputs["version"]) == ({"repo": pin["repository"]}, pin["version"])
        assert inputs["atomic"] is True and inputs["cleanupOnFail"] is True
        assert inputs["skipAwait"] is False and inputs["createNamespace"] is False
        assert inputs["timeout"] == 900


def test_namespaces_are_declared_with_their_injection_labels(dev: Plan) -> None:
    labels = {r.inputs["metadata"]["name"]: r.inputs["metadata"]["labels"] for r in dev.of_type(NAMESPACE)}
    assert set(labels) == {"istio-system", "istio-ingress", "argo-rollouts"}  # Argo CD's is GitOps'
    for control_plane in ("istio-system", "argo-rollouts"):
        assert labels[control_plane]["istio-injection"] == "disabled"
    # The gateway chart injects its pods by pod label; a namespace label "disabled" would stop that.
    assert "istio-injection" not in labels["istio-ingress"]


def test_dev_runs_single_replicas_behind_a_public_load_balancer(dev: Plan) -> None:
    values = {name: r.inputs["values"] for name, r in _releases(dev).items()}
    assert values["istio-base"] == {"defaultRevision": "default"}
    assert values["istiod"]["pilot"] == {"autoscaleMin": 1, "replicaCount": 1}
    assert values["istio-ingress"] == {"service": {"type": "LoadBalancer", "annotations": {}},
                                       "autoscaling": {"minReplicas": 1, "maxReplicas": 5}}
    assert values["argo-rollouts"] == {"controller": {"replicas": 1}, "dashboard": {"enabled": False}}
    assert dev.outputs["scrapeNamespaces"] == ["kube-system"]
    assert "prometheusAddress" not in dev.outputs  # None: managed Prometheus has no in-cluster address
    (gateway,) = dev.of_type(GATEWAY)
    assert gateway.inputs["spec"] == {"selector": {"istio": "ingress"}, "servers": [
        {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["*.dev.sentimark.example"]}]}


def test_prod_is_highly_available_and_internal_with_https(prod: Plan) -> None:
    releases = _releases(prod)
    values = {name: r.inputs["values"] for name, r in releases.items()}
    assert values["istiod"]["pilot"] == {"autoscaleMin": 2, "replicaCount": 2}
    assert values["istio-ingress"]["service"]["annotations"] == {
        "service.beta.kubernetes.io/azure-load-balancer-internal": "true"}
    assert values["istio-ingress"]["autoscaling"] == {"minReplicas": 2, "maxReplicas": 10}
    assert values["argo-rollouts"]["controller"] == {"replicas": 2}
    (gateway,) = prod.of_type(GATEWAY)
    assert gateway.inputs["metadata"] == {"name": "public", "namespace": "istio-ingress"}
    https, http = gateway.inputs["spec"]["servers"]
    assert https["tls"] == {"mode": "SIMPLE", "credentialName": "api-tls", "minProtocolVersion": "TLSV1_2"}
    assert http["tls"] == {"httpsRedirect": True} and https["hosts"] == http["hosts"] == ["api.sentimark.example"]
    assert prod.outputs["sharedGateway"] == "istio-ingress/public"
    assert {releases["istio-base"].urn, releases["istiod"].urn} <= set(gateway.dependencies)


def test_shared_gateway_answers_its_own_health_probe(prod: Plan, dev: Plan) -> None:
    (gateway,) = prod.of_type(GATEWAY)
    (health,) = prod.of_type("kubernetes:networking.istio.io/v1:VirtualService")
    assert health.inputs["metadata"] == {"name": "gateway-health", "namespace": "istio-ingress"}
    assert health.inputs["spec"] == {"hosts": ["api.sentimark.example"], "gateways": ["istio-ingress/public"], "http": [
        {"name": "health", "match": [{"uri": {"exact": "/healthz/ready"}}],
         "directResponse": {"status": 200, "body": {"string": "ok"}}}]}
    assert gateway.urn in health.dependencies
    assert dev.of_type("kubernetes:networking.istio.io/v1:VirtualService") != []  # dev has hosts too


def test_a_front_door_id_lets_only_that_profile_through_the_gateway(tmp_path: Path) -> None:
    fdid = "0f0e0d0c-0b0a-4009-8807-060504030201"
    plan = _preview(tmp_path, _with(PROD, ingress_gateway={"load_balancer": "public", "front_door_id": fdid,
                                                           "hosts": ["api.sentimark.example"]}))
    (policy,) = plan.of_type("kubernetes:security.istio.io/v1:AuthorizationPolicy")
    assert policy.inputs["metadata"] == {"name": "front-door-only", "namespace": "istio-ingress"}
    assert len(plan.of_type("kubernetes:networking.istio.io/v1:VirtualService")) == 1  # the health route
    # Everything but the health probe's path (Front Door's probes carry no X-Azure-FDID header).
    assert policy.inputs["spec"] == {
        "selector": {"matchLabels": {"istio": "ingress"}}, "action": "DENY",
        "rules": [{"to": [{"operation": {"notPaths": ["/healthz/ready"]}}],
                   "when": [{"key": "request.headers[x-azure-fdid]", "notValues": [fdid]}]}]}
    assert schemacheck.validate_plan(plan.to_json()).problems == []


def test_crds_ready_lists_the_crd_releases_and_istiod(prod: Plan) -> None:
    releases = _releases(prod)
    assert prod.outputs["crdsReady"] == [releases[n].urn for n in ("istio-base", "istiod", "argo-rollouts")]


def test_in_cluster_prometheus_comes_from_an_oci_chart_without_grafana(tmp_path: Path) -> None:
    plan = _preview(tmp_path, IN_CLUSTER)
    kps = _releases(plan)["kube-prometheus-stack"]
    assert kps.inputs["chart"] == "oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack"
    assert "repositoryOpts" not in kps.inputs and kps.inputs["version"] == "79.0.0"
    assert kps.inputs["namespace"] == "monitoring"
    assert kps.inputs["values"]["grafana"] == {"enabled": False}
    assert kps.inputs["values"]["prometheus"]["prometheusSpec"]["retention"] == "15d"
    assert plan.outputs["scrapeNamespaces"] == ["monitoring"]
    assert plan.outputs["prometheusAddress"] == "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090"
    assert kps.urn in plan.outputs["crdsReady"]
    assert plan.of_type(GATEWAY) == []
    # The stack's node exporter uses host namespaces and paths: its namespace cannot enforce baseline.
    (monitoring,) = [n for n in plan.of_type("kubernetes:core/v1:Namespace") if n.inputs["metadata"]["name"] == "monitoring"]
    assert monitoring.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    # The sidecars' metrics (what canary analysis queries) are scraped: the chart collects only what a monitor names.
    (monitor,) = plan.of_type("kubernetes:monitoring.coreos.com/v1:PodMonitor")
    assert monitor.inputs["metadata"] == {"name": "envoy-stats", "namespace": "monitoring"}
    assert monitor.inputs["spec"]["namespaceSelector"] == {"any": True}
    assert monitor.inputs["spec"]["podMetricsEndpoints"] == [
        {"port": "http-envoy-prom", "path": "/stats/prometheus", "interval": "30s"}]
    assert kps.urn in monitor.dependencies


def test_managed_prometheus_scrapes_the_sidecars_with_the_add_ons_own_crd_group(tmp_path: Path, dev: Plan) -> None:
    plan = _preview(tmp_path, _with(DEV, managed_prometheus=True))
    monitors = {m.inputs["metadata"]["name"]: m for m in plan.of_type("kubernetes:azmonitoring.coreos.com/v1:PodMonitor")}
    monitor = monitors["envoy-stats"]
    assert monitor.inputs["metadata"] == {"name": "envoy-stats", "namespace": "kube-system"}
    spec = monitor.inputs["spec"]
    assert spec["selector"] == {"matchExpressions": [{"key": "security.istio.io/tlsMode", "operator": "Exists"}]}
    assert (spec["labelLimit"], spec["labelNameLengthLimit"], spec["labelValueLengthLimit"]) == (63, 511, 1023)
    assert dev.of_type("kubernetes:azmonitoring.coreos.com/v1:PodMonitor") == []  # not unless asked
    # The Rollouts controller's metrics too: the canary alerts in the workspace read them.
    rollouts = monitors["argo-rollouts"]
    assert rollouts.inputs["metadata"]["namespace"] == "argo-rollouts"
    assert rollouts.inputs["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": "argo-rollouts"}}
    # honorLabels: the series keep the rollout's namespace instead of the controller's.
    assert rollouts.inputs["spec"]["podMetricsEndpoints"] == [
        {"port": "metrics", "path": "/metrics", "interval": "30s", "honorLabels": True}]
    assert rollouts.inputs["spec"]["labelLimit"] == 63
    assert _releases(plan)["argo-rollouts"].urn in rollouts.dependencies


ANALYSIS: dict[str, Any] = {
    **DEV,
    "charts": {**CHARTS, "prometheus": {"repository": "https://prometheus-community.github.io/helm-charts",
                                        "version": "29.27.0"}},
    "managed_prometheus": True,
    "analysis_prometheus": {},
}


def test_analysis_prometheus_keeps_only_what_canary_analysis_reads(tmp_path: Path) -> None:
    plan = _preview(tmp_path, ANALYSIS)
    server = _releases(plan)["analysis-prometheus"]
    assert (server.inputs["chart"], server.inputs["namespace"]) == ("prometheus", "monitoring")
    values = server.inputs["values"]
    # Nothing but the server: no Alertmanager, exporters or push gateway; no disk; hours, not days.
    for sub in ("alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"):
        assert values[sub] == {"enabled": False}
    assert values["server"]["persistentVolume"] == {"enabled": False}
    assert values["server"]["retention"] == "6h"
    # Every default scrape job off; the one job left keeps the two Istio series the analysis queries.
    jobs = {k: v for k, v in values["scrapeConfigs"].items() if v.get("enabled", True)}
    assert list(jobs) == ["istio-sidecars"]
    keep = jobs["istio-sidecars"]["metric_relabel_configs"]
    assert keep == [{"source_labels": ["__name__"], "action": "keep",
                     "regex": "istio_requests_total|istio_request_duration_milliseconds_bucket"}]
    assert plan.outputs["prometheusAddress"] == "http://analysis-prometheus.monitoring.svc.cluster.local:9090"
    # Application namespaces must admit both scrapers: managed Prometheus' agents and this server.
    assert plan.outputs["scrapeNamespaces"] == ["kube-system", "monitoring"]
    # Only the Rollouts controller's namespace may query it.
    (policy,) = [p for p in plan.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                 if p.inputs["metadata"]["namespace"] == "monitoring"]
    (rule,) = policy.inputs["spec"]["ingress"]
    assert rule["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "argo-rollouts"}}}]
    assert rule["ports"] == [{"port": 9090, "protocol": "TCP"}]


def test_analysis_prometheus_is_refused_next_to_in_cluster_prometheus(tmp_path: Path) -> None:
    args = {**IN_CLUSTER, "charts": {**IN_CLUSTER["charts"], **ANALYSIS["charts"]}, "analysis_prometheus": {}}
    with pytest.raises(Exception, match="leave analysis_prometheus out with in_cluster_prometheus"):
        _preview(tmp_path, args)


@pytest.mark.parametrize("args", [DEV, PROD, IN_CLUSTER], ids=["dev", "prod", "in-cluster"])
def test_plan_passes_the_schemas(tmp_path: Path, args: dict[str, Any]) -> None:
    plan = _preview(tmp_path, args)
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    routes = plan.of_type("kubernetes:networking.istio.io/v1:VirtualService")
    policies = plan.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert policies and report.checked == (len(plan.of_type(NAMESPACE)) + len(plan.of_type(GATEWAY)) + len(routes)
                                           + len(policies))


BAD = {
    "version_range": (
        _with(DEV, charts={**CHARTS, "istiod": {"repository": ISTIO, "version": "1.27.x"}}),
        "ServiceMesh: argument 'charts.istiod.version' got '1.27.x'; pin an exact chart version such as 1.27.3 "
        "(no ranges or 'latest')",
    ),
    "plain_http_repository": (
        _with(DEV, charts={**CHARTS, "argo_rollouts": {"repository": "http://argoproj.github.io/argo-helm", "version": "2.40.5"}}),
        "ServiceMesh: argument 'charts.argo_rollouts.repository' got 'http://argoproj.github.io/argo-helm'; give the "
        "chart repository as an https:// or oci:// URL",
    ),
    "prometheus_without_pin": (
        _with(DEV, in_cluster_prometheus={}),
        "ServiceMesh: argument 'charts.kube_prometheus_stack' got None; pin the kube-prometheus-stack chart to "
        "install Prometheus in-cluster",
    ),
    "max_below_min_replicas": (
        _with(PROD, ingress_gateway={"max_replicas": 1}),
        "ServiceMesh: argument 'ingress_gateway.max_replicas' got 1; give at least min_replicas (2)",
    ),
    "bad_host": (
        _with(DEV, ingress_gateway={"hosts": ["API.example.com"]}),
        "ServiceMesh: argument 'ingress_gateway.hosts' got 'API.example.com'; give DNS host names such as "
        "api.example.com or *.example.com",
    ),
    "health_path_without_hosts": (
        _with(DEV, ingress_gateway={"health_path": "/healthz/ready"}),
        "ServiceMesh: argument 'ingress_gateway.health_path' got '/healthz/ready'; give an absolute path such as "
        "/healthz/ready, together with ingress_gateway.hosts",
    ),
    "front_door_id_on_an_internal_gateway": (
        _with(DEV, ingress_gateway={"front_door_id": "0f0e0d0c-0b0a-4009-8807-060504030201"}),
        "ServiceMesh: argument 'ingress_gateway.load_balancer' got 'internal'; public when front_door_id is given "
        "(Front Door reaches public origins)",
    ),
    "front_door_id_without_hosts": (
        _with(DEV, ingress_gateway={"load_balancer": "public", "front_door_id": "0f0e0d0c-0b0a-4009-8807-060504030201"}),
        "ServiceMesh: argument 'ingress_gateway.hosts' got []; give the hosts Front Door sends when front_door_id is "
        "given (the probe's health route is on their Gateway)",
    ),
    "no_provider": (
        _with(DEV, with_provider=False),
        "ServiceMesh: argument 'provider' got None; required and missing: Kubernetes provider of the cluster "
        "(AksCluster.kubernetes_provider).",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_bad_arguments_before_registering_anything(tmp_path: Path, case: str) -> None:
    args, message = BAD[case]
    error = refusal(lambda: _preview(tmp_path, args), "ServiceMesh")
    # The case's own problem comes first; any other problem of the same arguments is listed with it.
    assert str(error.problems[0]) == message  # type: ignore[attr-defined]
    assert all(f"argument {p.argument!r} got" in str(error) for p in error.problems)  # type: ignore[attr-defined]


def test_a_public_gateway_gets_its_dns_label_and_front_door_only_access(tmp_path: Path) -> None:
    gateway_args = {"load_balancer": "public", "dns_label": "smk-prod-weu", "allowed_service_tags": ["AzureFrontDoor.Backend"]}
    plan = _preview(tmp_path, _with(PROD, ingress_gateway=gateway_args))
    (gateway,) = [r for r in plan.of_type(RELEASE) if r.inputs["chart"] == "gateway"]
    annotations = gateway.inputs["values"]["service"]["annotations"]
    assert annotations == {
        "service.beta.kubernetes.io/azure-dns-label-name": "smk-prod-weu",
        "service.beta.kubernetes.io/azure-allowed-service-tags": "AzureFrontDoor.Backend",
    }


def test_mesh_wide_strict_mtls_when_asked(tmp_path: Path, dev: Plan) -> None:
    assert not dev.of_type("kubernetes:security.istio.io/v1:PeerAuthentication")
    plan = _preview(tmp_path, _with(PROD, mesh_mtls_mode="STRICT"))
    (policy,) = plan.of_type("kubernetes:security.istio.io/v1:PeerAuthentication")
    assert policy.inputs["metadata"] == {"name": "default", "namespace": "istio-system"}
    assert policy.inputs["spec"] == {"mtls": {"mode": "STRICT"}}
    releases = _releases(plan)
    assert {releases["istio-base"].urn, releases["istiod"].urn} <= set(policy.dependencies)
    assert schemacheck.validate_plan(plan.to_json()).problems == []


def test_every_platform_namespace_enforces_the_level_its_pods_meet_and_audits_restricted(dev: Plan) -> None:
    """Issue 19: Pod Security Admission labels on every namespace (components/_pod_security.py). istiod, the gateway
    (no istio-init in its injection template), Argo Rollouts and the analysis Prometheus meet baseline."""
    namespaces = {ns.inputs["metadata"]["name"]: ns.inputs["metadata"]["labels"]
                  for ns in dev.of_type("kubernetes:core/v1:Namespace")}
    assert {"istio-system", "istio-ingress", "argo-rollouts"} <= set(namespaces)
    for name, labels in namespaces.items():
        assert labels["pod-security.kubernetes.io/enforce"] == "baseline", name
        assert labels["pod-security.kubernetes.io/audit"] == labels["pod-security.kubernetes.io/warn"] == "restricted"


def test_the_rollouts_namespace_admits_only_its_own_pods_and_the_metrics_scrapers(dev: Plan) -> None:
    """Issue 19: default-deny ingress in the platform namespaces; the controller serves only its metrics."""
    (policy,) = [p for p in dev.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                 if p.inputs["metadata"]["namespace"] == "argo-rollouts"]
    assert policy.inputs["metadata"]["name"] == "default-deny-ingress"
    spec = policy.inputs["spec"]
    assert spec["podSelector"] == {} and spec["policyTypes"] == ["Ingress"]
    (rule,) = spec["ingress"]
    assert rule["from"] == [{"podSelector": {}},
                            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}},
                            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
    assert "ports" not in rule


def test_a_public_gateway_can_be_limited_to_ip_ranges(tmp_path: Path) -> None:
    """Issue 19: a public gateway without Front Door answers only the ranges given (AKS's allowed-ip-ranges
    annotation becomes NSG rules); an internal gateway refuses them, since only the VNet reaches it."""
    ranges = ["203.0.113.0/24", "198.51.100.16/28"]
    plan = _preview(tmp_path, _with(DEV, ingress_gateway={**DEV["ingress_gateway"], "allowed_ip_ranges": ranges}))
    values = _releases(plan)["istio-ingress"].inputs["values"]
    assert values["service"]["annotations"]["service.beta.kubernetes.io/azure-allowed-ip-ranges"] == ",".join(ranges)
    with pytest.raises(Exception, match=r"ingress_gateway.allowed_ip_ranges.*give IPv4 CIDR blocks"):
        _preview(tmp_path / "bad", _with(DEV, ingress_gateway={**DEV["ingress_gateway"], "allowed_ip_ranges": ["office"]}))
    with pytest.raises(Exception, match=r"leave it out for an internal gateway"):
        _preview(tmp_path / "internal", _with(DEV, ingress_gateway={"load_balancer": "internal",
                                                                     "allowed_ip_ranges": ranges}))
