"""KeyVault: RBAC, soft delete + purge protection, private by default, explicit IP allow-list, audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.components.errors import InvalidArgumentError
from sentimark_platform.offline import SECRET, Plan
from sentimark_platform.schemacheck import validate_plan
from tests.programs import preview_program

VAULT = "azure-native:keyvault:Vault"
TENANT = "11111111-1111-1111-1111-111111111111"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net"
WORKSPACE = f"{SUB}/providers/Microsoft.OperationalInsights/workspaces/log-smk"
PE_SUBNET = f"{SUB}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe"
ZONE = f"{SUB}/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
PRINCIPAL = "22222222-2222-2222-2222-222222222222"

DEV = {
    "resource_group_name": "rg-smk-dev-weu",
    "tenant_id": TENANT,
    "soft_delete_retention_days": 7,
    "public_network_access": {"allowed_ip_ranges": ["203.0.113.0/24", "198.51.100.7"]},
}
PROD = {
    "resource_group_name": "rg-smk-prod-weu",
    "tenant_id": TENANT,
    "location": "westeurope",
    "resource_name": "kv-smk-prod-weu-x7k2p",
    "private_endpoints": {"weu": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [ZONE]}},
    "role_assignments": {
        "api": {"role": "Key Vault Secrets User", "principal_id": PRINCIPAL, "principal_type": "ServicePrincipal"}
    },
    "diagnostic_settings": {"workspace_id": WORKSPACE, "category_groups": ["audit"]},
    "lock": {"kind": "CanNotDelete"},
    "tags": {"environment": "prod"},
}


def _preview(tmp_path: Path, args: dict[str, Any], extra: str = "") -> Plan:
    return preview_program(tmp_path, "import datetime, pulumi\n"
        "from sentimark_platform.components.key_vault import KeyVault\n"
        f"kv = KeyVault('kv', {args!r})\n"
        "pulumi.export('name', kv.name)\n"
        "pulumi.export('vault_uri', kv.vault_uri)\n"
        "pulumi.export('resource_id', kv.resource_id)\n" + extra)


def _properties(plan: Plan) -> dict[str, Any]:
    (vault,) = plan.of_type(VAULT)
    return vault.inputs["properties"]


def test_prod_like_vault_is_private_rbac_and_purge_protected(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    props = _properties(plan)
    assert props["enableRbacAuthorization"] is True
    assert props["enableSoftDelete"] is True and props["softDeleteRetentionInDays"] == 90
    assert props["enablePurgeProtection"] is True
    assert props["publicNetworkAccess"] == "Disabled"
    assert props["networkAcls"] == {"bypass": "AzureServices", "defaultAction": "Deny"}
    assert props["sku"] == {"family": "A", "name": "standard"}
    assert props["tenantId"] == TENANT
    assert "accessPolicies" not in props
    (vault,) = plan.of_type(VAULT)
    assert vault.inputs["vaultName"] == "kv-smk-prod-weu-x7k2p"


def test_prod_like_private_endpoint_uses_group_vault_and_the_zone(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (pe,) = plan.of_type("azure-native:network:PrivateEndpoint")
    assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["vault"]
    assert pe.inputs["subnet"]["id"] == PE_SUBNET
    (group,) = plan.of_type("azure-native:network:PrivateDnsZoneGroup")
    assert group.inputs["privateDnsZoneConfigs"][0]["privateDnsZoneId"] == ZONE


def test_prod_like_audit_diagnostics_role_assignment_and_lock(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD)
    (diag,) = plan.of_type("azure-native:monitor:DiagnosticSetting")
    assert diag.inputs["logs"] == [{"categoryGroup": "audit", "enabled": True}]
    assert diag.inputs["workspaceId"] == WORKSPACE
    (ra,) = plan.of_type("azure-native:authorization:RoleAssignment")
    assert ra.inputs["roleDefinitionId"].endswith("/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6")
    assert ra.inputs["principalType"] == "ServicePrincipal"
    (lock,) = plan.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete"
    assert plan.outputs["vault_uri"] == "https://kv-smk-prod-weu-x7k2p.vault.azure.net/"


def test_dev_like_public_access_keeps_deny_with_ip_rules(tmp_path: Path) -> None:
    plan = _preview(tmp_path, DEV)
    props = _properties(plan)
    assert props["publicNetworkAccess"] == "Enabled"
    assert props["networkAcls"] == {
        "bypass": "AzureServices",
        "defaultAction": "Deny",
        "ipRules": [{"value": "203.0.113.0/24"}, {"value": "198.51.100.7"}],
    }
    assert props["softDeleteRetentionInDays"] == 7
    assert props["enablePurgeProtection"] is True
    assert plan.of_type("azure-native:network:PrivateEndpoint") == []


def test_purge_protection_can_be_left_off_explicitly(tmp_path: Path) -> None:
    props = _properties(_preview(tmp_path, {**DEV, "purge_protection": False}))
    assert "enablePurgeProtection" not in props  # Azure refuses false


def test_write_secret_keeps_the_value_secret_with_content_type_and_expiry(tmp_path: Path) -> None:
    extra = (
        "s = kv.write_secret('pg', secret_name='postgres-admin-password', value='hunter2-very-secret',"
        " content_type='text/plain', expires_on=datetime.datetime(2027, 1, 1, tzinfo=datetime.timezone.utc))\n"
    )
    plan = _preview(tmp_path, PROD, extra)
    (secret,) = plan.of_type("azure-native:keyvault:Secret")
    assert secret.name == "kv-pg-secret"
    assert secret.inputs["secretName"] == "postgres-admin-password"
    assert secret.inputs["vaultName"] == "kv-smk-prod-weu-x7k2p"
    props = secret.inputs["properties"]
    assert props["value"] == SECRET
    assert "hunter2-very-secret" not in plan.dumps()
    assert props["contentType"] == "text/plain"
    assert props["attributes"] == {"enabled": True, "expires": 1798761600}


def test_write_secret_refuses_a_name_key_vault_would_reject(tmp_path: Path) -> None:
    extra = "kv.write_secret('pg', secret_name='postgres_password', value='x', content_type='text/plain')\n"
    with pytest.raises(InvalidArgumentError) as excinfo:
        _preview(tmp_path, DEV, extra)
    assert str(excinfo.value) == (
        "KeyVault: argument 'secret_name' got 'postgres_password'; use 1-127 letters, digits and hyphens (Key Vault's rule)"
    )


@pytest.mark.parametrize("args", [DEV, PROD], ids=["dev", "prod"])
def test_plan_passes_the_arm_schema_check(tmp_path: Path, args: dict[str, Any]) -> None:
    report = validate_plan(_preview(tmp_path, args).to_json())
    assert report.problems == [], report.format_lines()
    assert report.checked >= 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"soft_delete_retention_days": 120},
         "KeyVault: argument 'soft_delete_retention_days' got 120; use a whole number of days from 7 to 90 (Azure's range)"),
        ({"soft_delete_retention_days": 6},
         "KeyVault: argument 'soft_delete_retention_days' got 6; use a whole number of days from 7 to 90 (Azure's range)"),
        ({"resource_name": "kv-sentimark-production-westeurope"},
         "KeyVault: argument 'resource_name' got 'kv-sentimark-production-westeurope'; use 3-24 letters, digits and "
         "hyphens, starting with a letter, ending with a letter or digit, no '--' "
         "(build it with resource_name('key_vault', ...))"),
        ({"resource_name": "kv--smk"},
         "KeyVault: argument 'resource_name' got 'kv--smk'; use 3-24 letters, digits and "
         "hyphens, starting with a letter, ending with a letter or digit, no '--' "
         "(build it with resource_name('key_vault', ...))"),
        ({"private_endpoints": {"x": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [ZONE], "group_id": "registry"}}},
         "KeyVault: argument \"private_endpoints['x'].group_id\" got 'registry'; use 'vault' or leave it out"),
        ({"sku": "gold"}, "KeyVault: argument 'sku' got 'gold'; use one of standard, premium"),
        ({"tenant_id": "contoso"}, "KeyVault: argument 'tenant_id' got 'contoso'; give the tenant's GUID"),
        ({"public_network_access": {"allowed_ip_ranges": ["10.0.0.0/8"]}},
         "KeyVault: argument 'public_network_access.allowed_ip_ranges' got '10.0.0.0/8'; give public IPv4 addresses "
         "or CIDRs such as 203.0.113.0/24 (private ranges never reach the public endpoint)"),
        ({"public_network_access": {"allowed_ip_ranges": []}},
         "KeyVault: argument 'public_network_access' got {'allowed_ip_ranges': []}; list at least one allowed IP "
         "range, or leave public_network_access out to keep the vault private"),
    ],
)
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as excinfo:
        _preview(tmp_path, {**DEV, **change})
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []


def test_the_private_endpoints_are_outputs_by_their_keys(tmp_path: Path) -> None:
    # Issue 18: children users need (DNS records, policies, diagnostics of their own) are reachable, not hidden.
    plan = _preview(tmp_path, PROD, "pulumi.export('endpoints', {k: pe.urn for k, pe in kv.private_endpoints.items()})\n")
    (endpoint,) = plan.of_type("azure-native:network:PrivateEndpoint")
    assert plan.outputs["endpoints"] == {"weu": endpoint.urn}
    assert _preview(tmp_path / "dev", DEV, "pulumi.export('endpoints', kv.private_endpoints)\n").outputs["endpoints"] == {}
