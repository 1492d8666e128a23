"""The versioned-alias pruning drops only the SDK's API-version aliases, never a user's."""

from __future__ import annotations

from pathlib import Path

import pulumi

from sentimark_platform.components import is_versioned_type_alias
from sentimark_platform.offline import run_preview

VNET = "azure-native:network:VirtualNetwork"


def test_only_same_type_api_version_aliases_are_versioned() -> None:
    assert is_versioned_type_alias(pulumi.Alias(type_="azure-native:network/v20230201:VirtualNetwork"), VNET)
    assert is_versioned_type_alias(pulumi.Alias(type_="azure-native:network/v20150501preview:VirtualNetwork"), VNET)
    assert not is_versioned_type_alias(pulumi.Alias(type_="azure-native:network/v20230201:Subnet"), VNET)
    zone = "azure-native:privatedns:PrivateZone"
    assert is_versioned_type_alias(pulumi.Alias(type_="azure-native:network/v20200601:PrivateZone"), zone)
    assert not is_versioned_type_alias(pulumi.Alias(type_="azure-native:network:PrivateZone"), zone)
    assert not is_versioned_type_alias(pulumi.Alias(name="old-name"), VNET)
    assert not is_versioned_type_alias(
        pulumi.Alias(type_="azure-native:network/v20230201:VirtualNetwork", name="renamed"), VNET
    )
    assert not is_versioned_type_alias("urn:pulumi:dev::p::azure-native:network:VirtualNetwork::old", VNET)


PROGRAM = """
import pulumi
from pulumi_azure_native import network
from sentimark_platform.components import register_versioned_alias_pruning
if pulumi.Config().get_bool("prune"):
    register_versioned_alias_pruning()
vnet = network.VirtualNetwork("vnet", resource_group_name="rg",
    opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old-vnet")]))
pulumi.export("aliases", len(vnet._aliases))
"""


def _aliases(tmp_path: Path, prune: bool) -> int:
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text(f"config:\n  tiny:prune: {str(prune).lower()}\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    return int(run_preview(tmp_path, "dev").outputs["aliases"])


def test_pruning_keeps_the_users_alias_and_drops_the_sdks(tmp_path: Path) -> None:
    with_pruning, without = _aliases(tmp_path, True), _aliases(tmp_path, False)
    assert with_pruning == 1  # the user's rename alias
    assert without > 50  # 60-odd API-version aliases plus the user's
