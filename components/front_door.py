"""Azure Front Door in front of regional ingress gateways: one endpoint, health-probed origins, HTTPS only.

Each region's origin is the public host name of its Istio ingress gateway. With `mode="active-passive"`
the primary region takes all traffic and the others take over when its health probe fails (priority 1 vs
2); with `mode="active-active"` traffic is spread by latency across healthy regions.

With `waf`, a Web Application Firewall policy (Microsoft default and bot manager rule sets, a per-client rate
limit, IP and country block lists) guards the endpoint and the custom domain through a security policy.
"""

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import cdn, frontdoor

from sentimark_platform.components._interfaces import DiagnosticSettingsArgs, apply_diagnostic_settings
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["FrontDoor", "FrontDoorArgs", "FrontDoorOriginArgs", "FrontDoorWafArgs"]

_COMPONENT = "FrontDoor"
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")
_KEY = re.compile(r"^[a-z][a-z0-9-]{0,40}$")

_PREMIUM = "Premium_AzureFrontDoor"
# Front Door WAF policy names: letters and digits, starting with a letter, at most 128 characters (the REST spec
# Microsoft.Network/FrontDoorWebApplicationFirewallPolicies 2025-11-01 caps policyName at 128; the letters-and-
# digits rule is the service's, as Azure/PSRule.Rules.Azure rule Azure.FrontDoor.WAF.Name records it). Pulumi's
# auto-name would add a hyphen, so the component always names the policy.
_WAF_POLICY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,127}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Managed rule sets on Front Door Premium (learn.microsoft.com/azure/web-application-firewall/afds/waf-front-door-drs;
# Az.FrontDoor's Get-AzFrontDoorWafManagedRuleSetDefinition lists Microsoft_DefaultRuleSet 2.0, 2.1, 2.2 and
# Microsoft_BotManagerRuleSet 1.0, 1.1). "Secure your Azure Web Application Firewall deployment" (learn.microsoft.com,
# 2026-07): Front Door Premium supports DRS 2.2 (OWASP CRS 3.3.4); DRS 2.1 (CRS 3.3.2) remains available.
_DEFAULT_RULE_SET = "Microsoft_DefaultRuleSet"
_DEFAULT_RULE_SET_VERSIONS = ("2.1", "2.2")
_BOT_MANAGER_RULE_SET = "Microsoft_BotManagerRuleSet"
_BOT_MANAGER_VERSION = "1.1"
_WAF_LOG = "FrontDoorWebApplicationFirewallLog"
"""The profile's WAF log category (learn.microsoft.com/azure/azure-monitor/reference/supported-logs/
microsoft-cdn-profiles-logs); the WAF policy itself has no diagnostic settings, its matches are logged by the profile."""
# Service limits (learn.microsoft.com/azure/azure-resource-manager/management/azure-subscription-service-limits,
# "Azure Front Door Standard and Premium service limits"): 100 custom rules per policy, 600 IP ranges per custom rule;
# and at most 10 country codes in one custom rule (learn.microsoft.com/azure/web-application-firewall/afds/
# waf-front-door-geo-filtering).
_MAX_CUSTOM_RULES = 100
_IP_RANGES_PER_RULE = 600
_COUNTRIES_PER_RULE = 10
# The REST spec sets rateLimitThreshold's minimum at 0 (which would block every request) and no maximum; Azure's SDKs
# type it as a 32-bit integer.
_RATE_LIMIT_BOUNDS = (1, 2**31 - 1)
_BLOCK_PRIORITY, _RATE_LIMIT_PRIORITY = 10, 500
# Matches no real client: TEST-NET-1 (RFC 5737). Negated, it matches every request, the way Microsoft's quickstart
# "Front Door Standard/Premium with rate limit" (Azure/azure-quickstart-templates, microsoft.cdn/front-door-standard-
# premium-rate-limit) scopes a rate limit to all requests; here on SocketAddr, which a client cannot forge.
_NO_CLIENT = "192.0.2.0/24"


class FrontDoorOriginArgs(TypedDict):
    host_name: pulumi.Input[str]
    """Public host name of the region's ingress gateway (e.g. its public IP's DNS name)."""
    origin_host_header: NotRequired[str]
    """Host header (and TLS server name) Front Door sends to this origin and probes it with; the origin's
    certificate must cover it, from a publicly trusted CA. `host_name` unless given (a name such as
    *.cloudapp.azure.com can carry no certificate of yours: give the host your ingress certificate is for)."""
    primary: NotRequired[bool]
    """Takes the traffic in active-passive mode; exactly one origin must be primary there."""


class FrontDoorWafArgs(TypedDict):
    rate_limit_per_minute: int
    """Requests each client IP (the socket address Front Door sees) may send per minute before the rest of that minute
    is blocked; required, since only your traffic tells what is abnormal (Microsoft's example uses 1000; below about
    200 a few requests over the limit may pass: learn.microsoft.com/azure/web-application-firewall/afds/
    waf-front-door-rate-limit)."""
    mode: NotRequired[str]
    """One of Prevention, Detection; Prevention unless given: matching requests are blocked. Detection only logs
    them (for tuning a new rule set)."""
    blocked_ip_ranges: NotRequired[Sequence[str]]
    """IPv4 or IPv6 ranges in CIDR notation (e.g. 203.0.113.0/24) whose requests are blocked, matched on both the
    client address Front Door reports (X-Forwarded-For) and the socket address; none unless given."""
    blocked_countries: NotRequired[Sequence[str]]
    """ISO 3166-1 alpha-2 country codes (e.g. KP) whose requests are blocked by geo-match; none unless given. ZZ
    stands for addresses Azure cannot place, which Microsoft advises not to block."""
    default_rule_set_version: NotRequired[str]
    """One of 2.1, 2.2; 2.1 unless given: the Microsoft_DefaultRuleSet version, with anomaly scoring and action
    Block. Re-tune exclusions in Detection mode before moving to a newer version."""
    policy_name: NotRequired[str]
    """Azure name of the WAF policy (letters and digits, starting with a letter, at most 128); the profile's name
    (or the component's) without hyphens plus "waf" unless given."""


class FrontDoorArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the profile (Front Door is global)."""
    origins: Mapping[str, FrontDoorOriginArgs]
    """Regional origins by key (e.g. the region code); at least one."""
    mode: NotRequired[str]
    """One of active-passive, active-active; active-passive unless given: the primary serves, the others stand by
    for failover."""
    sku: NotRequired[str]
    """One of Standard_AzureFrontDoor, Premium_AzureFrontDoor; Standard_AzureFrontDoor unless given (Premium adds
    private-link origins and managed WAF rules). Changing it makes Pulumi replace a live profile
    (pulumi-azure-native#3432): upgrade Standard to Premium in place first (Update-AzFrontDoorCdnProfile
    -ProfileUpgradeParameter, learn.microsoft.com/azure/frontdoor/tier-upgrade-powershell: no downtime), then
    `pulumi refresh`."""
    custom_domain: NotRequired[str]
    """Public host name clients use (e.g. api.example.com, a CNAME to `endpoint_host_name`), served on HTTPS
    with a certificate Front Door manages; validated through the DNS TXT record `_dnsauth.<host>` =
    `custom_domain_validation_token`. Only the `*.azurefd.net` name unless given."""
    health_probe_path: NotRequired[str]
    """Path probed on every origin over HTTPS; "/healthz/ready" (Istio's gateway readiness) unless given."""
    profile_name: NotRequired[str]
    """Azure name of the profile; Pulumi auto-names it unless given."""
    endpoint_name: NotRequired[str]
    """Azure name of the endpoint (part of its *.azurefd.net host); Pulumi auto-names it unless given."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """Access, health-probe and (with `waf`) WAF logs; none unless given. With `waf`, the WAF log category is added
    when the settings' categories and groups would leave it out."""
    waf: NotRequired[FrontDoorWafArgs]
    """A WAF policy attached to the endpoint and the custom domain (needs sku Premium_AzureFrontDoor); no WAF unless
    given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the profile (and the WAF policy); the stack's FinOps tags."""


class FrontDoor(pulumi.ComponentResource):
    """A Front Door profile, endpoint, origin group, regional origins and an HTTPS-only route."""

    resource_id: pulumi.Output[str]
    """Resource id of the Front Door profile."""
    name: pulumi.Output[str]
    """Azure name of the profile."""
    endpoint_host_name: pulumi.Output[str]
    """The endpoint's `*.azurefd.net` host name (point the public DNS CNAME here)."""
    custom_domain_validation_token: pulumi.Output[str] | None
    """The value of the TXT record `_dnsauth.<custom_domain>` that proves the domain is yours; None without
    `custom_domain`."""
    front_door_id: pulumi.Output[str]
    """The profile's id, in the `X-Azure-FDID` header of every request Front Door forwards (its health probes
    carry `X-FD-HealthProbe` instead): origins should refuse forwarded requests without it, since the
    AzureFrontDoor.Backend service tag admits every Front Door profile, not only this one (ServiceMesh
    `ingress_gateway.front_door_id`, which leaves the probe's path open)."""
    waf_policy_id: pulumi.Output[str] | None
    """Resource id of the WAF policy guarding the endpoint and the custom domain; None without `waf`."""

    def __init__(self, name: str, args: FrontDoorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("FrontDoor", args, FrontDoorArgs, lambda: _rules(args))
        super().__init__("sentimark:index:FrontDoor", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        rg = args["resource_group_name"]
        tags = merge_tags(args.get("tags") or {}, None)
        active_passive = args.get("mode", "active-passive") == "active-passive"
        profile = cdn.Profile(
            f"{name}-afd",
            cdn.ProfileArgs(
                resource_group_name=rg,
                profile_name=args.get("profile_name"),
                location="global",
                sku=cdn.SkuArgs(name=args.get("sku", "Standard_AzureFrontDoor")),
                origin_response_timeout_seconds=60,
                tags=tags,
            ),
            opts=child,
        )
        endpoint = cdn.AFDEndpoint(
            f"{name}-fde",
            cdn.AFDEndpointArgs(
                resource_group_name=rg,
                profile_name=profile.name,
                endpoint_name=args.get("endpoint_name"),
                location="global",
                enabled_state="Enabled",
                tags=tags,
            ),
            opts=child,
        )
        group = cdn.AFDOriginGroup(
            f"{name}-og",
            cdn.AFDOriginGroupArgs(
                resource_group_name=rg,
                profile_name=profile.name,
                origin_group_name="ingress",
                health_probe_settings=cdn.HealthProbeParametersArgs(
                    probe_path=args.get("health_probe_path", "/healthz/ready"),
                    probe_protocol=cdn.ProbeProtocol.HTTPS,
                    probe_request_type=cdn.HealthProbeRequestType.GET,
                    probe_interval_in_seconds=30,
                ),
                load_balancing_settings=cdn.LoadBalancingSettingsParametersArgs(
                    sample_size=4, successful_samples_required=3, additional_latency_in_milliseconds=50
                ),
                session_affinity_state="Disabled",
            ),
            opts=child,
        )
        origins = []
        for key, origin in args["origins"].items():
            origins.append(
                cdn.AFDOrigin(
                    f"{name}-origin-{key}",
                    cdn.AFDOriginArgs(
                        resource_group_name=rg,
                        profile_name=profile.name,
                        origin_group_name=group.name,
                        origin_name=key,
                        host_name=origin["host_name"],
                        origin_host_header=origin.get("origin_host_header", origin["host_name"]),
                        http_port=80,
                        https_port=443,
                        priority=1 if (origin.get("primary") or not active_passive) else 2,
                        weight=1000,
                        enabled_state="Enabled",
                        enforce_certificate_name_check=True,
                    ),
                    opts=child,
                )
            )
        custom_domain = args.get("custom_domain")
        domain = None
        if custom_domain is not None:
            domain = cdn.AFDCustomDomain(
                f"{name}-domain",
                cdn.AFDCustomDomainArgs(
                    resource_group_name=rg,
                    profile_name=profile.name,
                    custom_domain_name=custom_domain.replace(".", "-"),
                    host_name=custom_domain,
                    tls_settings=cdn.AFDDomainHttpsParametersArgs(
                        certificate_type=cdn.AfdCertificateType.MANAGED_CERTIFICATE,
                        minimum_tls_version=cdn.AfdMinimumTlsVersion.TLS12,
                    ),
                ),
                opts=child,
            )
        cdn.Route(
            f"{name}-route",
            cdn.RouteArgs(
                resource_group_name=rg,
                profile_name=profile.name,
                endpoint_name=endpoint.name,
                route_name="default",
                origin_group=cdn.ResourceReferenceArgs(id=group.id),
                supported_protocols=["Https", "Http"],
                https_redirect="Enabled",
                forwarding_protocol="HttpsOnly",
                patterns_to_match=["/*"],
                link_to_default_domain="Enabled",
                custom_domains=[cdn.ActivatedResourceReferenceArgs(id=domain.id)] if domain is not None else None,
                enabled_state="Enabled",
            ),
            # A route needs at least one origin in its group before Azure accepts it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=origins),
        )
        waf = args.get("waf")
        diagnostics = args.get("diagnostic_settings")
        waf_policy = None
        if waf is not None:
            domains = [endpoint.id] + ([domain.id] if domain is not None else [])
            waf_policy = _waf(name, args, waf, profile, domains, tags, self)
            diagnostics = _with_waf_log(diagnostics)
        apply_diagnostic_settings(name, resource_id=profile.id, settings=diagnostics, parent=self)
        self.resource_id = profile.id
        self.name = profile.name
        self.endpoint_host_name = endpoint.host_name
        self.front_door_id = profile.front_door_id
        self.custom_domain_validation_token = (
            domain.validation_properties.apply(lambda v: v.validation_token) if domain is not None else None
        )
        self.waf_policy_id = waf_policy.id if waf_policy is not None else None
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "endpoint_host_name": self.endpoint_host_name, "front_door_id": self.front_door_id,
                               "custom_domain_validation_token": self.custom_domain_validation_token,
                               "waf_policy_id": self.waf_policy_id})


def _waf_policy_name(name: str, args: FrontDoorArgs, waf: FrontDoorWafArgs) -> str:
    if "policy_name" in waf:
        return waf["policy_name"]
    base = re.sub(r"[^A-Za-z0-9]", "", args.get("profile_name") or name)
    return (base if base[:1].isalpha() else f"waf{base}")[:125] + "waf"


def _chunks(values: Sequence[str], size: int) -> list[list[str]]:
    return [list(values[i:i + size]) for i in range(0, len(values), size)]


def _block_rules(waf: FrontDoorWafArgs) -> list[frontdoor.CustomRuleArgs]:
    """Block rules, each list cut to the per-rule limit and matched twice: on RemoteAddr, the client address Front
    Door takes from X-Forwarded-For (a proxy's client), and on SocketAddr, the address that opened the connection,
    which a client cannot forge by sending its own X-Forwarded-For (learn.microsoft.com/azure/frontdoor/
    front-door-geo-filtering: "RemoteAddr ... usually sent via the X-Forwarded-For request header")."""
    lists = [
        ("BlockIpRanges", frontdoor.Operator.IP_MATCH, _chunks(waf.get("blocked_ip_ranges") or [], _IP_RANGES_PER_RULE)),
        ("BlockCountries", frontdoor.Operator.GEO_MATCH, _chunks(waf.get("blocked_countries") or [], _COUNTRIES_PER_RULE)),
    ]
    rules: list[frontdoor.CustomRuleArgs] = []
    for prefix, operator, chunks in lists:
        for number, values in enumerate(chunks, start=1):
            for variable in (frontdoor.MatchVariable.REMOTE_ADDR, frontdoor.MatchVariable.SOCKET_ADDR):
                rules.append(frontdoor.CustomRuleArgs(
                    name=f"{prefix}{number}{variable.value}",
                    priority=_BLOCK_PRIORITY + len(rules),
                    rule_type=frontdoor.RuleType.MATCH_RULE,
                    enabled_state=frontdoor.CustomRuleEnabledState.ENABLED,
                    action=frontdoor.ActionType.BLOCK,
                    match_conditions=[frontdoor.MatchConditionArgs(
                        match_variable=variable, operator=operator, match_value=values)],
                ))
    return rules


def _custom_rule_count(waf: FrontDoorWafArgs) -> int:
    ranges, countries = waf.get("blocked_ip_ranges") or [], waf.get("blocked_countries") or []
    return 1 + 2 * (len(_chunks(ranges, _IP_RANGES_PER_RULE)) + len(_chunks(countries, _COUNTRIES_PER_RULE)))


def _waf(name: str, args: FrontDoorArgs, waf: FrontDoorWafArgs, profile: cdn.Profile,
         domains: list[pulumi.Output[str]], tags: Mapping[str, str], parent: pulumi.Resource) -> frontdoor.Policy:
    """The WAF policy and the security policy that attaches it to every domain of the profile."""
    child = pulumi.ResourceOptions(parent=parent)
    rate_limit = frontdoor.CustomRuleArgs(
        name="RateLimitPerClientIp",
        priority=_RATE_LIMIT_PRIORITY,
        rule_type=frontdoor.RuleType.RATE_LIMIT_RULE,
        enabled_state=frontdoor.CustomRuleEnabledState.ENABLED,
        action=frontdoor.ActionType.BLOCK,
        rate_limit_duration_in_minutes=1,
        rate_limit_threshold=waf["rate_limit_per_minute"],
        group_by=[frontdoor.GroupByVariableArgs(variable_name=frontdoor.VariableName.SOCKET_ADDR)],
        # Front Door requires a match condition on a rate-limit rule: "not from TEST-NET-1" is every request.
        match_conditions=[frontdoor.MatchConditionArgs(
            match_variable=frontdoor.MatchVariable.SOCKET_ADDR, operator=frontdoor.Operator.IP_MATCH,
            negate_condition=True, match_value=[_NO_CLIENT])],
    )
    policy = frontdoor.Policy(
        f"{name}-waf",
        frontdoor.PolicyArgs(
            resource_group_name=args["resource_group_name"],
            policy_name=_waf_policy_name(name, args, waf),
            location="Global",
            # The policy's tier must be the profile's (managed rule sets need Premium; checked by _rules).
            sku=frontdoor.SkuArgs(name=frontdoor.SkuName.PREMIUM_AZURE_FRONT_DOOR),
            policy_settings=frontdoor.PolicySettingsArgs(
                enabled_state=frontdoor.PolicyEnabledState.ENABLED,
                mode=waf.get("mode", "Prevention"),
                request_body_check=frontdoor.PolicyRequestBodyCheck.ENABLED,
            ),
            managed_rules=frontdoor.ManagedRuleSetListArgs(managed_rule_sets=[
                frontdoor.ManagedRuleSetArgs(
                    rule_set_type=_DEFAULT_RULE_SET,
                    rule_set_version=waf.get("default_rule_set_version", _DEFAULT_RULE_SET_VERSIONS[0]),
                    rule_set_action=frontdoor.ManagedRuleSetActionType.BLOCK,
                ),
                frontdoor.ManagedRuleSetArgs(rule_set_type=_BOT_MANAGER_RULE_SET, rule_set_version=_BOT_MANAGER_VERSION),
            ]),
            custom_rules=frontdoor.CustomRuleListArgs(rules=[*_block_rules(waf), rate_limit]),
            tags=dict(tags),
        ),
        opts=child,
    )
    cdn.SecurityPolicy(
        f"{name}-waf-attachment",
        cdn.SecurityPolicyArgs(
            resource_group_name=args["resource_group_name"],
            profile_name=profile.name,
            security_policy_name="waf",
            parameters=cdn.SecurityPolicyWebApplicationFirewallParametersArgs(
                type="WebApplicationFirewall",
                waf_policy=cdn.ResourceReferenceArgs(id=policy.id),
                associations=[cdn.SecurityPolicyWebApplicationFirewallAssociationArgs(
                    domains=[cdn.ActivatedResourceReferenceArgs(id=d) for d in domains],
                    patterns_to_match=["/*"],
                )],
            ),
        ),
        opts=child,
    )
    return policy


def _with_waf_log(settings: DiagnosticSettingsArgs | None) -> DiagnosticSettingsArgs | None:
    """The settings, with the WAF log category added where neither allLogs (the default group, which covers it) nor
    the category itself is sent."""
    if settings is None:
        return None
    categories = list(settings.get("categories") or [])
    groups = list(settings.get("category_groups") or ([] if categories else ["allLogs"]))
    if "allLogs" in groups or _WAF_LOG in categories:
        return settings
    return {**settings, "categories": [*categories, _WAF_LOG]}


def _is_cidr(value: Any) -> bool:
    try:
        return ipaddress.ip_network(value, strict=True).prefixlen > 0
    except (TypeError, ValueError):
        return False


def _waf_rules(args: FrontDoorArgs) -> list[Rule]:
    waf = args.get("waf")
    if waf is None:
        return []
    low, high = _RATE_LIMIT_BOUNDS
    sku = args.get("sku", "Standard_AzureFrontDoor")
    rate = waf.get("rate_limit_per_minute")
    return [
        ("sku", sku, sku != _PREMIUM,
         "use Premium_AzureFrontDoor with waf: the Microsoft managed rule sets (default and bot manager) need Premium"),
        ("waf.mode", waf.get("mode"), waf.get("mode", "Prevention") not in ("Prevention", "Detection"),
         "use Prevention (block matching requests) or Detection (log them only)"),
        ("waf.default_rule_set_version", waf.get("default_rule_set_version"),
         waf.get("default_rule_set_version", "2.1") not in _DEFAULT_RULE_SET_VERSIONS,
         f"use one of {', '.join(_DEFAULT_RULE_SET_VERSIONS)} (Microsoft_DefaultRuleSet versions on Front Door Premium)"),
        ("waf.rate_limit_per_minute", rate, lambda v: not low <= v <= high,
         f"give a whole number of requests per client IP per minute from {low} to {high} (0 would block every "
         "request; Microsoft's example uses 1000)"),
        ("waf.policy_name", waf.get("policy_name"),
         "policy_name" in waf and not _WAF_POLICY_NAME.match(str(waf.get("policy_name"))),
         "use letters and digits only, starting with a letter, at most 128 characters (e.g. afdsmkprodwaf)"),
        *(
            (f"waf.blocked_ip_ranges[{i}]", cidr, not _is_cidr(cidr),
             "give an IPv4 or IPv6 range in CIDR notation with its network address, such as 203.0.113.0/24 "
             "(not a /0, which would block every client)")
            for i, cidr in enumerate(waf.get("blocked_ip_ranges") or [])
        ),
        *(
            (f"waf.blocked_countries[{i}]", code, not (isinstance(code, str) and _COUNTRY.match(code)),
             "give an ISO 3166-1 alpha-2 country code in upper case, such as KP")
            for i, code in enumerate(waf.get("blocked_countries") or [])
        ),
        ("waf", f"{_custom_rule_count(waf)} custom rules", _custom_rule_count(waf) > _MAX_CUSTOM_RULES,
         f"block fewer ranges or countries: a Front Door WAF policy holds at most {_MAX_CUSTOM_RULES} custom rules "
         f"(each {_IP_RANGES_PER_RULE} ranges or {_COUNTRIES_PER_RULE} countries take two: client and socket address)"),
    ]


def _rules(args: FrontDoorArgs) -> list[Rule]:
    origins = args["origins"]
    primaries = [k for k, o in origins.items() if o.get("primary")]
    rules: list[Rule] = [
        ("origins", dict(origins), not origins, "give at least one regional origin"),
        (
            "origins",
            primaries,
            args.get("mode", "active-passive") == "active-passive" and len(primaries) != 1,
            "mark exactly one origin primary=True in active-passive mode (or use mode='active-active')",
        ),
        *(
            (f"origins[{k!r}]", k, not _KEY.match(k), "use a lowercase key of letters, digits and hyphens")
            for k in origins
        ),
        *(
            (f"origins[{k!r}].host_name", o["host_name"], isinstance(o["host_name"], str) and not _HOST.match(o["host_name"]),
             "give a public DNS host name such as smk-prod-weu.westeurope.cloudapp.azure.com")
            for k, o in origins.items()
        ),
        ("custom_domain", args.get("custom_domain"),
         args.get("custom_domain") is not None and not _HOST.match(str(args.get("custom_domain"))),
         "give the public DNS name clients use, such as api.example.com"),
        *(
            (f"origins[{k!r}].origin_host_header", o["origin_host_header"],
             isinstance(o["origin_host_header"], str) and not _HOST.match(o["origin_host_header"]),
             "give the public DNS name the origin's certificate is for, such as api.example.com")
            for k, o in origins.items() if "origin_host_header" in o
        ),
        *_waf_rules(args),
    ]
    return rules
