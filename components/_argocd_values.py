"""What GitOps renders, as pure functions: the argo-cd chart's values and the AppProject and Application specs.

Chart keys are those of argo-cd 9.1.0 (argoproj/argo-helm tag argo-cd-9.1.0, commit 5aaa3bd79aa9,
`charts/argo-cd/values.yaml`), which ships Argo CD v3.2.0 (its Chart.yaml `appVersion`). The Argo CD settings
(`oidc.config`, `azure.useWorkloadIdentity`, the RBAC ConfigMap, repository Secrets) are those of argoproj/argo-cd
v3.2.0 (commit 66b2f302d91a): `util/settings/settings.go` (`AzureOIDCConfig.UseWorkloadIdentity`),
`util/oidc/oidc.go` (the federated token as client assertion), `docs/operator-manual/user-management/microsoft.md`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import yaml

__all__ = [
    "ARGOCD_FULLNAME",
    "ARGOCD_NAMESPACE",
    "IN_CLUSTER",
    "PLATFORM_OWNED_KINDS",
    "REPO_SERVER_SERVICE_ACCOUNT",
    "SERVER_SERVICE_ACCOUNT",
    "application_spec",
    "argocd_values",
    "oidc_config",
    "project_spec",
    "rbac_policy",
    "sync_policy",
]

ARGOCD_NAMESPACE = "argocd"
ARGOCD_FULLNAME = "argocd"
"""`fullnameOverride`: objects are named as in Argo CD's own manifests and docs (argocd-server, argocd-repo-server)
instead of `<release>-argocd-*` (the chart's `argo-cd.fullname` helper with release name argo-cd)."""
SERVER_SERVICE_ACCOUNT = "argocd-server"
"""The API server's ServiceAccount: the subject of the SSO app registration's federated credential."""
REPO_SERVER_SERVICE_ACCOUNT = "argocd-repo-server"
"""The repo server's ServiceAccount: the subject of the repository reader's federated credential (named here:
the chart's default would follow the release name)."""
IN_CLUSTER = "https://kubernetes.default.svc"
"""Argo CD's name for the cluster it runs in (its built-in `in-cluster` destination)."""
CREDENTIALS_MOUNT = "/mnt/repository-credentials"

PLATFORM_OWNED_KINDS: tuple[tuple[str, str], ...] = (
    ("", "ResourceQuota"),
    ("", "LimitRange"),
    ("networking.k8s.io", "NetworkPolicy"),
    # AppNamespace's budget covers every pod of the application: the eviction API refuses pods under two budgets.
    ("policy", "PodDisruptionBudget"),
    # The namespace's mTLS mode is the platform's (AppNamespace `mtls_mode`): a Git change must not relax it.
    ("security.istio.io", "PeerAuthentication"),
)
"""(API group, kind) the applications' repository may not create: AppNamespace owns them in every application
namespace (components/app_namespace.py), and a second copy from Git would fight it or weaken it."""

SYNC_OPTIONS = ("PruneLast=true", "RespectIgnoreDifferences=true")
"""PruneLast: deletions happen after everything else is applied and healthy (argo-cd v3.2.0
docs/user-guide/sync-options.md "Prune Last"). RespectIgnoreDifferences: a sync leaves the ignored fields alone
too, not only the diff (same file, "Respect ignore differences configs"); without it every sync would reset the
Deployment's replicas that Argo Rollouts has scaled down. No CreateNamespace: AppNamespace creates the namespaces."""


def oidc_config(*, tenant_id: str, client_id: str) -> str:
    """`oidc.config` for an Entra ID app registration that proves itself with the argocd-server pod's federated
    token (workload identity) instead of a client secret.

    Scopes: Entra knows no `groups` scope (Argo CD's default list has one), so only the OpenID ones are requested,
    as in Argo CD's Microsoft guide; the groups claim comes from the app registration (`groupMembershipClaims`)."""
    config = {
        "name": "Entra ID",
        "issuer": f"https://login.microsoftonline.com/{tenant_id}/v2.0",
        "clientID": client_id,
        "azure": {"useWorkloadIdentity": True},
        "requestedIDTokenClaims": {"groups": {"essential": True}},
        "requestedScopes": ["openid", "profile", "email"],
    }
    return yaml.safe_dump(config, sort_keys=False)


def rbac_policy(admin_groups: Sequence[str], readonly_groups: Sequence[str]) -> str:
    """`policy.csv`: each Entra group (object id, as Entra puts it in the `groups` claim) gets a built-in role."""
    lines = [f"g, {group}, role:admin" for group in admin_groups]
    lines += [f"g, {group}, role:readonly" for group in readonly_groups]
    return "\n".join(lines) + "\n"


def argocd_values(
    *,
    high_availability: bool,
    url: str,
    oidc: pulumi.Input[str],
    policy_csv: str,
    server_annotations: Mapping[str, pulumi.Input[str]],
    repo_server_annotations: Mapping[str, pulumi.Input[str]] | None = None,
    credentials_class: str | None = None,
) -> dict[str, Any]:
    """The chart's values: today's replicas and Redis HA, Entra ID sign-in only, group-based RBAC, and (with
    `credentials_class`) the repo server mounting the repository credentials' SecretProviderClass."""
    replicas = 2 if high_availability else 1
    # A budget only with two replicas: minAvailable 1 over a single pod would block every node drain.
    pdb: dict[str, Any] = {"enabled": True, "minAvailable": 1} if high_availability else {"enabled": False}
    server: dict[str, Any] = {
        "replicas": replicas,
        "pdb": pdb,
        # The AKS workload identity webhook injects AZURE_FEDERATED_TOKEN_FILE into pods with this label whose
        # ServiceAccount names a client id; Argo CD sends that token as the OIDC client assertion.
        "podLabels": {"azure.workload.identity/use": "true"},
        "serviceAccount": {"create": True, "name": SERVER_SERVICE_ACCOUNT, "annotations": dict(server_annotations)},
    }
    repo_server: dict[str, Any] = {
        "replicas": replicas,
        "pdb": pdb,
        "serviceAccount": {"create": True, "name": REPO_SERVER_SERVICE_ACCOUNT,
                           "annotations": dict(repo_server_annotations or {})},
    }
    if credentials_class is not None:
        # The CSI driver creates the synced Secret only while a pod mounts the volume: the repo server does.
        repo_server["volumes"] = [{
            "name": "repository-credentials",
            "csi": {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                    "volumeAttributes": {"secretProviderClass": credentials_class}},
        }]
        repo_server["volumeMounts"] = [
            {"name": "repository-credentials", "mountPath": CREDENTIALS_MOUNT, "readOnly": True},
        ]
    return {
        "fullnameOverride": ARGOCD_FULLNAME,
        # Dex off: sign-in goes straight to Entra ID through Argo CD's own OIDC client.
        "dex": {"enabled": False},
        "controller": {"replicas": 1},
        "server": server,
        "repoServer": repo_server,
        "redis-ha": {"enabled": high_availability},
        "configs": {
            "cm": {
                "url": url,
                # No local admin: nobody signs in without an Entra group that RBAC maps to a role.
                "admin.enabled": False,
                "oidc.config": oidc,
            },
            # The chart's default, stated: argocd-server terminates TLS itself (reached through port-forward).
            "params": {"server.insecure": False},
            "rbac": {
                # No role for a signed-in user without a mapped group (the chart's default, stated).
                "policy.default": "",
                "policy.csv": policy_csv,
                "scopes": "[groups]",
            },
        },
    }


SYNC_RETRY: dict[str, Any] = {"limit": 5, "backoff": {"duration": "30s", "factor": 2, "maxDuration": "5m"}}
"""A failed sync is retried five times over about 12 minutes (30 s doubling, at most 5 min apart): automated sync never re-attempts a commit whose sync failed
(argo-cd v3.2.0 docs/user-guide/auto_sync.md "Automated Sync Semantics"), so a transient failure (a webhook not yet
ready, a namespace created moments later) would otherwise wait for the next commit. Field names:
docs/operator-manual/application.yaml `syncPolicy.retry`."""


def sync_policy(auto_sync: bool) -> dict[str, Any]:
    """Automated sync with prune and self-heal, or none (a person syncs); the same options and retries either way."""
    policy: dict[str, Any] = {"syncOptions": list(SYNC_OPTIONS), "retry": copy.deepcopy(SYNC_RETRY)}
    if auto_sync:
        policy["automated"] = {"prune": True, "selfHeal": True}
    return policy


def project_spec(*, description: str, repository_url: str, namespaces: Sequence[str]) -> dict[str, Any]:
    """An AppProject that admits one repository, the applications' namespaces on this cluster, no cluster-scoped
    kind (an empty whitelist), and none of the kinds the platform owns in those namespaces."""
    return {
        "description": description,
        "sourceRepos": [repository_url],
        "destinations": [{"server": IN_CLUSTER, "namespace": ns} for ns in sorted(set(namespaces))],
        "clusterResourceWhitelist": [],
        "namespaceResourceBlacklist": [{"group": group, "kind": kind} for group, kind in PLATFORM_OWNED_KINDS],
    }


def application_spec(
    *, project: str, repository_url: str, revision: str, path: str, namespace: str, auto_sync: bool
) -> dict[str, Any]:
    """One application from `path` at `revision`, synced into its namespace.

    Argo Rollouts scales the Deployment a Rollout references (`workloadRef` with `scaleDown: progressively`,
    components/_canary_specs.py) as the Rollout scales up (argoproj/argo-rollouts docs/migrating.md "Reference
    Deployment From Rollout"): the Deployment's replicas are ignored, in the diff and during syncs, as Argo CD
    documents for a field another controller owns (argo-cd v3.2.0 docs/user-guide/diffing.md,
    docs/user-guide/sync-options.md "Respect ignore differences configs")."""
    return {
        "project": project,
        "source": {"repoURL": repository_url, "targetRevision": revision, "path": path},
        "destination": {"server": IN_CLUSTER, "namespace": namespace},
        "syncPolicy": sync_policy(auto_sync),
        "ignoreDifferences": [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}],
    }
