"""Argo CD on one cluster, owned end to end: the `argocd` namespace and pinned argo-cd release, single sign-on with
Entra ID, group-based RBAC with the local admin disabled, one AppProject and one Application per application,
and (for a private repository) credentials that reach Argo CD from Key Vault without ever entering the plan.

Sign-in: Argo CD's own OIDC client against Entra ID, authenticated by workload identity instead of a client
secret (`azure.useWorkloadIdentity`, Argo CD 3.x; the argo-cd chart 9.1.0 ships v3.2.0): argocd-server's pods
carry `azure.workload.identity/use: "true"`, its ServiceAccount names the app registration's client id, and
Argo CD sends the pod's federated token as the client assertion when it redeems the authorization code
(argoproj/argo-cd v3.2.0 `util/oidc/oidc.go`, `docs/operator-manual/user-management/microsoft.md`). azure-native
cannot create app registrations, so a person creates one per environment, once (docs/gitops.md has the whole
procedure):

    az ad app create --display-name "Argo CD (<stack>)" --sign-in-audience AzureADMyOrg \\
        --web-redirect-uris "<url>/auth/callback" --public-client-redirect-uris "http://localhost:8085/auth/callback"
    az ad app update --id <client-id> --set groupMembershipClaims=ApplicationGroup
    az ad app federated-credential create --id <client-id> --parameters '{"name": "argocd-server-<cluster>",
        "issuer": "<the cluster's OIDC issuer>", "subject": "system:serviceaccount:argocd:argocd-server",
        "audiences": ["api://AzureADTokenExchange"]}'

and passes its client id as `sso.client_id` (one federated credential per cluster: prod's two regions need two).
RBAC: `policy.default` is empty (a signed-in user without a mapped group sees nothing), `scopes` is `[groups]`, and
`policy.csv` maps the Entra group object ids of `sso.admin_groups` to role:admin and `sso.readonly_groups` to
role:readonly.

Repository credentials (optional; a public repository needs none): a GitHub App. Its private key is a Key Vault
secret a person writes (`az keyvault secret set --file`); Pulumi only ever names it. The Secrets Store CSI driver
syncs it into a `repo-creds` Secret (Argo CD's credential template) while the repo server mounts the volume, with
a workload identity of the repo server's own that may read that secret and the URL secret below, nothing else.
The driver's `secretObjects` take every value from the vault (no literal data), and a credential template needs
its `url`, so Pulumi writes the repository URL (not a secret) into the vault too. The App's ids are not secret and
go in a plain `repository` Secret declared here; Argo CD copies a template's credentials into a repository that
has none of its own, keeping the repository's own GitHub App ids (argo-cd v3.2.0 `util/db/repository.go`
`enrichCredsToRepo`, `pkg/apis/application/v1alpha1/repository_types.go` `CopyCredentialsFrom`). Put the key into
the vault before giving `repository.credentials`: until the driver can read it, the repo server's pods cannot
start and the release rolls back.

Custom resources (AppProject, Application) depend on the release, which installs their CRDs; they live in argocd.
The repository reader's SecretProviderClass CRD comes with the AKS add-on azureKeyvaultSecretsProvider: pass the
cluster in `opts.depends_on`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi_kubernetes as k8s

from sentimark_platform.components import _argocd_values as values
from sentimark_platform.components._helm import (
    DNS_LABEL,
    ChartPinArgs,
    chart_pin_rules,
    kubernetes_namespace,
    namespace_ingress_policy,
    pinned_release,
)
from sentimark_platform.components._interfaces import write_vault_secret
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments
from sentimark_platform.components.workload_identity import WorkloadIdentity, WorkloadIdentityArgs

__all__ = [
    "GitOps",
    "GitOpsApplicationArgs",
    "GitOpsArgs",
    "GitOpsRepositoryArgs",
    "GitOpsRepositoryCredentialsArgs",
    "GitOpsSsoArgs",
]

_COMPONENT = "GitOps"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_GUID_ANY_CASE = re.compile(_GUID.pattern, re.IGNORECASE)
# https only, and no user-info part: a token in the URL would sit in the plan and in every Application.
_REPOSITORY_URL = re.compile(r"^https://(?P<host>[A-Za-z0-9.-]+)(:\d+)?/[A-Za-z0-9._~%/-]+$")
_ARGOCD_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-])?$")
_REVISION = re.compile(r"^[A-Za-z0-9._/+-]+$")
_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9._-]+$")
_VAULT_OBJECT = re.compile(r"^[A-Za-z0-9-]{1,127}$")
_VAULT_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/(?P<group>[^/]+)/providers/Microsoft\.KeyVault/vaults/[^/]+$",
                       re.IGNORECASE)
# Namespaces an application may never deploy into: Argo CD's own (its RBAC ConfigMap, repository Secrets) and the
# cluster's system namespaces.
_RESERVED_NAMESPACES = ("argocd", "kube-system", "kube-public", "kube-node-lease", "istio-system")
_SECRET_TYPE_LABEL = "argocd.argoproj.io/secret-type"


class GitOpsSsoArgs(TypedDict):
    client_id: str
    """Application (client) id of the Entra ID app registration Argo CD signs users in with (created by hand: see
    docs/gitops.md); it trusts argocd-server's ServiceAccount through a federated credential, no secret."""
    admin_groups: Sequence[str]
    """Object ids of the Entra groups whose members get role:admin (sync, rollback, settings); at least one."""
    readonly_groups: NotRequired[Sequence[str]]
    """Object ids of the Entra groups whose members get role:readonly; none unless given."""


