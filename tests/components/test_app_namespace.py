"""AppNamespace: every application namespace gets injection, a quota, container defaults, default-deny
network policy with explicit allows and a disruption budget; STRICT mTLS when asked; refused arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sentimark_platform import schemacheck
from sentimark_platform.components.app_namespace import double_quantity
from sentimark_platform.offline import Plan, PlannedResource
from tests.components.test_service_mesh import CHARTS
from tests.programs import preview_program, refusal
from tests.programs import with_changes as _with

NAMESPACE = "kubernetes:core/v1:Namespace"
QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMITS = "kubernetes:core/v1:LimitRange"
POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
PEER_AUTH = "kubernetes:security.istio.io/v1:PeerAuthentication"

DEV: dict[str, Any] = {"application": "sentimark-api", "cpu_quota": "2", "memory_quota": "4Gi"}
PROD: dict[str, Any] = {
    "application": "sentimark-api",
    "cpu_quota": "16",
    "memory_quota": "32Gi",
    "cpu_limit_quota": "24",
    "memory_limit_quota": "48Gi",
    "max_pods": 120,
    "container_defaults": {"cpu_request": "250m", "memory_request": "256Mi"},
    "mtls_mode": "STRICT",
    "with_mesh": True,
    "egress": {
        "private-endpoints": {"cidr": "10.20.64.0/21", "ports": [5432, 10000, 443]},
        "entra-id": {"cidr": "0.0.0.0/0", "ports": [443], "except_cidrs": ["10.0.0.0/8"]},
    },
    "egress_to_namespaces": ["sentiment-engine"],
    "labels": {"data-classification": "confidential"},
}

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
from sentimark_platform.components.app_namespace import AppNamespace
from sentimark_platform.components.mesh import ServiceMesh
args = {args!r}
charts = {charts!r}
apps = args.pop("apps", None)
provider = k8s.Provider("cluster", kubeconfig="{{}}")
if args.pop("with_mesh", False):
    mesh = ServiceMesh("mesh", {{"provider": provider, "charts": charts}})
    args["crds_ready"] = mesh.crds_ready
if args.pop("with_provider", True):
    args["provider"] = provider
for app in apps or [args["application"]]:
    ns = AppNamespace(app, {{**args, "application": app}})
    pulumi.export(app, ns.name)
"""


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, PROGRAM.format(args=args, charts=CHARTS))




def _policies(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.inputs["metadata"]["name"]: r.inputs["spec"] for r in plan.of_type(POLICY)}


def _one(plan: Plan, type_token: str) -> PlannedResource:
    (resource,) = plan.of_type(type_token)
    return resource


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("prod"), PROD)


def test_namespace_is_injected_and_labelled_with_the_application(dev: Plan, prod: Plan) -> None:
    # Issue 19: Pod Security Admission on every namespace; enforce privileged because istio-init needs NET_ADMIN and
    # NET_RAW, audit and warn at restricted (components/_pod_security.py).
    assert _one(dev, NAMESPACE).inputs["metadata"] == {
        "name": "sentimark-api",
        "labels": {"app.kubernetes.io/part-of": "sentimark-api", "istio-injection": "enabled",
                   "pod-security.kubernetes.io/enforce": "privileged",
                   "pod-security.kubernetes.io/enforce-version": "latest",
                   "pod-security.kubernetes.io/audit": "restricted",
                   "pod-security.kubernetes.io/warn": "restricted"}}
    assert dev.outputs["sentimark-api"] == "sentimark-api"
    prod_ns = next(r for r in prod.of_type(NAMESPACE) if r.name == "sentimark-api-ns")
    assert prod_ns.inputs["metadata"]["labels"]["data-classification"] == "confidential"
    assert prod_ns.inputs["metadata"]["labels"]["istio-injection"] == "enabled"


def test_quota_caps_requests_limits_and_pods(dev: Plan, prod: Plan) -> None:
    # Limits default to twice the requests: burst room for containers and Istio's sidecar.
    assert _one(dev, QUOTA).inputs["spec"]["hard"] == {
        "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi", "pods": "50"}
    assert _one(prod, QUOTA).inputs["spec"]["hard"] == {
        "requests.cpu": "16", "requests.memory": "32Gi", "limits.cpu": "24", "limits.memory": "48Gi", "pods": "120"}


