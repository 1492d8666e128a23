"""A component refusing an argument the stacks built from a setting names the stack-file key (issue 18): who edits
a stack file should not have to map `AksCluster.system_pool.vm_size` back to `aks.systemPool.vmSize`."""

from __future__ import annotations

import pytest

from sentimark_platform.components import InvalidArgumentError
from sentimark_platform.offline import run_preview
from stacks._context import from_settings, same_names
from tests.conftest import ROOT, stack_config


def test_a_setting_the_component_refuses_is_named_by_its_stack_file_key() -> None:
    # Settings take any first-of-month start; Azure (and so Budget) refuses one more than twelve months ahead.
    budget = {**stack_config("dev")["sentimark-platform:budget"], "startDate": "2099-01-01"}
    with pytest.raises(InvalidArgumentError) as caught:
        run_preview(ROOT, "dev", config={"sentimark-platform:budget": budget})
    message = str(caught.value)
    assert message.startswith("Budget: argument 'start_date' got '2099-01-01'; give ")
    assert message.endswith("(from sentimark-platform:budget.startDate in Pulumi.dev.yaml)")


def _raise(*problems: tuple[str, object]) -> None:
    errors = [InvalidArgumentError("AksCluster", argument, value, "fix it") for argument, value in problems]
    raise errors[0] if len(errors) == 1 else InvalidArgumentError.several("AksCluster", errors)


def test_each_problem_is_named_by_the_longest_source_and_the_rest_in_the_settings_spelling() -> None:
    keys = {**same_names("aks", "tier"), "system_pool.max_pods": "aks.maxPodsPerNode"}
    sections = {"system_pool": "aks.systemPool", "user_pools['apps']": "aks.userPool"}
    with pytest.raises(InvalidArgumentError) as caught, from_settings(keys, sections=sections):
        _raise(("tier", "Gold"), ("system_pool.vm_size", "x"), ("system_pool.max_pods", 5),
               ("user_pools['apps'].min_count", -1), ("tags", {}))
    assert [p.fix for p in caught.value.problems] == [
        "fix it (from project:aks.tier in Pulumi.stack.yaml)",
        "fix it (from project:aks.systemPool.vmSize in Pulumi.stack.yaml)",
        "fix it (from project:aks.maxPodsPerNode in Pulumi.stack.yaml)",
        "fix it (from project:aks.userPool.minCount in Pulumi.stack.yaml)",
        "fix it",  # built by the composition, not from a setting
    ]
    assert caught.value.argument == "tier"  # the first, for callers that read one
    assert str(caught.value).startswith("AksCluster: 5 bad arguments")


def test_a_single_problem_stays_a_single_error_and_other_errors_pass_through() -> None:
    with pytest.raises(InvalidArgumentError) as caught, from_settings({"sku": "containerRegistry.sku"}):
        _raise(("sku", "Gold"))
    assert str(caught.value) == ("AksCluster: argument 'sku' got 'Gold'; fix it "
                                 "(from project:containerRegistry.sku in Pulumi.stack.yaml)")
    with pytest.raises(KeyError), from_settings({"sku": "containerRegistry.sku"}):
        raise KeyError("a bug, not an argument")
