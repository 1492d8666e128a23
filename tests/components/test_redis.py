"""Redis: Azure Managed Redis by default (TLS, Entra, private), classic only with an acknowledged retirement."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform import schemacheck
from sentimark_platform.components.errors import InvalidArgumentError
from sentimark_platform.offline import SECRET, Plan
from sentimark_platform.offline.report import to_markdown
from tests.programs import preview_program

CLUSTER = "azure-native:redisenterprise:RedisEnterprise"
DATABASE = "azure-native:redisenterprise:Database"
PE_SUBNET = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe"
ZONE = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.redis.azure.net"
BASE: dict[str, Any] = {"resource_group_name": "rg-data", "key_vault_name": "kv-smk"}
DEV: dict[str, Any] = {**BASE, "resource_name": "redis-smk-dev", "sku_name": "Balanced_B0"}
PROD: dict[str, Any] = {
    **BASE,
    "resource_name": "redis-smk-prod",
    "sku_name": "Balanced_B5",
    "high_availability": True,
    "zones": ["1", "2", "3"],
    "private_endpoints": {"aks": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [ZONE]}},
    "lock": {"kind": "CanNotDelete"},
    "data_access": {"api": "44444444-4444-4444-4444-444444444444", "worker": "55555555-5555-5555-5555-555555555555"},
    "diagnostic_settings": {"workspace_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"},
}
CLASSIC: dict[str, Any] = {
    **BASE, "resource_name": "redis-smk-legacy",
    "classic": {"acknowledge_retirement": True, "sku_name": "Standard", "family": "C", "capacity": 1},
}


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json, pulumi\n"
        "from sentimark_platform.components.redis import Redis\n"
        f"r = Redis('cache', json.loads({json.dumps(json.dumps(args))}))\n"
        "pulumi.export('secret_name', r.connection_secret_name)\n"
        "pulumi.export('id', r.resource_id)\n"
        "pulumi.export('port', r.port)\n")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("prod"), PROD)


@pytest.fixture(scope="module")
def classic(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("classic"), CLASSIC)


@pytest.mark.parametrize(("plan_name", "sku", "ha"), [("dev", "Balanced_B0", "Disabled"), ("prod", "Balanced_B5", "Enabled")])
def test_managed_redis_is_tls_only_entra_only_and_never_public(plan_name: str, sku: str, ha: str,
                                                               request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    (cluster,) = plan.of_type(CLUSTER)
    assert cluster.inputs["sku"] == {"name": sku}
    assert cluster.inputs["highAvailability"] == ha
    assert cluster.inputs["minimumTlsVersion"] == "1.2"
    assert cluster.inputs["publicNetworkAccess"] == "Disabled"
    (db,) = plan.of_type(DATABASE)
    assert db.inputs["databaseName"] == "default"
    assert db.inputs["clientProtocol"] == "Encrypted"
    assert db.inputs["accessKeysAuthentication"] == "Disabled"
    assert db.inputs["port"] == 10000
    assert (db.inputs["clusteringPolicy"], db.inputs["evictionPolicy"]) == ("OSSCluster", "VolatileLRU")
    assert not plan.of_type("azure-native:redis:Redis")
    assert plan.outputs["port"] == 10000


def test_development_cache_has_no_endpoint_lock_or_diagnostics(dev: Plan) -> None:
    assert not dev.of_type("azure-native:network:PrivateEndpoint")
    assert not dev.of_type("azure-native:authorization:ManagementLockByScope")
    assert not dev.of_type("azure-native:monitor:DiagnosticSetting")


def test_production_cache_is_reached_through_its_private_endpoint(prod: Plan) -> None:
    (cluster,) = prod.of_type(CLUSTER)
    assert cluster.inputs["zones"] == ["1", "2", "3"]
    (pe,) = prod.of_type("azure-native:network:PrivateEndpoint")
    (conn,) = pe.inputs["privateLinkServiceConnections"]
    assert conn["groupIds"] == ["redisEnterprise"]
    assert conn["privateLinkServiceId"].endswith("/redis-smk-prod")
    assert pe.inputs["subnet"]["id"] == PE_SUBNET
    (lock,) = prod.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete"


@pytest.mark.parametrize("plan_name", ["dev", "prod", "classic"])
def test_connection_info_goes_to_the_vault_as_a_secret_and_only_its_name_is_output(
    plan_name: str, request: pytest.FixtureRequest
) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    (secret,) = plan.of_type("azure-native:keyvault:Secret")
    assert secret.inputs["secretName"] == "cache-redis-connection"
    assert secret.inputs["vaultName"] == "kv-smk"
    props = secret.inputs["properties"]
    assert props == SECRET or (props["value"] == SECRET and props["contentType"] == "application/json")
    assert plan.outputs["secret_name"] == "cache-redis-connection"
    for text in (plan.dumps(), to_markdown(plan), json.dumps(plan.outputs)):
        assert "Entra ID (Microsoft Entra token" not in text  # the secret's content never shows


def test_classic_cache_needs_the_flag_warns_and_is_locked_down(classic: Plan) -> None:
    (cache,) = classic.of_type("azure-native:redis:Redis")
    assert cache.inputs["enableNonSslPort"] is False
    assert cache.inputs["minimumTlsVersion"] == "1.2"
    assert cache.inputs["publicNetworkAccess"] == "Disabled"
    assert cache.inputs["disableAccessKeyAuthentication"] is True
    assert cache.inputs["redisConfiguration"]["aadEnabled"] == "true"
    assert not classic.of_type(CLUSTER)
    assert any("being retired" in w for w in classic.warnings)
    assert classic.outputs["port"] == 6380


def test_plans_pass_the_arm_schema_check(dev: Plan, prod: Plan, classic: Plan) -> None:
    for plan in (dev, prod, classic):
        report = schemacheck.validate_plan(plan.to_json())
        assert report.problems == [], report.format_lines()
        assert report.checked >= 2


def test_applications_get_entra_data_access_one_assignment_at_a_time(prod: Plan) -> None:
    assignments = {a.name: a for a in prod.of_type("azure-native:redisenterprise:AccessPolicyAssignment")}
    assert set(assignments) == {"cache-access-api", "cache-access-worker"}
    api, worker = assignments["cache-access-api"], assignments["cache-access-worker"]
    assert api.inputs["accessPolicyName"] == "default" and api.inputs["databaseName"] == "default"
    assert api.inputs["user"] == {"objectId": "44444444-4444-4444-4444-444444444444"}
    assert api.urn in worker.dependencies
    # Azure's assignment names are letters and digits only (the ARM schema's ^[A-Za-z0-9]{1,60}$).
    assert assignments["cache-access-api"].inputs["accessPolicyAssignmentName"] == "api"


def test_data_access_keys_become_alphanumeric_assignment_names_and_must_stay_distinct(tmp_path: Path) -> None:
    from sentimark_platform.components.redis import assignment_name

    assert assignment_name("sentimark-api-weu") == "sentimarkapiweu"
    with pytest.raises(InvalidArgumentError, match="use keys that stay distinct and non-empty"):
        _preview(tmp_path, {**BASE, "data_access": {"api-weu": "44444444-4444-4444-4444-444444444444",
                                                    "apiweu": "55555555-5555-5555-5555-555555555555"}})


def test_users_may_read_the_connection_secret_and_nothing_else_in_the_vault(prod: Plan) -> None:
    (secret,) = prod.of_type("azure-native:keyvault:Secret")
    grants = {g.name: g for g in prod.of_type("azure-native:authorization:RoleAssignment")
              if g.name.startswith("cache-connection-ra-")}
    assert sorted(grants) == ["cache-connection-ra-api", "cache-connection-ra-worker"]
    for grant in grants.values():
        assert grant.inputs["scope"].endswith(f"/vaults/{secret.inputs['vaultName']}/secrets/{secret.inputs['secretName']}")
        assert grant.inputs["roleDefinitionId"].endswith("/4633458b-17de-408a-b874-0445c86b69e6")  # Secrets User
        assert secret.urn in grant.dependencies  # scoped to the secret: created after it
    assert grants["cache-connection-ra-api"].inputs["principalId"] == "44444444-4444-4444-4444-444444444444"


def test_public_endpoint_only_when_asked(tmp_path: Path, dev: Plan) -> None:
    (cluster,) = dev.of_type(CLUSTER)
    assert cluster.inputs["publicNetworkAccess"] == "Disabled"
    opened = _preview(tmp_path, {**DEV, "public_network_access": True})
    (cluster,) = opened.of_type(CLUSTER)
    assert cluster.inputs["publicNetworkAccess"] == "Enabled"
    (database,) = opened.of_type(DATABASE)
    assert database.inputs["clientProtocol"] == "Encrypted" and database.inputs["accessKeysAuthentication"] == "Disabled"


BAD = [
    ({**CLASSIC, "public_network_access": True},
     "Redis: argument 'public_network_access' got True; a classic cache stays private; use Azure Managed Redis for a "
     "public, Entra-only endpoint"),
    ({**BASE, "classic": {"sku_name": "Standard", "family": "C", "capacity": 1}},
     "Redis: argument 'classic.acknowledge_retirement' got None; required and missing: Must be True: classic Azure "
     "Cache for Redis is being retired (use Azure Managed Redis instead)."),
    ({**BASE, "sku_name": "Enterprise_E10"},
     "Redis: argument 'sku_name' got 'Enterprise_E10'; give an Azure Managed Redis SKU such as Balanced_B0, "
     "Balanced_B5, MemoryOptimized_M10 or ComputeOptimized_X5"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=["classic-public", "classic-without-flag", "enterprise-sku"])
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, args: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception) as excinfo:
        _preview(tmp_path, args)
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []
