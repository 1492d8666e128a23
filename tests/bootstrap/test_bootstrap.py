"""The bootstrap project, previewed offline: secure state storage, the secrets keys, outputs, configuration."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from bootstrap._identities import PLATFORM_PROJECT
from sentimark_platform.offline import Plan, run_preview
from sentimark_platform.policy import evaluate_plan
from sentimark_platform.schemacheck import validate_plan
from tests.bootstrap._plans import BOOTSTRAP, SUBSCRIPTIONS, bootstrap_plan, by_name, one
from tests.conftest import ROOT

# The pull-request runners' subnet (offline ids place subnets directly under Microsoft.Network).
PR_SUBNET = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-smk-shared-neu-pr-runners/"
             "providers/Microsoft.Network/subnets/snet-smk-shared-neu-pr-runners")


def test_state_account_is_https_only_tls12_private_keyless_and_firewalled() -> None:
    plan = bootstrap_plan()
    account = one(plan, "azure-native:storage:StorageAccount")
    inputs = account.inputs
    assert inputs["enableHttpsTrafficOnly"] is True and inputs["minimumTlsVersion"] == "TLS1_2"
    assert inputs["allowBlobPublicAccess"] is False and inputs["allowSharedKeyAccess"] is False
    assert inputs["defaultToOAuthAuthentication"] is True
    subnet = by_name(plan, "runners-snet")
    assert inputs["networkRuleSet"] == {
        "bypass": "AzureServices",
        "defaultAction": "Deny",
        "ipRules": [{"action": "Allow", "iPAddressOrRange": "203.0.113.0/24"},
                    {"action": "Allow", "iPAddressOrRange": "198.51.100.16/28"}],
        # The CI runners (deploy and pull-request) come from their subnets (service endpoints), which no IP rule
        # would match.
        "virtualNetworkRules": [{"action": "Allow", "virtualNetworkResourceId": plan.outputs["runnerSubnetId"]},
                                {"action": "Allow", "virtualNetworkResourceId": PR_SUBNET}],
    }
    assert subnet.urn in account.dependencies
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


def test_each_environment_has_its_own_protected_key_in_an_rbac_purge_protected_firewalled_vault() -> None:
    plan = bootstrap_plan()
    vault = one(plan, "azure-native:keyvault:Vault")
    properties = vault.inputs["properties"]
    assert properties["enableRbacAuthorization"] is True and properties["enablePurgeProtection"] is True
    assert properties["networkAcls"]["defaultAction"] == "Deny"
    assert [r["value"] for r in properties["networkAcls"]["ipRules"]] == ["203.0.113.0/24", "198.51.100.16/28"]
    assert properties["networkAcls"]["virtualNetworkRules"] == [{"id": plan.outputs["runnerSubnetId"]}, {"id": PR_SUBNET}]
    keys = {k.name: k for k in plan.of_type("azure-native:keyvault:Key")}
    assert sorted(keys) == sorted(f"state-key-{e}" for e in SUBSCRIPTIONS)
    for environment in SUBSCRIPTIONS:
        key = keys[f"state-key-{environment}"]
        assert key.inputs["keyName"] == f"pulumi-secrets-{environment}"
        assert key.inputs["properties"]["kty"] == "RSA" and key.inputs["properties"]["keySize"] == 3072
        assert {"encrypt", "decrypt", "wrapKey", "unwrapKey"} == set(key.inputs["properties"]["keyOps"])
        assert "rotationPolicy" not in key.inputs["properties"]  # see the comment in bootstrap/__main__.py
        assert key.protect is True
    assert vault.protect is True


def test_outputs_give_one_backend_and_one_secrets_provider_and_client_id_per_environment() -> None:
    outputs = bootstrap_plan().outputs
    assert outputs["backendUrl"] == "azblob://pulumi-state?storage_account=stsmksharedweu0xt7t"
    assert outputs["secretsProviders"] == {
        e: f"azurekeyvault://kv-smk-shared-weu-0xt7t.vault.azure.net/keys/pulumi-secrets-{e}" for e in SUBSCRIPTIONS
    }
    assert sorted(outputs["deployClientIds"]) == sorted(SUBSCRIPTIONS)
    assert len(set(outputs["deployClientIds"].values())) == len(SUBSCRIPTIONS)
    assert outputs["previewClientId"] not in outputs["deployClientIds"].values()
    assert outputs["subscriptions"] == SUBSCRIPTIONS
    assert outputs["pullRequestPreviews"] == ["dev", "sit"]
    # The single-identity, single-key outputs are gone: a consumer still reading them must fail loudly.
    assert "deployClientId" not in outputs and "secretsProvider" not in outputs


def test_the_deploy_state_condition_names_the_platform_project() -> None:
    name = next(line.split(":", 1)[1].strip() for line in (ROOT / "Pulumi.yaml").read_text().splitlines()
                if line.startswith("name:"))
    assert name == PLATFORM_PROJECT


def test_bootstrap_satisfies_the_policy_pack_as_if_it_were_production() -> None:
    results = evaluate_plan(bootstrap_plan().to_json(), environment="prod")
    assert [r for r in results if not r.passed] == []
    without_workspace = evaluate_plan(bootstrap_plan(workspace=False).to_json(), environment="prod")
    assert {r.policy for r in without_workspace if not r.passed} == {"diagnostic-settings"}


def test_schema_check_finds_no_problem() -> None:
    assert [str(p) for p in validate_plan(bootstrap_plan().to_json()).problems] == []


_REFUSALS = [
    ("sentimark-bootstrap:repository", "not a repo", "repository: got 'not a repo'; give the GitHub repository as <org>/<repo>"),
    ("sentimark-bootstrap:allowedIpRanges", ["10.0.0.0/8"], "allowedIpRanges: '10.0.0.0/8' is not a public IPv4 address or CIDR"),
    ("sentimark-bootstrap:allowedIpRanges", [], "allowedIpRanges: empty"),
    ("sentimark-bootstrap:environments", {"qa": {"subscriptionId": SUBSCRIPTIONS["dev"]}}, "environments.qa: not one of dev"),
    ("sentimark-bootstrap:environments", {"dev": {"subscriptionId": "x"}}, "environments.dev.subscriptionId: got 'x'"),
    ("sentimark-bootstrap:runners", None, "runners: got None; give {addressSpace: 10.100.0.0/24, githubBusinessId:"),
    ("sentimark-bootstrap:runners", {"addressSpace": "20.100.0.0/24", "githubBusinessId": "1", "location": "northeurope"},
     "runners.addressSpace: got '20.100.0.0/24'; use a private IPv4 block"),
    ("sentimark-bootstrap:runners", {"addressSpace": "10.100.0.0/28", "githubBusinessId": "1", "location": "northeurope"},
     "runners.addressSpace: got '10.100.0.0/28'; use a block from /16 to /27"),
    ("sentimark-bootstrap:runners", {"addressSpace": "10.100.0.1/24", "githubBusinessId": "1", "location": "northeurope"},
     "runners.addressSpace: got '10.100.0.1/24'; give an IPv4 CIDR with its network address"),
    ("sentimark-bootstrap:runners", {"githubBusinessId": "my-org", "location": "northeurope"},
     "runners.githubBusinessId: got 'my-org'; give the GitHub organization's databaseId"),
    ("sentimark-bootstrap:runners", {"githubBusinessId": "1"},
     "runners.location: got 'westeurope'; GitHub-hosted runners join Azure VNets only in"),
    ("sentimark-bootstrap:runners", {"githubBusinessId": "1", "location": "norwayeast"},
     "runners.location: got 'norwayeast'; add its short code to components._naming.REGION_CODES"),
    ("sentimark-bootstrap:runners", {"githubBusinessId": "1", "location": "northeurope", "addresSpace": "10.1.0.0/24"},
     "runners.addresSpace: unknown key"),
    ("sentimark-bootstrap:pullRequestPreviews", ["dev", "uat"],
     "pullRequestPreviews: got 'uat'; uat and prod stay out of pull requests"),
    ("sentimark-bootstrap:pullRequestPreviews", ["prod"], "pullRequestPreviews: got 'prod'; uat and prod stay out"),
    ("sentimark-bootstrap:pullRequestPreviews", ["qa"], "pullRequestPreviews: got 'qa'; use dev and/or sit"),
    ("sentimark-bootstrap:pullRequestPreviews", "dev", "pullRequestPreviews: got 'dev'; list environment names"),
]


@pytest.mark.parametrize(("key", "value", "message"), _REFUSALS)
def test_configuration_errors_are_reported_before_anything_is_registered(key: str, value: Any, message: str) -> None:
    with pytest.raises(pulumi.RunError) as excinfo:
        run_bootstrap({key: value})
    assert message in str(excinfo.value)
    assert excinfo.value.offline_registered == []  # type: ignore[attr-defined]


def test_every_configuration_problem_is_reported_at_once() -> None:
    with pytest.raises(pulumi.RunError) as excinfo:
        run_bootstrap({"sentimark-bootstrap:repository": "x",
                       "sentimark-bootstrap:runners": {"githubBusinessId": "abc", "location": "westeurope"},
                       "sentimark-bootstrap:pullRequestPreviews": ["prod"]})
    message = str(excinfo.value)
    assert message.startswith("4 bootstrap configuration problem(s)")
    for part in ("repository:", "runners.githubBusinessId:", "runners.location:", "pullRequestPreviews:"):
        assert part in message


def test_a_preview_environment_must_have_a_subscription() -> None:
    environments = {"dev": {"subscriptionId": SUBSCRIPTIONS["dev"]}}
    with pytest.raises(pulumi.RunError, match="pullRequestPreviews: got 'sit', which has no entry under environments"):
        run_bootstrap({"sentimark-bootstrap:environments": environments})
    # Left out, the default previews only the configured ones among dev and sit.
    plan = run_bootstrap({"sentimark-bootstrap:environments": environments, "sentimark-bootstrap:pullRequestPreviews": None})
    assert plan.outputs["pullRequestPreviews"] == ["dev"]


def run_bootstrap(config: dict[str, Any]) -> Plan:
    return run_preview(BOOTSTRAP, "main", config=config)
