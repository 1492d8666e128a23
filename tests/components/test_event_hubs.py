"""EventHubs: Entra ID only, private unless opened with IP rules (never on Basic), SKU limits, capture, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform import schemacheck
from sentimark_platform.offline import SECRET, Plan
from tests.programs import preview_program

NAMESPACE = "azure-native:eventhub:Namespace"
RULESET = "azure-native:eventhub:NamespaceNetworkRuleSet"
PE_SUBNET = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe"
ZONE = "/subscriptions/s/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.servicebus.windows.net"
APP = "44444444-4444-4444-4444-444444444444"
DEV: dict[str, Any] = {
    "resource_group_name": "rg-data",
    "resource_name": "evhns-smk-dev",
    "sku": "Standard",
    "zone_redundant": False,
    "public_ip_rules": ["203.0.113.0/28"],
    "event_hubs": {"telemetry": {"partition_count": 2, "retention_hours": 24}},
}
# The cheapest tier: no IP firewall, no private endpoints, so no allow-list either (closed to public networks).
BASIC: dict[str, Any] = {
    "resource_group_name": "rg-data",
    "resource_name": "evhns-smk-basic",
    "sku": "Basic",
    "event_hubs": {"telemetry": {"partition_count": 2, "retention_hours": 24}},
}
PROD: dict[str, Any] = {
    "resource_group_name": "rg-data",
    "resource_name": "evhns-smk-prod",
    "sku": "Standard",
    "capacity": 2,
    "auto_inflate_max_throughput_units": 10,
    "event_hubs": {
        "telemetry": {"partition_count": 32, "retention_hours": 168, "consumer_groups": ["analytics", "archive"],
                      "capture": True},
    },
    "capture": {"storage_account_name": "stsmkprodcapture"},
    "private_endpoints": {"aks": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [ZONE]}},
    "role_assignments": {
        "app-sender": {"role": "Azure Event Hubs Data Sender", "principal_id": APP, "principal_type": "ServicePrincipal"},
    },
    "diagnostic_settings": {"workspace_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"},
    "lock": {"kind": "CanNotDelete"},
}


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json, pulumi\n"
        "from sentimark_platform.components.event_hubs import EventHubs\n"
        f"eh = EventHubs('eh', json.loads({json.dumps(json.dumps(args))}))\n"
        "pulumi.export('id', eh.resource_id)\n"
        "pulumi.export('hubs', eh.event_hub_ids)\n"
        "pulumi.export('principal', eh.principal_id)\n")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("prod"), PROD)


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("basic"), BASIC)


@pytest.mark.parametrize("plan_name", ["dev", "prod", "basic"])
def test_local_auth_is_off_and_tls_is_1_2(plan_name: str, request: pytest.FixtureRequest) -> None:
    plan: Plan = request.getfixturevalue(plan_name)
    (ns,) = plan.of_type(NAMESPACE)
    assert ns.inputs["disableLocalAuth"] is True
    assert ns.inputs["minimumTlsVersion"] == "1.2"
    assert not plan.of_type("azure-native:eventhub:EventHubAuthorizationRule")
    assert not plan.of_type("azure-native:keyvault:Secret")


def test_standard_namespace_with_an_allow_list_is_public_only_for_its_ip_rules(dev: Plan) -> None:
    (ns,) = dev.of_type(NAMESPACE)
    assert ns.inputs["sku"] == {"name": "Standard", "tier": "Standard", "capacity": 1}
    assert ns.inputs["zoneRedundant"] is False
    assert ns.inputs["publicNetworkAccess"] == "Enabled"
    (rules,) = dev.of_type(RULESET)
    assert rules.inputs["publicNetworkAccess"] == "Enabled"
    assert rules.inputs["defaultAction"] == "Deny"
    assert rules.inputs["ipRules"] == [{"ipMask": "203.0.113.0/28", "action": "Allow"}]
    (hub,) = dev.of_type("azure-native:eventhub:EventHub")
    assert hub.inputs["retentionDescription"] == {"cleanupPolicy": "Delete", "retentionTimeInHours": 24}
    assert not dev.of_type("azure-native:eventhub:ConsumerGroup")
    assert not dev.of_type("azure-native:storage:StorageAccount")


def test_basic_namespace_is_closed_and_its_rule_set_carries_no_firewall_rules(basic: Plan) -> None:
    # Basic has no IP firewall and no virtual network rules: the rule set only keeps public access off.
    (ns,) = basic.of_type(NAMESPACE)
    assert ns.inputs["sku"] == {"name": "Basic", "tier": "Basic", "capacity": 1}
    assert ns.inputs["zoneRedundant"] is False
    assert ns.inputs["publicNetworkAccess"] == "Disabled"
    (rules,) = basic.of_type(RULESET)
    assert rules.inputs["publicNetworkAccess"] == "Disabled"
    assert "ipRules" not in rules.inputs and "virtualNetworkRules" not in rules.inputs
    assert not basic.of_type("azure-native:network:PrivateEndpoint")


def test_production_namespace_is_zone_redundant_private_and_auto_inflates(prod: Plan) -> None:
    (ns,) = prod.of_type(NAMESPACE)
    assert ns.inputs["sku"] == {"name": "Standard", "tier": "Standard", "capacity": 2}
    assert ns.inputs["zoneRedundant"] is True
    assert ns.inputs["publicNetworkAccess"] == "Disabled"
    assert (ns.inputs["isAutoInflateEnabled"], ns.inputs["maximumThroughputUnits"]) == (True, 10)
    (rules,) = prod.of_type(RULESET)
    assert rules.inputs["publicNetworkAccess"] == "Disabled" and "ipRules" not in rules.inputs
    (pe,) = prod.of_type("azure-native:network:PrivateEndpoint")
    assert pe.inputs["privateLinkServiceConnections"][0]["groupIds"] == ["namespace"]
    (hub,) = prod.of_type("azure-native:eventhub:EventHub")
    assert hub.inputs["partitionCount"] == 32
    assert hub.inputs["retentionDescription"]["retentionTimeInHours"] == 168
    assert sorted(c.inputs["consumerGroupName"] for c in prod.of_type("azure-native:eventhub:ConsumerGroup")) == ["analytics", "archive"]
    (lock,) = prod.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["scope"].endswith("/evhns-smk-prod")


def test_capture_writes_with_the_namespace_identity_to_a_locked_down_account(prod: Plan) -> None:
    (account,) = prod.of_type("azure-native:storage:StorageAccount")
    i = account.inputs
    assert (i["enableHttpsTrafficOnly"], i["minimumTlsVersion"], i["allowBlobPublicAccess"], i["allowSharedKeyAccess"]) == (
        True, "TLS1_2", False, False)
    assert i["networkRuleSet"]["defaultAction"] == "Deny"
    (container,) = prod.of_type("azure-native:storage:BlobContainer")
    assert container.inputs["publicAccess"] == "None"
    (hub,) = prod.of_type("azure-native:eventhub:EventHub")
    capture = hub.inputs["captureDescription"]
    assert capture["enabled"] is True
    assert capture["destination"]["identity"] == {"type": "SystemAssigned"}
    assert capture["destination"]["storageAccountResourceId"].endswith("/stsmkprodcapture")
    (ns,) = prod.of_type(NAMESPACE)
    assert ns.inputs["identity"] == {"type": "SystemAssigned"}
    roles = {r.name: r.inputs for r in prod.of_type("azure-native:authorization:RoleAssignment")}
    writer = roles["eh-capture-ra-namespace-writer"]
    assert writer["roleDefinitionId"].endswith("ba92f5b4-2d11-453d-a403-e96b0029c9fe")
    assert writer["principalId"] == prod.outputs["principal"] and writer["scope"].endswith("/stsmkprodcapture")
    sender = roles["eh-ra-app-sender"]
    assert sender["principalId"] == APP and sender["roleDefinitionId"].endswith("2b629674-e913-4c01-ae53-ef4638d8f975")


def test_plans_pass_the_arm_schema_check(dev: Plan, prod: Plan, basic: Plan) -> None:
    for plan in (dev, prod, basic):
        report = schemacheck.validate_plan(plan.to_json())
        assert report.problems == [], report.format_lines()
        assert report.checked >= 2


def test_authorization_rule_connection_string_goes_to_the_vault_as_a_secret(tmp_path: Path) -> None:
    # Local auth on: the rule's connection string is read through listEventHubKeys and written to Key Vault.
    args = {**PROD, "local_auth": True, "key_vault_name": "kv-smk",
            "event_hubs": {"telemetry": {"authorization_rules": {"legacy-sender": ["Send"]}}}}
    plan = _preview(tmp_path, args)
    (rule,) = plan.of_type("azure-native:eventhub:EventHubAuthorizationRule")
    assert rule.inputs["rights"] == ["Send"]
    secrets = plan.of_type("azure-native:keyvault:Secret")
    assert secrets and all(s.inputs["properties"] == SECRET or s.inputs["properties"]["value"] == SECRET for s in secrets)
    assert "SharedAccessKey=" not in plan.dumps()


def test_role_assignments_on_one_hub_are_scoped_to_that_hub(tmp_path: Path) -> None:
    reader = "0a0b0c0d-0000-4000-8000-000000000001"
    args = {**DEV, "event_hubs": {
        "orders": {"role_assignments": {"billing": {"role": "Azure Event Hubs Data Receiver", "principal_id": reader,
                                                    "principal_type": "ServicePrincipal"}}},
        "audit": {},
    }}
    plan = _preview(tmp_path, args)
    (grant,) = plan.of_type("azure-native:authorization:RoleAssignment")
    assert grant.name == "eh-evh-orders-ra-billing"
    assert grant.inputs["scope"].endswith("/orders")  # the hub's id (offline ids only approximate ARM's paths)
    assert grant.inputs["principalId"] == reader
    assert grant.inputs["roleDefinitionId"].endswith("/a638d3c7-ab3a-418d-83e6-5f17a39d4fde")
    (orders,) = [h for h in plan.of_type("azure-native:eventhub:EventHub") if h.inputs["eventHubName"] == "orders"]
    assert orders.urn in grant.dependencies


BAD = [
    ({**BASIC, "public_ip_rules": ["203.0.113.0/28"]},
     "EventHubs: argument 'public_ip_rules' got ['203.0.113.0/28']; the Basic tier supports no IP firewall rules "
     "(learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering); use the Standard or Premium tier to keep the "
     "allow-list, or leave public_ip_rules out (public network access is then disabled)"),
    ({**BASIC, "private_endpoints": {"aks": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [ZONE]}}},
     "EventHubs: argument 'private_endpoints' got ['aks']; the Basic tier supports no private endpoints "
     "(learn.microsoft.com/azure/event-hubs/private-link-service); use the Standard or Premium tier"),
    ({**BASIC, "event_hubs": {"telemetry": {"partition_count": 40}}},
     "EventHubs: argument 'event_hubs.telemetry.partition_count' got 40; the Basic tier allows 1 to 32 partitions "
     "per event hub"),
    ({**PROD, "event_hubs": {"telemetry": {"partition_count": 101}}, "sku": "Premium", "capacity": 1,
      "auto_inflate_max_throughput_units": None} | {"capture": None},
     "EventHubs: argument 'event_hubs.telemetry.partition_count' got 101; the Premium tier allows 1 to 100 "
     "partitions per event hub"),
    ({**BASIC, "zone_redundant": True},
     "EventHubs: argument 'zone_redundant' got True; the Basic tier has no zone redundancy; use Standard or Premium, "
     "or leave zone_redundant out"),
    ({**BASIC, "event_hubs": {"telemetry": {"consumer_groups": ["analytics"]}}},
     "EventHubs: argument 'event_hubs.telemetry.consumer_groups' got ['analytics']; the Basic tier has only the "
     "$Default consumer group; use Standard or Premium"),
    ({**BASIC, "event_hubs": {"telemetry": {"retention_hours": 48}}},
     "EventHubs: argument 'event_hubs.telemetry.retention_hours' got 48; the Basic tier keeps events 1 to 24 hours"),
    ({**PROD, "event_hubs": {"telemetry": {"authorization_rules": {"sender": ["Send"]}}}},
     "EventHubs: argument 'event_hubs.telemetry.authorization_rules' got {'sender': ['Send']}; SAS rules need "
     "local_auth True; local (SAS key) authentication is off, so keys could not be used: prefer role assignments "
     "(Azure Event Hubs Data Sender/Receiver) for Entra ID access"),
    ({**DEV, "public_ip_rules": ["0.0.0.0/0"]},
     "EventHubs: argument 'public_ip_rules' got '0.0.0.0/0'; give IPv4 addresses or CIDRs of the callers "
     "(0.0.0.0/0 would open the namespace to everyone)"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=["basic-ip-rules", "basic-private-endpoints", "basic-partitions", "premium-partitions", "basic-zones",
                                                        "basic-consumer-groups", "basic-retention", "sas-without-local-auth",
                                                        "open-to-all"])
def test_bad_input_is_refused_before_anything_is_registered(tmp_path: Path, args: dict[str, Any], message: str) -> None:
    args = {k: v for k, v in args.items() if v is not None}
    with pytest.raises(Exception) as excinfo:
        _preview(tmp_path, args)
    assert str(excinfo.value) == message
    assert excinfo.value.offline_registered == []


def test_premium_allows_100_partitions_and_90_days(tmp_path: Path) -> None:
    plan = _preview(tmp_path, {"resource_group_name": "rg", "resource_name": "evhns-smk-prem", "sku": "Premium",
                               "event_hubs": {"t": {"partition_count": 100, "retention_hours": 2160}}})
    (hub,) = plan.of_type("azure-native:eventhub:EventHub")
    assert (hub.inputs["partitionCount"], hub.inputs["retentionDescription"]["retentionTimeInHours"]) == (100, 2160)
    assert json.loads(plan.dumps())["resources"]
