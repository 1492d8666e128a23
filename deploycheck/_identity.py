"""Rules: do the CI identities hold what a run needs, and nothing a pull request must not have?

They read the bootstrap's plan (bootstrap/): one deploy identity per environment `ci-deploy-<env>`, the
pull-request identity `ci-preview`, one drift identity per environment `ci-drift-<env>` (the scheduled
`pulumi preview --refresh --expect-no-changes`), role assignments parented under the identity they grant, secrets keys
`pulumi-secrets-<env>`, and the output `subscriptions` (environment -> subscription id).
"""

from __future__ import annotations

from collections.abc import Iterator

from sentimark_platform.components import ROLE_DEFINITIONS
from sentimark_platform.deploycheck._azure import (
    ROLE_AKS_RBAC_CLUSTER_ADMIN,
    ROLE_KEY_VAULT_CRYPTO_USER,
    ROLE_STORAGE_BLOB_DATA_CONTRIBUTOR,
    ROLE_STORAGE_BLOB_DATA_OWNER,
    Assignment,
    assignments_of,
    label,
)
from sentimark_platform.deploycheck._model import DeployContext, Finding, Rule
from sentimark_platform.deploycheck._workflows import (
    UNKNOWN_STACKS,
    pull_request_preview_stacks,
    scheduled_preview_stacks,
)
from sentimark_platform.offline import Plan, PlannedResource

__all__ = ["APPROVAL_ENVIRONMENTS", "RULES"]

APPROVAL_ENVIRONMENTS = ("uat", "prod")
"""Environments whose deployments wait for a reviewer (DESIGN.md, environment table): a pull request must not
decrypt their secrets or change their state."""
PREVIEW_IDENTITY = "ci-preview"
DRIFT_IDENTITY_PREFIX = "ci-drift-"
"""`ci-drift-<env>`: the scheduled drift check's identity (bootstrap/__main__.py, .github/workflows/drift.yml)."""
_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
_CREDENTIAL = "azure-native:managedidentity:FederatedIdentityCredential"
# Roles that can decrypt with a key (Key Vault Crypto User, Crypto Officer, Administrator, Crypto Service
# Encryption User; learn.microsoft.com/azure/key-vault/general/rbac-guide).
_DECRYPTING_ROLES = frozenset({ROLE_KEY_VAULT_CRYPTO_USER, ROLE_DEFINITIONS["Key Vault Administrator"],
                               "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",  # Key Vault Crypto Officer
                               "e147488a-f6f5-4113-8e2d-b22465e65bf6"})  # Key Vault Crypto Service Encryption User
_STATE_WRITERS = frozenset({ROLE_STORAGE_BLOB_DATA_CONTRIBUTOR, ROLE_STORAGE_BLOB_DATA_OWNER,
                            ROLE_DEFINITIONS["Owner"], ROLE_DEFINITIONS["Contributor"],
                            "17d1049b-9a84-46fb-8f53-869881c3d3ab"})  # Storage Account Contributor
"""Blob Data Contributor/Owner, Owner, Contributor, Storage Account Contributor: each can rewrite state."""


def _identity(plan: Plan, name: str) -> PlannedResource | None:
    return next((r for r in plan.of_type(_IDENTITY) if r.name == name), None)


def _held_by(plan: Plan, identity: PlannedResource) -> list[Assignment]:
    return [a for a in assignments_of(plan) if a.holder is not None and a.holder.urn == identity.urn]


def _subscription(bootstrap: Plan, environment: str) -> str | None:
    subscriptions = bootstrap.outputs.get("subscriptions")
    value = subscriptions.get(environment) if isinstance(subscriptions, dict) else None
    return value if isinstance(value, str) else None


def _in_subscription(scope: str, subscription: str) -> bool:
    lowered = scope.lower()
    return lowered == f"/subscriptions/{subscription}".lower() or lowered.startswith(f"/subscriptions/{subscription}/".lower())


def _azure_rbac_clusters(plan: Plan) -> list[PlannedResource]:
    return [
        c for c in plan.of_type("azure-native:containerservice:ManagedCluster")
        if (c.inputs.get("aadProfile") or {}).get("enableAzureRBAC") and c.inputs.get("disableLocalAccounts")
    ]


