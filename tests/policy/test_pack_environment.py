"""How the CrossGuard pack (policy/__main__.py) finds its environment; needs no pulumi-policy."""

from __future__ import annotations

import importlib.util
import json
from types import ModuleType

import pytest

from tests.conftest import ROOT


def _load_pack() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sentimark_policy_pack", ROOT / "policy" / "__main__.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines functions only: the pack starts serving in main()
    return module


PACK = _load_pack()


@pytest.mark.parametrize(("environ", "expected"), [
    ({"PULUMI_CONFIG": json.dumps({"sentimark-platform:environment": "uat"}), "PULUMI_STACK": "whatever"}, ("uat", "stack config")),
    ({"PULUMI_CONFIG": json.dumps({"other:key": "x"}), "PULUMI_STACK": "acme/sentimark-platform/sit"}, ("sit", "stack name")),
    ({"PULUMI_CONFIG": "not json", "PULUMI_STACK": "dev"}, ("dev", "stack name")),
    ({"PULUMI_STACK": "feature-x"}, ("prod", "no environment")),
    ({}, ("prod", "no environment")),
])
def test_the_environment_comes_from_the_stack_config_then_its_name_else_the_strictest(
    environ: dict[str, str], expected: tuple[str, str]
) -> None:
    environment, source = PACK.resolve_environment(environ)
    assert environment == expected[0] and source.startswith(expected[1])
