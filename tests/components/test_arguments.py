"""Argument keys and values are checked at any depth, before a component registers anything."""

from __future__ import annotations

import typing

import pytest

from sentimark_platform import components
from sentimark_platform.components._arguments import ALLOWED_VALUES
from sentimark_platform.components._validation import check_arguments
from sentimark_platform.components.aks import AksClusterArgs
from sentimark_platform.components.errors import InvalidArgumentError

BASE = {"resource_group_name": "rg", "system_pool": {"vm_size": "Standard_D2s_v5", "node_count": 1}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({**BASE, "managed_prometeus": True}, "AksCluster: argument 'managed_prometeus' got True; did you mean 'managed_prometheus'?"),
        ({**BASE, "system_pool": {**BASE["system_pool"], "zone": ["1"]}}, "AksCluster: argument 'system_pool.zone' got ['1']; did you mean 'zones'?"),
        (
            {**BASE, "user_pools": {"apps": {"vm_size": "x", "min_count": 0, "max_count": 2, "spott": True}}},
            "AksCluster: argument \"user_pools['apps'].spott\" got True; did you mean 'spot'?",
        ),
        ({**BASE, "tier": "Gold"}, "AksCluster: argument 'tier' got 'Gold'; use one of Free, Standard, Premium"),
        (
            {**BASE, "lock": {"kind": "Forever"}},
            "AksCluster: argument 'lock.kind' got 'Forever'; use one of CanNotDelete, ReadOnly",
        ),
    ],
    ids=["top-level-typo", "nested-typo", "mapping-typo", "bad-enum", "nested-bad-enum"],
)
def test_bad_keys_and_values_are_named_with_a_fix(args: dict, message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        check_arguments("AksCluster", args, AksClusterArgs)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(("args", "message"), [
    ({"system_pool": BASE["system_pool"]},
     "AksCluster: argument 'resource_group_name' got None; required and missing: Resource group of the cluster"),
    ({**BASE, "system_pool": {"vm_size": "Standard_D2s_v5"}},
     "AksCluster: argument 'system_pool.node_count' got None; required and missing: "),
], ids=["top-level", "nested"])
def test_a_missing_required_argument_is_named_with_what_it_is_for(args: dict, message: str) -> None:
    # Without this, the component would fail later with a bare KeyError traceback.
    with pytest.raises(InvalidArgumentError) as caught:
        check_arguments("AksCluster", args, AksClusterArgs)
    assert str(caught.value).startswith(message)


def test_not_required_keys_in_modules_with_postponed_annotations_stay_optional() -> None:
    # workload_identity.py uses `from __future__ import annotations`: Python 3.11's __required_keys__ lists
    # every key there, NotRequired ones included.
    from sentimark_platform.components.workload_identity import WorkloadIdentityArgs

    check_arguments("WorkloadIdentity", {
        "resource_group_name": "rg", "oidc_issuer_url": "https://issuer/",
        "federated_credentials": {"api": {"namespace": "apps", "service_account": "api"}},
    }, WorkloadIdentityArgs)


def test_correct_arguments_pass() -> None:
    check_arguments("AksCluster", {**BASE, "tier": "Standard", "lock": {"kind": "CanNotDelete"}}, AksClusterArgs)


def test_every_allowed_values_entry_names_a_real_string_field() -> None:
    typed_dicts = {}
    for module_name in dir(components):
        obj = getattr(components, module_name)
        if isinstance(obj, type) and typing.is_typeddict(obj):
            typed_dicts[obj.__name__] = obj
    from sentimark_platform.components import _interfaces

    for name in ("LockArgs", "RoleAssignmentArgs"):
        typed_dicts[name] = getattr(_interfaces, name)
    for (typed_dict, field), values in ALLOWED_VALUES.items():
        assert typed_dict in typed_dicts, typed_dict
        assert field in typed_dicts[typed_dict].__annotations__, (typed_dict, field)
        assert values and len(set(values)) == len(values)


@pytest.mark.parametrize(("args", "message"), [
    ({**BASE, "private_cluster": "false"},
     "AksCluster: argument 'private_cluster' got 'false'; give true or false (a bool: the text 'false' would count "
     "as true)"),
    ({**BASE, "system_pool": {**BASE["system_pool"], "node_count": "3"}},
     "AksCluster: argument 'system_pool.node_count' got '3'; give a whole number"),
    ({**BASE, "system_pool": {**BASE["system_pool"], "node_count": True}},
     "AksCluster: argument 'system_pool.node_count' got True; give a whole number"),
    ({**BASE, "resource_group_name": 42}, "AksCluster: argument 'resource_group_name' got 42; give text"),
], ids=["text-for-bool", "text-for-int", "bool-for-int", "number-for-text"])
def test_a_value_of_the_wrong_scalar_type_is_refused(args: dict, message: str) -> None:
    # Issue 18: a string "false" must never turn a feature on (Python treats any non-empty text as true).
    with pytest.raises(InvalidArgumentError) as caught:
        check_arguments("AksCluster", args, AksClusterArgs)
    assert str(caught.value).startswith(message)


def test_outputs_and_numbers_for_floats_pass_the_scalar_check() -> None:
    from unittest import mock

    import pulumi

    from sentimark_platform.components.monitoring import MonitoringArgs

    check_arguments("AksCluster", {**BASE, "resource_group_name": mock.MagicMock(spec=pulumi.Output)}, AksClusterArgs)
    objectives = {"api": {"namespace": "a", "service": "a", "success_percent": 99}}  # an int where float is declared
    check_arguments("Monitoring", {"resource_group_name": "rg", "location": "westeurope", "retention_days": 30,
                                   "workspace_name": "log", "prometheus": {"service_level_objectives": objectives}},
                    MonitoringArgs)


def test_every_failing_rule_is_reported_at_once() -> None:
    from sentimark_platform.components._validation import check_rules

    rows = [
        ("count", "three", lambda v: not isinstance(v, int), "give a whole number"),
        ("count", "three", lambda v: v < 1, "give at least 1"),  # not asked: its argument already failed
        ("name", "Bad Name", lambda v: " " in v, "use no spaces"),
        ("size", None, lambda v: v > 3, "give at most 3"),  # raises on None: a failure, never a traceback
        ("ok", 1, False, "never shown"),
    ]
    with pytest.raises(InvalidArgumentError) as caught:
        check_rules("Thing", rows)
    assert str(caught.value) == (
        "Thing: 3 bad arguments (nothing of it was registered):\n"
        "  - argument 'count' got 'three'; give a whole number\n"
        "  - argument 'name' got 'Bad Name'; use no spaces\n"
        "  - argument 'size' got None; give at most 3")
    assert [p.argument for p in caught.value.problems] == ["count", "name", "size"]
    assert caught.value.argument == "count"  # the first, for callers that read one


def test_field_problems_and_the_components_rules_are_reported_in_one_run() -> None:
    """Issue 18: one runner for the TypedDict's field checks and the component's own rules, cross-field ones
    included, so a caller sees every problem at once."""
    from sentimark_platform.components.aks._rules import rules

    args = {**BASE, "tier": "Gold", "private_cluster": "false",
            "system_pool": {"vm_size": "Standard_D2s_v5", "node_count": 1, "max_pods": 5},
            "api_server_authorized_ip_ranges": ["not-a-range"]}
    with pytest.raises(InvalidArgumentError) as caught:
        check_arguments("AksCluster", args, AksClusterArgs, lambda: rules(args))  # type: ignore[arg-type]
    arguments = [p.argument for p in caught.value.problems]
    assert arguments[:2] == ["tier", "private_cluster"]  # the field checks first, in declaration order
    assert {"system_pool.max_pods", "api_server_authorized_ip_ranges"} <= set(arguments[2:]), arguments
    assert str(caught.value).startswith(f"AksCluster: {len(arguments)} bad arguments (nothing of it was registered):")


def test_a_rule_is_not_asked_about_an_argument_whose_field_check_failed() -> None:
    rows = [("count", "three", lambda v: v < 1, "give at least 1"),  # would fail too: not asked
            ("pool.size", "x", lambda v: v > 3, "give at most 3"),  # inside a failed argument: not asked
            ("name", "ok", False, "never shown")]

    class Counted(typing.TypedDict):
        count: int
        pool: dict[str, int]
        name: str

    with pytest.raises(InvalidArgumentError) as caught:
        check_arguments("Thing", {"count": "three", "pool": "big", "name": "ok"}, Counted, lambda: rows)
    assert [p.argument for p in caught.value.problems] == ["count", "pool"]


def test_rules_that_cannot_read_malformed_arguments_leave_the_field_problems_alone() -> None:
    from sentimark_platform.components.aks._rules import rules

    args = {"resource_group_name": "rg"}  # no system_pool: the rules would raise KeyError reading it
    with pytest.raises(InvalidArgumentError) as caught:
        check_arguments("AksCluster", args, AksClusterArgs, lambda: rules(args))  # type: ignore[arg-type]
    assert [p.argument for p in caught.value.problems] == ["system_pool"]
