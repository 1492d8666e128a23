"""Azure Front Door: HTTPS end to end and a WAF in front of every domain (the Microsoft cloud security benchmark
Front Door baseline)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._base import UNKNOWN, Finding, Resource, Rule, Undecidable, lookup, resource_label, shown

ROUTE = "azure-native:cdn:Route"
ORIGIN = "azure-native:cdn:AFDOrigin"
PROFILE = "azure-native:cdn:Profile"
ENDPOINT = "azure-native:cdn:AFDEndpoint"
CUSTOM_DOMAIN = "azure-native:cdn:AFDCustomDomain"
SECURITY_POLICY = "azure-native:cdn:SecurityPolicy"
WAF_POLICY_TYPES = frozenset({"azure-native:frontdoor:Policy", "azure-native:network:Policy"})
"""Microsoft.Network/FrontDoorWebApplicationFirewallPolicies: `frontdoor:Policy` in pulumi-azure-native 3,
`network:Policy` in 2 (v3 keeps it as an alias)."""
PREMIUM = "Premium_AzureFrontDoor"
DEFAULT_RULE_SET = "Microsoft_DefaultRuleSet"


def https_only(resource: Resource) -> list[str]:
    if resource.type == ORIGIN:
        if lookup(resource.inputs, "enforceCertificateNameCheck") is False:
            return ["enforceCertificateNameCheck is false; Front Door must verify the origin's certificate"]
        return []
    messages = []
    forwarding = lookup(resource.inputs, "forwardingProtocol")
    if forwarding != "HttpsOnly":
        messages.append(f"forwardingProtocol is {shown(forwarding)}; forward to origins over HTTPS only (HttpsOnly)")
    protocols = lookup(resource.inputs, "supportedProtocols") or ["Http", "Https"]
    if "Http" in protocols and lookup(resource.inputs, "httpsRedirect") != "Enabled":
        messages.append(f"httpsRedirect is {shown(lookup(resource.inputs, 'httpsRedirect'))} while HTTP is accepted; "
                        "redirect HTTP to HTTPS (httpsRedirect Enabled)")
    return messages


def _known(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at `path`, or UNKNOWN: ids are unknown during a real preview, and links fall back on dependencies."""
    try:
        return lookup(inputs, path)
    except Undecidable:
        return UNKNOWN


def _of_profile(resource: Resource, profile: Resource) -> bool:
    """The resource belongs to the profile: it references the profile's name (a dependency), or names it."""
    name = profile.inputs.get("profileName")
    return profile.urn in resource.dependencies or (
        isinstance(name, str) and name != UNKNOWN and resource.inputs.get("profileName") == name)


def _references(resource: Resource, target: Resource, ids: Sequence[Any], suffix: str | None) -> bool:
    """`resource` points at `target`: through a dependency (an id taken from it), or an id ending in its name."""
    if target.urn in resource.dependencies:
        return True
    return suffix is not None and any(isinstance(i, str) and i != UNKNOWN and i.lower().endswith(suffix.lower())
                                      for i in ids)


def _suffix(resource: Resource, collection: str, name_input: str) -> str | None:
    name = resource.inputs.get(name_input)
    return f"/{collection}/{name}" if isinstance(name, str) and name != UNKNOWN else None


def _domain_ids(attachment: Resource) -> list[Any]:
    associations = _known(attachment.inputs, "parameters.associations")
    return [domain.get("id") for association in (associations if isinstance(associations, list) else [])
            if isinstance(association, Mapping)
            for domain in (association.get("domains") or []) if isinstance(domain, Mapping)]


