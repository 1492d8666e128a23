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


# --- keys with a rotation policy (issue 19: the key that encrypts AKS etcd) --------------------------------------

KEY = "azure-native:keyvault:Key"
ETCD_KEY = {"rotate_after_days": 90, "expires_after_days": 365, "notify_before_expiry_days": 30,
            "operations": ["encrypt", "decrypt"]}
KEYS = {**PROD, "keys": {"aks-etcd": ETCD_KEY}}
KEYS_PROGRAM = (
    "pulumi.export('key_ids', kv.key_ids)\n"
    "pulumi.export('key_resource_ids', kv.key_resource_ids)\n"
    "pulumi.export('same_output', {k: kv.key_ids[k] is key.key_uri_with_version for k, key in kv.keys.items()})\n"
)


def test_a_key_gets_its_rotation_policy_in_the_arm_shape(tmp_path: Path) -> None:
    plan = _preview(tmp_path, KEYS)
    (key,) = plan.of_type(KEY)
    assert key.name == "kv-key-aks-etcd"
    assert (key.inputs["keyName"], key.inputs["vaultName"], key.inputs["resourceGroupName"]) == (
        "aks-etcd", "kv-smk-prod-weu-x7k2p", "rg-smk-prod-weu")
    assert key.inputs["properties"] == {
        "kty": "RSA",
        "keySize": 2048,
        "keyOps": ["encrypt", "decrypt"],
        "rotationPolicy": {
            "attributes": {"expiryTime": "P365D"},
            "lifetimeActions": [
                {"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P90D"}},
                {"action": {"type": "notify"}, "trigger": {"timeBeforeExpiry": "P30D"}},
            ],
        },
    }
    assert key.inputs["tags"] == {"environment": "prod"}
    assert key.protect is False  # the vault is not protected here


def test_a_key_without_notification_has_only_the_rotation_and_permits_every_operation(tmp_path: Path) -> None:
    spec = {"rotate_after_days": 180, "expires_after_days": 400, "size_bits": 4096}
    (key,) = _preview(tmp_path, {**DEV, "keys": {"k": spec}}).of_type(KEY)
    props = key.inputs["properties"]
    assert props["keySize"] == 4096 and "keyOps" not in props
    assert props["rotationPolicy"]["lifetimeActions"] == [{"action": {"type": "rotate"}, "trigger": {"timeAfterCreate": "P180D"}}]


def test_a_protected_vault_protects_its_keys_too(tmp_path: Path) -> None:
    # Deleting the key that encrypts etcd makes the cluster's secrets unrecoverable.
    plan = _preview(tmp_path, {**KEYS, "protect": True, "sku": "premium",
                               "keys": {"aks-etcd": {**ETCD_KEY, "kty": "RSA-HSM"}}})
    (key,) = plan.of_type(KEY)
    (vault,) = plan.of_type(VAULT)
    assert key.protect is True and vault.protect is True
    assert key.inputs["properties"]["kty"] == "RSA-HSM"


def test_key_properties_pass_the_arm_schema_and_the_plan_check(tmp_path: Path) -> None:
    from sentimark_platform.schemacheck import _arm_checker

    plan = _preview(tmp_path, KEYS)
    report = validate_plan(plan.to_json())
    assert report.problems == [], report.format_lines()
    # schemacheck/rules.json indexes no azure-native:keyvault:Key type yet (the plan check skips the key), but it
    # holds the Microsoft.KeyVault 2024-11-01 KeyProperties definition: check the key's properties against it directly.
    checker = _arm_checker()
    schema = {"$ref": "2024-11-01/Microsoft.KeyVault#KeyProperties"}
    (key,) = plan.of_type(KEY)
    assert checker.check(key.inputs["properties"], schema, "properties") == []
    wrong = {**key.inputs["properties"], "kty": "AES"}  # the check is not vacuous
    assert [issue.path for issue in checker.check(wrong, schema, "properties")] == ["properties.kty"]


def test_key_ids_and_resource_ids_are_outputs_by_key_name(tmp_path: Path) -> None:
    plan = _preview(tmp_path, KEYS, KEYS_PROGRAM)
    assert set(plan.outputs["key_ids"]) == set(plan.outputs["key_resource_ids"]) == {"aks-etcd"}
    # The versioned URI AKS KMS wants is the key's own key_uri_with_version output (the offline engine does not
    # compute that one: offline/mocks.py has no keyvault:Key answer yet), and the resource id is the key's id.
    assert plan.outputs["same_output"] == {"aks-etcd": True}
    assert plan.outputs["key_resource_ids"]["aks-etcd"].endswith("/keys/aks-etcd")


