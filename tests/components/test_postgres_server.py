"""PostgresServer: private or allow-listed access, Entra admin group, vaulted password, HA, backups, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform import schemacheck
from sentimark_platform.components import firewall_rules_for
from sentimark_platform.offline import SECRET, Plan
from sentimark_platform.offline.report import to_markdown
from tests.programs import preview_program

SERVER = "azure-native:dbforpostgresql:Server"
SUBNET = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-psql"
ZONE = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.postgres.database.azure.com"
ADMIN_GROUP = {"object_id": "33333333-3333-3333-3333-333333333333", "principal_name": "sg-pg-admins"}
BASE: dict[str, Any] = {
    "resource_group_name": "rg-data",
    "tenant_id": "11111111-1111-1111-1111-111111111111",
    "entra_admin": ADMIN_GROUP,
    "key_vault_name": "kv-smk-dev",
}
DEV: dict[str, Any] = {
    **BASE,
    "resource_name": "psql-smk-dev",
    "sku_tier": "Burstable",
    "sku_name": "Standard_B1ms",
    "storage_size_gb": 32,
    "public_access": True,
    "firewall_rules": {"office": "203.0.113.0/28", "ci-runner": "198.51.100.7"},
    "databases": {"sentimark": {}},
    "tags": {"environment": "dev"},
}
PROD: dict[str, Any] = {
    **BASE,
    "resource_name": "psql-smk-prod",
    "sku_tier": "GeneralPurpose",
    "sku_name": "Standard_D4ds_v5",
    "storage_size_gb": 256,
    "high_availability": True,
    "availability_zone": "1",
    "backup_retention_days": 35,
    "geo_redundant_backup": True,
    "delegated_subnet_id": SUBNET,
    "private_dns_zone_id": ZONE,
    "databases": {"sentimark": {}, "analytics": {"collation": "C"}},
    "maintenance_window": {"day_of_week": 0, "start_hour": 2},
    "diagnostic_settings": {"workspace_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"},
    "lock": {"kind": "CanNotDelete"},
    "protect": True,
}


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json, pulumi\n"
        "from sentimark_platform.components.postgres_server import PostgresServer\n"
        f"pg = PostgresServer('pg', json.loads({json.dumps(json.dumps(args))}))\n"
        "pulumi.export('secret_name', pg.admin_password_secret_name)\n"
        "pulumi.export('fqdn', pg.fqdn)\n"
        "pulumi.export('id', pg.resource_id)\n")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("prod"), PROD)


def test_development_server_is_burstable_public_with_only_the_listed_firewall_rules(dev: Plan) -> None:
    (server,) = dev.of_type(SERVER)
    assert server.inputs["sku"] == {"name": "Standard_B1ms", "tier": "Burstable"}
    assert server.inputs["version"] == "16"
    assert server.inputs["storage"] == {"storageSizeGB": 32, "autoGrow": "Enabled"}
    assert server.inputs["network"] == {"publicNetworkAccess": "Enabled"}
    assert server.inputs["highAvailability"]["mode"] == "Disabled"
    assert server.inputs["backup"] == {"backupRetentionDays": 7, "geoRedundantBackup": "Disabled"}
    assert server.protect is False and not server.ignore_changes
    rules = {r.inputs["firewallRuleName"]: (r.inputs["startIpAddress"], r.inputs["endIpAddress"])
             for r in dev.of_type("azure-native:dbforpostgresql:FirewallRule")}
    assert rules == {"office": ("203.0.113.0", "203.0.113.15"), "ci-runner": ("198.51.100.7", "198.51.100.7")}
    assert not dev.of_type("azure-native:authorization:ManagementLockByScope")


def test_production_server_is_private_zone_redundant_with_geo_backups_and_ignores_zone_drift(prod: Plan) -> None:
    (server,) = prod.of_type(SERVER)
    assert server.inputs["sku"]["tier"] == "GeneralPurpose"
    assert server.inputs["network"] == {
        "delegatedSubnetResourceId": SUBNET, "privateDnsZoneArmResourceId": ZONE, "publicNetworkAccess": "Disabled",
    }
    assert server.inputs["highAvailability"]["mode"] == "ZoneRedundant"
    assert server.inputs["backup"] == {"backupRetentionDays": 35, "geoRedundantBackup": "Enabled"}
    assert server.inputs["maintenanceWindow"] == {"customWindow": "Enabled", "dayOfWeek": 0, "startHour": 2, "startMinute": 0}
    assert set(server.ignore_changes) == {"availabilityZone", "highAvailability.standbyAvailabilityZone"}
    assert server.protect is True
    assert not prod.of_type("azure-native:dbforpostgresql:FirewallRule")
    (lock,) = prod.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete" and lock.inputs["scope"].endswith("/psql-smk-prod")
    (diag,) = prod.of_type("azure-native:monitor:DiagnosticSetting")
    assert diag.inputs["resourceUri"].endswith("/psql-smk-prod")


@pytest.mark.parametrize("plan_name", ["dev", "prod"])
def test_entra_admin_group_and_secure_server_parameters(plan_name: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    (server,) = plan.of_type(SERVER)
    assert server.inputs["authConfig"] == {
        "activeDirectoryAuth": "Enabled", "passwordAuth": "Enabled", "tenantId": BASE["tenant_id"],
    }
    (admin,) = plan.of_type("azure-native:dbforpostgresql:Administrator")
    assert admin.inputs["principalType"] == "Group"
    assert admin.inputs["objectId"] == ADMIN_GROUP["object_id"]
    assert admin.inputs["principalName"] == ADMIN_GROUP["principal_name"]
    params = {c.inputs["configurationName"]: (c.inputs["value"], c.inputs["source"])
              for c in plan.of_type("azure-native:dbforpostgresql:Configuration")}
    assert params == {
        "require_secure_transport": ("on", "user-override"),
        "log_checkpoints": ("on", "user-override"),
        # Issue 19: who connected, from where and for how long, in the server's logs.
        "log_connections": ("on", "user-override"),
        "log_disconnections": ("on", "user-override"),
        "connection_throttle.enable": ("on", "user-override"),
        "logfiles.retention_days": ("7", "user-override"),
    }
    dbs = {d.inputs["databaseName"]: d.inputs["charset"] for d in plan.of_type("azure-native:dbforpostgresql:Database")}
    assert "sentimark" in dbs and set(dbs.values()) == {"UTF8"}


def test_server_children_are_applied_one_after_another(prod: Plan) -> None:
    # ServerIsBusy: a flexible server accepts one configuration change at a time.
    children = [r for r in prod.custom_resources if r.type.startswith("azure-native:dbforpostgresql:")
                and r.type != SERVER]
    urns = {r.urn for r in children}
    first = [r for r in children if not urns & set(r.dependencies)]
    assert [r.type for r in first] == ["azure-native:dbforpostgresql:Administrator"]
    waited_on = [d for r in children for d in r.dependencies if d in urns]
    assert len(children) == 9 and len(set(waited_on)) == len(children) - 1  # a single chain


def test_password_is_generated_vaulted_and_never_exposed(dev: Plan) -> None:
    (password,) = dev.of_type("random:index/randomPassword:RandomPassword")
    assert password.inputs["length"] >= 32 and password.inputs["special"] is True
    assert set(password.inputs["overrideSpecial"]) <= set("!#%*-_=+?")
    (server,) = dev.of_type(SERVER)
    assert server.inputs["administratorLoginPassword"] == SECRET
    assert server.inputs["administratorLogin"] == "pgadmin"
    (secret,) = dev.of_type("azure-native:keyvault:Secret")
    assert secret.inputs["secretName"] == "pg-pg-admin-password"
    assert secret.inputs["vaultName"] == "kv-smk-dev"
    assert secret.inputs["properties"] == SECRET or secret.inputs["properties"]["value"] == SECRET
    assert dev.outputs["secret_name"] == "pg-pg-admin-password"
    from sentimark_platform.offline.mocks import (
        _random_outputs,  # the deterministic offline password, to prove it never leaks
    )
    value = _random_outputs(password.type, password.urn, password.inputs)["result"]
    assert value not in dev.dumps() and value not in to_markdown(dev) and value not in json.dumps(dev.outputs)


def test_plans_pass_the_arm_schema_check(dev: Plan, prod: Plan) -> None:
    for plan in (dev, prod):
        report = schemacheck.validate_plan(plan.to_json())
        assert report.problems == [], report.format_lines()
        assert report.checked > 5


BAD = [
    ({**DEV, "high_availability": True}, "PostgresServer: argument 'high_availability' got True; zone-redundant HA is not "
     "available on the Burstable tier; use GeneralPurpose or MemoryOptimized"),
    ({**PROD, "backup_retention_days": 36}, "PostgresServer: argument 'backup_retention_days' got 36; give 7 to 35 days (Azure's range)"),
    ({**PROD, "backup_retention_days": 3}, "PostgresServer: argument 'backup_retention_days' got 3; give 7 to 35 days (Azure's range)"),
    ({k: v for k, v in PROD.items() if k != "delegated_subnet_id"},
     "PostgresServer: argument 'delegated_subnet_id' got None; private access needs the id of a subnet delegated to "
     "Microsoft.DBforPostgreSQL/flexibleServers (or set public_access True with firewall_rules)"),
    ({k: v for k, v in PROD.items() if k != "private_dns_zone_id"},
     "PostgresServer: argument 'private_dns_zone_id' got None; private access needs the id of the "
     "privatelink.postgres.database.azure.com private DNS zone (or set public_access True with firewall_rules)"),
    ({**DEV, "firewall_rules": {"azure": "0.0.0.0"}},
     "PostgresServer: argument 'firewall_rules' got '0.0.0.0'; rule 'azure': 0.0.0.0 admits every Azure tenant's "
     "services; list the caller's own addresses instead"),
    ({**DEV, "firewall_rules": {"all": "0.0.0.0-255.255.255.255"}},
     "PostgresServer: argument 'firewall_rules' got '0.0.0.0-255.255.255.255'; rule 'all': 0.0.0.0 admits every "
     "Azure tenant's services; list the caller's own addresses instead"),
    ({**DEV, "log_retention_days": 3},
     "PostgresServer: argument 'log_retention_days' got 3; give 4 to 7 days (logfiles.retention_days allows 1-7; "
     "fewer than 4 fails the CIS benchmark)"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[m.split("'")[1] + str(i) for i, (_, m) in enumerate(BAD)])
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, args: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception) as excinfo:
        _preview(tmp_path, args)
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []


def test_firewall_rules_are_named_by_what_they_admit() -> None:
    # Named by position, removing the first range would rename (replace) every rule after it.
    before = firewall_rules_for(["203.0.113.0/24", "198.51.100.16/28"])
    after = firewall_rules_for(["198.51.100.16/28"])
    assert before == {"allow-203-0-113-0-24": "203.0.113.0/24", "allow-198-51-100-16-28": "198.51.100.16/28"}
    assert after.items() <= before.items()


def test_turning_passwords_off_leaves_a_running_servers_login_alone(tmp_path: Path) -> None:
    """Issue 19: Entra-only on an existing server must be an update. Its login is fixed for life and
    pulumi-azure-native replaces a server whose login input goes away, so the component ignores the login inputs."""
    plan = _preview(tmp_path, {**DEV, "password_auth": False})
    server = next(r for r in plan.of_type(SERVER))
    assert server.inputs["authConfig"]["passwordAuth"] == "Disabled"
    assert "administratorLogin" not in server.inputs
    assert {"administratorLogin", "administratorLoginPassword"} <= set(server.ignore_changes)
    assert plan.of_type("random:index/randomPassword:RandomPassword") == []
