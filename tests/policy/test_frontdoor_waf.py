"""frontdoor-waf-prevention: every Front Door profile is Premium and a Prevention-mode WAF policy with the Microsoft
default rule set guards each of its endpoints and custom domains; mandatory in uat and prod, advisory elsewhere."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.offline import Plan
from sentimark_platform.policy import RULES, UNKNOWN, PolicyResult, Resource, evaluate_plan, evaluate_resources, rule
from tests.programs import preview_program

NAME = "frontdoor-waf-prevention"
ORIGINS = {"weu": {"host_name": "smk-prod-weu.westeurope.cloudapp.azure.com", "primary": True}}
STANDARD: dict[str, Any] = {"resource_group_name": "rg-x", "origins": ORIGINS, "profile_name": "afd-smk-prod",
                            "custom_domain": "api.sentimark.example"}
WITH_WAF: dict[str, Any] = {**STANDARD, "sku": "Premium_AzureFrontDoor", "waf": {"rate_limit_per_minute": 1000}}


def _plan(directory: Path, args: dict[str, Any]) -> dict[str, Any]:
    plan: Plan = preview_program(directory, "import json\nfrom sentimark_platform.components import FrontDoor\n"
                                 f"FrontDoor('edge', json.loads({json.dumps(json.dumps(args))}))\n")
    return plan.to_json()


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    return {name: _plan(tmp_path_factory.mktemp(name), args) for name, args in (("waf", WITH_WAF), ("standard", STANDARD))}


def _mine(results: list[PolicyResult]) -> list[PolicyResult]:
    return [r for r in results if r.policy == NAME]


def test_the_rule_is_in_the_baseline_as_a_stack_rule_for_every_environment() -> None:
    policy = rule(NAME)
    assert policy in RULES and policy.scope == "stack" and policy.environments is None and policy.severity == "high"


@pytest.mark.parametrize("environment", ["dev", "sit", "uat", "prod"])
def test_a_premium_profile_with_the_component_s_waf_passes(plans: dict[str, dict[str, Any]], environment: str) -> None:
    results = _mine(evaluate_plan(plans["waf"], environment=environment))
    assert [(r.passed, r.message) for r in results] == [(True, "")]


@pytest.mark.parametrize(("environment", "enforcement"), [("prod", "mandatory"), ("uat", "mandatory"),
                                                          ("dev", "advisory"), ("sit", "advisory")])
def test_a_standard_profile_without_waf_fails_blocking_in_uat_and_prod_only(
        plans: dict[str, dict[str, Any]], environment: str, enforcement: str) -> None:
    results = _mine(evaluate_plan(plans["standard"], environment=environment))
    assert [r.message for r in results] == [
        'sku.name is "Standard_AzureFrontDoor"; use Premium_AzureFrontDoor: the Microsoft managed WAF rule sets need '
        "Premium (FrontDoor sku)",
        "no security policy attaches a WAF policy; give FrontDoor `waf` (a Front Door WAF policy in Prevention mode "
        "with Microsoft_DefaultRuleSet, attached to every endpoint and domain)",
    ]
    assert {(r.passed, r.enforcement, r.blocking) for r in results} == {(False, enforcement, enforcement == "mandatory")}
    assert all(r.urn is not None and r.urn.endswith("azure-native:cdn:Profile::edge-afd") for r in results)


def _resources(plan: dict[str, Any]) -> list[Resource]:
    return [Resource.from_plan(r) for r in plan["resources"]]


def _failures(resources: list[Resource], environment: str = "prod") -> list[str]:
    return [r.message for r in evaluate_resources(resources, environment=environment, rules=[rule(NAME)]) if not r.passed]


def _edit(plan: dict[str, Any], type_suffix: str, change: Any) -> list[Resource]:
    edited = copy.deepcopy(plan)
    for resource in edited["resources"]:
        if resource["type"].endswith(type_suffix):
            change(resource)
    return _resources(edited)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r["inputs"]["policySettings"].update(mode="Detection"),
         'policySettings.mode is "Detection", not "Prevention"'),
        (lambda r: r["inputs"]["policySettings"].update(enabledState="Disabled"),
         'policySettings.enabledState is "Disabled"'),
        (lambda r: r["inputs"]["managedRules"].update(managedRuleSets=r["inputs"]["managedRules"]["managedRuleSets"][1:]),
         "managedRules has no Microsoft_DefaultRuleSet"),
        (lambda r: r["inputs"]["managedRules"]["managedRuleSets"][0].update(ruleSetAction="Log"),
         'Microsoft_DefaultRuleSet only logs (ruleSetAction "Log")'),
    ],
    ids=["detection", "disabled", "no-default-rule-set", "logging-only"],
)
def test_a_waf_policy_that_does_not_block_fails(plans: dict[str, dict[str, Any]], change: Any, message: str) -> None:
    (failure,) = _failures(_edit(plans["waf"], "frontdoor:Policy", change))
    assert failure == ("azure-native:cdn:SecurityPolicy::edge-waf-attachment attaches a WAF policy that does not "
                       f"protect: azure-native:frontdoor:Policy::edge-waf: {message}")


def test_a_custom_domain_left_out_of_the_security_policy_fails(plans: dict[str, dict[str, Any]]) -> None:
    def drop_domain(r: dict[str, Any]) -> None:
        association = r["inputs"]["parameters"]["associations"][0]
        association["domains"] = association["domains"][:1]
        r["dependencies"] = [d for d in r["dependencies"] if "AFDCustomDomain" not in d]

    (failure,) = _failures(_edit(plans["waf"], "cdn:SecurityPolicy", drop_domain))
    assert failure == ("azure-native:cdn:AFDCustomDomain::edge-domain is served without a protecting WAF policy; add it to the security "
                       "policy's associations")


def test_ids_unknown_during_a_real_preview_are_linked_through_dependencies(plans: dict[str, dict[str, Any]]) -> None:
    # In `pulumi preview` the WAF policy's and the domains' ids are not known yet: CrossGuard sees the marker.
    def unknown_ids(r: dict[str, Any]) -> None:
        r["inputs"]["parameters"]["wafPolicy"]["id"] = UNKNOWN
        r["inputs"]["parameters"]["associations"][0]["domains"] = [{"id": UNKNOWN}, {"id": UNKNOWN}]
        r["inputs"]["profileName"] = UNKNOWN

    assert _failures(_edit(plans["waf"], "cdn:SecurityPolicy", unknown_ids)) == []


def test_an_attached_policy_outside_the_plan_cannot_be_vouched_for(plans: dict[str, dict[str, Any]]) -> None:
    outside = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/FrontDoorWebApplicationFirewallPolicies/central"

    def elsewhere(r: dict[str, Any]) -> None:
        r["inputs"]["parameters"]["wafPolicy"]["id"] = outside
        r["dependencies"] = [d for d in r["dependencies"] if "frontdoor:Policy" not in d]

    (failure,) = _failures(_edit(plans["waf"], "cdn:SecurityPolicy", elsewhere))
    assert failure == (f'azure-native:cdn:SecurityPolicy::edge-waf-attachment attaches WAF policy "{outside}", which is not in this plan '
                       "and cannot be checked; attach the stack's own WAF policy")


def test_a_plan_without_front_door_has_nothing_to_judge() -> None:
    results = evaluate_resources([], environment="prod", rules=[rule(NAME)])
    assert [(r.passed, r.urn) for r in results] == [(True, None)]