def _data_plane_role(ctx: DeployContext) -> Iterator[Finding]:
    assert ctx.bootstrap is not None
    clusters = _azure_rbac_clusters(ctx.plan)
    if not clusters:
        return
    subscription = _subscription(ctx.bootstrap, ctx.environment)
    holders = [f"ci-deploy-{ctx.environment}"]
    if ctx.workflows is not None and ctx.environment in pull_request_preview_stacks(ctx.workflows):
        holders.append(PREVIEW_IDENTITY)  # a real preview runs a server-side dry-run: a write to Kubernetes
    if ctx.workflows is not None:
        scheduled = scheduled_preview_stacks(ctx.workflows)
        if ctx.environment in scheduled or UNKNOWN_STACKS in scheduled:
            holders.append(f"{DRIFT_IDENTITY_PREFIX}{ctx.environment}")  # the drift check's dry-run, likewise
    for holder in holders:
        identity = _identity(ctx.bootstrap, holder)
        if identity is None or subscription is None:
            yield Finding("kubernetes-data-plane-role", holder,
                          f"the bootstrap has no identity {holder} (or no subscription for {ctx.environment} in its "
                          "output `subscriptions`): nothing can sign in to this stack's clusters from CI")
            continue
        granted = any(
            a.role == ROLE_AKS_RBAC_CLUSTER_ADMIN and _in_subscription(a.scope, subscription)
            and a.scope.lower().count("/") <= 4  # the subscription or a resource group: clusters inside it
            for a in _held_by(ctx.bootstrap, identity)
        )
        if not granted:
            for cluster in clusters:
                yield Finding("kubernetes-data-plane-role", label(cluster),
                              f"{holder} has no Azure Kubernetes Service RBAC Cluster Admin on subscription "
                              f"{subscription}: with Azure RBAC and local accounts off, every namespace and Helm "
                              "call gets 403 (Contributor carries no Kubernetes data actions); grant it in bootstrap")


def _deploy_identity_scoped(ctx: DeployContext) -> Iterator[Finding]:
    assert ctx.bootstrap is not None
    name = f"ci-deploy-{ctx.environment}"
    identity = _identity(ctx.bootstrap, name)
    subscription = _subscription(ctx.bootstrap, ctx.environment)
    if identity is None or subscription is None:
        yield Finding("deploy-identity-per-environment", name,
                      f"the bootstrap has no deploy identity for {ctx.environment}: one identity for every "
                      "environment lets the unapproved dev job hold a token that can change prod")
        return
    subjects = [str(c.inputs.get("subject", "")) for c in ctx.bootstrap.of_type(_CREDENTIAL) if c.parent == identity.urn]
    wrong = [s for s in subjects if not s.endswith(f":environment:{ctx.environment}")]
    if not subjects or wrong:
        yield Finding("deploy-identity-per-environment", name,
                      f"federated with {subjects or 'nothing'}: it must trust only GitHub's environment "
                      f"{ctx.environment} (subject repo:<org>/<repo>:environment:{ctx.environment}), where the approvals are")
    others = _other_subscriptions(ctx.bootstrap, ctx.environment)
    shared = _bootstrap_groups(ctx.bootstrap)
    for assignment in _held_by(ctx.bootstrap, identity):
        # Anything in another environment's subscription, except bootstrap's own shared resources (the runners'
        # hub, the state account, the vault), which may live there when the state subscription is an environment's.
        scope = assignment.scope.lower()
        own = any(f"/resourcegroups/{group}/" in scope or scope.endswith(f"/resourcegroups/{group}") for group in shared)
        if not own and any(_in_subscription(assignment.scope, other) for other in others):
            yield Finding("deploy-identity-per-environment", label(assignment.resource),
                          f"{name} holds a role on {assignment.scope}, another environment's subscription; scope each "
                          "deploy identity to its own environment")


def _bootstrap_groups(bootstrap: Plan) -> set[str]:
    return {str(g.inputs.get("resourceGroupName", "")).lower() for g in bootstrap.of_type("azure-native:resources:ResourceGroup")}


def _other_subscriptions(bootstrap: Plan, environment: str) -> list[str]:
    subscriptions = bootstrap.outputs.get("subscriptions")
    if not isinstance(subscriptions, dict):
        return []
    own = subscriptions.get(environment)
    return [s for e, s in subscriptions.items() if e != environment and isinstance(s, str) and s != own]


def _on_storage(scope: str) -> bool:
    lowered = scope.lower()
    return "/blobservices/" in lowered or "microsoft.storage" in lowered


