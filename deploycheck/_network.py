"""Rules: can the CI runner reach and resolve every API server of the stack?"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from sentimark_platform.deploycheck._azure import covers, id_name, label, same_resource
from sentimark_platform.deploycheck._model import DeployContext, Finding, Rule
from sentimark_platform.offline import PlannedResource

__all__ = ["RULES"]

_CLUSTER = "azure-native:containerservice:ManagedCluster"
_PEERING = "azure-native:network:VirtualNetworkPeering"
_LINK = "azure-native:privatedns:VirtualNetworkLink"
_VNET = "azure-native:network:VirtualNetwork"
# Zone names that every stack would create alike: linking two of them to the one runners' hub fails, since a
# VNet takes one zone of a given name (learn.microsoft.com/azure/dns/private-dns-virtual-network-links).
_SHARED_ZONE_PREFIX = "privatelink."


def _runners(ctx: DeployContext) -> dict[str, Any] | None:
    runners = ctx.plan.outputs.get("ciRunners")
    return runners if isinstance(runners, dict) and isinstance(runners.get("networkId"), str) else None


def _cluster_vnet(cluster: PlannedResource) -> str | None:
    """The cluster's VNet id, from its system pool's subnet."""
    pools = cluster.inputs.get("agentPoolProfiles") or []
    subnet = pools[0].get("vnetSubnetID") if pools and isinstance(pools[0], dict) else None
    return subnet.split("/subnets/")[0] if isinstance(subnet, str) and "/subnets/" in subnet else None


def _peered(ctx: DeployContext, local_vnet: str, remote_vnet: str) -> bool:
    local_name = id_name(local_vnet)
    return any(
        p.inputs.get("virtualNetworkName") == local_name
        and same_resource((p.inputs.get("remoteVirtualNetwork") or {}).get("id"), remote_vnet)
        for p in ctx.plan.of_type(_PEERING)
    )


def _api_server_path(ctx: DeployContext) -> Iterator[Finding]:
    runners = _runners(ctx)
    clusters = ctx.plan.of_type(_CLUSTER)
    if not clusters or runners is None:
        return
    hub = runners["networkId"]
    for cluster in clusters:
        access = cluster.inputs.get("apiServerAccessProfile") or {}
        if access.get("enablePrivateCluster"):
            yield from _private_path(ctx, cluster, access, hub)
        else:
            ranges = list(access.get("authorizedIPRanges") or [])
            missing = [r for r in runners.get("egressIpRanges") or [] if ranges and not covers(ranges, r)]
            if missing:
                yield Finding("api-server-network-path", label(cluster),
                              f"apiServerAccessProfile.authorizedIPRanges {ranges} do not admit the CI runners' "
                              f"egress {missing}: every Kubernetes call of `pulumi up` in CI times out; add them")


def _private_path(ctx: DeployContext, cluster: PlannedResource, access: dict[str, Any], hub: str) -> Iterator[Finding]:
    zone_id = access.get("privateDNSZone")
    subject = label(cluster)
    if not isinstance(zone_id, str) or zone_id.lower() in ("system", "none") or "/" not in zone_id:
        yield Finding("api-server-network-path", subject,
                      f"private API server with privateDNSZone {zone_id!r}: AKS's own zone is linked only to the "
                      "cluster's VNet, so a runner in a peered network cannot resolve the server; give the cluster "
                      "a zone the platform owns (AksCluster private_dns_zone_id) and link it to the runners' VNet")
    else:
        zone = id_name(zone_id)
        linked = any(
            link.inputs.get("privateZoneName") == zone
            and same_resource((link.inputs.get("virtualNetwork") or {}).get("id"), hub)
            for link in ctx.plan.of_type(_LINK)
        )
        if not linked:
            yield Finding("api-server-network-path", subject,
                          f"private DNS zone {zone} is not linked to the CI runners' VNet {id_name(hub)}: the runner "
                          "cannot resolve the API server; add a VirtualNetworkLink from the zone to that VNet")
    vnet = _cluster_vnet(cluster)
    if vnet is None:
        yield Finding("api-server-network-path", subject,
                      "private cluster without a node subnet of ours (agentPoolProfiles[0].vnetSubnetID): its VNet "
                      "cannot be peered with the runners' network")
        return
    for local, remote, side in ((vnet, hub, "cluster"), (hub, vnet, "runners'")):
        if not _peered(ctx, id_name(local) or "", remote):
            yield Finding("api-server-network-path", subject,
                          f"no VNet peering on the {side} side, from {id_name(local)} to {id_name(remote)}: a peering "
                          "carries traffic only once both sides exist; add it")


def _runner_zone_names(ctx: DeployContext) -> Iterator[Finding]:
    runners = _runners(ctx)
    if runners is None:
        return
    for link in ctx.plan.of_type(_LINK):
        zone = str(link.inputs.get("privateZoneName", ""))
        if same_resource((link.inputs.get("virtualNetwork") or {}).get("id"), runners["networkId"]) and zone.startswith(
            _SHARED_ZONE_PREFIX
        ):
            yield Finding("runner-zone-names-unique", label(link),
                          f"zone {zone} is linked to the shared runners' VNet, but every stack would link a zone of "
                          "that name and Azure refuses a second one (409 Conflict); name it per stack, "
                          "e.g. smk-<env>.privatelink.<region>.azmk8s.io")


def _no_overlap(ctx: DeployContext) -> Iterator[Finding]:
    runners = _runners(ctx)
    if runners is None or not isinstance(runners.get("addressSpace"), str):
        return
    hub = ipaddress.ip_network(runners["addressSpace"], strict=False)
    for vnet in ctx.plan.of_type(_VNET):
        for prefix in (vnet.inputs.get("addressSpace") or {}).get("addressPrefixes") or []:
            if hub.overlaps(ipaddress.ip_network(prefix, strict=False)):
                yield Finding("runner-network-no-overlap", label(vnet),
                              f"address space {prefix} overlaps the runners' hub {hub}: Azure refuses to peer "
                              "overlapping VNets; choose disjoint blocks")


def _matches_bootstrap(ctx: DeployContext) -> Iterator[Finding]:
    runners = _runners(ctx)
    if runners is None or ctx.bootstrap is None:
        return
    hubs = [r for r in ctx.bootstrap.of_type(_VNET) if r.name == "runners-vnet"]
    if not hubs:
        yield Finding("runner-network-matches-bootstrap", "bootstrap",
                      "the bootstrap creates no runners' VNet (`runners-vnet`): CI has no network to run from")
        return
    hub = hubs[0].inputs
    name, group = hub.get("virtualNetworkName"), hub.get("resourceGroupName")
    wanted = runners["networkId"].split("/")
    if len(wanted) < 9 or (wanted[4].lower(), wanted[-1].lower()) != (str(group).lower(), str(name).lower()):
        yield Finding("runner-network-matches-bootstrap", "ciRunners.networkId",
                      f"{runners['networkId']} is not the bootstrap's runners' VNet ({group}/{name}); copy bootstrap's "
                      "output runnerNetworkId")
    spaces = (hub.get("addressSpace") or {}).get("addressPrefixes") or []
    if runners.get("addressSpace") not in spaces:
        yield Finding("runner-network-matches-bootstrap", "ciRunners.addressSpace",
                      f"{runners.get('addressSpace')} is not the bootstrap runners' VNet's space {spaces}")


RULES = (
    Rule("api-server-network-path",
         "`pulumi up` in CI times out or fails to resolve the API server at the first Kubernetes resource",
         ("https://learn.microsoft.com/azure/aks/private-clusters",
          "https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges"),
         _api_server_path, needs=("runners",)),
    Rule("runner-zone-names-unique", "linking a second stack's zone to the runners' VNet fails with 409 Conflict",
         ("https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links",), _runner_zone_names,
         needs=("runners",)),
    Rule("runner-network-no-overlap", "the peering with the runners' hub is refused (overlapping address spaces)",
         ("https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering#requirements-and-constraints",),
         _no_overlap, needs=("runners",)),
    Rule("runner-network-matches-bootstrap", "the stack peers with a network the bootstrap never created",
         ("bootstrap/README.md",), _matches_bootstrap, needs=("bootstrap", "runners")),
)
