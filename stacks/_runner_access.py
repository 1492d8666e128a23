"""The CI runners' way in: each region's network peered with the runners' hub (both sides), and each private
cluster's DNS zone linked to the hub, so that `pulumi up` on a runner resolves and reaches every API server.

Why this shape (issue 16): a private AKS cluster's API server has only a private endpoint in the node subnet.
With AKS's `system` DNS zone the name resolves only inside the cluster's own VNet; a peered runner cannot
resolve it (learn.microsoft.com/azure/aks/private-clusters, "Hub and spoke with custom DNS" / "Configure a
private DNS zone"). So the platform owns each cluster's zone and links it to the hub as well. The zone name
carries the stack (`smk-<env>.privatelink.<region>.azmk8s.io`): a VNet can be linked to only one zone of a given
name (learn.microsoft.com/azure/dns/private-dns-virtual-network-links), and every stack links its zones to the
same hub. The hub side of each peering lives in the runners' subscription, written through a provider for that
subscription; bootstrap grants each environment's deploy identity Network Contributor on the hub VNet for this.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native as azure_native

from sentimark_platform.components import Network, virtual_network_peering
from stacks.settings import CiRunnerSettings

__all__ = ["aks_private_dns_zone", "connect_to_runners"]


def aks_private_dns_zone(workload: str, environment: str, location: str) -> str:
    """The private cluster's zone in `location`, unique to the stack (a `<subzone>.privatelink.<region>.azmk8s.io`
    name, the form AKS accepts for a custom zone)."""
    return f"{workload}-{environment}.privatelink.{location}.azmk8s.io"


def connect_to_runners(runners: CiRunnerSettings, networks: dict[str, Network], aks_zones: dict[str, str]) -> None:
    """Peer every region's network with the runners' hub, both sides, and link each region's private cluster
    zone (`aks_zones`: region code -> zone name, only for private clusters) to the hub."""
    hub = azure_native.Provider("ci-runners", azure_native.ProviderArgs(subscription_id=runners.subscription_id))
    hub_side: list[pulumi.Resource] = []
    for code, net in networks.items():
        net.peer_with_network("ci-runners", remote_id=runners.network_id, remote_name=runners.network_name)
        hub_side.append(virtual_network_peering(
            f"ci-runners-peer-{code}",
            resource_group_name=runners.resource_group_name,
            virtual_network_name=runners.network_name,
            remote_id=net.resource_id,
            remote_name=net.name,
            # The hub's peerings one after another (Azure refuses parallel writes on one VNet). Other stacks'
            # runs may write the hub at the same time: the deploy workflow runs the stacks one after another.
            opts=pulumi.ResourceOptions(provider=hub, depends_on=hub_side[-1:]),
        ))
        if code in aks_zones:
            net.link_private_dns_zone(
                aks_zones[code], "ci-runners", vnet_id=runners.network_id, vnet_name=runners.network_name
            )
