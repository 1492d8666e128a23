"""The runners' hub network: a delegated subnet for GitHub-hosted runners, one static egress address, GitHub's
NSG rules, and the networkSettings resource that binds the subnet to the organization."""

from __future__ import annotations

import ipaddress
import re

import pulumi
import pytest

from bootstrap._runners import GITHUB_ACTIONS_ADDRESSES, GITHUB_ADDRESSES, RUNNER_GROUP
from bootstrap._settings import DEFAULT_RUNNER_ADDRESS_SPACE, GITHUB_HOSTED_NETWORK_REGIONS
from sentimark_platform.offline import run_preview
from tests.bootstrap._plans import BOOTSTRAP, bootstrap_plan, by_name
from tests.conftest import STACKS, plan_of


def test_the_hub_vnet_lives_in_a_region_github_supports_with_the_configured_block() -> None:
    plan = bootstrap_plan()
    group, vnet = by_name(plan, "runners-rg"), by_name(plan, "runners-vnet")
    assert group.type == "azure-native:resources:ResourceGroup" and group.inputs["location"] == "northeurope"
    assert group.inputs["resourceGroupName"] == "rg-smk-shared-neu-runners"
    assert vnet.type == "azure-native:network:VirtualNetwork"
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.100.0.0/24"]}
    assert vnet.inputs["location"] == "northeurope" and vnet.inputs["location"] in GITHUB_HOSTED_NETWORK_REGIONS
    # Subnets and peerings are separate resources (the stacks add peerings): the VNet must not list its children.
    assert "subnets" not in vnet.inputs and "virtualNetworkPeerings" not in vnet.inputs
    assert plan.outputs["runnerNetworkId"].endswith("/virtualNetworks/vnet-smk-shared-neu-runners")
    assert plan.outputs["runnerAddressSpace"] == "10.100.0.0/24"
    assert plan.outputs["runnerGroup"] == RUNNER_GROUP == "sentimark-azure"


def test_the_subnet_is_delegated_to_github_behind_the_nsg_and_the_nat_gateway() -> None:
    plan = bootstrap_plan()
    subnet, vnet = by_name(plan, "runners-snet"), by_name(plan, "runners-vnet")
    nsg, nat = by_name(plan, "runners-nsg"), by_name(plan, "runners-nat")
    assert subnet.type == "azure-native:network:Subnet" and subnet.parent == vnet.urn
    inputs = subnet.inputs
    assert inputs["addressPrefix"] == "10.100.0.0/24"
    assert [d["serviceName"] for d in inputs["delegations"]] == ["GitHub.Network/networkSettings"]
    assert {nsg.urn, nat.urn, vnet.urn} <= set(subnet.dependencies)
    assert inputs["networkSecurityGroup"]["id"].endswith("/networkSecurityGroups/nsg-smk-shared-neu-runners")
    assert inputs["natGateway"]["id"].endswith("/ng-smk-shared-neu-runners")
    assert inputs["defaultOutboundAccess"] is False  # egress only through the NAT gateway's one address
    assert [e["service"] for e in inputs["serviceEndpoints"]] == ["Microsoft.Storage", "Microsoft.KeyVault"]


def test_the_runners_have_one_static_standard_egress_address() -> None:
    plan = bootstrap_plan()
    ip, nat = by_name(plan, "runners-egress-ip"), by_name(plan, "runners-nat")
    assert ip.type == "azure-native:network:PublicIPAddress"
    assert ip.inputs["sku"] == {"name": "Standard", "tier": "Regional"}
    assert ip.inputs["publicIPAllocationMethod"] == "Static" and ip.inputs["publicIPAddressVersion"] == "IPv4"
    assert nat.type == "azure-native:network:NatGateway" and nat.inputs["sku"] == {"name": "Standard"}
    assert ip.urn in nat.dependencies and len(nat.inputs["publicIpAddresses"]) == 1


