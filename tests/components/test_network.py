"""Network: inline subnets with an NSG each, delegation, privatelink zones linked without registration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.components.errors import InvalidArgumentError
from sentimark_platform.offline import Plan, run_preview
from sentimark_platform.schemacheck import validate_plan
from tests.programs import preview_program

VNET = "azure-native:network:VirtualNetwork"
NSG = "azure-native:network:NetworkSecurityGroup"
ZONE = "azure-native:privatedns:PrivateZone"
LINK = "azure-native:privatedns:VirtualNetworkLink"
WORKSPACE = "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"

SUBNETS = {
    "snet-aks": {"address_prefix": "10.20.0.0/22"},
    "snet-pe": {"address_prefix": "10.20.4.0/24"},
    "snet-psql": {"address_prefix": "10.20.5.0/27",
                  "delegation": "Microsoft.DBforPostgreSQL/flexibleServers"},
}

DEV = {"resource_group_name": "rg-smk-dev-weu", "address_space": ["10.20.0.0/16"], "subnets": SUBNETS,
       "private_dns_zones": []}
PROD = {
    "resource_group_name": "rg-smk-prod-weu",
    "location": "westeurope",
    "resource_name": "vnet-smk-prod-weu",
    "address_space": ["10.20.0.0/16"],
    "subnets": SUBNETS,
    "tags": {"environment": "prod"},
    "lock": {"kind": "CanNotDelete"},
    "diagnostic_settings": {"workspace_id": WORKSPACE},
}


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import pulumi\n"
        "from sentimark_platform.components.network import Network\n"
        f"net = Network('net', {args!r})\n"
        "pulumi.export('subnet_ids', net.subnet_ids)\n"
        "pulumi.export('zones', net.private_dns_zone_ids)\n"
        "pulumi.export('name', net.name)\n")


def test_prod_like_vnet_has_inline_subnets_each_with_its_own_nsg(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (vnet,) = plan.of_type(VNET)
    assert vnet.inputs["virtualNetworkName"] == "vnet-smk-prod-weu"
    assert vnet.inputs["addressSpace"] == {"addressPrefixes": ["10.20.0.0/16"]}
    subnets = {s["name"]: s for s in vnet.inputs["subnets"]}
    assert set(subnets) == {"snet-aks", "snet-pe", "snet-psql"}
    nsgs = {n.inputs["networkSecurityGroupName"]: n for n in plan.of_type(NSG)}
    assert set(nsgs) == {"nsg-smk-prod-weu-aks", "nsg-smk-prod-weu-pe", "nsg-smk-prod-weu-psql"}
    # Each subnet points at its own NSG (the mock id carries the NSG's Pulumi name).
    assert all(s["networkSecurityGroup"]["id"] for s in subnets.values())
    assert len({s["networkSecurityGroup"]["id"] for s in subnets.values()}) == 3
    assert all(n.urn in vnet.dependencies for n in plan.of_type(NSG))
    assert subnets["snet-psql"]["delegations"] == [
        {"name": "Microsoft.DBforPostgreSQL.flexibleServers", "serviceName": "Microsoft.DBforPostgreSQL/flexibleServers"}
    ]
    assert subnets["snet-pe"]["privateEndpointNetworkPolicies"] == "Enabled"
    assert all(s["defaultOutboundAccess"] is False for s in subnets.values())
    assert not plan.of_type("azure-native:network:Subnet")  # inline only: see the module docstring


def test_prod_like_creates_the_default_privatelink_zones_linked_without_registration(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    zones = {z.inputs["privateZoneName"]: z for z in plan.of_type(ZONE)}
    assert set(zones) == {
        "privatelink.vaultcore.azure.net",
        "privatelink.postgres.database.azure.com",
        "privatelink.redis.azure.net",
        "privatelink.servicebus.windows.net",
        "privatelink.azurecr.io",
        "privatelink.grafana.azure.com",
    }
    assert all(z.inputs["location"] == "global" for z in zones.values())
    links = plan.of_type(LINK)
    assert len(links) == len(zones)
    assert all(link.inputs["registrationEnabled"] is False and link.inputs["location"] == "global" for link in links)
    assert all(link.inputs["virtualNetworkLinkName"] == "link-vnet-smk-prod-weu" for link in links)
    assert set(plan.outputs["zones"]) == set(zones)


def test_prod_like_lock_and_diagnostics(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (lock,) = plan.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete"
    diags = plan.of_type("azure-native:monitor:DiagnosticSetting")
    assert len(diags) == 4  # the VNet and three NSGs
    nsg_diags = [d for d in diags if "-nsg-" in d.name]
    assert all("metrics" not in d.inputs for d in nsg_diags)  # NSGs have no metrics


def test_subnet_ids_are_resolved_from_the_vnet_id(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    ids = plan.outputs["subnet_ids"]
    assert set(ids) == {"snet-aks", "snet-pe", "snet-psql"}
    assert all(value.endswith(f"/subnets/{key}") and "[unknown]" not in value for key, value in ids.items())


def test_dev_like_skips_the_private_zones(tmp_path: Path) -> None:
    plan = _preview(tmp_path, DEV)
    assert plan.of_type(ZONE) == [] and plan.of_type(LINK) == []
    assert plan.outputs["zones"] == {}
    assert len(plan.of_type(NSG)) == 3
    assert not plan.of_type("azure-native:authorization:ManagementLockByScope")


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_plan_passes_the_arm_schema_check(tmp_path: Path, args: dict[str, Any]) -> None:
    report = validate_plan(_preview(tmp_path, args).to_json())
    assert report.problems == [], report.format_lines()
    assert report.checked >= 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"address_space": ["10.20.0.0"]},
         "Network: argument 'address_space' got '10.20.0.0'; give an IPv4 CIDR with its network address, such as 10.20.0.0/16"),
        ({"address_space": ["10.20.0.1/16"]},
         "Network: argument 'address_space' got '10.20.0.1/16'; give an IPv4 CIDR with its network address, such as 10.20.0.0/16"),
        ({"subnets": {"snet-aks": {"address_prefix": "10.30.0.0/22"}}},
         "Network: argument \"subnets['snet-aks'].address_prefix\" got '10.30.0.0/22'; "
         "choose a prefix inside the address space ['10.20.0.0/16']"),
        ({"subnets": {"a": {"address_prefix": "10.20.0.0/22"}, "b": {"address_prefix": "10.20.1.0/24"}}},
         "Network: argument \"subnets['b'].address_prefix\" got '10.20.1.0/24'; it overlaps subnet 'a' (10.20.0.0/22)"),
        ({"subnets": {"a": {"address_prefix": "10.20.0.0/30"}}},
         "Network: argument \"subnets['a'].address_prefix\" got '10.20.0.0/30'; use /29 or larger (Azure's smallest subnet)"),
        ({"private_dns_zones": ["privatelink.azurecr.io", "privatelink.azurecr.io"]},
         "Network: argument 'private_dns_zones' got ['privatelink.azurecr.io', 'privatelink.azurecr.io']; list each zone once"),
    ],
)
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as excinfo:
        _preview(tmp_path, {**DEV, **change})
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []


def test_two_regions_peer_both_ways_and_the_secondary_resolves_the_primarys_zones(tmp_path: Path) -> None:
    secondary = {**DEV, "resource_group_name": "rg-smk-prod-neu", "resource_name": "vnet-smk-prod-neu",
                 "address_space": ["10.21.0.0/16"],
                 "subnets": {"snet-aks": {"address_prefix": "10.21.0.0/22"}}}
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "from sentimark_platform.components.network import Network\n"
        f"primary = Network('net-weu', {PROD!r})\n"
        f"secondary = Network('net-neu', {secondary!r})\n"
        "primary.peer_with('neu', secondary)\n"
        "secondary.peer_with('weu', primary)\n"
        "primary.link_private_dns_zones('neu', secondary)\n"
    )
    plan = run_preview(tmp_path, "dev")
    peerings = {p.name: p.inputs for p in plan.of_type("azure-native:network:VirtualNetworkPeering")}
    assert set(peerings) == {"net-weu-peer-neu", "net-neu-peer-weu"}
    assert peerings["net-weu-peer-neu"]["remoteVirtualNetwork"]["id"].endswith("/virtualNetworks/vnet-smk-prod-neu")
    assert peerings["net-weu-peer-neu"]["allowForwardedTraffic"] is False
    links = [link for link in plan.of_type(LINK) if link.name.endswith("-link-neu")]
    assert len(links) == len(plan.of_type(ZONE)) == 6
    assert all(link.inputs["virtualNetwork"]["id"].endswith("/vnet-smk-prod-neu") for link in links)
    assert all(link.inputs["registrationEnabled"] is False for link in links)


def test_every_problem_of_the_network_is_reported_at_once() -> None:
    from sentimark_platform.components._validation import check_arguments
    from sentimark_platform.components.network import NetworkArgs, _rules

    args: dict = {
        "resource_group_name": "rg",
        "address_space": ["10.20.0.0/16"],
        "subnets": {
            "snet-a": {"address_prefix": "10.30.0.0/24"},  # outside the address space
            "snet-b": {"address_prefix": "10.20.0.1/24"},  # host bits set: not a CIDR
            "snet-c": {"address_prefix": "10.20.1.0/24", "delegation": "postgres"},
        },
        "private_dns_zones": ["not a zone"],
    }
    with pytest.raises(InvalidArgumentError) as caught:
        check_arguments("Network", args, NetworkArgs, lambda: _rules(args))  # type: ignore[arg-type]
    assert [p.argument for p in caught.value.problems] == [
        "subnets['snet-a'].address_prefix", "subnets['snet-b'].address_prefix", "subnets['snet-c'].delegation",
        "private_dns_zones"]
