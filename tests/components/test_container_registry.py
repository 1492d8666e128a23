"""ContainerRegistry: no admin user or anonymous pull, AcrPull for the kubelet identity, private on Premium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.components.errors import InvalidArgumentError
from sentimark_platform.offline import Plan
from sentimark_platform.schemacheck import validate_plan
from tests.programs import preview_program

REGISTRY = "azure-native:containerregistry:Registry"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net"
WORKSPACE = f"{SUB}/providers/Microsoft.OperationalInsights/workspaces/log-smk"
PE_SUBNET = f"{SUB}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe"
ZONE = f"{SUB}/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io"
KUBELET = "33333333-3333-3333-3333-333333333333"
ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"

DEV = {"resource_group_name": "rg-smk-dev-weu", "sku": "Basic", "pull_principal_ids": {"aks-weu": KUBELET}}
PROD = {
    "resource_group_name": "rg-smk-prod-weu",
    "location": "westeurope",
    "sku": "Premium",
    "resource_name": "crsmkprodweux7k2p",
    "pull_principal_ids": {"aks-weu": KUBELET, "aks-neu": "44444444-4444-4444-4444-444444444444"},
    "private_endpoints": {"weu": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [ZONE]}},
    "zone_redundancy": True,
    "diagnostic_settings": {"workspace_id": WORKSPACE},
    "lock": {"kind": "CanNotDelete"},
    "tags": {"environment": "prod"},
}


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import pulumi\n"
        "from sentimark_platform.components.container_registry import ContainerRegistry\n"
        f"cr = ContainerRegistry('cr', {args!r})\n"
        "pulumi.export('name', cr.name)\n"
        "pulumi.export('resource_id', cr.resource_id)\n"
        "pulumi.export('login_server', cr.login_server)\n")


def test_prod_like_registry_is_private_zone_redundant_and_keyless(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (registry,) = plan.of_type(REGISTRY)
    inputs = registry.inputs
    assert inputs["registryName"] == "crsmkprodweux7k2p"
    assert inputs["sku"] == {"name": "Premium"}
    assert inputs["adminUserEnabled"] is False
    assert inputs["anonymousPullEnabled"] is False
    assert inputs["publicNetworkAccess"] == "Disabled"
    assert inputs["zoneRedundancy"] == "Enabled"
    assert plan.outputs["login_server"] == "crsmkprodweux7k2p.azurecr.io"
    (pe,) = plan.of_type("azure-native:network:PrivateEndpoint")
    assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["registry"]
    (group,) = plan.of_type("azure-native:network:PrivateDnsZoneGroup")
    assert group.inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"] == ZONE


def test_prod_like_acr_pull_for_each_kubelet_identity_with_diagnostics_and_lock(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    assignments = {ra.name: ra for ra in plan.of_type("azure-native:authorization:RoleAssignment")}
    assert set(assignments) == {"cr-ra-pull-aks-weu", "cr-ra-pull-aks-neu"}
    weu = assignments["cr-ra-pull-aks-weu"].inputs
    assert weu["principalId"] == KUBELET and weu["principalType"] == "ServicePrincipal"
    assert weu["roleDefinitionId"].endswith(f"/roleDefinitions/{ACR_PULL}")
    assert len(plan.of_type("azure-native:monitor:DiagnosticSetting")) == 1
    (lock,) = plan.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete"


def test_dev_like_basic_registry_is_public_with_entra_auth_only(tmp_path: Path) -> None:
    plan = _preview(tmp_path, DEV)
    (registry,) = plan.of_type(REGISTRY)
    assert registry.inputs["sku"] == {"name": "Basic"}
    assert registry.inputs["adminUserEnabled"] is False and registry.inputs["anonymousPullEnabled"] is False
    assert registry.inputs["publicNetworkAccess"] == "Enabled"
    assert registry.inputs["zoneRedundancy"] == "Disabled"
    assert plan.of_type("azure-native:network:PrivateEndpoint") == []
    (ra,) = plan.of_type("azure-native:authorization:RoleAssignment")
    assert ra.inputs["principalId"] == KUBELET


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_plan_passes_the_arm_schema_check(tmp_path: Path, args: dict[str, Any]) -> None:
    report = validate_plan(_preview(tmp_path, args).to_json())
    assert report.problems == [], report.format_lines()
    assert report.checked >= 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sku": "Standard", "private_endpoints": PROD["private_endpoints"]},
         "ContainerRegistry: argument 'private_endpoints' got ['weu']; private endpoints need the Premium SKU "
         "(got 'Standard'): use sku 'Premium' or leave private_endpoints out"),
        ({"zone_redundancy": True},
         "ContainerRegistry: argument 'zone_redundancy' got True; zone redundancy needs the Premium SKU "
         "(got 'Basic'): use sku 'Premium' or leave zone_redundancy out"),
        ({"resource_name": "cr-smk-dev"},
         "ContainerRegistry: argument 'resource_name' got 'cr-smk-dev'; use 5-50 letters and digits, no hyphens "
         "(build it with resource_name('container_registry', ...))"),
        ({"sku": "Classic"}, "ContainerRegistry: argument 'sku' got 'Classic'; use one of Basic, Standard, Premium"),
        ({"sku": "Premium", "private_endpoints": {"x": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [ZONE],
                                                      "group_id": "vault"}}},
         "ContainerRegistry: argument \"private_endpoints['x'].group_id\" got 'vault'; use 'registry' or leave it out"),
    ],
)
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as excinfo:
        _preview(tmp_path, {**DEV, **change})
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []
