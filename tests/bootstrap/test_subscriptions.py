"""A fresh environment subscription accepts the stacks: registration scripts per subscription, run by an identity
that can only register, with the providers of every namespace the stacks use and the EncryptionAtHost feature."""

from __future__ import annotations

import re

import pytest

from bootstrap._subscriptions import (
    REGISTRAR_ACTIONS,
    REGISTRATION_SCRIPT,
    REQUIRED_FEATURES,
    REQUIRED_PROVIDERS,
    STATE_SUBSCRIPTION_PROVIDERS,
)
from sentimark_platform.offline import run_preview
from sentimark_platform.offline._arm_ids import ALWAYS_REGISTERED, SUBSCRIPTION_ID, provider_namespace
from tests.bootstrap._plans import BOOTSTRAP, SUBSCRIPTIONS, bootstrap_plan, by_name, held_by
from tests.conftest import STACKS, plan_of


def _env(script_inputs: dict[str, object]) -> dict[str, str]:
    return {str(v["name"]): str(v["value"]) for v in script_inputs["environmentVariables"]}  # type: ignore[attr-defined]


def test_required_providers_cover_every_namespace_the_stacks_create_resources_in() -> None:
    used = {
        provider_namespace(r.type)
        for stack in STACKS
        for r in plan_of(stack).resources
        if r.type.startswith("azure-native:") and r.custom
    }
    missing = used - set(REQUIRED_PROVIDERS) - ALWAYS_REGISTERED
    assert missing == set(), f"add {sorted(missing)} to bootstrap/_subscriptions.REQUIRED_PROVIDERS"
    assert "Microsoft.Compute" in REQUIRED_PROVIDERS  # the provider of the EncryptionAtHost feature
    assert len(set(REQUIRED_PROVIDERS)) == len(REQUIRED_PROVIDERS)


@pytest.mark.parametrize("environment", list(SUBSCRIPTIONS))
def test_each_subscription_gets_a_script_that_registers_providers_and_encryption_at_host(environment: str) -> None:
    plan = bootstrap_plan()
    script = by_name(plan, f"register-{environment}")
    inputs = script.inputs
    assert script.type == "azure-native:resources:AzureCliScript" and inputs["kind"] == "AzureCLI"
    variables = _env(inputs)
    assert variables["SUBSCRIPTION_ID"] == SUBSCRIPTIONS[environment]
    assert variables["PROVIDERS"].split() == list(REQUIRED_PROVIDERS)
    assert variables["FEATURES"].split() == list(REQUIRED_FEATURES)
    assert "Microsoft.Compute/EncryptionAtHost" in variables["FEATURES"].split()
    assert inputs["scriptContent"] == REGISTRATION_SCRIPT
    # Azure's required inputs of a deployment script (REST API 2023-08-01: kind, location, azCliVersion,
    # retentionInterval), and the identity that runs it.
    assert re.fullmatch(r"2\.\d+\.\d+", inputs["azCliVersion"]) and inputs["retentionInterval"] == "P1D"
    assert inputs["location"] == "westeurope"
    assert inputs["identity"]["type"] == "UserAssigned"
    assert [i.rsplit("/", 1)[-1] for i in inputs["identity"]["userAssignedIdentities"]] == ["id-smk-shared-weu-registrar"]
    assert by_name(plan, f"registrar-{environment}-ra-register").urn in script.dependencies
    assert inputs["forceUpdateTag"]


def test_the_script_registers_each_feature_then_its_provider_again() -> None:
    lines = [line.strip() for line in REGISTRATION_SCRIPT.splitlines()]
    feature = next(i for i, line in enumerate(lines) if "az feature register" in line)
    again = [i for i, line in enumerate(lines) if "az provider register" in line and '"$namespace"' in line and i > feature]
    assert again, "after `az feature register` the script must register the feature's provider again"
    assert "set -euo pipefail" in lines
    for variable in ("$PROVIDERS", "$FEATURES", '"$SUBSCRIPTION_ID"'):
        assert variable in REGISTRATION_SCRIPT


def test_a_changed_provider_list_runs_the_script_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # The program runs in this process and imports bootstrap._registration from sys.modules: patch it there.
    from bootstrap import _registration

    before = by_name(bootstrap_plan(), "register-dev").inputs["forceUpdateTag"]
    monkeypatch.setattr(_registration, "REQUIRED_PROVIDERS", (*REQUIRED_PROVIDERS, "Microsoft.Example"))
    changed = by_name(run_preview(BOOTSTRAP, "main"), "register-dev").inputs
    assert "Microsoft.Example" in _env(changed)["PROVIDERS"].split()
    assert changed["forceUpdateTag"] != before


def test_the_registrar_can_only_register_and_only_in_the_environment_subscriptions() -> None:
    plan = bootstrap_plan()
    definition = by_name(plan, "registrar-role")
    assert definition.inputs["permissions"] == [{"actions": list(REGISTRAR_ACTIONS)}]
    assert set(REGISTRAR_ACTIONS) == {"*/register/action", "Microsoft.Features/*",
                                      "Microsoft.Resources/subscriptions/providers/read"}
    # Kept in the bootstrap's own subscription (its scope never changes), assignable in the environments'.
    home = f"/subscriptions/{SUBSCRIPTION_ID}"
    assert definition.inputs["scope"] == home
    assert sorted(definition.inputs["assignableScopes"]) == sorted([home, *(f"/subscriptions/{s}" for s in SUBSCRIPTIONS.values())])
    held = held_by(plan, "registrar")
    assert sorted(a.inputs["scope"] for a in held) == sorted(f"/subscriptions/{s}" for s in SUBSCRIPTIONS.values())
    for assignment in held:
        assert assignment.inputs["roleDefinitionId"].endswith(definition.inputs["roleDefinitionId"])
        assert definition.urn in assignment.dependencies


def test_the_readme_registers_the_state_subscription_providers_by_hand() -> None:
    readme = (BOOTSTRAP / "README.md").read_text()
    start = readme.index("for ns in ") + len("for ns in ")
    listed = readme[start:readme.index("; do", start)].replace("\\", " ").split()
    assert sorted(listed) == sorted(STATE_SUBSCRIPTION_PROVIDERS)
