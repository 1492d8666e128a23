"""The bootstrap project, previewed offline: secure state storage, the secrets key, CI identities and roles."""

from __future__ import annotations

import functools
from typing import Any

import pulumi
import pytest

from components._interfaces import ROLE_DEFINITIONS
from offline import Plan, PlannedResource, run_preview
from policy.rules import evaluate_plan
from schemacheck import validate_plan
from tests.conftest import ROOT

BOOTSTRAP = ROOT / "bootstrap"
REPO = "sentimark/sentimark-platform"
WORKSPACE = "/subscriptions/0d3c1e6a-1b2c-4d5e-8f90-a1b2c3d4e5f6/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/log"
SUBSCRIPTIONS = {
    "dev": "0d3c1e6a-1b2c-4d5e-8f90-a1b2c3d4e5f6",
    "sit": "1e4d2f7b-2c3d-4e5f-9a01-b2c3d4e5f6a7",
    "uat": "2f5e3a8c-3d4e-4f5a-8b12-c3d4e5f6a7b8",
    "prod": "3a6f4b9d-4e5f-4a6b-9c23-d4e5f6a7b8c9",
}


@functools.cache
def bootstrap_plan(workspace: bool = False) -> Plan:
    config = {"sentimark-bootstrap:diagnosticsWorkspaceId": WORKSPACE} if workspace else None
    return run_preview(BOOTSTRAP, "main", config=config)


def one(plan: Plan, type_: str) -> PlannedResource:
    (found,) = plan.of_type(type_)
    return found


def by_name(plan: Plan, name: str) -> PlannedResource:
    (found,) = [r for r in plan.resources if r.name == name]
    return found


def test_state_account_is_https_only_tls12_private_keyless_and_firewalled() -> None:
    plan = bootstrap_plan()
    account = one(plan, "azure-native:storage:StorageAccount")
    inputs = account.inputs
    assert inputs["enableHttpsTrafficOnly"] is True and inputs["minimumTlsVersion"] == "TLS1_2"
    assert inputs["allowBlobPublicAccess"] is False and inputs["allowSharedKeyAccess"] is False
    assert inputs["defaultToOAuthAuthentication"] is True
    assert inputs["networkRuleSet"] == {
        "bypass": "AzureServices",
        "defaultAction": "Deny",
        "ipRules": [{"action": "Allow", "iPAddressOrRange": "203.0.113.0/24"},
                    {"action": "Allow", "iPAddressOrRange": "198.51.100.16/28"}],
    }
    assert account.protect is True
    (lock,) = [r for r in plan.of_type("azure-native:authorization:ManagementLockByScope") if account.urn in r.dependencies]
    assert lock.inputs["level"] == "CanNotDelete"


def test_state_blobs_are_versioned_and_soft_deleted_and_the_container_is_private() -> None:
    plan = bootstrap_plan()
    blob = one(plan, "azure-native:storage:BlobServiceProperties").inputs
    assert blob["blobServicesName"] == "default" and blob["isVersioningEnabled"] is True
    assert blob["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert blob["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 30}
    container = one(plan, "azure-native:storage:BlobContainer")
    assert container.inputs["publicAccess"] == "None" and container.inputs["containerName"] == "pulumi-state"
    assert container.protect is True


def test_secrets_key_lives_in_an_rbac_purge_protected_firewalled_vault() -> None:
    plan = bootstrap_plan()
    vault = one(plan, "azure-native:keyvault:Vault")
    properties = vault.inputs["properties"]
    assert properties["enableRbacAuthorization"] is True and properties["enablePurgeProtection"] is True
    assert properties["networkAcls"]["defaultAction"] == "Deny"
    assert [r["value"] for r in properties["networkAcls"]["ipRules"]] == ["203.0.113.0/24", "198.51.100.16/28"]
    key = one(plan, "azure-native:keyvault:Key")
    assert key.inputs["properties"]["kty"] == "RSA" and key.inputs["properties"]["keySize"] in (2048, 3072)
    assert {"encrypt", "decrypt"} <= set(key.inputs["properties"]["keyOps"])
    assert "rotationPolicy" not in key.inputs["properties"]  # see the comment in bootstrap/__main__.py
    assert vault.protect is True and key.protect is True


def test_outputs_are_the_backend_and_secrets_provider_urls() -> None:
    outputs = bootstrap_plan().outputs
    assert outputs["backendUrl"] == "azblob://pulumi-state?storage_account=stsmksharedweu0xt7t"
    assert outputs["secretsProvider"] == "azurekeyvault://kv-smk-shared-weu-0xt7t.vault.azure.net/keys/pulumi-secrets"


def test_deploy_credentials_exist_per_environment_and_are_created_one_after_another() -> None:
    plan = bootstrap_plan()
    credentials = plan.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    deploy = {r.name.removeprefix("ci-deploy-fic-"): r for r in credentials if r.name.startswith("ci-deploy-fic-")}
    assert list(sorted(deploy)) == sorted(SUBSCRIPTIONS)
    previous: PlannedResource | None = None
    for environment in ("dev", "sit", "uat", "prod"):
        credential = deploy[environment]
        assert credential.inputs["subject"] == f"repo:{REPO}:environment:{environment}"
        assert credential.inputs["issuer"] == "https://token.actions.githubusercontent.com"
        assert credential.inputs["audiences"] == ["api://AzureADTokenExchange"]
        others = {r.urn for r in credentials} - {credential.urn}
        expected = {previous.urn} if previous else set()
        assert set(credential.dependencies) & others == expected, environment
        previous = credential


