"""The CI runners' hub network: GitHub-hosted larger runners with Azure private networking.

Why this mechanism: the runners' network interfaces are placed in a subnet of ours (delegated to
GitHub.Network/networkSettings), so every job runs inside our hub VNet. Each stack peers its VNets with the hub
and links its private AKS DNS zones to it, so the runners reach the private uat/prod API servers; a NAT gateway
gives them one static public egress address for the public dev/sit API servers; service endpoints take them to
the state account and the secrets vault. GitHub maintains the runner images; nothing of ours runs a VM.
Sources: docs.github.com "About Azure private networking for GitHub-hosted runners in your organization" and
"Configuring private networking for GitHub-hosted runners in your organization" (API version 2024-04-02,
businessId = the organization's databaseId, the NSG rules below, the GitHub.Network provider); service endpoints
from runners: github/roadmap#614. It needs GitHub Team or Enterprise Cloud; README.md says what to do otherwise.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import authorization, network, resources

from bootstrap._settings import RunnerSettings
from sentimark_platform.components import new_resource, region_code, resource_name

__all__ = [
    "GITHUB_ACTIONS_ADDRESSES",
    "GITHUB_ADDRESSES",
    "GITHUB_NETWORK_API_VERSION",
    "HUB_PEERING_ACTIONS",
    "PULL_REQUEST_RUNNER_GROUP",
    "RUNNER_GROUP",
    "RUNNER_SERVICE_ENDPOINTS",
    "RunnerNetwork",
    "hub_peering_role",
    "runner_network",
]

HUB_PEERING_ACTIONS: tuple[str, ...] = (
    "Microsoft.Network/virtualNetworks/read",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete",
    # Peering a stack's VNet with the hub, and linking a stack's private DNS zone to it, act on the hub VNet
    # (learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering#permissions;
    # learn.microsoft.com/azure/dns/dns-protect-private-zones-recordsets: join/action for zone links).
    "Microsoft.Network/virtualNetworks/peer/action",
    "Microsoft.Network/virtualNetworks/join/action",
)
"""What a stack's deploy identity may do on the hub: its peerings and zone links, nothing on the subnet, NSG, NAT
or the GitHub network settings (Network Contributor would allow all of those)."""

PULL_REQUEST_RUNNER_GROUP = "sentimark-azure-pr"
"""The runner group of the pull-request runners' own network (peered with nothing): `runs-on: {group: ...}` in the
pull-request workflow."""
RUNNER_GROUP = "sentimark-azure"
"""The GitHub runner group whose larger runners use this network; workflows say `runs-on: {group: sentimark-azure}`."""
GITHUB_NETWORK_API_VERSION = "2024-04-02"
RUNNER_SERVICE_ENDPOINTS = ("Microsoft.Storage", "Microsoft.KeyVault")
"""The runners reach the state account and the secrets vault from the subnet (virtual-network rules) rather
than from the egress address: Azure Storage ignores IP rules for requests from its own region
(learn.microsoft.com/azure/storage/common/storage-network-security, "Restrictions for IP network rules")."""
WORKLOAD = "smk"

# From the `actions-nsg-deployment.bicep` of docs.github.com "Configuring private networking for GitHub-hosted
# runners in your organization": AllowOutBoundActions and AllowOutBoundGitHub, as published when this was written. GitHub changes these
# lists; compare them with the page when you touch this file (https://api.github.com/meta has the GitHub ranges).
_ACTIONS = """
4.175.114.51 20.102.35.120 4.175.114.43 20.72.125.48 20.19.5.100 20.7.92.46 20.232.252.48 52.186.44.51
20.22.98.201 20.246.184.240 20.96.133.71 20.253.2.203 20.102.39.220 20.81.127.181 52.148.30.208 20.14.42.190
20.85.159.192 52.224.205.173 20.118.176.156 20.236.207.188 20.242.161.191 20.166.216.139 20.253.126.26
52.152.245.137 40.118.236.116 20.185.75.138 20.96.226.211 52.167.78.33 20.105.13.142 20.253.95.3 20.221.96.90
51.138.235.85 52.186.47.208 20.7.220.66 20.75.4.210 20.120.75.171 20.98.183.48 20.84.200.15 20.14.235.135
20.10.226.54 20.22.166.15 20.65.21.88 20.102.36.236 20.124.56.57 20.94.100.174 20.102.166.33 20.31.193.160
20.232.77.7 20.102.38.122 20.102.39.57 20.85.108.33 40.88.240.168 20.69.187.19 20.246.192.124 20.4.161.108
20.22.22.84 20.1.250.47 20.237.33.78 20.242.179.206 40.88.239.133 20.121.247.125 20.106.107.180 20.22.118.40
20.15.240.48 20.84.218.150
"""
_GITHUB = """
140.82.112.0/20 143.55.64.0/20 185.199.108.0/22 192.30.252.0/22
20.175.192.146 20.175.192.147 20.175.192.149 20.175.192.150 20.199.39.227 20.199.39.228 20.199.39.231
20.199.39.232 20.200.245.241 20.200.245.245 20.200.245.246 20.200.245.247 20.200.245.248 20.201.28.144
20.201.28.148 20.201.28.149 20.201.28.151 20.201.28.152 20.205.243.160 20.205.243.164 20.205.243.165
20.205.243.166 20.205.243.168 20.207.73.82 20.207.73.83 20.207.73.85 20.207.73.86 20.207.73.88 20.217.135.1
20.233.83.145 20.233.83.146 20.233.83.147 20.233.83.149 20.233.83.150 20.248.137.48 20.248.137.49 20.248.137.50
20.248.137.52 20.248.137.55 20.26.156.215 20.26.156.216 20.26.156.211 20.27.177.113 20.27.177.114 20.27.177.116
20.27.177.117 20.27.177.118 20.29.134.17 20.29.134.18 20.29.134.19 20.29.134.23 20.29.134.24 20.87.245.0
20.87.245.1 20.87.245.4 20.87.245.6 20.87.245.7 4.208.26.196 4.208.26.197 4.208.26.198 4.208.26.199
4.208.26.200 4.225.11.196 4.237.22.32
"""


def _cidrs(text: str) -> tuple[str, ...]:
    return tuple(str(ipaddress.ip_network(a if "/" in a else f"{a}/32", strict=True)) for a in text.split())


GITHUB_ACTIONS_ADDRESSES = _cidrs(_ACTIONS)
GITHUB_ADDRESSES = _cidrs(_GITHUB)


@dataclass(frozen=True)
class RunnerNetwork:
    group: resources.ResourceGroup
    vnet: network.VirtualNetwork
    subnet: network.Subnet
    egress_ip: network.PublicIPAddress
    settings: resources.Resource


def _security_rules() -> list[network.SecurityRuleArgs]:
    """GitHub's documented outbound rules, and no inbound at all: the runners' NICs sit in our VNet, where Azure
    admits VNet traffic by default, and GitHub never needs an inbound connection (docs.github.com, "About
    network communication"). Outbound internet stays open (Azure's AllowInternetOutBound): jobs download
    pulumi plugins, kubelogin and charts; GitHub's allow rules are what must remain if you ever deny it."""
    def allow_out(name: str, priority: int, protocol: str, **destination: object) -> network.SecurityRuleArgs:
        return network.SecurityRuleArgs(
            name=name, priority=priority, direction="Outbound", access="Allow", protocol=protocol,
            source_address_prefix="*", source_port_range="*", destination_port_range="443", **destination,  # type: ignore[arg-type]
        )

    return [
        allow_out("AllowVnetOutBoundOverwrite", 200, "Tcp", destination_address_prefix="VirtualNetwork"),
        allow_out("AllowOutBoundActions", 210, "*", destination_address_prefixes=list(GITHUB_ACTIONS_ADDRESSES)),
        allow_out("AllowOutBoundGitHub", 220, "*", destination_address_prefixes=list(GITHUB_ADDRESSES)),
        allow_out("AllowStorageOutbound", 230, "*", destination_address_prefix="Storage"),
        network.SecurityRuleArgs(
            name="DenyAllInbound", priority=4096, direction="Inbound", access="Deny", protocol="*",
            source_address_prefix="*", source_port_range="*", destination_address_prefix="*",
            destination_port_range="*",
        ),
    ]


def runner_network(runners: RunnerSettings, *, tags: dict[str, str], key: str = "runners",
                   address_space: str | None = None) -> RunnerNetwork:
    """Resource group, NSG, NAT gateway with one static public IP, VNet, the delegated subnet and the
    GitHub.Network/networkSettings resource that binds the subnet to the GitHub organization. `key` names them
    (`<key>-vnet`, ...; "runners" for the deploy runners' hub, "pr-runners" for the pull-request runners' own
    network); `address_space` is the deploy hub's unless given."""
    region = region_code(runners.location)
    space = address_space or runners.address_space

    def named(kind: str) -> str:
        return resource_name(kind, workload=WORKLOAD, environment="shared", region=region, instance=key)

    group = resources.ResourceGroup(f"{key}-rg", resources.ResourceGroupArgs(
        resource_group_name=named("resource_group"), location=runners.location, tags=tags,
    ))
    child = pulumi.ResourceOptions(parent=group)
    nsg = network.NetworkSecurityGroup(f"{key}-nsg", network.NetworkSecurityGroupInitArgs(
        resource_group_name=group.name,
        network_security_group_name=named("network_security_group"),
        location=runners.location,
        security_rules=_security_rules(),
        tags=tags,
    ), opts=child)
    # One static address for every runner: the dev/sit API servers admit it. Standard SKU, the only one a NAT
    # gateway takes (learn.microsoft.com/azure/nat-gateway/nat-overview).
    egress_ip = network.PublicIPAddress(f"{key}-egress-ip", network.PublicIPAddressInitArgs(
        resource_group_name=group.name,
        public_ip_address_name=f"pip-{WORKLOAD}-shared-{region}-{key}-egress",
        location=runners.location,
        sku=network.PublicIPAddressSkuArgs(name="Standard", tier="Regional"),
        public_ip_allocation_method="Static",
        public_ip_address_version="IPv4",
        tags=tags,
    ), opts=child)
    nat = network.NatGateway(f"{key}-nat", network.NatGatewayInitArgs(
        resource_group_name=group.name,
        nat_gateway_name=f"ng-{WORKLOAD}-shared-{region}-{key}",
        location=runners.location,
        sku=network.NatGatewaySkuArgs(name="Standard"),
        public_ip_addresses=[network.SubResourceArgs(id=egress_ip.id)],
        tags=tags,
    ), opts=child)
    # The subnet is a separate resource and the VNet lists none: since pulumi/pulumi-azure-native#611 the
    # provider keeps subnets it was not told about, and ARM API 2023-09-01+ leaves them when `subnets` is
    # omitted. Stacks add their peerings to this VNet (the hub peering role on it), so nothing here may
    # declare the full list of its children.
    vnet = network.VirtualNetwork(f"{key}-vnet", network.VirtualNetworkInitArgs(
        resource_group_name=group.name,
        virtual_network_name=named("virtual_network"),
        location=runners.location,
        address_space=network.AddressSpaceArgs(address_prefixes=[space]),
        tags=tags,
    ), opts=child)
    subnet = network.Subnet(f"{key}-snet", network.SubnetInitArgs(
        resource_group_name=group.name,
        virtual_network_name=vnet.name,
        subnet_name=named("subnet"),
        address_prefix=space,
        delegations=[network.DelegationArgs(name="github-network-settings", service_name="GitHub.Network/networkSettings")],
        network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
        nat_gateway=network.SubResourceArgs(id=nat.id),
        service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(service=s) for s in RUNNER_SERVICE_ENDPOINTS],
        # Egress only through the NAT gateway (its one address), never Azure's implicit outbound access.
        default_outbound_access=False,
    ), opts=pulumi.ResourceOptions(parent=vnet))
    settings = new_resource(resources.Resource, f"{key}-github-network", resources.ResourceArgs(
        resource_group_name=group.name,
        resource_provider_namespace="GitHub.Network",
        parent_resource_path="",
        resource_type="networkSettings",
        resource_name=f"ghns-{WORKLOAD}-shared-{region}-{key}",
        api_version=GITHUB_NETWORK_API_VERSION,
        # Same subscription and region as the VNet (docs.github.com, prerequisites).
        location=runners.location,
        properties={"subnetId": subnet.id, "businessId": runners.github_business_id},
        tags=tags,
    ), pulumi.ResourceOptions(
        parent=group,
        # GitHub writes the id its "Hosted compute networking" page asks for into the resource's `GitHubId` tag;
        # an update with our tags alone would drop it (the Azure Verified Module ignores that tag too).
        ignore_changes=["tags"],
    ))
    return RunnerNetwork(group=group, vnet=vnet, subnet=subnet, egress_ip=egress_ip, settings=settings)


def hub_peering_role(hub: RunnerNetwork, *, suffix: str) -> tuple[authorization.RoleDefinition, str]:
    """A custom role with HUB_PEERING_ACTIONS only, defined on the runners' resource group (a custom role's
    assignable scopes are subscriptions, resource groups or management groups, not single resources) and assigned
    on the hub VNet to each deploy identity. Returns the role and its GUID (known before the role exists)."""
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sentimark-bootstrap/{suffix}/hub-peering"))
    return authorization.RoleDefinition("runners-peering-role", authorization.RoleDefinitionArgs(
        scope=hub.group.id,
        role_definition_id=guid,
        role_name=f"Sentimark hub peering ({suffix})",
        description="Peer a stack's VNets with the CI runners' hub and link its private DNS zones to it; nothing else.",
        role_type="CustomRole",
        permissions=[authorization.PermissionArgs(actions=list(HUB_PEERING_ACTIONS))],
        assignable_scopes=[hub.group.id],
    ), opts=pulumi.ResourceOptions(parent=hub.group)), guid
