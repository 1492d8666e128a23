"""Read a Pulumi project directory and one stack's configuration the way the Pulumi CLI hands it over.

The CLI passes each config value to the program as text: strings as they are, booleans and numbers in
their YAML spelling, objects and lists as JSON. Values set with `pulumi config set --secret` are encrypted
(`{secure: v1:...}`) and cannot be decrypted offline; they become placeholders the program sees as
secrets, and the preview says which keys it substituted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Project", "ProjectError", "StackConfig", "load_project", "load_stack_config"]


class ProjectError(Exception):
    """The project directory or its stack file cannot be read; the message says what to fix."""


@dataclass(frozen=True)
class Project:
    directory: Path
    name: str
    main: Path
    declared: dict[str, dict[str, Any]]
    """Project-level `config:` declarations, by full key (`project:key`)."""


@dataclass(frozen=True)
class StackConfig:
    stack: str
    file: Path
    values: dict[str, str]
    secret_keys: frozenset[str]
    substituted: tuple[str, ...] = ()
    plaintext_secrets: dict[str, str] = field(default_factory=dict)
    """Secret values known in plain text offline (placeholders and test overrides), to check for leaks."""
    secrets_provider: str | None = None
    """The stack file's `secretsprovider` (written by `pulumi stack init --secrets-provider`); None when unset."""


def load_project(directory: str | Path) -> Project:
    directory = Path(directory).resolve()
    project_file = directory / "Pulumi.yaml"
    if not project_file.is_file():
        raise ProjectError(f"{directory}: no Pulumi.yaml here; pass the directory of a Pulumi project with --project-dir")
    data = _read_yaml(project_file)
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProjectError(f"{project_file}: `name` is missing; set the project's name")
    runtime = data.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise ProjectError(f"{project_file}: runtime is {runtime_name!r}; the offline engine runs python projects only")
    main = directory / str(data.get("main", "."))
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        raise ProjectError(f"{project_file}: the program {main} does not exist")
    declared = {_full_key(name, k): (v if isinstance(v, dict) else {"default": v}) for k, v in (data.get("config") or {}).items()}
    return Project(directory=directory, name=name, main=main, declared=declared)


def load_stack_config(
    project: Project,
    stack: str,
    *,
    overrides: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
) -> StackConfig:
    """The stack's config as the program sees it: project defaults, then the stack file, then overrides.

    `overrides` maps keys to plain values (None removes a key); `secrets` maps keys to plaintext values
    that are handed to the program as secrets (for tests and for CI with decrypted values).
    """
    stack_file = project.directory / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        available = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project.directory.glob("Pulumi.*.yaml"))
        raise ProjectError(f"{stack_file.name}: no such stack file; stacks here: {', '.join(available) or 'none'}")
    raw: dict[str, Any] = {}
    for key, declaration in project.declared.items():
        if "default" in declaration:
            raw[key] = declaration["default"]
    stack_file_data = _read_yaml(stack_file)
    stack_data = stack_file_data.get("config") or {}
    if not isinstance(stack_data, dict):
        raise ProjectError(f"{stack_file.name}: `config` must be a mapping of keys to values")
    raw.update({_full_key(project.name, k): v for k, v in stack_data.items()})
    for key, value in (overrides or {}).items():
        full = _full_key(project.name, key)
        if value is None:
            raw.pop(full, None)
        else:
            raw[full] = value

    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    substituted: list[str] = []
    plaintext: dict[str, str] = {}
    for key, value in raw.items():
        placeholder = f"offline-placeholder-for-{key.split(':', 1)[1]}"
        converted, had_secure = _replace_secure(value, placeholder)
        if had_secure:
            secret_keys.add(key)
            substituted.append(key)
            plaintext[key] = placeholder
        values[key] = _as_text(converted)
    for key, value in (secrets or {}).items():
        full = _full_key(project.name, key)
        values[full] = value
        secret_keys.add(full)
        plaintext[full] = value
    return StackConfig(
        stack=stack,
        file=stack_file,
        values=values,
        secret_keys=frozenset(secret_keys),
        substituted=tuple(sorted(substituted)),
        plaintext_secrets=plaintext,
        secrets_provider=provider if isinstance(provider := stack_file_data.get("secretsprovider"), str) else None,
    )


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ProjectError(f"{path.name}: not valid YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProjectError(f"{path.name}: expected a mapping at the top level")
    return data


def _replace_secure(value: Any, placeholder: str) -> tuple[Any, bool]:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return placeholder, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], had = _replace_secure(v, placeholder)
            found = found or had
        return out, found
    if isinstance(value, list):
        pairs = [_replace_secure(v, placeholder) for v in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    return value, False


def _as_text(value: Any) -> str:
    # The CLI's spelling: YAML scalars as text, structures as JSON.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)