def test_containers_without_resources_get_defaults(dev: Plan, prod: Plan) -> None:
    assert _one(dev, LIMITS).inputs["spec"]["limits"] == [{
        "type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
        "default": {"cpu": "500m", "memory": "512Mi"}}]
    (item,) = _one(prod, LIMITS).inputs["spec"]["limits"]
    assert item["defaultRequest"] == {"cpu": "250m", "memory": "256Mi"}


def test_everything_is_denied_then_the_mesh_essentials_are_allowed(dev: Plan) -> None:
    policies = _policies(dev)
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert policies["allow-dns"]["egress"] == [{
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
        "ports": [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}]
    assert policies["allow-istiod"]["egress"] == [{
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}},
                "podSelector": {"matchLabels": {"app": "istiod"}}}],
        "ports": [{"port": 15012, "protocol": "TCP"}]}]
    assert policies["allow-from-ingress-gateway"]["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-ingress"}}}]}]
    # Managed Prometheus (ama-metrics in kube-system) may scrape the sidecar's metrics ports, nothing else.
    assert policies["allow-prometheus-scrape"]["ingress"] == [{
        "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
        "ports": [{"port": 15020, "protocol": "TCP"}, {"port": 15090, "protocol": "TCP"}]}]
    assert policies["allow-same-namespace"]["ingress"] == [{"from": [{"podSelector": {}}]}]
    assert set(policies) == {"default-deny", "allow-same-namespace", "allow-from-ingress-gateway",
                             "allow-prometheus-scrape", "allow-dns", "allow-istiod"}
    for spec in policies.values():
        assert spec["podSelector"] == {}  # each applies to every pod of the namespace


def test_prod_egress_allows_are_explicit_and_named_by_key(prod: Plan) -> None:
    policies = _policies(prod)
    assert policies["allow-egress-private-endpoints"]["egress"] == [{
        "to": [{"ipBlock": {"cidr": "10.20.64.0/21"}}],
        "ports": [{"port": p, "protocol": "TCP"} for p in (5432, 10000, 443)]}]
    assert policies["allow-egress-entra-id"]["egress"][0]["to"] == [
        {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]
    assert policies["allow-to-namespaces"]["egress"] == [{
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "sentiment-engine"}}}]}]
    assert {r.name for r in prod.of_type(POLICY)} >= {
        "sentimark-api-np-allow-egress-private-endpoints", "sentimark-api-np-allow-egress-entra-id"}


def test_disruption_budget_lets_drains_proceed_one_pod_at_a_time(dev: Plan) -> None:
    pdb = _one(dev, PDB)
    assert pdb.inputs["metadata"]["name"] == "sentimark-api-default"
    assert pdb.inputs["spec"] == {
        "maxUnavailable": 1,
        "selector": {"matchLabels": {"app.kubernetes.io/part-of": "sentimark-api"},
                     "matchExpressions": [{"key": "batch.kubernetes.io/job-name", "operator": "DoesNotExist"}]},
        "unhealthyPodEvictionPolicy": "AlwaysAllow",
    }


def test_strict_mtls_when_asked_and_after_the_istio_crds(prod: Plan, dev: Plan) -> None:
    peer = _one(prod, PEER_AUTH)
    assert peer.inputs["metadata"]["name"] == "default" and peer.inputs["metadata"]["namespace"] == "sentimark-api"
    assert peer.inputs["spec"] == {"mtls": {"mode": "STRICT"}}
    releases = {r.inputs["name"]: r.urn for r in prod.of_type("kubernetes:helm.sh/v3:Release")}
    assert {releases["istio-base"], releases["istiod"]} <= set(peer.dependencies)
    assert dev.of_type(PEER_AUTH) == []


