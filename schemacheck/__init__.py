"""Validate an offline plan's resource inputs against the upstream schemas.

The mock engine accepts any inputs, so a typo in a nested property, an enum value Azure rejects or a name
that breaks the resource's naming rule would only surface at `pulumi up`. This package checks:

- azure-native resources against the ARM deployment-template schema of the API version pulumi-azure-native
  3.29 uses (compact form in `rules.json`, derived by `scripts/derive_schema_rules.py`);
- Kubernetes custom resources (Istio, Argo Rollouts, Argo CD Application and AppProject, Secrets Store CSI)
  against their CRD schemas;
- Kubernetes core objects against kubernetes-validate's bundled strict schemas.

Anything custom it cannot check is listed as "not checked" with the reason; component resources are skipped.
"""

from __future__ import annotations

import functools
from typing import Any

from ._arm import ArmChecker
from ._kubernetes import CrdChecker, check_core, nearest_supported_version
from ._report import Issue, NotChecked, Problem, ValidationReport, normalize_numbers
from ._rules import load_rules

__all__ = [
    "NotChecked",
    "Problem",
    "ValidationReport",
    "validate_plan",
    "validate_resource",
]

_DEFAULT_KUBERNETES_VERSION = "1.33"
#: Pulumi Kubernetes types whose inputs are not a manifest (the provider renders them at deploy time).
_KUBERNETES_NOT_MANIFESTS = ("helm.sh/", "yaml/", "kustomize/")


@functools.cache
def _arm_checker() -> ArmChecker:
    return ArmChecker(load_rules()["arm"])


@functools.cache
def _crd_checker() -> CrdChecker:
    return CrdChecker(load_rules()["crds"])


def validate_plan(plan: dict[str, Any], *, kubernetes_version: str = _DEFAULT_KUBERNETES_VERSION) -> ValidationReport:
    """Check every custom resource of an offline plan (`{"resources": [...]}`) and report all problems.

    `kubernetes_version` picks the Kubernetes API schemas for core objects; the nearest version that
    kubernetes-validate bundles is used and named in the report.
    """
    problems: list[Problem] = []
    not_checked: list[NotChecked] = []
    checked = 0
    for resource in plan.get("resources", []):
        outcome = _check(resource, kubernetes_version)
        if isinstance(outcome, NotChecked):
            not_checked.append(outcome)
        elif outcome is not None:
            checked += 1
            problems.extend(outcome)
    return ValidationReport(problems=problems, not_checked=not_checked, checked=checked,
                            kubernetes_schema_version=_schema_version_label(kubernetes_version))


def validate_resource(resource: dict[str, Any], *,
                      kubernetes_version: str = _DEFAULT_KUBERNETES_VERSION) -> ValidationReport:
    """Check one plan resource (same shape as an entry of the plan's `resources`)."""
    return validate_plan({"resources": [resource]}, kubernetes_version=kubernetes_version)


def _schema_version_label(requested: str) -> str:
    return ".".join(nearest_supported_version(requested).split(".")[:2])


def _check(resource: dict[str, Any], kubernetes_version: str) -> list[Problem] | NotChecked | None:
    """Problems (possibly none), NotChecked, or None for component resources, which have no schema."""
    if not resource.get("custom", True):
        return None
    type_token = str(resource.get("type", ""))
    inputs = resource.get("inputs") or {}
    package = type_token.split(":", 1)[0]
    if type_token.startswith("pulumi:providers:"):
        return _not_checked(resource, "provider resource: configuration, not a cloud object with a schema")
    if package == "azure-native":
        issues = _check_azure(resource, type_token, inputs)
    elif package == "kubernetes":
        issues = _check_kubernetes(resource, type_token, inputs, kubernetes_version)
    else:
        return _not_checked(resource, f"no schema for package {package!r}")
    if isinstance(issues, NotChecked):
        return issues
    return [_problem(resource, issue) for issue in issues]


def _check_azure(resource: dict[str, Any], type_token: str, inputs: Any) -> list[Issue] | NotChecked:
    token = type_token.removeprefix("azure-native:")
    checker = _arm_checker()
    if token not in checker.types:
        return _not_checked(resource, "no ARM schema in schemacheck/rules.json for this type "
                                      "(add it to the schema index and re-run scripts/derive_schema_rules.py)")
    if not isinstance(inputs, dict):
        return _not_checked(resource, "inputs are unknown during preview")
    return checker.check_resource(token, normalize_numbers(inputs))


def _check_kubernetes(resource: dict[str, Any], type_token: str, inputs: Any,
                      kubernetes_version: str) -> list[Issue] | NotChecked:
    parts = type_token.split(":")
    group_version = parts[1] if len(parts) == 3 else ""
    type_kind = parts[2] if len(parts) == 3 else ""
    if group_version.startswith(_KUBERNETES_NOT_MANIFESTS):
        return _not_checked(resource, f"{type_kind} is rendered by the provider at deploy time: no manifest to check")
    if type_kind.endswith(("Patch", "List")):
        return _not_checked(resource, f"{type_kind} is a partial object or a list, not a manifest")
    if not isinstance(inputs, dict):
        return _not_checked(resource, "inputs are unknown during preview")
    api_version = _string_or(inputs.get("apiVersion"), group_version.removeprefix("core/"))
    kind = _string_or(inputs.get("kind"), type_kind)
    manifest = normalize_numbers(inputs)
    crds = _crd_checker()
    if crds.covers(api_version, kind):
        return crds.check(api_version, kind, manifest)
    group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
    if group and "." in group and not group.endswith(".k8s.io"):
        return _not_checked(resource, f"no CRD schema for {api_version} {kind} in schemacheck/rules.json")
    issues = check_core(nearest_supported_version(kubernetes_version), api_version, kind, manifest)
    if issues is None:
        return _not_checked(resource, f"kubernetes-validate has no schema for {api_version} {kind}")
    return issues


def _string_or(value: Any, default: str) -> str:
    """The manifest's own apiVersion/kind win over the type token; unknown ones fall back to it."""
    return value if isinstance(value, str) and not value.startswith("[") else default


def _not_checked(resource: dict[str, Any], reason: str) -> NotChecked:
    return NotChecked(urn=str(resource.get("urn", "")), type=str(resource.get("type", "")), reason=reason)


def _problem(resource: dict[str, Any], issue: Issue) -> Problem:
    return Problem(urn=str(resource.get("urn", "")), resource_name=str(resource.get("name", "")),
                   type=str(resource.get("type", "")), path=issue.path, message=issue.message,
                   allowed=issue.allowed)
