"""The shared interfaces: one implementation each, checked on the recording engine and against ARM schemas."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sentimark_platform.components._interfaces import ROLE_DEFINITIONS, role_definition_id
from sentimark_platform.offline import SECRET, Plan
from tests.programs import preview_program

PROGRAM = textwrap.dedent(
    """
    import datetime as dt
    import pulumi
    from pulumi_azure_native import resources
    from sentimark_platform.components._interfaces import (apply_diagnostic_settings, apply_lock, apply_private_endpoints,
        apply_role_assignments, write_vault_secret)

    class Holder(pulumi.ComponentResource):
        def __init__(self):
            super().__init__("sentimark:test:Holder", "holder")

    holder = Holder()
    rg = resources.ResourceGroup("rg", resource_group_name="rg-x", location="westeurope", opts=pulumi.ResourceOptions(parent=holder))
    scope = rg.id
    apply_role_assignments("kv", scope_id=scope, parent=holder, assignments={
        "app": {"role": "Key Vault Secrets User", "principal_id": "33333333-3333-3333-3333-333333333333", "principal_type": "ServicePrincipal"},
    })
    apply_lock("kv", scope_id=scope, lock={"kind": "CanNotDelete"}, parent=holder)
    apply_lock("none", scope_id=scope, lock=None, parent=holder)
    apply_diagnostic_settings("kv", resource_id=scope, parent=holder,
        settings={"workspace_id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log", "categories": ["AuditEvent"]})
    apply_private_endpoints("kv", resource_id=scope, default_group_id="vault", resource_group_name="rg-x",
        location="westeurope", tags={"environment": "t"}, parent=holder,
        endpoints={"primary": {"subnet_id": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pe",
                               "private_dns_zone_ids": ["/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"]}})
    write_vault_secret("db", vault_name="kv-x", resource_group_name="rg-x", secret_name="db-password",
        value="hunter2-very-secret", content_type="text/plain",
        expires_on=dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc), parent=holder)
    """
)


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    directory: Path = tmp_path_factory.mktemp("interfaces")
    return preview_program(directory, PROGRAM)


def test_role_assignment_uses_subscription_scoped_definition_and_stable_guid_name(plan: Plan) -> None:
    (ra,) = plan.of_type("azure-native:authorization:RoleAssignment")
    assert ra.name == "kv-ra-app"
    assert ra.inputs["roleDefinitionId"] == (
        "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/"
        + ROLE_DEFINITIONS["Key Vault Secrets User"]
    )
    assert ra.inputs["principalType"] == "ServicePrincipal"
    assert len(ra.inputs["roleAssignmentName"]) == 36


def test_lock_only_when_asked(plan: Plan) -> None:
    (lock,) = plan.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete" and lock.name == "kv-lock"


def test_diagnostics_send_named_categories_and_metrics(plan: Plan) -> None:
    (diag,) = plan.of_type("azure-native:monitor:DiagnosticSetting")
    assert diag.inputs["logs"] == [{"category": "AuditEvent", "enabled": True}]
    assert diag.inputs["metrics"] == [{"category": "AllMetrics", "enabled": True}]


def test_private_endpoint_connects_the_group_and_registers_dns(plan: Plan) -> None:
    (pe,) = plan.of_type("azure-native:network:PrivateEndpoint")
    assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["vault"]
    (group,) = plan.of_type("azure-native:network:PrivateDnsZoneGroup")
    assert group.parent == pe.urn and group.inputs["privateEndpointName"] == "pe-kv-primary"


def test_vault_secret_value_is_masked_and_has_content_type_and_expiry(plan: Plan) -> None:
    (secret,) = plan.of_type("azure-native:keyvault:Secret")
    assert secret.inputs["properties"] == SECRET or secret.inputs["properties"]["value"] == SECRET
    assert "hunter2" not in plan.dumps()


def test_schemas_accept_every_interface_resource(plan: Plan) -> None:
    schemacheck = pytest.importorskip("schemacheck")
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], report.format_lines()


def test_unknown_role_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="'Key Vault Wizard' is neither a known built-in role"):
        role_definition_id("Key Vault Wizard", "/subscriptions/0")
