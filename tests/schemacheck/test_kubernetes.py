"""Kubernetes custom resources against CRD schemas, core objects against kubernetes-validate's schemas."""

from __future__ import annotations

from sentimark_platform.schemacheck import Problem, validate_resource

from .test_good_resources import namespace, network_policy, rollout, secret_provider_class, virtual_service


def paths_and_messages(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in problems]


def test_reports_virtual_service_hosts_given_as_a_string() -> None:
    problems = validate_resource(virtual_service(hosts="api.sentimark.example")).problems
    assert paths_and_messages(problems) == [("spec.hosts", 'expected array, got string "api.sentimark.example"')]


def test_reports_non_integer_route_weight_at_its_list_position() -> None:
    service = virtual_service()
    service["inputs"]["spec"]["http"][0]["route"][1]["weight"] = 10.5
    problems = validate_resource(service).problems
    assert paths_and_messages(problems) == [("spec.http[0].route[1].weight", "expected integer, got number 10.5")]


def test_reports_unknown_field_in_secret_provider_class_spec() -> None:
    problems = validate_resource(secret_provider_class(secretObjectz=[])).problems
    assert [(p.path, p.message, p.allowed) for p in problems] == [
        ("spec.secretObjectz", "unknown field 'secretObjectz'", "parameters, provider, secretObjects")]


def test_reports_unknown_field_deep_in_a_rollout() -> None:
    bad = rollout()
    bad["inputs"]["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"]["route"] = ["api"]
    problems = validate_resource(bad).problems
    assert [(p.path, p.message, p.allowed) for p in problems] == [
        ("spec.strategy.canary.trafficRouting.istio.virtualService.route", "unknown field 'route'",
         "name, routes, tcpRoutes, tlsRoutes")]


def test_reports_unknown_field_in_core_namespace_metadata() -> None:
    problems = validate_resource(namespace(labelz={"a": "b"})).problems
    assert paths_and_messages(problems) == [("metadata.labelz", "unknown field 'labelz'")]


def test_reports_unknown_field_in_core_network_policy_spec() -> None:
    problems = validate_resource(network_policy(podSelectorX={})).problems
    assert [(p.path, p.message, p.allowed) for p in problems] == [
        ("spec.podSelectorX", "unknown field 'podSelectorX'", "egress, ingress, podSelector, policyTypes")]


def test_reports_core_type_violation() -> None:
    problems = validate_resource(network_policy(policyTypes="Ingress")).problems
    assert paths_and_messages(problems) == [("spec.policyTypes", 'expected array or null, got string "Ingress"')]


def test_skips_placeholders_in_custom_resources() -> None:
    service = virtual_service(hosts="[unknown]")
    service["inputs"]["spec"]["http"][0]["route"][0]["weight"] = "[secret]"
    assert validate_resource(service).problems == []


def test_uses_nearest_bundled_kubernetes_version_and_names_it() -> None:
    assert validate_resource(namespace(), kubernetes_version="1.33").kubernetes_schema_version == "1.33"
    assert validate_resource(namespace(), kubernetes_version="1.99").kubernetes_schema_version == "1.37"
    assert validate_resource(namespace(), kubernetes_version="1.10").kubernetes_schema_version == "1.25"
