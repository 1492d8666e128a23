"""GitOps: Argo CD signs in only through Entra ID (workload identity, no local admin, no default role), syncs
each application from one repository into its own namespace (automatically or by hand), keeps the platform's
kinds and the cluster scope out of Git's reach, and gets private-repository credentials from Key Vault without
any credential entering the plan; bad arguments are refused before anything is registered."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sentimark_platform import schemacheck
from sentimark_platform.components._argocd_values import rbac_policy, sync_policy
from sentimark_platform.components.gitops import _path_is_bad
from sentimark_platform.offline import Plan, PlannedResource
from tests.programs import preview_program, refusal
from tests.programs import with_changes as _with

RELEASE = "kubernetes:helm.sh/v3:Release"
APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application"
APPPROJECT = "kubernetes:argoproj.io/v1alpha1:AppProject"
SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
VAULT_SECRET = "azure-native:keyvault:Secret"
GRANT = "azure-native:authorization:RoleAssignment"
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
VAULT_ID = f"{SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv-platform"
TENANT = "11111111-1111-1111-1111-111111111111"
CLIENT = "22222222-2222-2222-2222-222222222222"
ADMINS = "33333333-3333-3333-3333-333333333333"
READERS = "44444444-4444-4444-4444-444444444444"
REPO = "https://github.com/example/sentimark-deploy.git"
KEY_SECRET = "argocd-github-app-key"

ARGS: dict[str, Any] = {
    "chart": {"repository": "https://argoproj.github.io/argo-helm", "version": "9.1.0"},
    "tenant_id": TENANT,
    "sso": {"client_id": CLIENT, "admin_groups": [ADMINS], "readonly_groups": [READERS]},
    "project": "sentimark-dev",
    "repository": {"url": REPO, "revision": "main"},
    "applications": {
        "sentimark-api": {"path": "apps/sentimark-api/overlays/dev"},
        "sentiment-engine": {"path": "apps/sentiment-engine/overlays/dev", "namespace": "engine"},
    },
    "auto_sync": True,
}
CREDENTIALS: dict[str, Any] = {
    "github_app_id": 123456,
    "github_app_installation_id": 7890123,
    "private_key_secret_name": KEY_SECRET,
    "key_vault_id": VAULT_ID,
    "key_vault_name": "kv-platform",
    "resource_group_name": "rg-dev",
    "oidc_issuer_url": f"https://westeurope.oic.prod-aks.azure.com/{TENANT}/0a1b2c3d/",
}
PRIVATE = _with(ARGS, repository={"url": REPO, "revision": "main", "credentials": CREDENTIALS})

PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
from sentimark_platform.components.gitops import GitOps

# The repository Secret's data is a secret in the plan: keep a copy to look at what it holds.
string_data = {{}}
def capture(args):
    if args.type_ == "kubernetes:core/v1:Secret":
        string_data[args.name] = args.props["string_data"]
    return None
pulumi.runtime.register_stack_transformation(capture)

args = {args!r}
if args.pop("with_provider", True):
    args["provider"] = k8s.Provider("cluster", kubeconfig="{{}}")
if args.pop("with_namespace", False):
    namespace = k8s.core.v1.Namespace("app-ns", metadata={{"name": "sentimark-api"}}, opts=pulumi.ResourceOptions(
        provider=args["provider"]))
    args["namespaces_ready"] = [namespace]
    pulumi.export("namespaceUrn", namespace.urn)
gitops = GitOps("gitops", args)
pulumi.export("namespace", gitops.namespace)
pulumi.export("project", gitops.project_name)
pulumi.export("applications", gitops.application_names)
pulumi.export("ssoSubject", gitops.sso_subject)
pulumi.export("releaseUrn", gitops.release.urn)
if gitops.repository_reader is not None:
    pulumi.export("readerClientId", gitops.repository_reader.client_id)
    pulumi.export("readerPrincipalId", gitops.repository_reader.principal_id)
pulumi.export("secretData", {{k: pulumi.Output.unsecret(pulumi.Output.from_input(v)) for k, v in string_data.items()}})
"""


