"""A virtual network with its subnets (one NSG each) and the privatelink DNS zones the platform resolves.

Subnets are declared INLINE on the VirtualNetwork, never as separate `network.Subnet` resources. Azure
treats a VNet PUT as the full list of subnets: mixing the two styles makes each `pulumi up` or refresh
delete or re-add the other's subnets (pulumi/pulumi-azure-native#611, #2368, #74), and separate Subnet
resources on one VNet are PUT in parallel, which Azure serialises with "AnotherOperationInProgress"
retries. Inline subnets are one atomic PUT and one source of truth. The cost: every subnet change is an
update of the VNet resource, and nobody may add subnets to this VNet outside this component.
"""

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import network, privatedns

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    LockArgs,
    apply_diagnostic_settings,
    apply_lock,
)
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments, ipv4_network
from sentimark_platform.components.errors import InvalidArgumentError

__all__ = ["DEFAULT_PRIVATE_DNS_ZONES", "Network", "NetworkArgs", "NetworkSubnetArgs", "virtual_network_peering"]

DEFAULT_PRIVATE_DNS_ZONES: tuple[str, ...] = (
    "privatelink.vaultcore.azure.net",  # Key Vault
    "privatelink.postgres.database.azure.com",  # PostgreSQL Flexible Server (private endpoint)
    "privatelink.redis.azure.net",  # Azure Managed Redis (Microsoft.Cache/redisEnterprise)
    "privatelink.servicebus.windows.net",  # Event Hubs
    "privatelink.azurecr.io",  # Container Registry
    "privatelink.grafana.azure.com",  # Azure Managed Grafana
)
"""The privatelink zones the platform's data services use."""

_SUBNET_NAME = re.compile(r"^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,78}[a-zA-Z0-9_])?$")
_DELEGATION = re.compile(r"^[A-Za-z]+\.[A-Za-z]+/[A-Za-z]+$")
_ZONE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_SMALLEST_SUBNET_PREFIX = 29  # Azure's smallest IPv4 subnet


class NetworkSubnetArgs(TypedDict):
    address_prefix: str
    """IPv4 CIDR inside the VNet's address space, /29 or larger, not overlapping another subnet."""
    delegation: NotRequired[str]
    """Service the subnet is delegated to, e.g. "Microsoft.DBforPostgreSQL/flexibleServers". Not delegated
    unless given."""
    private_endpoint_network_policies: NotRequired[str]
    """One of Enabled, Disabled, NetworkSecurityGroupEnabled, RouteTableEnabled: whether the subnet's NSG (and route table) apply to private endpoints in it. "Enabled" unless given,
    so private endpoints are filtered by the NSG like everything else."""
    service_endpoints: NotRequired[Sequence[str]]
    """Service endpoints (e.g. "Microsoft.Storage"); none unless given (private endpoints are preferred)."""
    default_outbound_access: NotRequired[bool]
    """Azure's implicit outbound internet access; off unless given (a private subnet: AKS's load balancer or a
    NAT gateway provides egress, and Azure retires default outbound access for new VNets)."""


class NetworkArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the VNet, its NSGs and its private DNS zones."""
    address_space: Sequence[str]
    """IPv4 CIDRs of the VNet, e.g. ["10.20.0.0/16"]."""
    subnets: Mapping[str, NetworkSubnetArgs]
    """Subnets by their Azure name (e.g. "snet-aks", "snet-pe", "snet-psql"); each gets its own NSG."""
    location: NotRequired[pulumi.Input[str]]
    """Azure region; the resource group's unless given."""
    resource_name: NotRequired[str]
    """Azure name of the VNet; NSGs are named "nsg-<vnet name without vnet->-<subnet name without snet->".
    Pulumi auto-names the VNet and NSGs unless given."""
    private_dns_zones: NotRequired[Sequence[str]]
    """privatelink zones to create and link to this VNet (registration off); DEFAULT_PRIVATE_DNS_ZONES unless
    given. Pass [] when the data plane is public and no private endpoint needs them."""
    dns_servers: NotRequired[Sequence[str]]
    """Custom DNS servers; Azure-provided DNS (which resolves the linked private zones) unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags for every resource; the stack's FinOps tags."""
    lock: NotRequired[LockArgs]
    """A management lock on the VNet; none unless given."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """Logs and metrics of the VNet and the NSGs' logs to a workspace (NSGs have no metrics); none unless given."""


