"""Kubeconfig conversion for AKS clusters with Entra ID and local accounts disabled.

Such a cluster returns a user kubeconfig whose user runs `kubelogin get-token --login devicecode ...`:
it waits for a person to type a code in a browser, so a `pulumi up` in CI would hang. `convert` does what
`kubelogin convert-kubeconfig -l <mode>` does (Azure/kubelogin, pkg/internal/converter/convert.go): every
user whose exec command is kubelogin gets a fresh exec block with the arguments
`get-token --login <mode> --server-id <the server id it had>`; `--environment`, `--client-id` and
`--tenant-id` are dropped, since the Azure CLI and workload identity logins take them from the logged-in
context or from the environment (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE that the
workload identity webhook injects). kubelogin itself does not pass `--tenant-id` for azurecli, since a CLI
logged in with a managed identity refuses one (Azure/kubelogin#123).

Pure functions, no Pulumi runtime: tested directly.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml

__all__ = ["KUBELOGIN_INSTALL_HINT", "LOGIN_MODES", "KubeconfigConversionError", "LoginMode", "convert_kubeconfig"]

LoginMode = Literal["azurecli", "workloadidentity"]
LOGIN_MODES: tuple[str, ...] = ("azurecli", "workloadidentity")
"""Non-interactive kubelogin login modes this module converts to."""

_EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
KUBELOGIN_INSTALL_HINT = """
kubelogin is not installed which is required to connect to AAD enabled cluster.

To learn more, please go to https://azure.github.io/kubelogin/
"""
"""kubelogin's own install hint, used when the input has none (kubelogin keeps an existing one)."""


class KubeconfigConversionError(ValueError):
    """The kubeconfig cannot be converted (no kubelogin exec user, no server id, unknown login mode)."""


def convert_kubeconfig(text: str, login_mode: str = "azurecli") -> str:
    """The kubeconfig `text` (YAML or JSON) with every kubelogin exec user switched to `login_mode`.

    Returns YAML. Raises `KubeconfigConversionError` when the login mode is not a non-interactive one this
    module knows, when no user runs kubelogin (a kubeconfig with client certificates or tokens needs no
    conversion, and converting one is a sign that the wrong credentials were fetched), or when a kubelogin
    user has no `--server-id` (kubelogin refuses that too).
    """
    if login_mode not in LOGIN_MODES:
        raise KubeconfigConversionError(
            f"login mode {login_mode!r} is not supported; use one of {', '.join(LOGIN_MODES)} "
            "(non-interactive modes only: devicecode and interactive would wait for a person)"
        )
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise KubeconfigConversionError(f"the kubeconfig is not valid YAML or JSON: {error}") from error
    if not isinstance(config, dict):
        raise KubeconfigConversionError("the kubeconfig is not a mapping with 'users'")
    users = config.get("users") or []
    converted = 0
    for entry in users:
        user = entry.get("user") if isinstance(entry, dict) else None
        if not isinstance(user, dict):
            continue
        exec_config = user.get("exec")
        if not isinstance(exec_config, dict) or "kubelogin" not in str(exec_config.get("command", "")).lower():
            continue
        user["exec"] = _converted_exec(str(entry.get("name", "?")), exec_config, login_mode)
        converted += 1
    if converted == 0:
        names = [str(u.get("name", "?")) for u in users if isinstance(u, dict)]
        raise KubeconfigConversionError(
            f"no user in the kubeconfig runs kubelogin (users: {names or 'none'}); expected the exec user of "
            "an Entra ID cluster (list_managed_cluster_user_credentials of a cluster with aadProfile.managed)"
        )
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def _converted_exec(user_name: str, exec_config: dict[str, Any], login_mode: str) -> dict[str, Any]:
    args = [str(a) for a in exec_config.get("args") or []]
    server_id = _arg_value(args, "--server-id")
    if not server_id:
        raise KubeconfigConversionError(f"user {user_name!r} runs kubelogin without --server-id; kubelogin requires it")
    new_args = ["get-token", "--login", login_mode, "--server-id", server_id]
    # kubelogin keeps a token cache directory the input named (the only other argument it carries over
    # for these modes).
    for flag in ("--cache-dir", "--token-cache-dir"):
        cache_dir = _arg_value(args, flag)
        if cache_dir:
            new_args += ["--cache-dir", cache_dir]
            break
    return {
        "apiVersion": _EXEC_API_VERSION,
        "args": new_args,
        "command": "kubelogin",
        "env": None,
        "installHint": exec_config.get("installHint") or KUBELOGIN_INSTALL_HINT,
        "provideClusterInfo": False,
    }


def _arg_value(args: list[str], flag: str) -> str | None:
    """The item right after `flag` (kubelogin's getExecArg), None when absent or last."""
    for index, arg in enumerate(args[:-1]):
        if arg == flag:
            return args[index + 1]
    return None
