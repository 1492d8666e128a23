"""FrontDoor: HTTPS-only routing to health-probed regional ingress gateways, with failover priorities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform import schemacheck
from sentimark_platform.components import InvalidArgumentError
from sentimark_platform.offline import Plan
from tests.programs import preview_program

ORIGINS = {
    "weu": {"host_name": "smk-prod-weu.westeurope.cloudapp.azure.com", "primary": True},
    "neu": {"host_name": "smk-prod-neu.northeurope.cloudapp.azure.com"},
}
BASE: dict[str, Any] = {"resource_group_name": "rg-x", "origins": ORIGINS, "profile_name": "afd-smk-prod"}


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json\nfrom sentimark_platform.components.front_door import FrontDoor\n"
        f"fd = FrontDoor('edge', json.loads({json.dumps(json.dumps(args))}))\n"
        "import pulumi\npulumi.export('host', fd.endpoint_host_name)\npulumi.export('frontDoorId', fd.front_door_id)\n")


def test_active_passive_gives_the_primary_priority_and_probes_https(tmp_path: Path) -> None:
    plan = _preview(tmp_path, BASE)
    origins = {o.inputs["originName"]: o.inputs for o in plan.of_type("azure-native:cdn:AFDOrigin")}
    assert origins["weu"]["priority"] == 1 and origins["neu"]["priority"] == 2
    assert all(o["enforceCertificateNameCheck"] is True for o in origins.values())
    (group,) = plan.of_type("azure-native:cdn:AFDOriginGroup")
    assert group.inputs["healthProbeSettings"]["probeProtocol"] == "Https"
    (route,) = plan.of_type("azure-native:cdn:Route")
    assert route.inputs["httpsRedirect"] == "Enabled" and route.inputs["forwardingProtocol"] == "HttpsOnly"
    origin_urns = {o.urn for o in plan.of_type("azure-native:cdn:AFDOrigin")}
    assert origin_urns <= set(route.dependencies)
    assert plan.outputs["host"].endswith(".z01.azurefd.net")
    assert len(plan.outputs["frontDoorId"]) == 36
    assert schemacheck.validate_plan(plan.to_json()).problems == []


def test_a_custom_domain_gets_a_managed_certificate_and_the_route(tmp_path: Path) -> None:
    plan = preview_program(tmp_path, "import json, pulumi\nfrom sentimark_platform.components.front_door import FrontDoor\n"
        f"fd = FrontDoor('edge', json.loads({json.dumps(json.dumps({**BASE, 'custom_domain': 'api.sentimark.example'}))}))\n"
        "pulumi.export('token', fd.custom_domain_validation_token)\n")
    (domain,) = plan.of_type("azure-native:cdn:AFDCustomDomain")
    assert domain.inputs["hostName"] == "api.sentimark.example"
    assert domain.inputs["tlsSettings"] == {"certificateType": "ManagedCertificate", "minimumTlsVersion": "TLS12"}
    (route,) = plan.of_type("azure-native:cdn:Route")
    assert len(route.inputs["customDomains"]) == 1 and route.inputs["linkToDefaultDomain"] == "Enabled"
    assert route.inputs["customDomains"][0]["id"].endswith("/profiles/afd-smk-prod/customDomains/api-sentimark-example")
    assert domain.urn in route.dependencies
    assert len(plan.outputs["token"]) == 32  # the TXT record _dnsauth.api.sentimark.example
    assert schemacheck.validate_plan(plan.to_json()).problems == []


def test_active_active_spreads_traffic(tmp_path: Path) -> None:
    plan = _preview(tmp_path, {**BASE, "mode": "active-active"})
    assert {o.inputs["priority"] for o in plan.of_type("azure-native:cdn:AFDOrigin")} == {1}


def test_origin_host_header_is_what_the_origin_certificate_covers(tmp_path: Path) -> None:
    origins = {k: {**o, "origin_host_header": "api.sentimark.example"} for k, o in ORIGINS.items()}
    plan = _preview(tmp_path, {**BASE, "origins": origins})
    for origin in plan.of_type("azure-native:cdn:AFDOrigin"):
        assert origin.inputs["originHostHeader"] == "api.sentimark.example"
        assert origin.inputs["hostName"].endswith(".cloudapp.azure.com")
    without = _preview(tmp_path / "default", BASE)
    assert {o.inputs["originHostHeader"] for o in without.of_type("azure-native:cdn:AFDOrigin")} == {
        o["host_name"] for o in ORIGINS.values()}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({**BASE, "origins": {"weu": {"host_name": "a.example.com"}, "neu": {"host_name": "b.example.com"}}},
         "FrontDoor: argument 'origins' got []; mark exactly one origin primary=True in active-passive mode "
         "(or use mode='active-active')"),
        ({**BASE, "origins": {"weu": {"host_name": "not a host", "primary": True}}},
         "FrontDoor: argument \"origins['weu'].host_name\" got 'not a host'; give a public DNS host name such as "
         "smk-prod-weu.westeurope.cloudapp.azure.com"),
        ({**BASE, "origins": {"weu": {"host_name": "a.example.com", "origin_host_header": "https://api", "primary": True}}},
         "FrontDoor: argument \"origins['weu'].origin_host_header\" got 'https://api'; give the public DNS name the "
         "origin's certificate is for, such as api.example.com"),
    ],
    ids=["no-primary", "bad-host", "bad-origin-host-header"],
)
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, args: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _preview(tmp_path, args)
    assert str(caught.value) == message
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]


# --- WAF (issue 19) -------------------------------------------------------------------------------------------

WORKSPACE = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log-smk-prod"
PROD_WAF: dict[str, Any] = {
    **BASE,
    "sku": "Premium_AzureFrontDoor",
    "custom_domain": "api.sentimark.example",
    "diagnostic_settings": {"workspace_id": WORKSPACE},
    "tags": {"environment": "prod"},
    "waf": {
        "rate_limit_per_minute": 1000,
        "blocked_ip_ranges": ["203.0.113.0/24", "2001:db8::/32"],
        "blocked_countries": ["KP", "IR"],
    },
}


def _preview_waf(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json, pulumi\nfrom sentimark_platform.components.front_door import FrontDoor\n"
        f"fd = FrontDoor('edge', json.loads({json.dumps(json.dumps(args))}))\n"
        "pulumi.export('wafPolicyId', fd.waf_policy_id)\n")


def _rules_by_name(policy: Any) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in policy.inputs["customRules"]["rules"]}


def test_waf_blocks_in_prevention_with_the_managed_rule_sets_a_rate_limit_and_the_block_lists(tmp_path: Path) -> None:
    plan = _preview_waf(tmp_path, PROD_WAF)
    (policy,) = plan.of_type("azure-native:frontdoor:Policy")
    assert policy.name == "edge-waf" and policy.inputs["policyName"] == "afdsmkprodwaf"
    assert policy.inputs["sku"] == {"name": "Premium_AzureFrontDoor"}
    assert policy.inputs["location"] == "Global" and policy.inputs["tags"] == {"environment": "prod"}
    assert policy.inputs["policySettings"] == {"enabledState": "Enabled", "mode": "Prevention", "requestBodyCheck": "Enabled"}
    assert policy.inputs["managedRules"]["managedRuleSets"] == [
        {"ruleSetType": "Microsoft_DefaultRuleSet", "ruleSetVersion": "2.1", "ruleSetAction": "Block"},
        {"ruleSetType": "Microsoft_BotManagerRuleSet", "ruleSetVersion": "1.1"},
    ]
    rules = _rules_by_name(policy)
    rate = rules["RateLimitPerClientIp"]
    assert (rate["ruleType"], rate["rateLimitThreshold"], rate["rateLimitDurationInMinutes"], rate["action"]) == (
        "RateLimitRule", 1000, 1, "Block")
    assert rate["groupBy"] == [{"variableName": "SocketAddr"}]
    # Every request matches "not from TEST-NET-1", on the address a client cannot forge.
    assert rate["matchConditions"] == [{"matchVariable": "SocketAddr", "operator": "IPMatch", "negateCondition": True,
                                        "matchValue": ["192.0.2.0/24"]}]
    for prefix, operator, values in (("BlockIpRanges1", "IPMatch", ["203.0.113.0/24", "2001:db8::/32"]),
                                     ("BlockCountries1", "GeoMatch", ["KP", "IR"])):
        for variable in ("RemoteAddr", "SocketAddr"):
            rule = rules[f"{prefix}{variable}"]
            assert (rule["ruleType"], rule["action"]) == ("MatchRule", "Block")
            assert rule["matchConditions"] == [{"matchVariable": variable, "operator": operator, "matchValue": values}]
    priorities = [r["priority"] for r in rules.values()]
    assert len(set(priorities)) == len(priorities)
    assert max(r["priority"] for n, r in rules.items() if n.startswith("Block")) < rate["priority"]  # blocks first

    (attachment,) = plan.of_type("azure-native:cdn:SecurityPolicy")
    assert attachment.name == "edge-waf-attachment" and attachment.parent is not None and "FrontDoor" in attachment.parent
    parameters = attachment.inputs["parameters"]
    assert parameters["type"] == "WebApplicationFirewall"
    assert parameters["wafPolicy"]["id"] == plan.outputs["wafPolicyId"]
    (association,) = parameters["associations"]
    (endpoint,) = plan.of_type("azure-native:cdn:AFDEndpoint")
    (domain,) = plan.of_type("azure-native:cdn:AFDCustomDomain")
    domain_ids = [d["id"] for d in association["domains"]]
    assert len(domain_ids) == 2 and association["patternsToMatch"] == ["/*"]
    assert domain_ids[0].endswith("/profiles/afd-smk-prod/afdEndpoints/edge-fde")
    assert domain_ids[1].endswith("/profiles/afd-smk-prod/customDomains/api-sentimark-example")
    assert {endpoint.urn, domain.urn, policy.urn} <= set(attachment.dependencies)

    (diagnostics,) = plan.of_type("azure-native:monitor:DiagnosticSetting")
    assert {"categoryGroup": "allLogs", "enabled": True} in diagnostics.inputs["logs"]  # carries the WAF log
    assert schemacheck.validate_plan(plan.to_json()).problems == []


def test_waf_detection_mode_and_a_newer_default_rule_set_are_settings(tmp_path: Path) -> None:
    waf = {**PROD_WAF["waf"], "mode": "Detection", "default_rule_set_version": "2.2", "policy_name": "wafEdge1",
           "blocked_countries": [f"A{chr(65 + i)}" for i in range(12)]}
    plan = _preview_waf(tmp_path, {**PROD_WAF, "waf": waf})
    (policy,) = plan.of_type("azure-native:frontdoor:Policy")
    assert policy.inputs["policySettings"]["mode"] == "Detection" and policy.inputs["policyName"] == "wafEdge1"
    assert policy.inputs["managedRules"]["managedRuleSets"][0]["ruleSetVersion"] == "2.2"
    # At most 10 countries per custom rule (learn.microsoft.com ... waf-front-door-geo-filtering): 12 take two.
    rules = _rules_by_name(policy)
    assert len(rules["BlockCountries1RemoteAddr"]["matchConditions"][0]["matchValue"]) == 10
    assert rules["BlockCountries2SocketAddr"]["matchConditions"][0]["matchValue"] == ["AK", "AL"]


def test_the_waf_log_is_added_to_diagnostics_that_would_leave_it_out() -> None:
    from sentimark_platform.components.front_door import _with_waf_log

    assert _with_waf_log({"workspace_id": WORKSPACE}) == {"workspace_id": WORKSPACE}  # allLogs covers it
    assert _with_waf_log({"workspace_id": WORKSPACE, "categories": ["FrontDoorAccessLog"]})["categories"] == [  # type: ignore[index]
        "FrontDoorAccessLog", "FrontDoorWebApplicationFirewallLog"]
    audit = _with_waf_log({"workspace_id": WORKSPACE, "category_groups": ["audit"]})
    assert audit == {"workspace_id": WORKSPACE, "category_groups": ["audit"], "categories": ["FrontDoorWebApplicationFirewallLog"]}
    assert _with_waf_log(None) is None


def test_a_profile_without_waf_registers_no_waf(tmp_path: Path) -> None:
    plan = _preview_waf(tmp_path, {**BASE, "diagnostic_settings": {"workspace_id": WORKSPACE}})
    assert sorted(r.type.rsplit(":", 1)[1] for r in plan.resources if r.custom and r.type.startswith("azure-native:")) == [
        "AFDEndpoint", "AFDOrigin", "AFDOrigin", "AFDOriginGroup", "DiagnosticSetting", "Profile", "Route"]
    (diagnostics,) = plan.of_type("azure-native:monitor:DiagnosticSetting")
    assert diagnostics.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    assert "wafPolicyId" not in plan.outputs  # the output is None: an export of None is dropped


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"sku": "Standard_AzureFrontDoor"},
         ["argument 'sku' got 'Standard_AzureFrontDoor'; use Premium_AzureFrontDoor with waf: the Microsoft managed rule "
          "sets (default and bot manager) need Premium"]),
        ({"waf": {"rate_limit_per_minute": 0, "mode": "Block", "policy_name": "waf-edge",
                  "blocked_ip_ranges": ["10.0.0.1/24", "0.0.0.0/0", "2001:db8::/32", "not-a-range"],
                  "blocked_countries": ["KP", "de", "USA"]}},
         ["argument 'waf.mode' got 'Block'; use Prevention (block matching requests) or Detection (log them only)",
          "argument 'waf.rate_limit_per_minute' got 0; give a whole number of requests per client IP per minute from 1 "
          "to 2147483647 (0 would block every request; Microsoft's example uses 1000)",
          "argument 'waf.policy_name' got 'waf-edge'; use letters and digits only, starting with a letter, at most 128 "
          "characters (e.g. afdsmkprodwaf)",
          *(f"argument 'waf.blocked_ip_ranges[{i}]' got {v!r}; give an IPv4 or IPv6 range in CIDR notation with its "
            "network address, such as 203.0.113.0/24 (not a /0, which would block every client)"
            for i, v in ((0, "10.0.0.1/24"), (1, "0.0.0.0/0"), (3, "not-a-range"))),
          *(f"argument 'waf.blocked_countries[{i}]' got {v!r}; give an ISO 3166-1 alpha-2 country code in upper case, "
            "such as KP" for i, v in ((1, "de"), (2, "USA")))]),
    ],
    ids=["standard-sku", "bad-values-all-at-once"],
)
def test_waf_arguments_are_refused_before_anything_is_registered(tmp_path: Path, changes: dict[str, Any],
                                                                 problems: list[str]) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _preview_waf(tmp_path, {**PROD_WAF, **changes})
    assert [str(p) for p in caught.value.problems] == [f"FrontDoor: {p}" for p in problems]
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]