class GitOpsRepositoryCredentialsArgs(TypedDict):
    github_app_id: int
    """The GitHub App's id (not secret)."""
    github_app_installation_id: int
    """Id of the App's installation on the repository's organisation (not secret)."""
    private_key_secret_name: str
    """Key Vault secret holding the App's private key (PEM), written by a person; only its name enters the plan."""
    key_vault_id: pulumi.Input[str]
    """Resource id of that vault; the repo server's identity gets Key Vault Secrets User on the two secrets it
    reads, not on the vault."""
    key_vault_name: pulumi.Input[str]
    """Name of that vault."""
    resource_group_name: pulumi.Input[str]
    """Resource group of the repo server's user-assigned identity."""
    oidc_issuer_url: pulumi.Input[str]
    """The cluster's OIDC issuer (AksCluster.oidc_issuer_url)."""
    location: NotRequired[pulumi.Input[str]]
    """Region of the identity; the resource group's unless given."""
    url_secret_name: NotRequired[str]
    """Key Vault secret Pulumi writes with the repository URL (what the synced credential template matches);
    <component name>-repository-url unless given."""


class GitOpsRepositoryArgs(TypedDict):
    url: str
    """The applications' Git repository, https://... without credentials in it."""
    revision: str
    """Branch, tag or commit every Application follows in this environment (e.g. main, release/prod, v1.4.2)."""
    credentials: NotRequired[GitOpsRepositoryCredentialsArgs]
    """GitHub App credentials from Key Vault; none unless given (a public repository)."""


class GitOpsApplicationArgs(TypedDict):
    path: str
    """Directory in the repository with the application's manifests (Kustomize, Helm or plain), relative."""
    namespace: NotRequired[str]
    """Namespace the application deploys into (it must exist: AppNamespace creates it); the application's key
    unless given (AppNamespace names the namespace after the application)."""


