"""Azure Front Door in front of regional ingress gateways: one endpoint, health-probed origins, HTTPS only.

Each region's origin is the public host name of its Istio ingress gateway. With `mode="active-passive"`
the primary region takes all traffic and the others take over when its health probe fails (priority 1 vs
2); with `mode="active-active"` traffic is spread by latency across healthy regions.
"""

import re
from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import cdn

from sentimark_platform.components._interfaces import DiagnosticSettingsArgs, apply_diagnostic_settings
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["FrontDoor", "FrontDoorArgs", "FrontDoorOriginArgs"]

_COMPONENT = "FrontDoor"
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,}$")
_KEY = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


class FrontDoorOriginArgs(TypedDict):
    host_name: pulumi.Input[str]
    """Public host name of the region's ingress gateway (e.g. its public IP's DNS name)."""
    origin_host_header: NotRequired[str]
    """Host header (and TLS server name) Front Door sends to this origin and probes it with; the origin's
    certificate must cover it, from a publicly trusted CA. `host_name` unless given (a name such as
    *.cloudapp.azure.com can carry no certificate of yours: give the host your ingress certificate is for)."""
    primary: NotRequired[bool]
    """Takes the traffic in active-passive mode; exactly one origin must be primary there."""


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
    private-link origins and managed WAF rules)."""
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
    """Access and health-probe logs; none unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the profile; the stack's FinOps tags."""


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
        apply_diagnostic_settings(name, resource_id=profile.id, settings=args.get("diagnostic_settings"), parent=self)
        self.resource_id = profile.id
        self.name = profile.name
        self.endpoint_host_name = endpoint.host_name
        self.front_door_id = profile.front_door_id
        self.custom_domain_validation_token = (
            domain.validation_properties.apply(lambda v: v.validation_token) if domain is not None else None
        )
        self.register_outputs({"resource_id": self.resource_id, "name": self.name,
                               "endpoint_host_name": self.endpoint_host_name, "front_door_id": self.front_door_id,
                               "custom_domain_validation_token": self.custom_domain_validation_token})


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
    ]
    return rules
