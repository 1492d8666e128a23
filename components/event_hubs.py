"""An Event Hubs namespace with its event hubs: Entra ID only and private unless opened explicitly."""

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_azure_native import eventhub, network

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    IsoDate,
    LockArgs,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_private_endpoints,
    apply_role_assignments,
    expiry_datetime,
    write_vault_secret,
)
from sentimark_platform.components._storage import secure_storage_account
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["EventHubArgs", "EventHubCaptureArgs", "EventHubs", "EventHubsArgs"]

_COMPONENT = "EventHubs"
# The Basic tier has no network security features: "This feature isn't supported in the basic tier" on both
# https://learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering (IP firewall: "Allow access to Azure
# Event Hubs namespaces from specific IP addresses or ranges"), .../event-hubs-service-endpoints (virtual
# network rules) and .../private-link-service (private endpoints). The portal hides Networking for Basic.
_BASIC_NETWORK_DOCS = "learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering"
# Per-SKU limits (learn.microsoft.com/azure/event-hubs/event-hubs-quotas): retention hours, partitions per hub.
_MAX_RETENTION_HOURS = {"Basic": 24, "Standard": 168, "Premium": 2160}
_MAX_PARTITIONS = {"Basic": 32, "Standard": 32, "Premium": 100}


class EventHubArgs(TypedDict):
    partition_count: NotRequired[int]
    """2 unless given; 1-32 on Basic and Standard, 1-100 on Premium. Fixed after creation except on Premium."""
    retention_hours: NotRequired[int]
    """24 unless given; at most 24 (Basic), 168 (Standard) or 2160 (Premium). Events are deleted after it."""
    consumer_groups: NotRequired[Sequence[str]]
    """Consumer groups besides $Default; none unless given (Basic allows only $Default)."""
    authorization_rules: NotRequired[Mapping[str, Sequence[str]]]
    """SAS rules by name, each a list of rights (Listen, Send), whose primary connection string goes to the Key
    Vault. None unless given; needs
    `local_auth` True (prefer Entra ID role assignments)."""
    capture: NotRequired[bool]
    """Capture to the namespace's capture storage account (needs `capture` on the namespace); off unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Role assignments on this event hub only (e.g. Azure Event Hubs Data Sender for its producer); none unless
    given. Prefer these to namespace-wide ones: a reader of one hub then cannot read the others."""


class EventHubCaptureArgs(TypedDict):
    storage_account_name: str
    """Azure name of the capture storage account the component creates (3-24 lower-case letters and digits)."""
    container_name: NotRequired[str]
    """capture unless given."""
    interval_seconds: NotRequired[int]
    """300 unless given (60-900)."""


class EventHubsArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the namespace."""
    sku: str
    """Namespace tier, one of Basic, Standard, Premium."""
    capacity: NotRequired[int]
    """1 throughput unit (Basic/Standard) or processing unit (Premium) unless given."""
    event_hubs: NotRequired[Mapping[str, EventHubArgs]]
    """Event hubs by name; none unless given."""
    zone_redundant: NotRequired[bool]
    """Zone redundant on Standard and Premium unless False; Basic has no zone redundancy (True is refused)."""
    auto_inflate_max_throughput_units: NotRequired[int]
    """Standard only: auto-inflate up to this many throughput units. Fixed capacity unless given."""
    local_auth: NotRequired[bool]
    """SAS (shared access key) authentication off, Entra ID only, unless True."""
    public_ip_rules: NotRequired[Sequence[str]]
    """Public network access disabled (private endpoints only) unless given; with IPv4 addresses or CIDRs,
    public access is enabled for exactly those. Standard and Premium only: the Basic tier has no IP firewall,
    so an allow-list with Basic is refused."""
    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints (group id namespace); none unless given. Standard and Premium only (Basic has no
    Private Link)."""
    capture: NotRequired[EventHubCaptureArgs]
    """A locked-down capture storage account (Standard/Premium); none unless given."""
    key_vault_name: NotRequired[pulumi.Input[str]]
    """Key Vault for authorization-rule connection strings; required only with `authorization_rules`."""
    key_vault_resource_group_name: NotRequired[pulumi.Input[str]]
    """The namespace's resource group unless given."""
    resource_name: NotRequired[str]
    """Azure name of the namespace; Pulumi auto-names it unless given."""
    location: NotRequired[pulumi.Input[str]]
    """The resource group's location unless given."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """No diagnostic setting unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Role assignments on the namespace, e.g. Azure Event Hubs Data Sender/Receiver; none unless given."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the namespace (it holds the retained events); off unless given."""
    secret_expires_on: NotRequired[IsoDate]
    """Expiry date (ISO, e.g. 2026-12-31; a `datetime.date` in Python) of every Key Vault secret this component
    writes (rotate before it); no expiry unless given."""
    lock: NotRequired[LockArgs]
    """No management lock unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags; the stack's FinOps tags."""