class GitOpsArgs(TypedDict):
    provider: pulumi.ProviderResource
    """Kubernetes provider of the cluster (AksCluster.kubernetes_provider)."""
    chart: ChartPinArgs
    """Chart `argo-cd` (https://argoproj.github.io/argo-helm), pinned."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant of the app registration (and of the vault, with repository credentials)."""
    sso: GitOpsSsoArgs
    """Sign-in with Entra ID and the groups RBAC maps to roles."""
    project: str
    """Name of the AppProject every Application belongs to, e.g. sentimark-dev."""
    repository: GitOpsRepositoryArgs
    """The applications' Git repository and the revision this environment follows."""
    applications: Mapping[str, GitOpsApplicationArgs]
    """One Argo CD Application per key (its name), at least one."""
    auto_sync: bool
    """True: Applications sync automatically with prune and self-heal; False: a person starts every sync."""
    url: NotRequired[str]
    """Argo CD's external URL, the sign-in redirect's base (register `<url>/auth/callback` in the app registration);
    https://localhost:8080 unless given (`kubectl port-forward svc/argocd-server -n argocd 8080:443`)."""
    high_availability: NotRequired[bool]
    """Two replicas of the API server and the repo server (each with a disruption budget) and Redis HA; single
    replicas unless given."""
    timeout_seconds: NotRequired[int]
    """How long the release may take to become ready before Helm rolls it back; 600 unless given."""
    namespaces_ready: NotRequired[Sequence[pulumi.Resource]]
    """What the Applications wait for: the applications' namespaces (their AppNamespace components), so that the
    first sync finds them; nothing unless given (the namespaces exist already)."""
    tags: NotRequired[Mapping[str, str]]
    """Tags on the repository reader's identity and the vault secret Pulumi writes; none unless given."""


