"""azure-native resources against the ARM schemas: each broken resource is reported at the exact path."""

from __future__ import annotations

from sentimark_platform.schemacheck import Problem, validate_resource

from .test_good_resources import eventhub_namespace, key_vault, managed_cluster, resource


def only_problem(report_problems: list[Problem]) -> Problem:
    assert len(report_problems) == 1, [str(p) for p in report_problems]
    return report_problems[0]


def test_reports_unknown_nested_key_vault_property_with_suggestion() -> None:
    vault = key_vault(networkAcls={"defaultActionX": "Deny", "bypass": "AzureServices"})
    problem = only_problem(validate_resource(vault).problems)
    assert problem.path == "properties.networkAcls.defaultActionX"
    assert problem.message == "unknown property 'defaultActionX' (did you mean 'defaultAction'?)"
    assert problem.allowed == "bypass, defaultAction, ipRules, virtualNetworkRules"
    assert problem.resource_name == "kv"
    assert problem.type == "azure-native:keyvault:Vault"


def test_reports_key_vault_sku_name_azure_does_not_offer() -> None:
    problem = only_problem(validate_resource(key_vault(sku={"family": "A", "name": "gold"})).problems)
    assert (problem.path, problem.message, problem.allowed) == (
        "properties.sku.name", '"gold" is not an allowed value', "standard, premium")


def test_reports_aks_sku_tier_gold_on_the_unflattened_top_level() -> None:
    problem = only_problem(validate_resource(managed_cluster(sku={"name": "Base", "tier": "Gold"})).problems)
    assert (problem.path, problem.message, problem.allowed) == (
        "sku.tier", '"Gold" is not an allowed value', "Premium, Standard, Free")


def test_accepts_enum_values_in_another_letter_case() -> None:
    # Azure resource providers compare enum values case-insensitively.
    assert validate_resource(managed_cluster(sku={"name": "base", "tier": "free"})).problems == []


def test_reports_unknown_property_in_flattened_agent_pool_profile() -> None:
    cluster = managed_cluster()
    cluster["inputs"]["agentPoolProfiles"][0]["onlyCriticalAddonsEnabled"] = True  # a CLI flag, not an API field
    problem = only_problem(validate_resource(cluster).problems)
    assert problem.path == "properties.agentPoolProfiles[0].onlyCriticalAddonsEnabled"
    assert problem.message == "unknown property 'onlyCriticalAddonsEnabled'"


def test_reports_event_hubs_namespace_name_shorter_than_the_rule() -> None:
    problems = validate_resource(eventhub_namespace(name="evh")).problems
    assert [(p.path, p.message, p.allowed) for p in problems] == [
        ("name", '"evh" has 3 characters, fewer than the minimum 6', "length 6-50"),
        ("name", '"evh" does not match the pattern', "^[a-zA-Z][a-zA-Z0-9-]{6,50}[a-zA-Z0-9]$"),
    ]


def test_reports_value_above_the_schema_maximum() -> None:
    cluster = managed_cluster()
    cluster["inputs"]["agentPoolProfiles"][0]["osDiskSizeGB"] = 4096.0
    problem = only_problem(validate_resource(cluster).problems)
    assert (problem.path, problem.message, problem.allowed) == (
        "properties.agentPoolProfiles[0].osDiskSizeGB", "4096 is above the maximum 2048", "0..2048")


def test_reports_wrong_type_and_missing_required_property() -> None:
    vault = key_vault(enableRbacAuthorization="yes")
    del vault["inputs"]["properties"]["tenantId"]
    problems = validate_resource(vault).problems
    assert [(p.path, p.message) for p in problems] == [
        ("properties.enableRbacAuthorization", 'expected boolean, got string "yes"'),
        ("properties.tenantId", "required property is missing"),
    ]


def test_skips_secret_and_unknown_placeholders() -> None:
    vault = key_vault(tenantId="[unknown]", sku="[secret]", enableRbacAuthorization="[unknown]")
    vault["inputs"]["vaultName"] = "[unknown]"
    assert validate_resource(vault).problems == []


def test_integral_floats_count_as_integers() -> None:
    assert validate_resource(key_vault(softDeleteRetentionInDays=7.0)).problems == []
    problem = only_problem(validate_resource(key_vault(softDeleteRetentionInDays=7.5)).problems)
    assert problem.message == "expected integer, got number 7.5"


def test_unflattens_nested_properties_of_inline_subnets() -> None:
    subnet = {"name": "aks", "addressPrefix": "10.0.0.0/20", "privateEndpointNetworkPolicies": "Enabled",
              "delegationz": []}
    vnet = resource("azure-native:network:VirtualNetwork", {
        "virtualNetworkName": "vnet-dev", "resourceGroupName": "rg-dev",
        "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": [subnet]})
    problem = only_problem(validate_resource(vnet).problems)
    assert problem.path == "properties.subnets[0].delegationz"
    assert problem.message == "unknown property 'delegationz' (did you mean 'delegations'?)"


def test_renamed_sdk_inputs_and_scope_path_parameters_are_understood() -> None:
    storage = resource("azure-native:storage:StorageAccount", {
        "accountName": "stsentimarkdev", "resourceGroupName": "rg-dev", "kind": "StorageV2",
        "sku": {"name": "Standard_LRS"}, "enableHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
        "networkRuleSet": {"defaultAction": "Deny", "bypass": "AzureServices"}})
    assignment = resource("azure-native:authorization:RoleAssignment", {
        "scope": "/subscriptions/x", "principalId": "p", "principalType": "ServicePrincipal",
        "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/r"})
    assert validate_resource(storage).problems == []
    assert validate_resource(assignment).problems == []


def test_problem_prints_as_one_line_with_allowed_values() -> None:
    problem = only_problem(validate_resource(key_vault(sku={"family": "A", "name": "gold"})).problems)
    assert str(problem) == ('kv (azure-native:keyvault:Vault) properties.sku.name: "gold" is not an allowed value '
                            "[allowed: standard, premium]")
