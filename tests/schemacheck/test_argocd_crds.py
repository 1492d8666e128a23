"""Argo CD Application and AppProject against their upstream CRDs (schema/crds/, Argo CD v3.2.0).

The fixtures follow Argo CD's own annotated examples at that tag (argoproj/argo-cd v3.2.0,
docs/operator-manual/application.yaml and docs/operator-manual/project.yaml;
https://argo-cd.readthedocs.io/en/release-3.2/operator-manual/declarative-setup/); both examples pass
`validate_resource` unchanged (checked by hand when the CRDs were added). Why a typo matters: the API server
prunes fields a structural CRD schema does not declare unless the client asks for strict field validation
(https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#field-pruning,
KEP-2332), and `syncPolicy.automated` preserves no unknown fields, so `selfheal: true` could be stored as
nothing at all and leave self-heal off without an error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.schemacheck import Problem, validate_plan, validate_resource
from tests.programs import preview_program

from .test_good_resources import Resource, resource
from .test_rules_file import REPO, RULES, SCHEMAS, load_derive_script

CRDS = REPO / "schema" / "crds"
GITOPS_REPO = "https://github.com/sentimark/gitops.git"
IN_CLUSTER = "https://kubernetes.default.svc"
DEVELOPERS_GROUP = "11111111-2222-3333-4444-555555555555"  # an Entra ID group object id, as OIDC sends it


def argo(kind: str, name: str, spec: dict[str, Any], **top: Any) -> Resource:
    """An Argo CD object as a `kubernetes.apiextensions.CustomResource` lands in the plan: Argo CD reads its
    Applications and AppProjects from its own namespace, `argocd`."""
    return resource(f"kubernetes:argoproj.io/v1alpha1:{kind}", {
        "apiVersion": "argoproj.io/v1alpha1", "kind": kind,
        "metadata": {"name": name, "namespace": "argocd", "finalizers": ["resources-finalizer.argocd.argoproj.io"],
                     "labels": {"app.kubernetes.io/part-of": "sentimark"}},
        "spec": spec, **top}, name)


def application(**spec: Any) -> Resource:
    return argo("Application", "sentimark-dev", {
        "project": "sentimark-dev",
        "source": {"repoURL": GITOPS_REPO, "path": "envs/dev", "targetRevision": "main"},
        "destination": {"server": IN_CLUSTER, "namespace": "sentimark"},
        "syncPolicy": {"automated": {"prune": True, "selfHeal": True},
                       "syncOptions": ["CreateNamespace=false", "PrunePropagationPolicy=foreground", "PruneLast=true"],
                       "retry": {"limit": 5.0, "backoff": {"duration": "5s", "factor": 2.0, "maxDuration": "3m"}}},
        "revisionHistoryLimit": 10.0,
        **spec})


def app_project(**spec: Any) -> Resource:
    return argo("AppProject", "sentimark-dev", {
        "description": "sentimark applications of the dev stack",
        "sourceRepos": [GITOPS_REPO],
        "destinations": [{"server": IN_CLUSTER, "namespace": "sentimark"}],
        "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
        "namespaceResourceBlacklist": [{"group": "", "kind": "ResourceQuota"}, {"group": "", "kind": "LimitRange"}],
        "roles": [{"name": "developers", "description": "sync the dev applications",
                   "policies": ["p, proj:sentimark-dev:developers, applications, sync, sentimark-dev/*, allow"],
                   "groups": [DEVELOPERS_GROUP]}],
        "orphanedResources": {"warn": True},
        **spec})


PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
provider = k8s.Provider("cluster", kubeconfig="{{}}")
for name, manifest in {objects!r}.items():
    k8s.apiextensions.CustomResource(name, api_version=manifest["apiVersion"], kind=manifest["kind"],
                                     metadata=manifest["metadata"], spec=manifest["spec"],
                                     opts=pulumi.ResourceOptions(provider=provider))
"""


def problems_of(item: Resource) -> list[tuple[str, str, str | None]]:
    problems: list[Problem] = validate_resource(item).problems
    return [(p.path, p.message, p.allowed) for p in problems]


@pytest.mark.parametrize("builder", [application, app_project], ids=["Application", "AppProject"])
def test_realistic_argo_cd_objects_are_checked_and_pass(builder: Any) -> None:
    report = validate_resource(builder())
    assert [str(p) for p in report.problems] == []
    assert (report.checked, report.not_checked) == (1, [])


def test_misspelt_self_heal_is_reported_with_its_path_and_the_allowed_fields() -> None:
    bad = application()
    bad["inputs"]["spec"]["syncPolicy"]["automated"] = {"prune": True, "selfheal": True}
    assert problems_of(bad) == [("spec.syncPolicy.automated.selfheal", "unknown field 'selfheal'",
                                 "allowEmpty, enabled, prune, selfHeal")]


def test_sync_options_given_as_one_string_is_a_type_error() -> None:
    bad = application()
    bad["inputs"]["spec"]["syncPolicy"]["syncOptions"] = "PruneLast=true"
    assert problems_of(bad) == [("spec.syncPolicy.syncOptions", 'expected array, got string "PruneLast=true"', None)]


def test_non_integer_retry_limit_is_reported() -> None:
    bad = application()
    bad["inputs"]["spec"]["syncPolicy"]["retry"]["limit"] = 2.5
    assert problems_of(bad) == [("spec.syncPolicy.retry.limit", "expected integer, got number 2.5", None)]