def test_pull_requests_federate_only_with_the_read_only_preview_identity() -> None:
    plan = bootstrap_plan()
    preview = by_name(plan, "ci-preview-fic-pull-request")
    assert preview.inputs["subject"] == f"repo:{REPO}:pull_request"
    assert preview.parent is not None and preview.parent.endswith("::ci-preview")
    preview_roles = {_role(r) for r in plan.of_type("azure-native:authorization:RoleAssignment") if r.name.startswith("ci-preview-")}
    assert preview_roles == {"Reader", "Azure Kubernetes Service Cluster User Role"}


def _role(assignment: PlannedResource) -> str:
    guid = assignment.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
    return {v: k for k, v in ROLE_DEFINITIONS.items()}.get(guid, guid)


def _assignments(plan: Plan) -> dict[str, dict[str, Any]]:
    return {r.name: r.inputs for r in plan.of_type("azure-native:authorization:RoleAssignment")}


def test_ci_identities_get_state_and_key_access_and_deploy_gets_each_environment() -> None:
    plan = bootstrap_plan()
    assignments = _assignments(plan)
    container = one(plan, "azure-native:storage:BlobContainer")
    for who in ("preview", "deploy", "admins"):
        # Scoped to the container's id (the mock's id shape, not Azure's; what matters is whose id it is).
        assert container.urn in by_name(plan, f"state-container-ra-{who}").dependencies
        assert assignments[f"state-container-ra-{who}"]["scope"].endswith("/state-container")
        assert _role(by_name(plan, f"state-container-ra-{who}")) == "Storage Blob Data Contributor"
        assert _role(by_name(plan, f"state-ra-{who}")) == "Key Vault Crypto User"
        assert "/vaults/kv-smk-shared-weu-" in assignments[f"state-ra-{who}"]["scope"]
    assert assignments["state-ra-admins"]["principalType"] == "Group"
    for environment, subscription in SUBSCRIPTIONS.items():
        contributor = assignments[f"ci-deploy-{environment}-ra-contributor"]
        assert _role(by_name(plan, f"ci-deploy-{environment}-ra-contributor")) == "Contributor"
        assert contributor["scope"] == f"/subscriptions/{subscription}"
        assert contributor["roleDefinitionId"].startswith(f"/subscriptions/{subscription}/providers/")
        assert _role(by_name(plan, f"ci-deploy-{environment}-ra-kv-secrets")) == "Key Vault Secrets Officer"
        admin = assignments[f"ci-deploy-{environment}-ra-rbac-admin"]
        assert admin["roleDefinitionId"].endswith("f58310d9-a9f6-439a-9e8d-f62e7b41a168") and admin["conditionVersion"] == "2.0"
        assert ROLE_DEFINITIONS["AcrPull"] in admin["condition"]
        assert ROLE_DEFINITIONS["Owner"] not in admin["condition"] and ROLE_DEFINITIONS["Contributor"] not in admin["condition"]


def test_bootstrap_satisfies_the_policy_pack_as_if_it_were_production() -> None:
    results = evaluate_plan(bootstrap_plan(workspace=True).to_json(), environment="prod")
    assert [r for r in results if not r.passed] == []
    without_workspace = evaluate_plan(bootstrap_plan().to_json(), environment="prod")
    assert {r.policy for r in without_workspace if not r.passed} == {"diagnostic-settings"}


def _schema_problems() -> list[str]:
    return [str(p) for p in validate_plan(bootstrap_plan(workspace=True).to_json()).problems]


def test_schema_check_finds_no_problem() -> None:
    # schemacheck maps azure-native's storage IPRule `iPAddressOrRange` back to ARM's `value`.
    assert _schema_problems() == []


@pytest.mark.parametrize(("key", "value", "message"), [
    ("sentimark-bootstrap:repository", "not a repo", "repository: got 'not a repo'; give the GitHub repository as <org>/<repo>"),
    ("sentimark-bootstrap:allowedIpRanges", ["10.0.0.0/8"], "allowedIpRanges: '10.0.0.0/8' is not a public IPv4 address or CIDR"),
    ("sentimark-bootstrap:allowedIpRanges", [], "allowedIpRanges: empty"),
    ("sentimark-bootstrap:environments", {"qa": {"subscriptionId": SUBSCRIPTIONS["dev"]}}, "environments.qa: not one of dev"),
    ("sentimark-bootstrap:environments", {"dev": {"subscriptionId": "x"}}, "environments.dev.subscriptionId: got 'x'"),
])
def test_configuration_errors_are_reported_before_anything_is_registered(key: str, value: Any, message: str) -> None:
    with pytest.raises(pulumi.RunError) as excinfo:
        run_preview(BOOTSTRAP, "main", config={key: value})
    assert message in str(excinfo.value)
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]