def test_the_nsg_has_githubs_documented_outbound_rules_and_denies_inbound() -> None:
    rules = {r["name"]: r for r in by_name(bootstrap_plan(), "runners-nsg").inputs["securityRules"]}
    assert sorted(rules) == sorted(["AllowVnetOutBoundOverwrite", "AllowOutBoundActions", "AllowOutBoundGitHub",
                                    "AllowStorageOutbound", "DenyAllInbound"])
    assert rules["AllowVnetOutBoundOverwrite"]["destinationAddressPrefix"] == "VirtualNetwork"
    assert rules["AllowStorageOutbound"]["destinationAddressPrefix"] == "Storage"
    assert rules["AllowOutBoundActions"]["destinationAddressPrefixes"] == list(GITHUB_ACTIONS_ADDRESSES)
    assert rules["AllowOutBoundGitHub"]["destinationAddressPrefixes"] == list(GITHUB_ADDRESSES)
    for name in ("AllowVnetOutBoundOverwrite", "AllowOutBoundActions", "AllowOutBoundGitHub", "AllowStorageOutbound"):
        rule = rules[name]
        assert (rule["direction"], rule["access"], rule["destinationPortRange"]) == ("Outbound", "Allow", "443")
    deny = rules["DenyAllInbound"]
    assert (deny["direction"], deny["access"], deny["sourceAddressPrefix"], deny["destinationPortRange"]) == (
        "Inbound", "Deny", "*", "*")
    assert len({r["priority"] for r in rules.values()}) == len(rules)
    # GitHub's lists as the docs publish them: github.com's /20s and /22s, single addresses otherwise.
    assert "140.82.112.0/20" in GITHUB_ADDRESSES and len(GITHUB_ACTIONS_ADDRESSES) == 65
    assert all(ipaddress.ip_network(a).is_global for a in GITHUB_ACTIONS_ADDRESSES + GITHUB_ADDRESSES)


def test_the_github_network_settings_bind_the_subnet_to_the_organization() -> None:
    plan = bootstrap_plan()
    settings = by_name(plan, "runners-github-network")
    inputs = settings.inputs
    assert settings.type == "azure-native:resources:Resource"
    assert (inputs["resourceProviderNamespace"], inputs["resourceType"], inputs["apiVersion"]) == (
        "GitHub.Network", "networkSettings", "2024-04-02")
    assert inputs["properties"] == {"subnetId": plan.outputs["runnerSubnetId"], "businessId": "123456789"}
    assert inputs["location"] == "northeurope"  # same region and subscription as the VNet (GitHub's prerequisite)
    assert by_name(plan, "runners-snet").urn in settings.dependencies
    # GitHub writes the organization-side id into the `GitHubId` tag; our updates must not drop it.
    assert "tags" in settings.ignore_changes
    assert plan.outputs["githubNetworkSettingsId"].endswith("/ghns-smk-shared-neu-runners")


def test_the_default_runner_block_overlaps_no_stack_network() -> None:
    hub = ipaddress.ip_network(DEFAULT_RUNNER_ADDRESS_SPACE)
    spaces = [
        (stack, prefix)
        for stack in STACKS
        for vnet in plan_of(stack).of_type("azure-native:network:VirtualNetwork")
        for prefix in (vnet.inputs.get("addressSpace") or {}).get("addressPrefixes", [])
    ]
    assert spaces, "the stacks' plans have no VNet address space to compare with"
    assert [(s, p) for s, p in spaces if ipaddress.ip_network(p).overlaps(hub)] == []


def test_pull_request_runners_have_a_network_of_their_own_peered_with_nothing() -> None:
    plan = bootstrap_plan()
    vnet = by_name(plan, "pr-runners-vnet").inputs
    subnet = by_name(plan, "pr-runners-snet").inputs
    assert vnet["addressSpace"]["addressPrefixes"] == ["10.101.0.0/24"] == [subnet["addressPrefix"]]
    assert [d["serviceName"] for d in subnet["delegations"]] == ["GitHub.Network/networkSettings"]
    assert subnet["defaultOutboundAccess"] is False and "natGateway" in subnet
    assert by_name(plan, "pr-runners-github-network").inputs["properties"]["businessId"]
    # Nothing may join or peer with it: no role of any identity is scoped to it, and bootstrap peers nothing.
    assert not [a.name for a in plan.of_type("azure-native:authorization:RoleAssignment")
                if "pr-runners" in str(a.inputs.get("scope"))]
    assert not plan.of_type("azure-native:network:VirtualNetworkPeering")
    assert plan.outputs["pullRequestRunnerGroup"] == "sentimark-azure-pr" != plan.outputs["runnerGroup"]


def test_the_pull_request_network_may_not_overlap_the_hub() -> None:
    expected = "runners.pullRequestAddressSpace: got '10.100.0.0/24'; use a block that does not overlap runners.addressSpace"
    with pytest.raises(pulumi.RunError, match=re.escape(expected)):
        run_preview(BOOTSTRAP, "main", config={"sentimark-bootstrap:runners": {
            "addressSpace": "10.100.0.0/24", "pullRequestAddressSpace": "10.100.0.0/24",
            "githubBusinessId": "1", "location": "northeurope"}})
