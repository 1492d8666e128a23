"""The baseline over the project's real stacks: uat and prod must carry no mandatory violation."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import sys
from pathlib import Path

import pulumi
import pytest

from sentimark_platform.policy import evaluate_plan, resource_label
from sentimark_platform.policy._taggable import MODULES, TAGGABLE_TYPES
from tests.conftest import STACKS, plan_of


def _blocking(stack: str) -> set[tuple[str, str]]:
    results = evaluate_plan(plan_of(stack).to_json(), environment=stack)
    return {(r.policy, resource_label(r.urn or "").removeprefix("azure-native:")) for r in results if r.blocking}


@pytest.mark.parametrize("stack", ["uat", "prod"])
def test_stack_has_zero_mandatory_violations(stack: str) -> None:
    # The pack once found mesh-wide mTLS, secret expiry and `protect` missing here; all three are fixed.
    assert _blocking(stack) == set()


@pytest.mark.parametrize("stack", ["dev", "sit"])
def test_dev_and_sit_violations_are_advisory(stack: str) -> None:
    results = evaluate_plan(plan_of(stack).to_json(), environment=stack)
    assert results and {r.enforcement for r in results} == {"advisory"}
    assert not any(r.blocking for r in results)


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_is_checked_by_at_least_thirty_policies_on_real_resources(stack: str) -> None:
    results = evaluate_plan(plan_of(stack).to_json(), environment=stack)
    assert len({r.policy for r in results}) >= 30
    assert sum(1 for r in results if r.urn) > 50


def _sdk_taggable_types(modules: tuple[str, ...]) -> set[str]:
    """What _taggable.py should hold: every CustomResource of those SDK modules whose constructor takes `tags`."""
    package = Path(importlib.util.find_spec("pulumi_azure_native").submodule_search_locations[0])  # type: ignore[union-attr]
    found = set()
    for module in modules:
        # The SDK's packages load lazily: load the package itself first (which imports its submodules), then
        # read them from sys.modules; importing a submodule of an unloaded package breaks the package.
        getattr(importlib.import_module(f"pulumi_azure_native.{module}"), "_utilities", None)
        init = (package / module / "__init__.py").read_text(encoding="utf-8")
        for sub in re.findall(r"^from \.(\w+) import \*$", init, flags=re.M):
            if sub.startswith(("_", "get_", "list_")):
                continue
            namespace = sys.modules[f"pulumi_azure_native.{module}.{sub}"]
            for name in getattr(namespace, "__all__", []):
                cls = getattr(namespace, name)
                if (inspect.isclass(cls) and issubclass(cls, pulumi.CustomResource)
                        and "tags" in inspect.signature(cls._internal_init).parameters):
                    found.add(f"azure-native:{module}:{name}")
    return found


def test_taggable_types_are_those_of_the_sdk_and_cover_every_module_the_stacks_use() -> None:
    assert _sdk_taggable_types(MODULES) == set(TAGGABLE_TYPES)
    in_stacks = {r.type for s in STACKS for r in plan_of(s).resources if r.type.startswith("azure-native:")}
    assert {t.split(":")[1] for t in in_stacks} <= set(MODULES), "add the new module to policy/rules/_taggable.py"
