"""CrossGuard policy pack `sentimark-baseline`: the rules of `rules/` inside `pulumi preview` and `pulumi up`.

    pulumi preview --stack uat --policy-pack policy
    pulumi up --stack prod --policy-pack policy

The same pure functions run offline over recorded plans (`sentimark_platform.policy.evaluate_plan`). Enforcement follows
the environment: mandatory in uat and prod, advisory in dev and sit. The environment is the stack's own
`<project>:environment` setting (the platform's stack files set it), else the stack's name; when neither
names an environment the pack is strict (prod) and says so. A policy that does not apply to the environment
(e.g. `protect-stateful` outside prod) is registered as disabled. Override enforcement per run with Pulumi's
policy configuration: `--policy-pack-config cfg.json` holding `{"all": "advisory"}` or per policy names.

The engine hands azure-native properties with the same camelCase names as the offline plan; values unknown
during preview become the plan's `[unknown]` marker, which the rules treat as "decide at update time".
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Pulumi runs a pack with runpy on this directory; tests import it from the repository root instead.
sys.path.insert(0, str(Path(__file__).resolve().parent))
try:
    from sentimark_platform.policy import (
        ENVIRONMENTS,
        RULES,
        UNKNOWN,
        Resource,
        Rule,
        check_resource,
        check_stack,
        enforcement_for,
    )
except ImportError:  # pragma: no cover - the layout Pulumi runs
    from rules import ENVIRONMENTS, RULES, UNKNOWN, Resource, Rule, check_resource, check_stack, enforcement_for

PACK_NAME = "sentimark-baseline"
STRICTEST = "prod"

__all__ = ["PACK_NAME", "build_policies", "main", "plain", "resolve_environment"]


def resolve_environment(environ: Mapping[str, str]) -> tuple[str, str]:
    """(environment, how it was found) from the variables Pulumi gives a policy pack.

    `PULUMI_CONFIG` (the stack's config as JSON) key `<project>:environment`, else `PULUMI_STACK` (the
    last part of `org/project/stack`), else the strictest environment."""
    try:
        config = json.loads(environ.get("PULUMI_CONFIG") or "{}")
    except json.JSONDecodeError:
        config = {}
    for key, value in sorted(config.items()) if isinstance(config, dict) else ():
        if key.endswith(":environment") and value in ENVIRONMENTS:
            return value, f"stack config {key}"
    stack = (environ.get("PULUMI_STACK") or "").rsplit("/", 1)[-1]
    if stack in ENVIRONMENTS:
        return stack, "stack name"
    return STRICTEST, f"no environment in the stack config and stack {stack or '(none)'!r} is not one of {', '.join(ENVIRONMENTS)}"


def plain(value: Any) -> Any:
    """The policy SDK's read-only proxies as plain dicts and lists; unknown values as the plan's marker."""
    from pulumi_policy import Secret
    from pulumi_policy.proxy import UnknownValueError, _is_unknown

    def item(container: Any, key: Any) -> Any:
        try:
            return plain(container[key])
        except UnknownValueError:
            return UNKNOWN

    if isinstance(value, Secret):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {key: item(value, key) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [item(value, index) for index in range(len(value))]
    if _is_unknown(value):
        return UNKNOWN
    return value


def _resource(urn: str, type_: str, name: str, props: Any, protect: bool, dependencies: Sequence[str] = ()) -> Resource:
    return Resource(urn=urn, type=type_, name=name, inputs=plain(props), protect=bool(protect),
                    dependencies=tuple(dependencies))


def _level(rule: Rule, environment: str) -> Any:
    from pulumi_policy import EnforcementLevel

    if not rule.applies_to_environment(environment):
        return EnforcementLevel.DISABLED
    return EnforcementLevel.MANDATORY if enforcement_for(environment) == "mandatory" else EnforcementLevel.ADVISORY


def _resource_policy(rule: Rule, environment: str) -> Any:
    from pulumi_policy import ResourceValidationPolicy, Severity

    def validate(args: Any, report_violation: Any) -> None:
        resource = _resource(args.urn, args.resource_type, args.name, args.props, args.opts.protect)
        if not rule.applies_to(resource):
            return
        messages, _undecided = check_resource(rule, resource)
        for message in messages:
            report_violation(message, args.urn)

    return ResourceValidationPolicy(
        name=rule.name,
        description=f"{rule.description} [{'; '.join(rule.references)}]",
        validate=validate,
        enforcement_level=_level(rule, environment),
        severity=Severity(rule.severity),
    )


def _stack_policy(rule: Rule, environment: str) -> Any:
    from pulumi_policy import Severity, StackValidationPolicy

    def validate(args: Any, report_violation: Any) -> None:
        # Stack validation sees the resources' planned outputs, which carry the inputs under the same names.
        resources = [
            _resource(r.urn, r.resource_type, r.name, r.props, r.opts.protect, [d.urn for d in r.dependencies])
            for r in args.resources
        ]
        findings, _undecided = check_stack(rule, [r for r in resources if not r.type.startswith("pulumi:providers:")])
        for finding in findings:
            report_violation(finding.message, finding.urn)

    return StackValidationPolicy(
        name=rule.name,
        description=f"{rule.description} [{'; '.join(rule.references)}]",
        validate=validate,
        enforcement_level=_level(rule, environment),
        severity=Severity(rule.severity),
    )


def build_policies(environment: str) -> list[Any]:
    """One CrossGuard policy per rule, enforcement set for `environment`."""
    return [
        _stack_policy(rule, environment) if rule.scope == "stack" else _resource_policy(rule, environment)
        for rule in RULES
    ]


def main() -> None:  # pragma: no cover - serves gRPC until the engine stops it
    from pulumi_policy import PolicyPack

    environment, source = resolve_environment(os.environ)
    print(f"{PACK_NAME}: environment {environment} ({source}); enforcement {enforcement_for(environment)}", file=sys.stderr)
    PolicyPack(PACK_NAME, build_policies(environment))


if __name__ == "__main__":
    main()
