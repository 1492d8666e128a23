"""The project file declares exactly the settings the model knows, and every stack sets them."""

from __future__ import annotations

import yaml

from stacks.config import SECRET_KEYS
from stacks.settings import PlatformSettings
from tests.conftest import ROOT, STACKS, stack_config

TYPES = {bool: "boolean", str: "string", list: "array", dict: "object"}


def _declared() -> dict[str, dict]:
    return yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]


def test_pulumi_yaml_declares_every_setting_with_a_description() -> None:
    aliases = {f.alias for f in PlatformSettings.model_fields.values()}
    declared = _declared()
    assert set(declared) == aliases
    assert all(d.get("description") and d.get("type") for d in declared.values())
    assert not set(SECRET_KEYS) & set(declared)


def test_every_stack_file_sets_every_declared_setting() -> None:
    # Project config without a default must be set per stack, or the Pulumi CLI refuses to run.
    for stack in STACKS:
        config = stack_config(stack)
        keys = {k.split(":", 1)[1] for k in config}
        assert keys == set(_declared()), stack