class Network(pulumi.ComponentResource):
    """A VNet with inline subnets, one NSG per subnet, and linked privatelink DNS zones."""

    name: pulumi.Output[str]
    """Azure name of the VNet."""
    resource_id: pulumi.Output[str]
    """Resource id of the VNet."""
    subnet_ids: dict[str, pulumi.Output[str]]
    """Subnet resource ids by subnet name."""
    nsg_ids: dict[str, pulumi.Output[str]]
    """NSG resource ids by subnet name."""
    private_dns_zone_ids: dict[str, pulumi.Output[str]]
    """Private DNS zone resource ids by zone name (empty when no zones were asked for)."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("Network", args, NetworkArgs, lambda: _rules(args))
        super().__init__("sentimark:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = merge_tags(args.get("tags") or {}, None)
        rg = args["resource_group_name"]
        location = args.get("location")
        vnet_name = args.get("resource_name")
        diagnostics = args.get("diagnostic_settings")

        nsgs: dict[str, network.NetworkSecurityGroup] = {}
        for key in args["subnets"]:
            nsgs[key] = network.NetworkSecurityGroup(
                f"{name}-nsg-{key}",
                network.NetworkSecurityGroupInitArgs(
                    resource_group_name=rg,
                    location=location,
                    network_security_group_name=_nsg_name(vnet_name, key),
                    tags=tags,
                ),
                opts=child,
            )
            if diagnostics is not None:
                apply_diagnostic_settings(
                    f"{name}-nsg-{key}",
                    resource_id=nsgs[key].id,
                    settings={**diagnostics, "metrics": False},
                    parent=self,
                )

        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            network.VirtualNetworkInitArgs(
                resource_group_name=rg,
                location=location,
                virtual_network_name=vnet_name,
                address_space=network.AddressSpaceArgs(address_prefixes=list(args["address_space"])),
                dhcp_options=(
                    network.DhcpOptionsArgs(dns_servers=list(args["dns_servers"])) if args.get("dns_servers") else None
                ),
                subnets=[_subnet(key, spec, nsgs[key]) for key, spec in args["subnets"].items()],
                tags=tags,
            ),
            opts=child,
        )

        zones: dict[str, pulumi.Output[str]] = {}
        self._zones: dict[str, privatedns.PrivateZone] = {}
        self._component_name, self._resource_group_name, self._tags = name, rg, tags
        self._vnet = vnet
        self._peerings: list[network.VirtualNetworkPeering] = []
        for zone_name in args.get("private_dns_zones", DEFAULT_PRIVATE_DNS_ZONES):
            zone = privatedns.PrivateZone(
                f"{name}-pdz-{zone_name}",
                privatedns.PrivateZoneArgs(
                    resource_group_name=rg, private_zone_name=zone_name, location="global", tags=tags
                ),
                opts=child,
            )
            privatedns.VirtualNetworkLink(
                f"{name}-pdz-{zone_name}-link",
                privatedns.VirtualNetworkLinkArgs(
                    resource_group_name=rg,
                    private_zone_name=zone.name,
                    virtual_network_link_name=vnet.name.apply(lambda n: f"link-{n}"),
                    location="global",
                    # Private endpoints register their records through zone groups; VMs must not.
                    registration_enabled=False,
                    virtual_network=privatedns.SubResourceArgs(id=vnet.id),
                    tags=tags,
                ),
                opts=pulumi.ResourceOptions(parent=zone),
            )
            zones[zone_name] = zone.id
            self._zones[zone_name] = zone

        apply_lock(name, scope_id=vnet.id, lock=args.get("lock"), parent=self)
        apply_diagnostic_settings(name, resource_id=vnet.id, settings=diagnostics, parent=self)

        self.name = vnet.name
        self.resource_id = vnet.id
        # Inline subnets exist once the VNet does, so their ids follow from the VNet's id.
        self.subnet_ids = {key: _subnet_id(vnet.id, key) for key in args["subnets"]}
        self.nsg_ids = {key: nsg.id for key, nsg in nsgs.items()}
        self.private_dns_zone_ids = zones
        self.register_outputs(
            {
                "name": self.name,
                "resource_id": self.resource_id,
                "subnet_ids": self.subnet_ids,
                "nsg_ids": self.nsg_ids,
                "private_dns_zone_ids": self.private_dns_zone_ids,
            }
        )



    def peer_with(self, key: str, remote: "Network") -> network.VirtualNetworkPeering:
        """Peer this VNet to `remote` (call it on both sides): VNet traffic allowed, forwarded traffic and
        gateway transit not. Named `<name>-peer-<key>`."""
        return self.peer_with_network(key, remote_id=remote.resource_id, remote_name=remote.name)

    def peer_with_network(
        self, key: str, *, remote_id: pulumi.Input[str], remote_name: pulumi.Input[str]
    ) -> network.VirtualNetworkPeering:
        """Peer this VNet to any VNet by id (another project's, e.g. the CI runners' hub; its own side must be
        peered back, see `virtual_network_peering`). Named `<name>-peer-<key>`."""
        peering = virtual_network_peering(
            f"{self._component_name}-peer-{key}",
            resource_group_name=self._resource_group_name,
            virtual_network_name=self._vnet.name,
            remote_id=remote_id,
            remote_name=remote_name,
            # One peering write at a time on a VNet: Azure refuses an operation on a VNet that another one is
            # still updating (ReferencedResourceNotProvisioned / AnotherOperationInProgress;
            # hashicorp/terraform-provider-azurerm#2605, which serializes peerings with a lock for this reason).
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._peerings[-1:]),
        )
        self._peerings.append(peering)
        return peering

    def link_private_dns_zones(self, key: str, remote: "Network") -> None:
        """Link this Network's privatelink zones to `remote`'s VNet (registration off), so that a peered
        region resolves the private endpoints registered here. Named `<name>-pdz-<zone>-link-<key>`."""
        for zone_name in self._zones:
            self.link_private_dns_zone(zone_name, key, vnet_id=remote.resource_id, vnet_name=remote.name)

    def link_private_dns_zone(
        self, zone_name: str, key: str, *, vnet_id: pulumi.Input[str], vnet_name: pulumi.Input[str]
    ) -> privatedns.VirtualNetworkLink:
        """Link one of this Network's zones to any VNet by id (registration off). Named
        `<name>-pdz-<zone>-link-<key>`. A VNet takes one zone of a given name: link a zone shared by several
        stacks (a hub's) only if its name is unique to this stack."""
        if zone_name not in self._zones:
            raise InvalidArgumentError(
                "Network", "zone_name", zone_name, f"one of this Network's private_dns_zones: {sorted(self._zones)}"
            )
        zone = self._zones[zone_name]
        return privatedns.VirtualNetworkLink(
            f"{self._component_name}-pdz-{zone_name}-link-{key}",
            privatedns.VirtualNetworkLinkArgs(
                resource_group_name=self._resource_group_name,
                private_zone_name=zone.name,
                virtual_network_link_name=pulumi.Output.from_input(vnet_name).apply(lambda n: f"link-{n}"),
                location="global",
                registration_enabled=False,
                virtual_network=privatedns.SubResourceArgs(id=vnet_id),
                tags=self._tags,
            ),
            opts=pulumi.ResourceOptions(parent=zone),
        )


def virtual_network_peering(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    virtual_network_name: pulumi.Input[str],
    remote_id: pulumi.Input[str],
    remote_name: pulumi.Input[str],
    opts: pulumi.ResourceOptions | None = None,
) -> network.VirtualNetworkPeering:
    """One side of a peering, on `virtual_network_name`, towards `remote_id`: VNet traffic allowed, forwarded
    traffic and gateway transit not. A peering works once both sides exist; for a VNet in another subscription
    pass a provider for that subscription in `opts`."""
    return network.VirtualNetworkPeering(
        name,
        network.VirtualNetworkPeeringInitArgs(
            resource_group_name=resource_group_name,
            virtual_network_name=virtual_network_name,
            virtual_network_peering_name=pulumi.Output.from_input(remote_name).apply(lambda n: f"peer-{n}"),
            remote_virtual_network=network.SubResourceArgs(id=remote_id),
            allow_virtual_network_access=True,
            allow_forwarded_traffic=False,
            allow_gateway_transit=False,
            use_remote_gateways=False,
        ),
        opts=opts,
    )


def _subnet_id(vnet_id: pulumi.Output[str], key: str) -> pulumi.Output[str]:
    return vnet_id.apply(lambda i: f"{i}/subnets/{key}")


def _nsg_name(vnet_name: str | None, key: str) -> str | None:
    if vnet_name is None:
        return None
    return f"nsg-{vnet_name.removeprefix('vnet-')}-{key.removeprefix('snet-')}"


def _subnet(key: str, spec: NetworkSubnetArgs, nsg: network.NetworkSecurityGroup) -> network.SubnetArgs:
    delegation = spec.get("delegation")
    return network.SubnetArgs(
        name=key,
        address_prefix=spec["address_prefix"],
        network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
        private_endpoint_network_policies=spec.get("private_endpoint_network_policies", "Enabled"),
        default_outbound_access=spec.get("default_outbound_access", False),
        delegations=(
            [network.DelegationArgs(name=delegation.replace("/", "."), service_name=delegation)] if delegation else None
        ),
        service_endpoints=(
            [network.ServiceEndpointPropertiesFormatArgs(service=s) for s in spec["service_endpoints"]]
            if spec.get("service_endpoints")
            else None
        ),
    )


_CIDR_FIX = "give an IPv4 CIDR with its network address, such as 10.20.0.0/16"


def _rules(args: NetworkArgs) -> list[Rule]:
    """Every problem of the arguments at once (components/_validation.py); a subnet is checked against the address
    space and the other subnets only when its own prefix is a valid CIDR."""
    raw_spaces = list(args["address_space"])
    spaces = [net for net in map(ipv4_network, raw_spaces) if net is not None]
    rows: list[Rule] = [("address_space", [], not raw_spaces, "give at least one CIDR, such as ['10.20.0.0/16']")]
    rows += [("address_space", value, ipv4_network(value) is None, _CIDR_FIX) for value in raw_spaces]
    rows += [("address_space", [str(a), str(b)], a.overlaps(b), "use non-overlapping CIDRs")
             for i, a in enumerate(spaces) for b in spaces[i + 1 :]]

    seen: dict[str, ipaddress.IPv4Network] = {}
    for key, spec in args["subnets"].items():
        argument = f"subnets[{key!r}]"
        rows.append(("subnets", key, not _SUBNET_NAME.match(key),
                     "name subnets with 1-80 letters, digits, '_', '.', '-', e.g. 'snet-aks'"))
        prefix = ipv4_network(spec["address_prefix"])
        rows.append((f"{argument}.address_prefix", spec["address_prefix"], prefix is None, _CIDR_FIX))
        if prefix is not None:
            rows += [
                (f"{argument}.address_prefix", str(prefix), prefix.prefixlen > _SMALLEST_SUBNET_PREFIX,
                 "use /29 or larger (Azure's smallest subnet)"),
                (f"{argument}.address_prefix", str(prefix), bool(spaces) and not any(prefix.subnet_of(s) for s in spaces),
                 f"choose a prefix inside the address space {[str(s) for s in spaces]}"),
                *((f"{argument}.address_prefix", str(prefix), prefix.overlaps(other_prefix),
                   f"it overlaps subnet {other!r} ({other_prefix})") for other, other_prefix in seen.items()),
            ]
            seen[key] = prefix
        delegation = spec.get("delegation")
        rows.append((f"{argument}.delegation", delegation, delegation is not None and not _DELEGATION.match(delegation),
                     "give a service name such as 'Microsoft.DBforPostgreSQL/flexibleServers'"))
        if args.get("resource_name") is not None:
            nsg = _nsg_name(args["resource_name"], key) or ""
            rows.append(("subnets", key, len(nsg) > 80,
                         f"the NSG name {nsg!r} exceeds 80 characters; shorten the subnet or VNet name"))

    zones = list(args.get("private_dns_zones", DEFAULT_PRIVATE_DNS_ZONES))
    rows += [("private_dns_zones", zone, not isinstance(zone, str) or not _ZONE.match(zone),
              "give DNS zone names such as 'privatelink.vaultcore.azure.net'") for zone in zones]
    rows.append(("private_dns_zones", zones, len(set(map(str, zones))) != len(zones), "list each zone once"))
    return rows