class EventHubs(pulumi.ComponentResource):
    """An Event Hubs namespace, its event hubs, consumer groups, optional capture and access."""

    resource_id: pulumi.Output[str]
    """Resource id of the namespace."""
    name: pulumi.Output[str]
    """Azure name of the namespace."""
    principal_id: pulumi.Output[str] | None
    """The namespace's system-assigned identity (only with capture, which uses it to write blobs)."""
    event_hub_ids: dict[str, pulumi.Output[str]]
    """Resource ids of the event hubs, by event hub name."""
    connection_secret_names: dict[str, str]
    """Key Vault secret names of the authorization rules' connection strings, by f"{hub}/{rule}"."""

    def __init__(self, name: str, args: EventHubsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("EventHubs", args, EventHubsArgs, lambda: _rules(args))
        super().__init__("sentimark:index:EventHubs", name, None, opts)
        tags = merge_tags(args.get("tags") or {}, None)
        rg = args["resource_group_name"]
        sku = args["sku"]
        ip_rules = list(args.get("public_ip_rules") or [])
        capture = args.get("capture")
        inflate = args.get("auto_inflate_max_throughput_units")

        namespace = eventhub.Namespace(
            f"{name}-evhns",
            eventhub.NamespaceArgs(
                resource_group_name=rg,
                namespace_name=args.get("resource_name"),
                location=args.get("location"),
                sku=eventhub.SkuArgs(name=sku, tier=sku, capacity=args.get("capacity", 1)),
                zone_redundant=args.get("zone_redundant", sku != "Basic"),
                disable_local_auth=not args.get("local_auth", False),
                minimum_tls_version="1.2",
                public_network_access="Enabled" if ip_rules else "Disabled",
                is_auto_inflate_enabled=inflate is not None if sku == "Standard" else None,
                maximum_throughput_units=inflate,
                identity=eventhub.IdentityArgs(type=eventhub.ManagedServiceIdentityType.SYSTEM_ASSIGNED) if capture else None,
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect") or None),
        )
        # The namespace's own flag is not enough: the "default" network rule set also governs public access.
        # It never carries IP or virtual network rules on Basic (refused by _rules: Basic has no firewall).
        eventhub.NamespaceNetworkRuleSet(
            f"{name}-netrules",
            eventhub.NamespaceNetworkRuleSetArgs(
                resource_group_name=rg,
                namespace_name=namespace.name,
                public_network_access="Enabled" if ip_rules else "Disabled",
                default_action="Deny",
                ip_rules=[eventhub.NWRuleSetIpRulesArgs(ip_mask=ip, action="Allow") for ip in ip_rules] or None,
                trusted_service_access_enabled=False,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        container_name = None
        account = None
        if capture:
            container_name = capture.get("container_name", "capture")
            account, _ = secure_storage_account(
                f"{name}-capture", resource_group_name=rg, account_name=capture["storage_account_name"],
                container_name=container_name, location=args.get("location"), tags=tags, parent=self,
            )
            # Shared keys are off on the account: capture writes with the namespace's identity.
            apply_role_assignments(f"{name}-capture", scope_id=account.id, assignments={
                "namespace-writer": {"role": "Storage Blob Data Contributor",
                                     "principal_id": namespace.identity.apply(_principal_id),
                                     "principal_type": "ServicePrincipal"},
            }, parent=self)

        self.event_hub_ids = {}
        self.connection_secret_names = {}
        for hub_name, hub in (args.get("event_hubs") or {}).items():
            self._event_hub(name, hub_name, hub, args, namespace, account, container_name, capture, tags)

        self.private_endpoints: dict[str, network.PrivateEndpoint] = apply_private_endpoints(
            name, resource_id=namespace.id, endpoints=args.get("private_endpoints"), default_group_id="namespace",
            resource_group_name=rg, location=args.get("location"), tags=tags, parent=self,
        )
        """Python only (the any-language schema references no other package's resources): the private endpoints
        by the keys of `private_endpoints`, empty without any, for a caller's DNS records, policies or diagnostics."""
        apply_diagnostic_settings(name, resource_id=namespace.id, settings=args.get("diagnostic_settings"), parent=self)
        apply_role_assignments(name, scope_id=namespace.id, assignments=args.get("role_assignments"), parent=self)
        apply_lock(name, scope_id=namespace.id, lock=args.get("lock"), parent=self)

        self.resource_id = namespace.id
        self.name = namespace.name
        self.principal_id = namespace.identity.apply(_principal_id) if capture else None
        self.register_outputs({
            "resource_id": self.resource_id, "name": self.name, "principal_id": self.principal_id,
            "event_hub_ids": self.event_hub_ids, "connection_secret_names": self.connection_secret_names,
        })

    def _event_hub(self, name: str, hub_name: str, hub: EventHubArgs, args: EventHubsArgs,
                   namespace: eventhub.Namespace, account: Any, container_name: str | None,
                   capture: EventHubCaptureArgs | None, tags: dict[str, str]) -> None:
        rg = args["resource_group_name"]
        capture_description = None
        if hub.get("capture") and capture and account is not None:
            capture_description = eventhub.CaptureDescriptionArgs(
                enabled=True,
                encoding=eventhub.EncodingCaptureDescription.AVRO,
                interval_in_seconds=capture.get("interval_seconds", 300),
                skip_empty_archives=True,
                destination=eventhub.DestinationArgs(
                    name="EventHubArchive.AzureBlockBlob",
                    storage_account_resource_id=account.id,
                    blob_container=container_name,
                    archive_name_format="{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}",
                    identity=eventhub.CaptureIdentityArgs(type=eventhub.CaptureIdentityType.SYSTEM_ASSIGNED),
                ),
            )
        event_hub = eventhub.EventHub(
            f"{name}-evh-{hub_name}",
            eventhub.EventHubArgs(
                resource_group_name=rg,
                namespace_name=namespace.name,
                event_hub_name=hub_name,
                partition_count=hub.get("partition_count", 2),
                retention_description=eventhub.RetentionDescriptionArgs(
                    cleanup_policy="Delete", retention_time_in_hours=hub.get("retention_hours", 24),
                ),
                capture_description=capture_description,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.event_hub_ids[hub_name] = event_hub.id
        apply_role_assignments(f"{name}-evh-{hub_name}", scope_id=event_hub.id,
                               assignments=hub.get("role_assignments"), parent=self)
        for group in hub.get("consumer_groups") or []:
            eventhub.ConsumerGroup(
                f"{name}-evh-{hub_name}-cg-{group}",
                eventhub.ConsumerGroupArgs(resource_group_name=rg, namespace_name=namespace.name,
                                           event_hub_name=event_hub.name, consumer_group_name=group),
                opts=pulumi.ResourceOptions(parent=event_hub),
            )
        for rule_name, rights in (hub.get("authorization_rules") or {}).items():
            rule = eventhub.EventHubAuthorizationRule(
                f"{name}-evh-{hub_name}-rule-{rule_name}",
                eventhub.EventHubAuthorizationRuleArgs(
                    resource_group_name=rg, namespace_name=namespace.name, event_hub_name=event_hub.name,
                    authorization_rule_name=rule_name, rights=list(rights),
                ),
                opts=pulumi.ResourceOptions(parent=event_hub),
            )
            keys = eventhub.list_event_hub_keys_output(
                resource_group_name=rg, namespace_name=namespace.name, event_hub_name=event_hub.name,
                authorization_rule_name=rule.name, opts=pulumi.InvokeOutputOptions(parent=rule),
            )
            secret_name = f"{name}-{hub_name}-{rule_name}-connection"
            write_vault_secret(
                f"{name}-evh-{hub_name}-rule-{rule_name}",
                vault_name=args["key_vault_name"],
                resource_group_name=args.get("key_vault_resource_group_name", rg),
                secret_name=secret_name,
                value=pulumi.Output.secret(keys.primary_connection_string),
                content_type="text/plain",
                expires_on=expiry_datetime(args.get("secret_expires_on")),
                tags=tags,
                parent=self,
            )
            self.connection_secret_names[f"{hub_name}/{rule_name}"] = secret_name


def _principal_id(identity: Any) -> Any:
    return identity.principal_id if identity is not None else None


def _ip_ok(value: str) -> bool:
    try:
        network = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        return False
    return network.prefixlen > 0


def _rules(args: EventHubsArgs) -> list[Rule]:
    """Rules: (argument, value, is it bad?, how to fix). The first bad one raises."""
    sku = args["sku"]
    capacity = args.get("capacity", 1)
    inflate = args.get("auto_inflate_max_throughput_units")
    hubs = args.get("event_hubs") or {}
    rules: list[Rule] = [
        ("zone_redundant", True, sku == "Basic" and args.get("zone_redundant") is True,
         "the Basic tier has no zone redundancy; use Standard or Premium, or leave zone_redundant out"),
        ("capacity", capacity, not isinstance(capacity, int) or not (
            capacity in (1, 2, 4, 8, 16) if sku == "Premium" else 1 <= capacity <= 40),
         "give 1-40 throughput units (Basic/Standard) or 1, 2, 4, 8 or 16 processing units (Premium)"),
        ("auto_inflate_max_throughput_units", inflate, inflate is not None and sku != "Standard",
         "auto-inflate exists only on the Standard tier"),
        ("auto_inflate_max_throughput_units", inflate, inflate is not None and not capacity <= inflate <= 40,
         f"give {capacity} (the capacity) to 40 throughput units"),
        ("capture", args.get("capture"), args.get("capture") is not None and sku == "Basic",
         "capture needs the Standard or Premium tier"),
    ]
    ip_rules = list(args.get("public_ip_rules") or [])
    endpoints = dict(args.get("private_endpoints") or {})
    bad_ips = [ip for ip in ip_rules if not _ip_ok(ip)]
    rules += [
        ("public_ip_rules", ip_rules, sku == "Basic" and bool(ip_rules),
         f"the Basic tier supports no IP firewall rules ({_BASIC_NETWORK_DOCS}); use the Standard or Premium "
         "tier to keep the allow-list, or leave public_ip_rules out (public network access is then disabled)"),
        ("private_endpoints", sorted(endpoints), sku == "Basic" and bool(endpoints),
         "the Basic tier supports no private endpoints (learn.microsoft.com/azure/event-hubs/private-link-service); "
         "use the Standard or Premium tier"),
        ("public_ip_rules", bad_ips[0] if bad_ips else None, bool(bad_ips),
         "give IPv4 addresses or CIDRs of the callers (0.0.0.0/0 would open the namespace to everyone)"),
    ]
    for hub_name, hub in hubs.items():
        partitions = hub.get("partition_count", 2)
        retention = hub.get("retention_hours", 24)
        arg = f"event_hubs.{hub_name}"
        rules += [
            (f"{arg}.partition_count", partitions, not 1 <= partitions <= _MAX_PARTITIONS[sku],
             f"the {sku} tier allows 1 to {_MAX_PARTITIONS[sku]} partitions per event hub"),
            (f"{arg}.retention_hours", retention, not 1 <= retention <= _MAX_RETENTION_HOURS[sku],
             f"the {sku} tier keeps events 1 to {_MAX_RETENTION_HOURS[sku]} hours"),
            (f"{arg}.consumer_groups", list(hub.get("consumer_groups") or []),
             sku == "Basic" and bool(hub.get("consumer_groups")),
             "the Basic tier has only the $Default consumer group; use Standard or Premium"),
            (f"{arg}.authorization_rules", dict(hub.get("authorization_rules") or {}),
             bool(hub.get("authorization_rules")) and not args.get("local_auth", False),
             "SAS rules need local_auth True; local (SAS key) authentication is off, so keys could not be used: "
             "prefer role assignments (Azure Event Hubs Data Sender/Receiver) for Entra ID access"),
            (f"{arg}.authorization_rules", dict(hub.get("authorization_rules") or {}),
             bool(hub.get("authorization_rules")) and args.get("key_vault_name") is None,
             "give key_vault_name: the rules' connection strings are written to the Key Vault"),
            (f"{arg}.capture", True, bool(hub.get("capture")) and args.get("capture") is None,
             "give the namespace's capture argument (its storage account) to capture this event hub"),
        ]
    return rules
