"""Whole plans: what is counted, what is listed as not checked, and the printed form."""

from __future__ import annotations

from typing import Any

from sentimark_platform.schemacheck import NotChecked, validate_plan

from .test_good_resources import eventhub_namespace, key_vault, namespace, resource


def plan(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"project": "platform", "stack": "dev", "resources": list(resources), "outputs": {}}


def test_lists_resources_without_a_schema_as_not_checked_with_the_reason() -> None:
    release = resource("kubernetes:helm.sh/v3:Release", {"chart": "istio-base"}, "istio-base")
    password = resource("random:index/randomPassword:RandomPassword", {"length": 32.0}, "pg-password")
    provider = resource("pulumi:providers:kubernetes", {"kubeconfig": "[secret]"}, "aks")
    unindexed = resource("azure-native:cache:RedisFirewallRule", {"ruleName": "x"}, "fw")
    unknown_crd = resource("kubernetes:cert-manager.io/v1:Certificate",
                           {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "spec": {}}, "cert")
    report = validate_plan(plan(release, password, provider, unindexed, unknown_crd))
    assert report.checked == 0
    assert report.problems == []
    assert [(n.type, n.reason) for n in report.not_checked] == [
        ("kubernetes:helm.sh/v3:Release", "Release is rendered by the provider at deploy time: no manifest to check"),
        ("random:index/randomPassword:RandomPassword", "no schema for package 'random'"),
        ("pulumi:providers:kubernetes", "provider resource: configuration, not a cloud object with a schema"),
        ("azure-native:cache:RedisFirewallRule", "no ARM schema in schemacheck/rules.json for this type "
                                                 "(add it to the schema index and re-run scripts/derive_schema_rules.py)"),
        ("kubernetes:cert-manager.io/v1:Certificate",
         "no CRD schema for cert-manager.io/v1 Certificate in schemacheck/rules.json"),
    ]
    assert report.not_checked[0] == NotChecked(urn="urn:pulumi:dev::platform::kubernetes:helm.sh/v3:Release::istio-base",
                                               type="kubernetes:helm.sh/v3:Release", reason=report.not_checked[0].reason)


def test_skips_component_resources_entirely() -> None:
    component = resource("sentimark:index:KeyVault", {}, "kv")
    component["custom"] = False
    report = validate_plan(plan(component, key_vault()))
    assert (report.checked, report.problems, report.not_checked) == (1, [], [])


def test_summary_and_lines_cover_problems_and_not_checked() -> None:
    release = resource("kubernetes:helm.sh/v3:Release", {}, "istio-base")
    report = validate_plan(plan(key_vault(), eventhub_namespace(name="evh"), namespace(), release))
    assert report.summary() == ("checked 3 resources, 2 problems, 1 not checked "
                                "(Kubernetes core objects against 1.33 schemas)")
    lines = report.format_lines()
    assert lines[0] == ('evhns (azure-native:eventhub:Namespace) name: "evh" has 3 characters, fewer than the '
                        "minimum 6 [allowed: length 6-50]")
    assert lines[2] == ("not checked: urn:pulumi:dev::platform::kubernetes:helm.sh/v3:Release::istio-base "
                        "(kubernetes:helm.sh/v3:Release): Release is rendered by the provider at deploy time: "
                        "no manifest to check")
    assert lines[-1] == report.summary()