class GitOps(pulumi.ComponentResource):
    """Argo CD with Entra ID sign-in, one AppProject and an Application per application."""

    namespace: str
    """Argo CD's namespace (argocd)."""
    namespace_resource: k8s.core.v1.Namespace
    """That namespace as a resource."""
    release: k8s.helm.v3.Release
    """The argo-cd Helm release (installs the Application and AppProject CRDs)."""
    project_name: str
    """The AppProject's name."""
    application_names: list[str]
    """The Applications' names (their keys in `applications`)."""
    sso_subject: str
    """Subject of the app registration's federated credential: system:serviceaccount:argocd:argocd-server."""
    repository_reader: WorkloadIdentity | None
    """The repo server's identity that reads the repository credentials; None without credentials."""

    def __init__(self, name: str, args: GitOpsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments(_COMPONENT, args, GitOpsArgs, lambda: _rules(args, name))
        super().__init__("sentimark:index:GitOps", name, None, opts)
        provider = args["provider"]
        sso = args["sso"]
        repository = args["repository"]
        project = args["project"]
        ns_name = values.ARGOCD_NAMESPACE
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=provider)
        # Argo CD stays out of the mesh: it talks to the API server and the Git host, not to the applications.
        # baseline: the chart's pods run unprivileged, without host namespaces or host paths (its Key Vault
        # volume is a CSI volume, which baseline admits).
        ns = kubernetes_namespace(f"{name}-ns", name=ns_name,
                                  labels={"app.kubernetes.io/managed-by": "pulumi", "istio-injection": "disabled"},
                                  pod_security="baseline", opts=k8s_opts)
        # Argo CD's parts call each other; people reach the UI through `kubectl port-forward` (the kubelet, not the
        # pod network), and nothing outside the namespace calls in.
        namespace_ingress_policy(f"{name}-ingress", namespace=ns_name, allow_from_namespaces=[],
                                 opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[ns]))
        credentials = repository.get("credentials")
        reader = None
        credentials_class = None
        if credentials is not None:
            reader, credentials_class = self._repository_credentials(name, args, credentials, ns)
        tenant_id = args["tenant_id"]
        chart_values = values.argocd_values(
            high_availability=args.get("high_availability", False),
            url=args.get("url", "https://localhost:8080"),
            oidc=pulumi.Output.from_input(tenant_id).apply(
                lambda tenant: values.oidc_config(tenant_id=tenant, client_id=sso["client_id"])),
            policy_csv=values.rbac_policy(sso["admin_groups"], sso.get("readonly_groups") or []),
            server_annotations={"azure.workload.identity/client-id": sso["client_id"],
                                "azure.workload.identity/tenant-id": tenant_id},
            repo_server_annotations=(
                {"azure.workload.identity/client-id": reader.client_id} if reader is not None else None),
            credentials_class=credentials_class,
        )
        # The reader's federated credential, grants and SecretProviderClass exist before the repo server mounts them.
        release = pinned_release(f"{name}-argo-cd", release_name="argo-cd", chart="argo-cd", pin=args["chart"],
                                 namespace=ns, values=chart_values, timeout_seconds=args.get("timeout_seconds", 600),
                                 parent=self, provider=provider, depends_on=[reader] if reader is not None else [])

        def argo(suffix: str, kind: str, object_name: str, spec: Mapping[str, Any],
                 after: Sequence[pulumi.Resource]) -> k8s.apiextensions.CustomResource:
            return k8s.apiextensions.CustomResource(
                f"{name}-{suffix}", api_version="argoproj.io/v1alpha1", kind=kind,
                metadata=k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns_name,
                                                    labels={"app.kubernetes.io/managed-by": "pulumi"}),
                spec=dict(spec),
                opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[release, *after]))

        apps = {key: app.get("namespace", key) for key, app in args["applications"].items()}
        appproject = argo("project", "AppProject", project, values.project_spec(
            description=f"Applications of {project}, from {repository['url']} at {repository['revision']}",
            repository_url=repository["url"], namespaces=list(apps.values())), after=[])
        for key, app in args["applications"].items():
            argo(f"app-{key}", "Application", key, values.application_spec(
                project=project, repository_url=repository["url"], revision=repository["revision"],
                path=app["path"], namespace=apps[key], auto_sync=args["auto_sync"]),
                after=[appproject, *(args.get("namespaces_ready") or [])])

        self.namespace = ns_name
        self.namespace_resource = ns
        self.release = release
        self.project_name = project
        self.application_names = list(apps)
        self.sso_subject = f"system:serviceaccount:{ns_name}:{values.SERVER_SERVICE_ACCOUNT}"
        self.repository_reader = reader
        self.register_outputs({
            "namespace": ns_name,
            "release_status": release.status,
            "project_name": project,
            "application_names": self.application_names,
            "sso_subject": self.sso_subject,
        })

    def _repository_credentials(
        self, name: str, args: GitOpsArgs, credentials: GitOpsRepositoryCredentialsArgs, ns: k8s.core.v1.Namespace,
    ) -> tuple[WorkloadIdentity, str]:
        """The repo server's reader identity with its SecretProviderClass, the URL secret in the vault and the
        plain repository Secret; returns the identity and the class's name."""
        repository, project = args["repository"], args["project"]
        tags = merge_tags(args.get("tags") or {}, None)
        vault_id = credentials["key_vault_id"]
        key_name = credentials["private_key_secret_name"]
        url_name = credentials.get("url_secret_name", f"{name}-repository-url")
        url_secret = write_vault_secret(
            f"{name}-repository-url", vault_name=credentials["key_vault_name"],
            resource_group_name=pulumi.Output.from_input(vault_id).apply(_vault_resource_group),
            secret_name=url_name, value=repository["url"], content_type="text/plain", tags=tags, parent=self)
        class_name = f"{project}-repo-creds"
        identity: WorkloadIdentityArgs = {
            "resource_group_name": credentials["resource_group_name"],
            "oidc_issuer_url": credentials["oidc_issuer_url"],
            "federated_credentials": {"argocd-repo-server": {"namespace": values.ARGOCD_NAMESPACE,
                                                             "service_account": values.REPO_SERVER_SERVICE_ACCOUNT}},
            "kubernetes_provider": args["provider"],
            # The chart creates the repo server's ServiceAccount (annotated through its values).
            "create_service_accounts": False,
            # Least privilege: the two secrets it syncs, never the vault (Key Vault RBAC scopes to one object).
            "role_grants": {
                "private-key": {"role": "Key Vault Secrets User",
                                "scope_id": pulumi.Output.concat(vault_id, "/secrets/", key_name)},
                "repository-url": {"role": "Key Vault Secrets User", "scope_id": url_secret.id},
            },
            "secret_provider_class": {
                "name": class_name,
                "namespace": values.ARGOCD_NAMESPACE,
                "key_vault_name": credentials["key_vault_name"],
                "tenant_id": args["tenant_id"],
                "objects": [
                    {"object_name": key_name, "object_type": "secret", "object_alias": "githubAppPrivateKey"},
                    {"object_name": url_name, "object_type": "secret", "object_alias": "url"},
                ],
                # Argo CD finds credential templates by this label (secretObjects[].labels, the driver's CRD v1.6.0).
                "synced_secrets": [{"secret_name": f"{project}-repo-creds",
                                    "data": {"url": "url", "githubAppPrivateKey": "githubAppPrivateKey"},
                                    "labels": {_SECRET_TYPE_LABEL: "repo-creds"}}],
            },
            "tags": tags,
        }
        if "location" in credentials:
            identity["location"] = credentials["location"]
        reader = WorkloadIdentity(f"{name}-repo-reader", identity,
                                  opts=pulumi.ResourceOptions(parent=self, depends_on=[ns]))
        # What a repository needs besides the key; Argo CD fills the key in from the template above.
        k8s.core.v1.Secret(
            f"{name}-repository",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=f"{project}-repository", namespace=values.ARGOCD_NAMESPACE,
                                                labels={_SECRET_TYPE_LABEL: "repository",
                                                        "app.kubernetes.io/managed-by": "pulumi"}),
            string_data={
                "type": "git",
                "url": repository["url"],
                "githubAppID": str(credentials["github_app_id"]),
                "githubAppInstallationID": str(credentials["github_app_installation_id"]),
            },
            opts=pulumi.ResourceOptions(parent=self, provider=args["provider"], depends_on=[ns]),
        )
        return reader, class_name


