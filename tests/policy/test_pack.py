"""The CrossGuard wrapper (policy/__main__.py) runs the same functions as the offline evaluation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from sentimark_platform.policy import RULES, evaluate_plan, rule
from tests.conftest import plan_of
from tests.policy.test_pack_environment import PACK

pulumi_policy = pytest.importorskip("pulumi_policy", reason="pulumi-policy is not installed (requirements-dev.txt)")
from pulumi_policy import (  # noqa: E402
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, unknown_checking_proxy  # noqa: E402


def _opts(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def _violations(call: Callable[[Any], Any]) -> list[tuple[str, str | None]]:
    found: list[tuple[str, str | None]] = []
    call(lambda message, urn=None: found.append((message, urn)))
    return found


def test_one_policy_per_rule_with_the_environment_s_enforcement() -> None:
    levels = {p.name: p.enforcement_level for p in PACK.build_policies("uat")}
    assert list(levels) == [r.name for r in RULES]
    assert levels["kv-rbac-authorization"] == EnforcementLevel.MANDATORY
    assert levels["protect-stateful"] == EnforcementLevel.DISABLED  # prod only
    dev = {p.name: p.enforcement_level for p in PACK.build_policies("dev")}
    assert dev["kv-rbac-authorization"] == EnforcementLevel.ADVISORY and dev["locks-on-stateful"] == EnforcementLevel.DISABLED


def test_resource_policy_reports_the_rule_s_message_on_engine_props() -> None:
    policy = next(p for p in PACK.build_policies("prod") if p.name == "kv-rbac-authorization")
    urn = "urn:pulumi:prod::p::azure-native:keyvault:Vault::kv"
    props = unknown_checking_proxy({"properties": {"enableRbacAuthorization": False, "tenantId": "t"}})
    args = ResourceValidationArgs("azure-native:keyvault:Vault", props, urn, "kv", _opts(), None, None, {})
    assert _violations(lambda report: policy.validate(args, report)) == [
        ("properties.enableRbacAuthorization is false; use Azure RBAC instead of access policies", urn)
    ]


def test_a_value_unknown_during_preview_is_not_a_violation() -> None:
    policy = next(p for p in PACK.build_policies("prod") if p.name == "kv-rbac-authorization")
    props = unknown_checking_proxy({"properties": {"enableRbacAuthorization": UNKNOWN_BOOLEAN_VALUE}})
    args = ResourceValidationArgs("azure-native:keyvault:Vault", props, "urn:x", "kv", _opts(), None, None, {})
    assert PACK.plain(props) == {"properties": {"enableRbacAuthorization": "[unknown]"}}
    assert _violations(lambda report: policy.validate(args, report)) == []


def _engine_view(plan_json: dict[str, Any]) -> list[PolicyResource]:
    """The plan's resources as CrossGuard's stack validation presents them (proxied props, linked dependencies)."""
    by_urn: dict[str, PolicyResource] = {}
    for r in plan_json["resources"]:
        by_urn[r["urn"]] = PolicyResource(r["type"], unknown_checking_proxy(json.loads(json.dumps(r["inputs"]))), r["urn"],
                                          r["name"], _opts(r["protect"]), None, None, [], {})
    for r in plan_json["resources"]:
        by_urn[r["urn"]].dependencies.extend(by_urn[d] for d in r["dependencies"] if d in by_urn)
    return [by_urn[r["urn"]] for r in plan_json["resources"] if r["custom"]]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_pack_finds_exactly_what_the_offline_evaluation_finds(stack: str) -> None:
    plan_json = plan_of(stack).to_json()
    expected = {(r.policy, r.urn, r.message) for r in evaluate_plan(plan_json, environment=stack) if not r.passed}
    found = set()
    resources = _engine_view(plan_json)
    for policy in PACK.build_policies(stack):
        if policy.enforcement_level == EnforcementLevel.DISABLED:
            continue
        if rule(policy.name).scope == "stack":
            args = StackValidationArgs(resources, None, {})
            found |= {(policy.name, urn, m) for m, urn in _violations(lambda rep, a=args, p=policy: p.validate(a, rep))}
            continue
        for resource in resources:
            args = ResourceValidationArgs(resource.resource_type, resource.props, resource.urn, resource.name,
                                          resource.opts, None, None, {})
            found |= {(policy.name, urn, m) for m, urn in _violations(lambda rep, a=args, p=policy: p.validate(a, rep))}
    assert found == expected
    # dev has advisory findings to compare; prod is compliant, so both sides must be empty there.
    assert bool(expected) == (stack == "dev")


def test_the_pack_serves_the_analyzer_protocol_as_pulumi_launches_it() -> None:
    """`python -m pulumi.policy <engine> policy` (what the CLI runs), then GetAnalyzerInfo and Analyze over gRPC."""
    import os
    import subprocess
    import sys

    import grpc
    from google.protobuf import empty_pb2, struct_pb2
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    from tests.conftest import ROOT

    env = dict(os.environ, PULUMI_STACK="acme/sentimark-platform/uat", PULUMI_CONFIG="{}")
    process = subprocess.Popen([sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "policy"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().decode().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=30)
            assert info.name == "sentimark-baseline" and [p.name for p in info.policies] == [r.name for r in RULES]
            props = struct_pb2.Struct()
            props.update({"properties": {"enableRbacAuthorization": False, "enablePurgeProtection": True,
                                         "publicNetworkAccess": "Disabled"}})
            urn = "urn:pulumi:uat::sentimark-platform::azure-native:keyvault:Vault::kv"
            response = stub.Analyze(analyzer_pb2.AnalyzeRequest(type="azure-native:keyvault:Vault", properties=props, urn=urn,
                                                                name="kv"), timeout=30)
        found = {(d.policyName, d.enforcementLevel) for d in response.diagnostics}
        assert ("kv-rbac-authorization", analyzer_pb2.MANDATORY) in found
        assert ("finops-tags", analyzer_pb2.MANDATORY) in found  # no tags at all
        assert not any(d.policyName == "kv-recoverable" for d in response.diagnostics)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.stderr is not None
    assert "environment uat (stack name); enforcement mandatory" in process.stderr.read().decode()