def _waf_problems(policy: Resource) -> list[str]:
    """Why the WAF policy does not protect: not enabled, not blocking, no Microsoft default rule set, wrong tier."""
    problems = []
    if lookup(policy.inputs, "policySettings.enabledState") == "Disabled":
        problems.append("policySettings.enabledState is \"Disabled\"")
    mode = lookup(policy.inputs, "policySettings.mode")
    if mode != "Prevention":
        problems.append(f"policySettings.mode is {shown(mode)}, not \"Prevention\"")
    sets = lookup(policy.inputs, "managedRules.managedRuleSets") or []
    default = [s for s in sets if isinstance(s, Mapping) and s.get("ruleSetType") == DEFAULT_RULE_SET]
    if not default:
        problems.append(f"managedRules has no {DEFAULT_RULE_SET}")
    elif all(s.get("ruleSetAction") == "Log" for s in default):
        problems.append(f"{DEFAULT_RULE_SET} only logs (ruleSetAction \"Log\")")
    sku = lookup(policy.inputs, "sku.name")
    if sku != PREMIUM:
        problems.append(f"sku.name is {shown(sku)}, not {PREMIUM} (managed rule sets need Premium)")
    return problems


def _check_profile(profile: Resource, resources: Sequence[Resource], wafs: Sequence[Resource]) -> list[str]:
    messages = []
    sku = lookup(profile.inputs, "sku.name")
    if sku != PREMIUM:
        messages.append(f"sku.name is {shown(sku)}; use {PREMIUM}: the Microsoft managed WAF rule sets need Premium "
                        "(FrontDoor sku)")
    attachments = [
        r for r in resources
        if r.type == SECURITY_POLICY and _of_profile(r, profile)
        and lookup(r.inputs, "parameters.type") == "WebApplicationFirewall"
    ]
    guarding = []
    for attachment in attachments:
        waf_id = _known(attachment.inputs, "parameters.wafPolicy.id")
        attached = [w for w in wafs if _references(attachment, w, [waf_id],
                                                   _suffix(w, "FrontDoorWebApplicationFirewallPolicies", "policyName"))]
        if not attached:
            messages.append(f"{resource_label(attachment.urn)} attaches WAF policy {shown(waf_id)}, which is not in this "
                            "plan and cannot be checked; attach the stack's own WAF policy")
            continue
        problems = [p for w in attached for p in (f"{resource_label(w.urn)}: {x}" for x in _waf_problems(w))]
        if problems:
            messages.append(f"{resource_label(attachment.urn)} attaches a WAF policy that does not protect: "
                            f"{'; '.join(problems)}")
        else:
            guarding.append(attachment)
    if not attachments:
        messages.append("no security policy attaches a WAF policy; give FrontDoor `waf` (a Front Door WAF policy in "
                        f"Prevention mode with {DEFAULT_RULE_SET}, attached to every endpoint and domain)")
        return messages
    if not guarding:
        return messages  # the attachments' own findings say why nothing is guarded
    for target in resources:
        if target.type not in (ENDPOINT, CUSTOM_DOMAIN) or not _of_profile(target, profile):
            continue
        collection, name_input = (("afdEndpoints", "endpointName") if target.type == ENDPOINT
                                  else ("customDomains", "customDomainName"))
        suffix = _suffix(target, collection, name_input)
        if not any(_references(a, target, _domain_ids(a), suffix) for a in guarding):
            messages.append(f"{resource_label(target.urn)} is served without a protecting WAF policy; add it to the "
                            "security policy's associations")
    return messages


def waf_prevention(resources: Sequence[Resource]) -> list[Finding]:
    wafs = [r for r in resources if r.type in WAF_POLICY_TYPES]
    return [
        Finding(profile.urn, message)
        for profile in resources if profile.type == PROFILE
        for message in _check_profile(profile, resources, wafs)
    ]


RULES = (
    Rule("afd-https-only", "Front Door redirects clients to HTTPS and reaches verified origins over HTTPS only.", "high",
         ("MCSB Front Door DP-3",), https_only, frozenset({ROUTE, ORIGIN})),
    Rule("frontdoor-waf-prevention",
         "Every Front Door profile is Premium, and a WAF policy in Prevention mode with the Microsoft default rule set "
         "guards each of its endpoints and custom domains.", "high",
         ("MCSB Front Door NS-6 (deploy a web application firewall)", "issue 19: Front Door WAF"),
         waf_prevention, scope="stack"),
)