def _vault_resource_group(vault_id: str) -> str:
    match = _VAULT_ID.match(vault_id)
    if match is None:
        raise ValueError(f"not a Key Vault resource id: {vault_id!r}")
    return match["group"]


def _path_is_bad(path: object) -> bool:
    if not isinstance(path, str) or not path or path.startswith("/"):
        return True
    return any(segment == ".." or not _PATH_SEGMENT.match(segment) for segment in path.split("/"))


def _guids_are_bad(groups: object) -> bool:
    return not isinstance(groups, (list, tuple)) or any(not isinstance(g, str) or not _GUID.match(g) for g in groups)


def _rules(args: GitOpsArgs, name: str) -> list[Rule]:
    sso = args["sso"]
    repository = args["repository"]
    admins = sso.get("admin_groups")
    readers = sso.get("readonly_groups", [])
    guid_fix = "give Entra group object ids, lowercase GUIDs as Entra writes them in the groups claim"
    rows: list[Rule] = [
        ("provider", args.get("provider"), lambda v: not isinstance(v, pulumi.ProviderResource),
         "pass the cluster's Kubernetes provider (AksCluster.kubernetes_provider)"),
        *chart_pin_rules("chart", args["chart"]),
        ("tenant_id", args.get("tenant_id"), lambda v: not isinstance(v, str) or not _GUID_ANY_CASE.match(v),
         "give the Entra ID tenant id, a GUID"),
        ("sso.client_id", sso.get("client_id"), lambda v: not isinstance(v, str) or not _GUID_ANY_CASE.match(v),
         "give the app registration's Application (client) id, a GUID (az ad app show --id <name> --query appId)"),
        ("sso.admin_groups", admins, lambda v: isinstance(v, (list, tuple)) and not v,
         "give at least one Entra group whose members administer Argo CD"),
        ("sso.admin_groups", admins, _guids_are_bad, guid_fix),
        ("sso.readonly_groups", readers, _guids_are_bad, guid_fix),
        ("sso.readonly_groups", readers, lambda v: bool(set(v) & set(admins or [])),
         "list each group once: a group in admin_groups already has every read-only permission"),
        ("project", args.get("project"), lambda v: not isinstance(v, str) or not DNS_LABEL.match(v),
         "name the AppProject with lowercase letters, digits and '-' (up to 63), e.g. sentimark-dev"),
        ("repository.url", repository.get("url"), lambda v: not isinstance(v, str) or not _REPOSITORY_URL.match(v),
         "give the repository's https:// URL without credentials in it, e.g. https://github.com/example/deploy.git"),
        ("repository.revision", repository.get("revision"),
         lambda v: not isinstance(v, str) or not _REVISION.match(v) or v.startswith("-"),
         "give a branch, tag or commit (non-empty, no spaces), e.g. main or v1.4.2"),
        ("applications", dict(args.get("applications") or {}), lambda v: not v,
         "give at least one application (key: its name; path: its directory in the repository)"),
        ("auto_sync", args.get("auto_sync"), lambda v: not isinstance(v, bool),
         "give true (automated sync with prune and self-heal) or false (manual sync)"),
        ("url", args.get("url", "https://localhost:8080"), lambda v: not isinstance(v, str) or not _ARGOCD_URL.match(v),
         "give Argo CD's external https:// URL without a trailing slash, e.g. https://localhost:8080"),
        ("high_availability", args.get("high_availability", False), lambda v: not isinstance(v, bool),
         "give true or false"),
        ("namespaces_ready", list(args.get("namespaces_ready") or []),
         lambda v: not all(isinstance(r, pulumi.Resource) for r in v),
         "pass resources (the applications' AppNamespace components), not names"),
        ("timeout_seconds", args.get("timeout_seconds", 600),
         lambda v: not isinstance(v, int) or isinstance(v, bool) or not 60 <= v <= 3600, "give 60 to 3600 seconds"),
    ]
    for key, app in (args.get("applications") or {}).items():
        where = f"applications[{key!r}]"
        rows += [
            (where, key, lambda v: not isinstance(v, str) or not DNS_LABEL.match(v),
             "name applications with lowercase letters, digits and '-' (up to 63): the key is the Application's name"),
            (f"{where}.path", app.get("path"), _path_is_bad,
             "give a directory relative to the repository root, without '..', e.g. apps/sentimark-api/overlays/dev"),
            (f"{where}.namespace", app.get("namespace", key),
             lambda v: not isinstance(v, str) or not DNS_LABEL.match(v) or v in _RESERVED_NAMESPACES,
             f"give the application's own namespace (AppNamespace), not one of {', '.join(_RESERVED_NAMESPACES)}"),
        ]
    credentials = repository.get("credentials")
    if credentials is not None:
        url = repository.get("url")
        host = m["host"] if isinstance(url, str) and (m := _REPOSITORY_URL.match(url)) else None
        rows += [
            ("repository.url", url, lambda v: host is not None and host.lower() != "github.com",
             "GitHub App credentials work for https://github.com/... repositories; leave out credentials otherwise"),
            ("repository.credentials.github_app_id", credentials.get("github_app_id"),
             lambda v: not isinstance(v, int) or isinstance(v, bool) or v < 1,
             "give the GitHub App's numeric id (the App's settings page, 'App ID')"),
            ("repository.credentials.github_app_installation_id", credentials.get("github_app_installation_id"),
             lambda v: not isinstance(v, int) or isinstance(v, bool) or v < 1,
             "give the numeric id of the App's installation (the number at the end of its installation URL)"),
            ("repository.credentials.private_key_secret_name", credentials.get("private_key_secret_name"),
             lambda v: not isinstance(v, str) or not _VAULT_OBJECT.match(v),
             "give the Key Vault secret's name (1-127 letters, digits and '-')"),
            # The default comes from the component's name: checked too, since the vault refuses other characters.
            ("repository.credentials.url_secret_name", credentials.get("url_secret_name", f"{name}-repository-url"),
             lambda v: not isinstance(v, str) or not _VAULT_OBJECT.match(v)
             or v == credentials.get("private_key_secret_name"),
             "give a Key Vault secret name (1-127 letters, digits and '-') other than the private key's"),
            ("repository.credentials.key_vault_id", credentials.get("key_vault_id"),
             lambda v: not isinstance(v, str) or not _VAULT_ID.match(v),
             "give the vault's resource id (KeyVault.resource_id), "
             "/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name>"),
        ]
    return rows
