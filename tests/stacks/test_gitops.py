"""Issue 17 deliverable 2 in the four stacks: Argo CD keeps every application in sync with the environment's folder
of the GitOps repository; automated with prune and self-heal where changes deploy on merge, manual where a person
approves; sign-in through Entra ID only; repository credentials only ever named, never in the plan."""

from __future__ import annotations

import json

import pytest
import yaml

from sentimark_platform.offline import Plan, run_preview
from tests.conftest import ROOT, STACKS, plan_of, stack_config

NS = "sentimark-platform"
APPLICATION = "kubernetes:argoproj.io/v1alpha1:Application"
PROJECT = "kubernetes:argoproj.io/v1alpha1:AppProject"
RELEASE = "kubernetes:helm.sh/v3:Release"
CLUSTER = "azure-native:containerservice:ManagedCluster"


@pytest.mark.parametrize("stack", STACKS)
def test_every_application_is_an_argo_cd_application_of_the_stacks_project(stack: str) -> None:
    plan, config = plan_of(stack), stack_config(stack)
    gitops, apps = config[f"{NS}:gitops"], sorted(config[f"{NS}:applications"])
    clusters = len(plan.of_type(CLUSTER))
    applications = plan.of_type(APPLICATION)
    assert sorted(a.inputs["metadata"]["name"] for a in applications) == sorted(apps * clusters)
    automatic = config[f"{NS}:deploymentApproval"] == "automatic"
    for application in applications:
        spec, name = application.inputs["spec"], application.inputs["metadata"]["name"]
        assert spec["project"] == f"sentimark-{stack}"
        assert spec["source"] == {"repoURL": gitops["repository"], "targetRevision": gitops["revision"],
                                  "path": f"{gitops['path']}/{name}"}
        assert spec["destination"] == {"server": "https://kubernetes.default.svc", "namespace": name}
        # dev and sit deploy on merge (prune, self-heal); uat and prod wait for a person to sync.
        assert ("automated" in spec["syncPolicy"]) is automatic
        if automatic:
            assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    for project in plan.of_type(PROJECT):
        destinations = sorted(d["namespace"] for d in project.inputs["spec"]["destinations"])
        assert destinations == apps  # the applications' namespaces, nothing else
        assert project.inputs["spec"]["sourceRepos"] == [gitops["repository"]]
        assert project.inputs["spec"]["clusterResourceWhitelist"] == []


@pytest.mark.parametrize("stack", STACKS)
def test_argo_cd_signs_in_through_entra_only(stack: str) -> None:
    plan, config = plan_of(stack), stack_config(stack)
    sso = config[f"{NS}:gitops"]["sso"]
    for release in (r for r in plan.of_type(RELEASE) if r.inputs["name"] == "argo-cd"):
        cm = release.inputs["values"]["configs"]["cm"]
        assert cm["admin.enabled"] is False  # the chart writes every argocd-cm value with toString: "false"
        oidc = yaml.safe_load(cm["oidc.config"])
        assert oidc["clientID"] == sso["clientId"] and oidc["azure"] == {"useWorkloadIdentity": True}
        assert "clientSecret" not in oidc
        rbac = release.inputs["values"]["configs"]["rbac"]
        assert rbac["policy.default"] == "" and rbac["scopes"] == "[groups]"
        assert all(f"g, {group}, role:admin" in rbac["policy.csv"] for group in sso["adminGroups"])


def test_repository_credentials_are_granted_per_secret_and_never_in_the_plan() -> None:
    gitops = {**stack_config("uat")[f"{NS}:gitops"],
              "credentials": {"githubAppId": 123456, "githubAppInstallationId": 7890123,
                              "privateKeySecret": "argocd-github-app-key"}}
    plan: Plan = run_preview(ROOT, "uat", config={f"{NS}:gitops": gitops})
    # The key has no value anywhere in the plan: the only vault secret Pulumi writes for Argo CD is the repository
    # URL (the credential template needs it), and the key secret is only ever named.
    written = [s.inputs for s in plan.of_type("azure-native:keyvault:Secret") if "repository-url" in s.name]
    assert [w["secretName"] for w in written] == ["gitops-repository-url-weu"]
    assert not [s for s in plan.of_type("azure-native:keyvault:Secret") if s.inputs.get("secretName") == "argocd-github-app-key"]
    spcs = [r for r in plan.of_type("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
            if r.inputs["metadata"]["namespace"] == "argocd"]
    (spc,) = spcs
    # The key reaches Argo CD by name through the CSI driver, in a Secret labelled as a credential template.
    assert "objectName: argocd-github-app-key" in spc.inputs["spec"]["parameters"]["objects"]
    synced = spc.inputs["spec"]["secretObjects"]
    assert [s["labels"] for s in synced] == [{"argocd.argoproj.io/secret-type": "repo-creds"}]
    # The reader may read the key secret and the URL secret, not the vault.
    grants = [r for r in plan.of_type("azure-native:authorization:RoleAssignment") if "repo-reader" in r.name]
    scopes = json.dumps([g.inputs["scope"] for g in grants])
    assert "/secrets/argocd-github-app-key" in scopes
    assert all("/secrets/" in g.inputs["scope"] for g in grants if isinstance(g.inputs["scope"], str))
