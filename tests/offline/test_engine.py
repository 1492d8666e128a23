"""The offline engine: contract fields, determinism, secrets, invokes, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sentimark_platform.offline import SECRET, SecretLeakError, UnknownInvokeError, load_plan, run_preview
from sentimark_platform.offline.report import to_markdown
from tests.conftest import ROOT, STACKS, plan_of

CONTRACT_FIELDS = {"urn", "type", "name", "parent", "dependencies", "inputs", "protect", "retainOnDelete", "ignoreChanges", "custom"}
WEBHOOK = "https://hooks.example.com/services/T000/B000/very-secret-token-4711"


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_previews_with_resources_in_the_expected_regions(stack: str) -> None:
    plan = plan_of(stack)
    groups = plan.of_type("azure-native:resources:ResourceGroup")
    expected_regions = 2 if stack == "prod" else 1
    assert len(groups) == expected_regions
    assert all(g.inputs["tags"]["environment"] == stack for g in groups)
    assert plan.outputs["environment"] == stack


def test_plan_json_has_the_contract_fields_sorted_by_urn(tmp_path: Path) -> None:
    data = json.loads(plan_of("uat").dumps())
    assert set(data) == {"project", "stack", "resources", "outputs"}
    assert data["project"] == "sentimark-platform" and data["stack"] == "uat"
    assert all(set(r) == CONTRACT_FIELDS for r in data["resources"])
    urns = [r["urn"] for r in data["resources"]]
    assert urns == sorted(urns) and len(urns) == len(set(urns))


def test_inputs_are_camel_case_as_sent_to_the_engine() -> None:
    (group,) = plan_of("uat").of_type("azure-native:monitor:ActionGroup")
    assert group.inputs["groupShortName"] == "smk-uat"
    assert group.inputs["emailReceivers"][0]["useCommonAlertSchema"] is True


def test_children_of_the_stack_have_real_engine_urns() -> None:
    (group,) = plan_of("uat").of_type("azure-native:resources:ResourceGroup")
    assert group.urn == "urn:pulumi:uat::sentimark-platform::azure-native:resources:ResourceGroup::rg-weu"


def test_two_runs_give_byte_identical_json() -> None:
    assert run_preview(ROOT, "prod").dumps() == run_preview(ROOT, "prod").dumps()


def test_apply_callbacks_run_on_resolved_values() -> None:
    # The action group's resource group name comes from the ResourceGroup's output through the SDK.
    (group,) = plan_of("uat").of_type("azure-native:monitor:ActionGroup")
    assert group.inputs["resourceGroupName"] == "rg-smk-uat-weu"
    assert plan_of("uat").outputs["resourceGroups"] == {"weu": "rg-smk-uat-weu"}


def test_a_secret_value_is_masked_in_json_and_markdown() -> None:
    plan = run_preview(ROOT, "uat", secrets={"alertWebhookUrl": WEBHOOK})
    (group,) = plan.of_type("azure-native:monitor:ActionGroup")
    assert group.inputs["webhookReceivers"] == SECRET or group.inputs["webhookReceivers"][0]["serviceUri"] == SECRET
    assert "very-secret-token" not in plan.dumps()
    assert "very-secret-token" not in to_markdown(plan)


def test_encrypted_stack_values_become_secret_placeholders(project_copy: Path) -> None:
    stack_file = project_copy / "Pulumi.uat.yaml"
    stack_file.write_text(
        stack_file.read_text() + "  sentimark-platform:alertWebhookUrl:\n    secure: v1:AAAABBBBCCCC:dGhpcyBpcyBub3QgcmVhbA==\n"
    )
    plan = run_preview(project_copy, "uat")
    assert plan.substituted_secrets == ("sentimark-platform:alertWebhookUrl",)
    assert "offline-placeholder" not in plan.dumps()
    assert "v1:AAAABBBBCCCC" not in plan.dumps()


def _tiny_project(directory: Path, program: str) -> Path:
    (directory / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text("config:\n  tiny:token:\n    secure: v1:abc\n")
    (directory / "__main__.py").write_text(program)
    return directory


def test_a_secret_read_as_plain_text_is_caught_as_a_leak(tmp_path: Path) -> None:
    program = "import pulumi\npulumi.export('token', pulumi.Config().get('token'))\n"
    with pytest.raises(SecretLeakError, match="tiny:token"):
        run_preview(_tiny_project(tmp_path, program), "dev")


def test_an_invoke_without_a_mock_fails_naming_its_token(tmp_path: Path) -> None:
    program = (
        "import pulumi_azure_native as azure\n"
        "azure.resources.get_resource_group(resource_group_name='rg')\n"
    )
    with pytest.raises(UnknownInvokeError, match="azure-native:resources:getResourceGroup"):
        run_preview(_tiny_project(tmp_path, program), "dev")


def test_known_invokes_answer_realistically(tmp_path: Path) -> None:
    program = (
        "import base64, json, pulumi, pulumi_azure_native as azure\n"
        "c = azure.authorization.get_client_config()\n"
        "creds = azure.containerservice.list_managed_cluster_user_credentials(resource_group_name='rg', resource_name='aks')\n"
        "kube = json.loads(base64.b64decode(creds.kubeconfigs[0].value))\n"
        "pulumi.export('tenant', c.tenant_id)\n"
        "pulumi.export('exec', kube['users'][0]['user']['exec']['command'])\n"
    )
    plan = run_preview(_tiny_project(tmp_path, program), "dev")
    assert plan.outputs == {"tenant": "11111111-1111-1111-1111-111111111111", "exec": "kubelogin"}


def test_stack_references_read_supplied_outputs(tmp_path: Path) -> None:
    program = "import pulumi\nref = pulumi.StackReference('org/platform/uat')\npulumi.export('rg', ref.get_output('rg'))\n"
    plan = run_preview(_tiny_project(tmp_path, program), "dev", stack_outputs={"org/platform/uat": {"rg": "rg-x"}})
    assert plan.outputs == {"rg": "rg-x"}
    with pytest.raises(UnknownInvokeError, match="org/platform/uat"):
        run_preview(tmp_path, "dev")


def test_cli_writes_plan_and_markdown(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "preview", "--stack", "dev", "--json", str(tmp_path / "p.json"), "--markdown", str(tmp_path / "p.md")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    plan = plan_of("dev")
    assert f"{len(plan.resources)} resources ({len(plan.custom_resources)} custom) in stack dev" in result.stdout
    assert load_plan(tmp_path / "p.json").dumps() == plan.dumps()
    assert "<details>" in (tmp_path / "p.md").read_text()


def test_cli_configuration_error_exits_2_without_traceback(project_copy: Path) -> None:
    stack_file = project_copy / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("tier: Free", "tier: Gold"))
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "preview", "--stack", "dev", "--project-dir", str(project_copy)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "sentimark-platform:aks.tier: got \"Gold\"; allowed: one of 'Free' or 'Standard'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_cli_unknown_stack_exits_2_listing_stacks() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "preview", "--stack", "qa"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "Pulumi.qa.yaml: no such stack file; stacks here: dev, prod, sit, uat" in result.stderr


def test_additional_secret_outputs_stay_secret_downstream(tmp_path: Path) -> None:
    program = (
        "import pulumi, pulumi_random as random\n"
        "from pulumi_azure_native import resources\n"
        "pw = random.RandomPassword('pw', length=32)\n"
        "resources.ResourceGroup('rg', resource_group_name=pw.result)\n"
        "pulumi.export('pw', pw.result)\n"
    )
    plan = run_preview(_tiny_project(tmp_path, program), "dev")
    (group,) = plan.of_type("azure-native:resources:ResourceGroup")
    assert group.inputs["resourceGroupName"] == SECRET
    assert plan.outputs["pw"] == SECRET
