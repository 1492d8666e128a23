"""Kubeconfig conversion for kubelogin, without the Pulumi runtime: the same result as
`kubelogin convert-kubeconfig -l <mode>` (Azure/kubelogin pkg/internal/converter/convert.go)."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sentimark_platform.components._kubeconfig import (
    KUBELOGIN_INSTALL_HINT,
    KubeconfigConversionError,
    convert_kubeconfig,
)

SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"

# What `az aks get-credentials` / listClusterUserCredential returns for an Entra ID cluster (YAML, as AKS sends).
AKS_USER_KUBECONFIG = f"""\
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: b2ZmbGluZS1jYQ==
    server: https://aks-weu-1a2b3c4d.hcp.westeurope.azmk8s.io:443
  name: aks-weu
contexts:
- context:
    cluster: aks-weu
    user: clusterUser_rg-weu_aks-weu
  name: aks-weu
current-context: aks-weu
kind: Config
preferences: {{}}
users:
- name: clusterUser_rg-weu_aks-weu
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --environment
      - AzurePublicCloud
      - --server-id
      - {SERVER_ID}
      - --client-id
      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a
      - --tenant-id
      - 11111111-1111-1111-1111-111111111111
      - --login
      - devicecode
      command: kubelogin
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: false
"""


def _exec_of(text: str, user: int = 0) -> dict:
    return yaml.safe_load(text)["users"][user]["user"]["exec"]


def test_azurecli_conversion_gives_kubelogins_exec_block() -> None:
    converted = convert_kubeconfig(AKS_USER_KUBECONFIG)
    assert _exec_of(converted) == {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "args": ["get-token", "--login", "azurecli", "--server-id", SERVER_ID],
        "command": "kubelogin",
        "env": None,
        "installHint": KUBELOGIN_INSTALL_HINT,
        "provideClusterInfo": False,
    }
    assert "devicecode" not in converted
    assert "--tenant-id" not in converted and "--client-id" not in converted


def test_everything_but_the_exec_user_is_kept() -> None:
    before, after = yaml.safe_load(AKS_USER_KUBECONFIG), yaml.safe_load(convert_kubeconfig(AKS_USER_KUBECONFIG))
    for key in ("clusters", "contexts", "current-context", "kind", "apiVersion", "preferences"):
        assert after[key] == before[key]
    assert after["users"][0]["name"] == "clusterUser_rg-weu_aks-weu"


def test_workload_identity_mode_takes_client_and_tenant_from_the_environment() -> None:
    assert _exec_of(convert_kubeconfig(AKS_USER_KUBECONFIG, "workloadidentity"))["args"] == [
        "get-token", "--login", "workloadidentity", "--server-id", SERVER_ID,
    ]


def test_json_input_is_accepted_and_an_existing_install_hint_kept() -> None:
    config = yaml.safe_load(AKS_USER_KUBECONFIG)
    config["users"][0]["user"]["exec"]["installHint"] = "install kubelogin from our mirror"
    assert _exec_of(convert_kubeconfig(json.dumps(config)))["installHint"] == "install kubelogin from our mirror"


def test_only_kubelogin_users_are_converted() -> None:
    config = yaml.safe_load(AKS_USER_KUBECONFIG)
    config["users"].append({"name": "other", "user": {"exec": {"command": "aws", "args": ["eks", "get-token"]}}})
    converted = yaml.safe_load(convert_kubeconfig(yaml.safe_dump(config)))
    assert converted["users"][1] == config["users"][1]
    assert converted["users"][0]["user"]["exec"]["args"][2] == "azurecli"


def test_refuses_a_kubeconfig_without_a_kubelogin_exec_user() -> None:
    admin = yaml.safe_load(AKS_USER_KUBECONFIG)
    admin["users"] = [{"name": "clusterAdmin_rg_aks", "user": {"client-certificate-data": "eA==", "token": "t"}}]
    with pytest.raises(KubeconfigConversionError) as excinfo:
        convert_kubeconfig(yaml.safe_dump(admin))
    assert str(excinfo.value) == (
        "no user in the kubeconfig runs kubelogin (users: ['clusterAdmin_rg_aks']); expected the exec user of "
        "an Entra ID cluster (list_managed_cluster_user_credentials of a cluster with aadProfile.managed)"
    )


def test_refuses_interactive_login_modes() -> None:
    with pytest.raises(KubeconfigConversionError, match="login mode 'devicecode' is not supported"):
        convert_kubeconfig(AKS_USER_KUBECONFIG, "devicecode")


def test_refuses_a_kubelogin_user_without_server_id() -> None:
    text = AKS_USER_KUBECONFIG.replace(f"      - --server-id\n      - {SERVER_ID}\n", "")
    with pytest.raises(KubeconfigConversionError, match="runs kubelogin without --server-id"):
        convert_kubeconfig(text)


def test_refuses_text_that_is_not_a_kubeconfig() -> None:
    with pytest.raises(KubeconfigConversionError, match="not a mapping"):
        convert_kubeconfig("- just\n- a list\n")


_ARG = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12).filter(
    lambda s: not s.startswith("--")
)


@given(
    server_id=st.uuids().map(str),
    noise=st.lists(st.tuples(st.sampled_from(["--environment", "--client-id", "--tenant-id", "--login"]), _ARG), max_size=4),
    mode=st.sampled_from(["azurecli", "workloadidentity"]),
)
def test_converted_args_depend_only_on_mode_and_server_id(server_id: str, noise: list[tuple[str, str]], mode: str) -> None:
    args = ["get-token", *[x for pair in noise for x in pair], "--server-id", server_id]
    config = {"users": [{"name": "u", "user": {"exec": {"command": "kubelogin", "args": args}}}]}
    assert _exec_of(convert_kubeconfig(yaml.safe_dump(config), mode))["args"] == [
        "get-token", "--login", mode, "--server-id", server_id,
    ]