def _preview(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, PROGRAM.format(args=args))


@pytest.fixture(scope="module")
def public_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("public"), ARGS)


@pytest.fixture(scope="module")
def private_plan(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _preview(tmp_path_factory.mktemp("private"), PRIVATE)


def _values(plan: Plan) -> dict[str, Any]:
    (release,) = plan.of_type(RELEASE)
    return release.inputs["values"]


def _applications(plan: Plan) -> dict[str, PlannedResource]:
    return {r.inputs["metadata"]["name"]: r for r in plan.of_type(APPLICATION)}


def test_release_is_pinned_in_its_own_unmeshed_namespace(public_plan: Plan) -> None:
    (release,) = public_plan.of_type(RELEASE)
    assert release.inputs["name"] == "argo-cd" and release.inputs["namespace"] == "argocd"
    assert release.inputs["version"] == "9.1.0" and release.inputs["atomic"] is True
    (ns,) = public_plan.of_type("kubernetes:core/v1:Namespace")
    assert ns.inputs["metadata"]["labels"]["istio-injection"] == "disabled"
    assert ns.urn in release.dependencies
    assert public_plan.outputs["namespace"] == "argocd"


def test_only_entra_id_signs_in_with_workload_identity_and_no_client_secret(public_plan: Plan) -> None:
    values = _values(public_plan)
    cm = values["configs"]["cm"]
    assert cm["admin.enabled"] is False
    assert values["dex"] == {"enabled": False}
    assert cm["url"] == "https://localhost:8080"
    oidc = yaml.safe_load(cm["oidc.config"])
    assert oidc["issuer"] == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert oidc["clientID"] == CLIENT
    assert oidc["azure"] == {"useWorkloadIdentity": True}
    assert oidc["requestedIDTokenClaims"] == {"groups": {"essential": True}}
    assert "clientSecret" not in oidc
    # The webhook injects the federated token only into labelled pods of an annotated ServiceAccount.
    server = values["server"]
    assert server["podLabels"] == {"azure.workload.identity/use": "true"}
    assert server["serviceAccount"]["name"] == "argocd-server"
    assert server["serviceAccount"]["annotations"]["azure.workload.identity/client-id"] == CLIENT
    assert public_plan.outputs["ssoSubject"] == "system:serviceaccount:argocd:argocd-server"
    assert values["configs"]["params"] == {"server.insecure": False}


def test_groups_map_to_roles_and_nobody_else_gets_any(public_plan: Plan) -> None:
    rbac = _values(public_plan)["configs"]["rbac"]
    assert rbac["policy.default"] == ""
    assert rbac["scopes"] == "[groups]"
    assert rbac["policy.csv"].splitlines() == [f"g, {ADMINS}, role:admin", f"g, {READERS}, role:readonly"]


def test_rbac_policy_lists_every_group_once_per_role() -> None:
    assert rbac_policy(["a", "b"], []) == "g, a, role:admin\ng, b, role:admin\n"


def test_high_availability_doubles_the_server_and_repo_server_with_redis_ha(tmp_path: Path,
                                                                            public_plan: Plan) -> None:
    single = _values(public_plan)
    assert (single["server"]["replicas"], single["repoServer"]["replicas"], single["redis-ha"]) == (1, 1, {"enabled": False})
    assert single["server"]["pdb"] == {"enabled": False}  # a budget over one pod would block node drains
    ha = _values(_preview(tmp_path, _with(ARGS, high_availability=True)))
    assert (ha["server"]["replicas"], ha["repoServer"]["replicas"], ha["redis-ha"]) == (2, 2, {"enabled": True})
    assert ha["controller"] == {"replicas": 1}
    assert ha["server"]["pdb"] == ha["repoServer"]["pdb"] == {"enabled": True, "minAvailable": 1}


def test_automatic_sync_prunes_and_self_heals(public_plan: Plan) -> None:
    for app in _applications(public_plan).values():
        policy = app.inputs["spec"]["syncPolicy"]
        assert policy["automated"] == {"prune": True, "selfHeal": True}
        assert not any(o.startswith("CreateNamespace") for o in policy["syncOptions"])


def test_manual_sync_has_no_automated_policy(tmp_path: Path) -> None:
    plan = _preview(tmp_path, _with(ARGS, auto_sync=False))
    policies = [a.inputs["spec"]["syncPolicy"] for a in _applications(plan).values()]
    assert len(policies) == 2
    assert all("automated" not in p for p in policies)
    assert sync_policy(False) == {
        "syncOptions": ["PruneLast=true", "RespectIgnoreDifferences=true"],
        # Automated sync never re-attempts a commit whose sync failed: retries cover transient failures.
        "retry": {"limit": 5, "backoff": {"duration": "30s", "factor": 2, "maxDuration": "5m"}},
    }


def test_each_application_follows_the_revision_into_its_namespace_leaving_replicas_to_rollouts(
        public_plan: Plan) -> None:
    apps = _applications(public_plan)
    assert sorted(apps) == sorted(public_plan.outputs["applications"]) == ["sentimark-api", "sentiment-engine"]
    spec = apps["sentiment-engine"].inputs["spec"]
    assert spec["project"] == "sentimark-dev"
    assert spec["source"] == {"repoURL": REPO, "targetRevision": "main", "path": "apps/sentiment-engine/overlays/dev"}
    assert spec["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "engine"}
    assert apps["sentimark-api"].inputs["spec"]["destination"]["namespace"] == "sentimark-api"
    # Argo Rollouts scales the referenced Deployment down; a sync must not scale it back up.
    assert spec["ignoreDifferences"] == [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]
    assert "RespectIgnoreDifferences=true" in spec["syncPolicy"]["syncOptions"]


def test_project_admits_the_repository_and_exactly_the_application_namespaces(public_plan: Plan) -> None:
    (project,) = public_plan.of_type(APPPROJECT)
    assert project.inputs["metadata"] == {"name": "sentimark-dev", "namespace": "argocd",
                                          "labels": {"app.kubernetes.io/managed-by": "pulumi"}}
    spec = project.inputs["spec"]
    assert spec["sourceRepos"] == [REPO]
    assert spec["destinations"] == [{"server": "https://kubernetes.default.svc", "namespace": "engine"},
                                    {"server": "https://kubernetes.default.svc", "namespace": "sentimark-api"}]
    assert spec["clusterResourceWhitelist"] == []  # no cluster-scoped kind at all
    blocked = {(k["group"], k["kind"]) for k in spec["namespaceResourceBlacklist"]}
    assert {("", "ResourceQuota"), ("", "LimitRange"), ("networking.k8s.io", "NetworkPolicy")} <= blocked
    assert public_plan.outputs["project"] == "sentimark-dev"


def test_custom_resources_wait_for_the_release_that_installs_their_crds(public_plan: Plan) -> None:
    release = public_plan.outputs["releaseUrn"]
    (project,) = public_plan.of_type(APPPROJECT)
    assert release in project.dependencies
    for app in _applications(public_plan).values():
        assert app.inputs["metadata"]["namespace"] == "argocd"
        assert release in app.dependencies and project.urn in app.dependencies


def test_applications_wait_for_their_namespaces_when_given(tmp_path: Path) -> None:
    plan = _preview(tmp_path, _with(ARGS, with_namespace=True))
    for app in _applications(plan).values():
        assert plan.outputs["namespaceUrn"] in app.dependencies
    (project,) = plan.of_type(APPPROJECT)
    assert plan.outputs["namespaceUrn"] not in project.dependencies


def test_public_repository_needs_no_credentials_identity_or_volume(public_plan: Plan) -> None:
    repo_server = _values(public_plan)["repoServer"]
    assert "volumes" not in repo_server and "volumeMounts" not in repo_server
    assert public_plan.of_type(SPC) == []
    assert public_plan.of_type(VAULT_SECRET) == [] and public_plan.of_type(GRANT) == []
    assert public_plan.of_type("kubernetes:core/v1:Secret") == []
    assert "readerClientId" not in public_plan.outputs


def test_repo_server_mounts_the_credentials_only_when_given(private_plan: Plan) -> None:
    repo_server = _values(private_plan)["repoServer"]
    (spc,) = private_plan.of_type(SPC)
    assert repo_server["volumes"] == [{"name": "repository-credentials", "csi": {
        "driver": "secrets-store.csi.k8s.io", "readOnly": True,
        "volumeAttributes": {"secretProviderClass": spc.inputs["metadata"]["name"]}}}]
    assert repo_server["volumeMounts"][0]["name"] == "repository-credentials"
    assert repo_server["volumeMounts"][0]["readOnly"] is True
    assert repo_server["serviceAccount"]["name"] == "argocd-repo-server"
    assert repo_server["serviceAccount"]["annotations"] == {
        "azure.workload.identity/client-id": private_plan.outputs["readerClientId"]}
    # The pods mount a class, identity and grants that already exist.
    (release,) = private_plan.of_type(RELEASE)
    assert spc.urn in release.dependencies
    assert {g.urn for g in private_plan.of_type(GRANT)} <= set(release.dependencies)


def test_repo_server_identity_reads_two_secrets_and_nothing_else(private_plan: Plan) -> None:
    grants = private_plan.of_type(GRANT)
    assert sorted(g.inputs["scope"] for g in grants) == [f"{VAULT_ID}/secrets/{KEY_SECRET}",
                                                        f"{VAULT_ID}/secrets/gitops-repository-url"]
    for grant in grants:
        assert grant.inputs["roleDefinitionId"].endswith("/4633458b-17de-408a-b874-0445c86b69e6")  # Secrets User
        assert grant.inputs["principalId"] == private_plan.outputs["readerPrincipalId"]
    (fic,) = private_plan.of_type("azure-native:managedidentity:FederatedIdentityCredential")
    assert fic.inputs["subject"] == "system:serviceaccount:argocd:argocd-repo-server"


def test_credentials_reach_argo_cd_as_a_labelled_template_without_entering_the_plan(private_plan: Plan) -> None:
    (spc,) = private_plan.of_type(SPC)
    spec = spc.inputs["spec"]
    objects = [yaml.safe_load(doc) for doc in yaml.safe_load(spec["parameters"]["objects"])["array"]]
    assert {o["objectName"]: o["objectAlias"] for o in objects} == {
        KEY_SECRET: "githubAppPrivateKey", "gitops-repository-url": "url"}
    assert spec["secretObjects"] == [{
        "secretName": "sentimark-dev-repo-creds", "type": "Opaque",
        "labels": {"argocd.argoproj.io/secret-type": "repo-creds"},
        "data": [{"key": "url", "objectName": "url"}, {"key": "githubAppPrivateKey", "objectName": "githubAppPrivateKey"}],
    }]
    # Pulumi writes only the URL into the vault; the private key is never a resource's input, only a name.
    (written,) = private_plan.of_type(VAULT_SECRET)
    assert written.inputs["secretName"] == "gitops-repository-url"
    assert written.inputs["resourceGroupName"] == "rg-sec"
    mentions = [r.type for r in private_plan.resources if KEY_SECRET in json.dumps(r.inputs)]
    assert sorted(mentions) == [GRANT, SPC]


def test_repository_secret_holds_the_ids_but_no_key(private_plan: Plan) -> None:
    (secret,) = private_plan.of_type("kubernetes:core/v1:Secret")
    assert secret.inputs["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "repository"
    assert secret.inputs["metadata"]["namespace"] == "argocd"
    # Argo CD copies the template's key into a repository without credentials of its own (enrichCredsToRepo).
    assert private_plan.outputs["secretData"] == {"gitops-repository": {
        "type": "git", "url": REPO, "githubAppID": "123456", "githubAppInstallationID": "7890123"}}


@pytest.mark.parametrize("which", ["public", "private"])
def test_plan_passes_the_schemas(which: str, public_plan: Plan, private_plan: Plan) -> None:
    plan = public_plan if which == "public" else private_plan
    report = schemacheck.validate_plan(plan.to_json())
    assert report.problems == [], "\n".join(report.format_lines())
    # The Application and AppProject are checked against Argo CD's CRDs, the SecretProviderClass against the driver's.
    assert sorted(n.type for n in report.not_checked) == ["kubernetes:helm.sh/v3:Release", "pulumi:providers:kubernetes"]


@given(st.lists(st.sampled_from(["apps", "dev", "..", ".", "a b", "x_y-1", ""]), min_size=1, max_size=4))
def test_paths_with_a_parent_step_empty_segment_or_odd_character_are_refused(segments: list[str]) -> None:
    path = "/".join(segments)
    expected_bad = any(s in ("..", "", "a b") for s in segments)
    assert _path_is_bad(path) is expected_bad
    assert _path_is_bad("/" + path) is True


def _app(**changes: Any) -> dict[str, Any]:
    return {"sentimark-api": {"path": "apps/sentimark-api", **changes}}


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "group_not_a_guid": (
        _with(ARGS, sso={"client_id": CLIENT, "admin_groups": ["platform-admins"]}),
        "GitOps: argument 'sso.admin_groups' got ['platform-admins']; give Entra group object ids, lowercase GUIDs "
        "as Entra writes them in the groups claim",
    ),
    "uppercase_group": (
        _with(ARGS, sso={"client_id": CLIENT, "admin_groups": [ADMINS], "readonly_groups": [READERS.replace("4", "A")]}),
        "GitOps: argument 'sso.readonly_groups' got ['AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA']; give Entra group object "
        "ids, lowercase GUIDs as Entra writes them in the groups claim",
    ),
    "no_admin_group": (
        _with(ARGS, sso={"client_id": CLIENT, "admin_groups": []}),
        "GitOps: argument 'sso.admin_groups' got []; give at least one Entra group whose members administer Argo CD",
    ),
    "client_id": (
        _with(ARGS, sso={"client_id": "argocd", "admin_groups": [ADMINS]}),
        "GitOps: argument 'sso.client_id' got 'argocd'; give the app registration's Application (client) id, a GUID "
        "(az ad app show --id <name> --query appId)",
    ),
    "repository_over_http": (
        _with(ARGS, repository={"url": "http://github.com/example/deploy.git", "revision": "main"}),
        "GitOps: argument 'repository.url' got 'http://github.com/example/deploy.git'; give the repository's https:// "
        "URL without credentials in it, e.g. https://github.com/example/deploy.git",
    ),
    "token_in_repository_url": (
        _with(ARGS, repository={"url": "https://x-access-token:ghp_abc@github.com/example/deploy.git", "revision": "main"}),
        "GitOps: argument 'repository.url' got 'https://x-access-token:ghp_abc@github.com/example/deploy.git'; give "
        "the repository's https:// URL without credentials in it, e.g. https://github.com/example/deploy.git",
    ),
    "empty_revision": (
        _with(ARGS, repository={"url": REPO, "revision": ""}),
        "GitOps: argument 'repository.revision' got ''; give a branch, tag or commit (non-empty, no spaces), e.g. main "
        "or v1.4.2",
    ),
    "parent_path": (
        _with(ARGS, applications=_app(path="apps/../../secrets")),
        "GitOps: argument \"applications['sentimark-api'].path\" got 'apps/../../secrets'; give a directory relative to "
        "the repository root, without '..', e.g. apps/sentimark-api/overlays/dev",
    ),
    "absolute_path": (
        _with(ARGS, applications=_app(path="/apps/sentimark-api")),
        "GitOps: argument \"applications['sentimark-api'].path\" got '/apps/sentimark-api'; give a directory relative "
        "to the repository root, without '..', e.g. apps/sentimark-api/overlays/dev",
    ),
    "argocd_namespace": (
        _with(ARGS, applications=_app(namespace="argocd")),
        "GitOps: argument \"applications['sentimark-api'].namespace\" got 'argocd'; give the application's own namespace "
        "(AppNamespace), not one of argocd, kube-system, kube-public, kube-node-lease, istio-system",
    ),
    "no_applications": (
        _with(ARGS, applications={}),
        "GitOps: argument 'applications' got {}; give at least one application (key: its name; path: its directory in "
        "the repository)",
    ),
    "url_over_http": (
        _with(ARGS, url="http://localhost:8080"),
        "GitOps: argument 'url' got 'http://localhost:8080'; give Argo CD's external https:// URL without a trailing "
        "slash, e.g. https://localhost:8080",
    ),
    "url_trailing_slash": (
        _with(ARGS, url="https://argocd.example.com/"),
        "GitOps: argument 'url' got 'https://argocd.example.com/'; give Argo CD's external https:// URL without a "
        "trailing slash, e.g. https://localhost:8080",
    ),
    "group_in_both_roles": (
        _with(ARGS, sso={"client_id": CLIENT, "admin_groups": [ADMINS], "readonly_groups": [ADMINS]}),
        f"GitOps: argument 'sso.readonly_groups' got ['{ADMINS}']; list each group once: a group in admin_groups "
        "already has every read-only permission",
    ),
    "credentials_outside_github": (
        _with(ARGS, repository={"url": "https://gitlab.com/example/deploy.git", "revision": "main",
                                "credentials": CREDENTIALS}),
        "GitOps: argument 'repository.url' got 'https://gitlab.com/example/deploy.git'; GitHub App credentials work "
        "for https://github.com/... repositories; leave out credentials otherwise",
    ),
    "app_id_not_a_number": (
        _with(ARGS, repository={"url": REPO, "revision": "main", "credentials": {**CREDENTIALS, "github_app_id": True}}),
        "GitOps: argument 'repository.credentials.github_app_id' got True; give a whole number: The GitHub App's id "
        "(not secret).",
    ),
    "vault_id": (
        _with(ARGS, repository={"url": REPO, "revision": "main", "credentials": {**CREDENTIALS, "key_vault_id": "kv"}}),
        "GitOps: argument 'repository.credentials.key_vault_id' got 'kv'; give the vault's resource id "
        "(KeyVault.resource_id), /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>",
    ),
    "url_secret_is_the_key": (
        _with(ARGS, repository={"url": REPO, "revision": "main",
                                "credentials": {**CREDENTIALS, "url_secret_name": KEY_SECRET}}),
        f"GitOps: argument 'repository.credentials.url_secret_name' got '{KEY_SECRET}'; give a Key Vault secret name "
        "(1-127 letters, digits and '-') other than the private key's",
    ),
    "no_provider": (
        _with(ARGS, with_provider=False),
        "GitOps: argument 'provider' got None; required and missing: Kubernetes provider of the cluster "
        "(AksCluster.kubernetes_provider).",
    ),
    "namespaces_ready_names": (
        _with(ARGS, namespaces_ready=["sentimark-api"]),
        "GitOps: argument 'namespaces_ready' got ['sentimark-api']; pass resources (the applications' AppNamespace "
        "components), not names",
    ),
    "misspelled_key": (_with(ARGS, auto_synk=True), "did you mean 'auto_sync'?"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_refuses_bad_arguments_naming_key_value_and_fix(tmp_path: Path, case: str) -> None:
    args, message = BAD[case]
    error = refusal(lambda: _preview(tmp_path, args), "GitOps")
    if case == "misspelled_key":
        assert "'auto_synk'" in str(error) and message in str(error)
    else:
        assert str(error) == message


def test_the_argocd_namespace_enforces_baseline_and_admits_only_its_own_pods(public_plan: Plan) -> None:
    """Issue 19: Pod Security Admission labels and default-deny ingress in every platform namespace."""
    plan = public_plan
    (namespace,) = plan.of_type("kubernetes:core/v1:Namespace")
    labels = namespace.inputs["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/audit"] == labels["pod-security.kubernetes.io/warn"] == "restricted"
    (policy,) = plan.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
    assert policy.inputs["metadata"] == {"name": "default-deny-ingress", "namespace": "argocd"}
    assert policy.inputs["spec"]["ingress"] == [{"from": [{"podSelector": {}}]}]