def test_application_without_project_or_destination_is_reported() -> None:
    bad = application()
    del bad["inputs"]["spec"]["project"]
    del bad["inputs"]["spec"]["destination"]
    assert problems_of(bad) == [("spec.destination", "required field is missing", None),
                                ("spec.project", "required field is missing", None)]


def test_unknown_top_level_field_and_non_object_metadata_are_reported() -> None:
    bad = application()
    bad["inputs"]["metadata"] = "sentimark-dev"
    bad["inputs"]["specs"] = {}
    assert [(path, message) for path, message, _ in problems_of(bad)] == [
        ("metadata", 'expected object, got string "sentimark-dev"'), ("specs", "unknown field 'specs'")]


def test_project_role_groups_given_as_a_string_is_reported_at_the_role() -> None:
    bad = app_project()
    bad["inputs"]["spec"]["roles"][0]["groups"] = DEVELOPERS_GROUP
    assert problems_of(bad) == [("spec.roles[0].groups", f'expected array, got string "{DEVELOPERS_GROUP}"', None)]


def test_project_resource_list_entries_need_group_and_kind() -> None:
    # An empty group is the core API group; leaving it out is not the same and the CRD requires it.
    bad = app_project(clusterResourceWhitelist=[{"kind": "Namespace"}],
                      namespaceResourceBlacklist=[{"group": "", "kind": "LimitRange", "name": "x"}])
    assert problems_of(bad) == [
        ("spec.clusterResourceWhitelist[0].group", "required field is missing", None),
        ("spec.namespaceResourceBlacklist[0].name", "unknown field 'name'", "group, kind")]


def test_placeholders_in_argo_cd_objects_are_not_reported() -> None:
    # The repository URL or the cluster server may come from another resource's output (unknown in preview).
    item = application(source={"repoURL": "[unknown]", "path": "envs/dev", "targetRevision": "main"})
    item["inputs"]["spec"]["destination"]["server"] = "[unknown]"
    assert problems_of(item) == []


def test_argo_cd_custom_resources_of_a_previewed_program_are_validated(tmp_path: Path) -> None:
    """The type token and inputs the real `kubernetes.apiextensions.CustomResource` records in an offline plan
    reach the CRD rules: good objects pass, a misspelt field is reported on its resource."""
    good_app, bad_app, project = application()["inputs"], application()["inputs"], app_project()["inputs"]
    bad_app["metadata"] = {**bad_app["metadata"], "name": "typo"}
    bad_app["spec"]["syncPolicy"]["automated"] = {"prune": True, "selfheal": True}
    objects = {"app": good_app, "typo": bad_app, "project": project}
    report = validate_plan(preview_program(tmp_path, PROGRAM.format(objects=objects)).to_json())
    assert report.checked == 3
    assert [n.type for n in report.not_checked] == ["pulumi:providers:kubernetes"]
    assert [(p.resource_name, p.type, p.path) for p in report.problems] == [
        ("typo", "kubernetes:argoproj.io/v1alpha1:Application", "spec.syncPolicy.automated.selfheal")]


def test_repo_crds_have_recorded_sources_matching_the_readme_and_rules() -> None:
    derive = load_derive_script()
    readme = (CRDS / "README.md").read_text(encoding="utf-8")
    rules = json.loads(RULES.read_text(encoding="utf-8"))
    files = sorted(path.name for path in CRDS.glob("*.yaml"))
    assert files == sorted(derive.REPO_CRD_SOURCES) == ["argo-cd-application-crd.yaml", "argo-cd-appproject-crd.yaml"]
    for name in files:
        source = derive.REPO_CRD_SOURCES[name]
        row = next(line for line in readme.splitlines() if line.startswith(f"| {name} |"))
        assert source["path"] in row and source["tag"] in row and source["commit"] in row and "Apache-2.0" in row
        assert rules["sources"][f"schema/crds/{name}"] == source
    kinds = rules["crds"]["kinds"]
    assert kinds["argoproj.io/v1alpha1/Application"]["source"] == "schema/crds/argo-cd-application-crd.yaml"
    assert kinds["argoproj.io/v1alpha1/AppProject"]["source"] == "schema/crds/argo-cd-appproject-crd.yaml"


def test_application_schema_is_distilled_not_copied() -> None:
    """The Application CRD is 330 kB of YAML, mostly descriptions of `status`; rules.json keeps ~60 kB of it."""
    rules = json.loads(RULES.read_text(encoding="utf-8"))
    digest = rules["crds"]["kinds"]["argoproj.io/v1alpha1/Application"]["schema"]
    compact = json.dumps(rules["crds"]["schemas"][digest], separators=(",", ":"))
    assert len(compact) < 80_000
    assert "ObservedAt indicates when the application state was updated" not in RULES.read_text(encoding="utf-8")


def test_derive_refuses_a_repo_crd_without_a_recorded_source(tmp_path: Path) -> None:
    derive = load_derive_script()
    (tmp_path / "cert-manager-crds.yaml").write_text("kind: CustomResourceDefinition\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"cert-manager-crds.yaml has no recorded upstream source: add it to "
                                         r"REPO_CRD_SOURCES"):
        derive.crd_files(SCHEMAS, [tmp_path])


def test_derive_refuses_a_kind_defined_twice() -> None:
    derive = load_derive_script()
    files = derive.crd_files(SCHEMAS, [CRDS, CRDS])
    repo_files = [entry for entry in files if entry[0].startswith("schema/crds/")]
    with pytest.raises(ValueError, match=r"argoproj.io/v1alpha1/Application is defined in both "
                                         r"schema/crds/argo-cd-application-crd.yaml and "
                                         r"schema/crds/argo-cd-application-crd.yaml"):
        derive.derive_crds(repo_files)