def test_without_keys_nothing_changes(tmp_path: Path) -> None:
    plan = _preview(tmp_path, PROD, KEYS_PROGRAM)
    assert plan.of_type(KEY) == []
    assert (plan.outputs["key_ids"], plan.outputs["key_resource_ids"]) == ({}, {})


def _with_key(**spec: Any) -> dict[str, Any]:
    return {**DEV, "keys": {"etcd": {**ETCD_KEY, **spec}}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (_with_key(kty="RSA-HSM"),
         "KeyVault: argument \"keys['etcd'].kty\" got 'RSA-HSM'; HSM-protected keys need a premium vault (sku is "
         "'standard'): set sku 'premium' or use kty 'RSA'"),
        (_with_key(kty="EC"), "KeyVault: argument \"keys['etcd'].kty\" got 'EC'; use one of RSA, RSA-HSM"),
        (_with_key(size_bits=1024), "KeyVault: argument \"keys['etcd'].size_bits\" got 1024; use one of 2048, 3072, 4096"),
        (_with_key(rotate_after_days=360),
         "KeyVault: argument \"keys['etcd'].rotate_after_days\" got 360; rotate at least 7 days before the version "
         "expires (expires_after_days is 365): give at most 358, or a later expiry"),
        (_with_key(rotate_after_days=3),
         "KeyVault: argument \"keys['etcd'].rotate_after_days\" got 3; rotate at least 7 days after creation "
         "(Key Vault's minimum)"),
        (_with_key(expires_after_days=20, rotate_after_days=10, notify_before_expiry_days=None),
         "KeyVault: argument \"keys['etcd'].expires_after_days\" got 20; give at least 28 days (Key Vault's minimum "
         "expiry time)"),
        (_with_key(notify_before_expiry_days=365),
         "KeyVault: argument \"keys['etcd'].notify_before_expiry_days\" got 365; give 7 or more days, fewer than "
         "expires_after_days (365)"),
        (_with_key(operations=["encrypt", "export"]),
         "KeyVault: argument \"keys['etcd'].operations\" got 'export'; use operations from encrypt, decrypt, sign, "
         "verify, wrapKey, unwrapKey"),
        ({**DEV, "keys": {"etcd_key": ETCD_KEY}},
         "KeyVault: argument \"keys['etcd_key']\" got 'etcd_key'; name keys with 1-127 letters, digits and hyphens "
         "(Key Vault's rule)"),
        ({**DEV, "keys": {"etcd": {"rotate_after_days": 90}}},
         "KeyVault: argument \"keys['etcd'].expires_after_days\" got None; required and missing: Every version made "
         "by a rotation expires this many days after its creation (rotation policy attributes.expiryTime P<n>D), at "
         "least 28. Key Vault applies it to versions made by rotation, not to the first version "
         "(learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation). For AKS KMS give at least twice "
         "`rotate_after_days`: the cluster's version and the one before it must stay valid until the next rotation "
         "(learn.microsoft.com/azure/aks/use-kms-etcd-encryption, \"Rotate existing keys\")."),
    ],
    ids=["hsm-on-standard", "ec", "small-rsa", "rotation-not-before-expiry", "rotation-too-soon", "expiry-too-short",
         "notify-after-expiry", "unknown-operation", "bad-name", "no-expiry"],
)
def test_bad_keys_are_refused_before_anything_is_registered(tmp_path: Path, args: dict[str, Any], message: str) -> None:
    args = {**args, "keys": {k: {f: v for f, v in spec.items() if v is not None} for k, spec in args["keys"].items()}}
    with pytest.raises(InvalidArgumentError) as excinfo:
        _preview(tmp_path, args)
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []


def test_each_key_is_judged_by_its_own_expiry(tmp_path: Path) -> None:
    # Two keys: the rule for "long" must compare with 365 days, not with the other key's 35.
    keys = {"long": {"rotate_after_days": 90, "expires_after_days": 365},
            "short": {"rotate_after_days": 30, "expires_after_days": 35}}
    with pytest.raises(InvalidArgumentError) as excinfo:
        _preview(tmp_path, {**DEV, "keys": keys})
    assert str(excinfo.value).startswith("KeyVault: argument \"keys['short'].rotate_after_days\" got 30;")
    assert "long" not in str(excinfo.value)