def _pull_request_isolation(ctx: DeployContext) -> Iterator[Finding]:
    assert ctx.bootstrap is not None
    # The drift identities only preview (a preview, --refresh included, writes no state): a write role on the state
    # would let the scheduled job (or whoever gets its token) rewrite any stack's state.
    for drift in (i for i in ctx.bootstrap.of_type(_IDENTITY) if i.name.startswith(DRIFT_IDENTITY_PREFIX)):
        for assignment in _held_by(ctx.bootstrap, drift):
            if assignment.role in _STATE_WRITERS and _on_storage(assignment.scope):
                yield Finding("pull-request-isolation", label(assignment.resource),
                              f"the drift identity {drift.name} can write the state ({assignment.scope}): "
                              "`pulumi preview --refresh` refreshes in memory and writes nothing (pulumi/pulumi#12740); "
                              "give it Storage Blob Data Reader")
    identity = _identity(ctx.bootstrap, PREVIEW_IDENTITY)
    if identity is None:
        return
    for assignment in _held_by(ctx.bootstrap, identity):
        scope = assignment.scope.lower()
        if assignment.role in _STATE_WRITERS and _on_storage(assignment.scope):
            yield Finding("pull-request-isolation", label(assignment.resource),
                          f"the pull-request identity can write the state ({assignment.scope}): any branch could "
                          "rewrite a stack's state; give it Storage Blob Data Reader")
        if assignment.role in _DECRYPTING_ROLES and "/microsoft.keyvault/vaults/" in scope:
            key = scope.split("/keys/", 1)[1] if "/keys/" in scope else None
            protected = [e for e in APPROVAL_ENVIRONMENTS if key is None or key == f"pulumi-secrets-{e}"]
            if protected:
                yield Finding("pull-request-isolation", label(assignment.resource),
                              f"the pull-request identity can decrypt with {'the whole vault' if key is None else key}: "
                              f"it could read the secrets of {', '.join(protected)}; grant it only the keys of the "
                              "environments previewed on pull requests")
    if ctx.workflows is not None:
        previewed = pull_request_preview_stacks(ctx.workflows)
        for environment in APPROVAL_ENVIRONMENTS:
            if environment in previewed or UNKNOWN_STACKS in previewed:
                yield Finding("pull-request-isolation", f"workflows: pull_request preview of {environment}",
                              f"a pull request runs the real `pulumi preview` of {environment}: it needs that stack's "
                              "secrets and a Kubernetes write role (server-side dry-run); preview it offline on the "
                              "pull request and for real in the approved deploy job")


def _secrets_provider(ctx: DeployContext) -> Iterator[Finding]:
    """A stack encrypts its secrets with its own environment's key, the one only its identities may use."""
    assert ctx.bootstrap is not None
    provider = ctx.secrets_provider
    if provider is None:
        return  # not initialized yet: the section warns
    wanted = (ctx.bootstrap.outputs.get("secretsProviders") or {}).get(ctx.environment)
    key = provider.rstrip("/").rsplit("/keys/", 1)[-1].split("/")[0] if "/keys/" in provider else None
    if not provider.startswith("azurekeyvault://") or key != f"pulumi-secrets-{ctx.environment}":
        yield Finding("secrets-provider-per-environment", f"Pulumi.{ctx.plan.stack}.yaml: secretsprovider",
                      f"{provider!r} is not the {ctx.environment} key (azurekeyvault://<vault>/keys/pulumi-secrets-"
                      f"{ctx.environment}, bootstrap output secretsProviders.{ctx.environment}): CI's identity may "
                      "decrypt only its own environment's key, so the run fails with 403, or another environment's "
                      "identity could read this stack's secrets; re-run `pulumi stack change-secrets-provider`")
    elif isinstance(wanted, str) and provider.split("/keys/")[0].lower() != wanted.split("/keys/")[0].lower():
        yield Finding("secrets-provider-per-environment", f"Pulumi.{ctx.plan.stack}.yaml: secretsprovider",
                      f"{provider!r} names another vault than bootstrap's ({wanted.split('/keys/')[0]}): the CI "
                      "identities hold no role there")


RULES = (
    Rule("secrets-provider-per-environment",
         "403 from Key Vault when CI decrypts the stack's secrets, or another environment's identity can read them",
         ("https://www.pulumi.com/docs/iac/concepts/secrets/#azure-key-vault",),
         _secrets_provider, needs=("bootstrap",)),
    Rule("kubernetes-data-plane-role",
         "403 Forbidden on every namespace and Helm release (Azure RBAC for Kubernetes, local accounts off)",
         ("https://learn.microsoft.com/azure/aks/manage-azure-rbac",
          "https://github.com/pulumi/pulumi-kubernetes/issues/2213"),
         _data_plane_role, needs=("bootstrap",)),
    Rule("deploy-identity-per-environment",
         "the unapproved dev job holds a token that can change prod",
         ("https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/"
          "about-security-hardening-with-openid-connect",),
         _deploy_identity_scoped, needs=("bootstrap",)),
    Rule("pull-request-isolation",
         "a pull request's token can rewrite state or decrypt uat/prod secrets",
         ("https://learn.microsoft.com/azure/key-vault/general/rbac-guide",
          "https://www.pulumi.com/docs/iac/concepts/state-and-backends/",
          "https://github.com/pulumi/pulumi/issues/12740"),
         _pull_request_isolation, needs=("bootstrap",)),
)