def test_every_application_namespace_has_quota_limits_default_deny_and_a_budget(tmp_path: Path) -> None:
    apps = ["sentimark-api", "sentiment-engine", "data-acquisition"]
    plan = _preview(tmp_path, _with(DEV, apps=apps))
    by_namespace: dict[str, set[str]] = {app: set() for app in apps}
    for resource in plan.resources:
        metadata = resource.inputs.get("metadata") or {}
        if resource.type in (QUOTA, LIMITS, PDB) or (resource.type == POLICY and metadata["name"] == "default-deny"):
            by_namespace[metadata["namespace"]].add(resource.type)
    assert by_namespace == {app: {QUOTA, LIMITS, PDB, POLICY} for app in apps}
    for resource in plan.resources:  # all inside their namespace: created after it
        if resource.type in (QUOTA, LIMITS, PDB, POLICY):
            ns = next(r for r in plan.of_type(NAMESPACE) if r.inputs["metadata"]["name"] == resource.inputs["metadata"]["namespace"])
            assert ns.urn in resource.dependencies


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_plan_passes_the_schemas(tmp_path: Path, args: dict[str, Any]) -> None:
    plan = _preview(tmp_path, args)
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    kinds = {QUOTA, LIMITS, POLICY, PDB, NAMESPACE, PEER_AUTH}
    assert report.checked == len([r for r in plan.resources if r.type in kinds])


@pytest.mark.parametrize(("quantity", "doubled"), [("4", "8"), ("3500m", "7000m"), ("512Mi", "1024Mi"), ("32Gi", "64Gi")])
def test_double_quantity(quantity: str, doubled: str) -> None:
    assert double_quantity(quantity) == doubled


BAD = {
    "strict_without_crds": (
        _with(DEV, mtls_mode="STRICT"),
        "AppNamespace: argument 'crds_ready' got None; pass ServiceMesh.crds_ready so that the PeerAuthentication "
        "waits for the Istio CRDs (or [] when Istio was installed outside this program)",
    ),
    "control_plane_label": (
        _with(DEV, labels={"control-plane": "true"}),
        "AppNamespace: argument 'labels' got ['control-plane']; leave out ['istio-injection', 'istio.io/rev', "
        "'control-plane', 'kubernetes.io/metadata.name']: injection is always enabled, and AKS excludes namespaces "
        "labelled control-plane from admission webhooks (no sidecars)",
    ),
    "cpu_in_words": (
        _with(DEV, cpu_quota="2 cores"),
        "AppNamespace: argument 'cpu_quota' got '2 cores'; give whole cores (\"4\") or millicores (\"3500m\")",
    ),
    "memory_in_gb": (
        _with(DEV, memory_quota="4GB"),
        "AppNamespace: argument 'memory_quota' got '4GB'; give Mi, Gi or Ti, e.g. \"8Gi\"",
    ),
    "budget_blocking_drains": (
        _with(DEV, max_unavailable_pods=0),
        "AppNamespace: argument 'max_unavailable_pods' got 0; give at least 1 (0 would block every node drain and "
        "AKS upgrade)",
    ),
    "egress_host_not_cidr": (
        _with(DEV, egress={"db": {"cidr": "db.example.com", "ports": [5432]}}),
        "AppNamespace: argument \"egress['db'].cidr\" got 'db.example.com'; give an IPv4 CIDR block such as 10.1.2.0/24",
    ),
    "pod_security_as_a_label": (
        _with(DEV, labels={"pod-security.kubernetes.io/enforce": "privileged"}),
        "AppNamespace: argument 'labels' got ['pod-security.kubernetes.io/enforce']; leave out the "
        "pod-security.kubernetes.io labels: give pod_security instead",
    ),
    "unknown_pod_security_level": (
        _with(DEV, pod_security="strict"),
        "AppNamespace: argument 'pod_security' got 'strict'; use one of privileged, baseline, restricted",
    ),
    "uppercase_application": (
        _with(DEV, application="SentimarkApi"),
        "AppNamespace: argument 'application' got 'SentimarkApi'; use a Kubernetes namespace name (lowercase "
        "letters, digits, '-', up to 63)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_bad_arguments_before_registering_anything(tmp_path: Path, case: str) -> None:
    args, message = BAD[case]
    error = refusal(lambda: _preview(tmp_path, args), "AppNamespace")
    assert str(error) == message
