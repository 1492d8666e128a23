"""Bootstrap: what the platform stacks' state, CI and subscriptions need, created once, by hand, before any stack.

- the CI runners' hub network (_runners.py): GitHub-hosted larger runners join a delegated subnet of ours, with
  one static egress address (NAT gateway); the stacks peer with it and link their private DNS zones to it;
- a storage account and container for the `azblob://` backend: HTTPS only, TLS 1.2, no anonymous or
  shared-key access (Entra ID only), versioning and soft delete, firewall default Deny with the operators' IP
  ranges and the runners' subnet;
- a Key Vault (RBAC, purge protection, same firewall) with one RSA key per environment for the
  `azurekeyvault://` secrets provider;
- the CI identities, federated with this repository on GitHub: `ci-deploy-<env>` per GitHub environment, with
  roles on that environment's subscription, its own stack's state blobs and its own key only; `ci-preview`
  for pull requests: read-only, and only on the environments whose previews run on pull requests (never uat
  or prod, whose secrets a pull request cannot decrypt); `ci-drift-<env>` per environment for the scheduled drift
  check: reads the state, decrypts its own key, and dry-runs against its own environment's clusters;
- provider and feature registration in every environment subscription (_subscriptions.py).

The state account, container, vault and keys are protected and locked: losing them loses every stack's state
or secrets. See README.md for the order of commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Pulumi runs this file from bootstrap/; the shared helpers and this package live at the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pulumi
from pulumi_azure_native import authorization, keyvault, resources, storage

from bootstrap._identities import (
    RBAC_ADMINISTRATOR,
    assignment,
    constrained_role_condition,
    federate,
    grant,
    state_blob_condition,
    user_assigned_identity,
)
from bootstrap._registration import register_subscriptions
from bootstrap._runners import PULL_REQUEST_RUNNER_GROUP, RUNNER_GROUP, hub_peering_role, runner_network
from bootstrap._settings import Settings, load_settings
from sentimark_platform.components import (
    DiagnosticSettingsArgs,
    apply_diagnostic_settings,
    apply_lock,
    finops_tags,
    region_code,
    resource_name,
    secure_storage_account,
    stable_suffix,
)
from sentimark_platform.components.key_vault import KeyVault, KeyVaultArgs

WORKLOAD = "smk"
STATE_CONTAINER = "pulumi-state"
SECRETS_KEY = "pulumi-secrets"
"""Key name prefix: the key of environment `<env>` is `pulumi-secrets-<env>`."""
AKS_RBAC_CLUSTER_ADMIN = "Azure Kubernetes Service RBAC Cluster Admin"


def _state_account(settings: Settings, group: resources.ResourceGroup, tags: dict[str, str], suffix: str,
                   diagnostics: DiagnosticSettingsArgs | None,
                   runner_subnet_ids: list[pulumi.Output[str]]) -> tuple[storage.StorageAccount, storage.BlobContainer]:
    account, container = secure_storage_account(
        "state",
        resource_group_name=group.name,
        account_name=resource_name("storage_account", workload=WORKLOAD, environment="shared",
                                   region=region_code(settings.location), suffix=suffix),
        container_name=STATE_CONTAINER,
        location=settings.location,
        tags=tags,
        sku="Standard_GZRS",
        allowed_ip_ranges=settings.allowed_ip_ranges,
        # The runners reach it from their subnets' service endpoints (see bootstrap/_runners.py).
        allowed_subnet_ids=runner_subnet_ids,
        protect=True,
    )
    storage.BlobServiceProperties(
        "state-blob",
        storage.BlobServicePropertiesArgs(
            resource_group_name=group.name,
            account_name=account.name,
            blob_services_name="default",
            is_versioning_enabled=True,
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=30),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=30),
        ),
        opts=pulumi.ResourceOptions(parent=account),
    )
    apply_lock("state-st", scope_id=account.id, lock={"kind": "CanNotDelete"}, parent=account)
    # Who read or wrote state: the blob service's StorageRead/Write/Delete logs.
    apply_diagnostic_settings("state-blob", resource_id=pulumi.Output.concat(account.id, "/blobServices/default"),
                              settings=diagnostics, parent=account)
    return account, container


def _secrets_keys(settings: Settings, vault: KeyVault, group: resources.ResourceGroup,
                  tags: dict[str, str]) -> dict[str, keyvault.Key]:
    """One key per environment, so that an identity can be given the key of its own environment only."""
    return {
        environment: keyvault.Key(
            f"state-key-{environment}",
            keyvault.KeyArgs(
                resource_group_name=group.name,
                vault_name=vault.name,
                key_name=f"{SECRETS_KEY}-{environment}",
                # No rotation policy: a rotated key gets a new version and Pulumi's data keys wrapped with the old
                # version must still unwrap; rotate deliberately with `pulumi stack change-secrets-provider`.
                properties=keyvault.KeyPropertiesArgs(
                    kty="RSA",
                    key_size=3072,
                    key_ops=["encrypt", "decrypt", "wrapKey", "unwrapKey"],
                    attributes=keyvault.KeyAttributesArgs(enabled=True),
                ),
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=vault, protect=True),
        )
        for environment in settings.subscriptions
    }


def _drift_identity(environment: str, subscription: str, *, settings: Settings, group: resources.ResourceGroup,
                    container: storage.BlobContainer, key_scope: pulumi.Input[str], hub_id: pulumi.Input[str],
                    tags: dict[str, str]) -> pulumi.Output[str]:
    """`ci-drift-<env>`: the scheduled drift check (.github/workflows/drift.yml) of one environment. It runs
    `pulumi preview --refresh --expect-no-changes`, which reads state and writes none: a preview refreshes in
    memory (pulumi/pulumi#12740: "`pulumi preview --refresh` [...] does not modify the state") and takes no lock in
    the DIY backend (pkg/backend/diy/backend.go: only update, refresh, destroy, import and stack removal call Lock).
    Returns its client id."""
    key = f"ci-drift-{environment}"
    identity = user_assigned_identity(key, location=settings.location, group=group, tags=tags)
    # Only GitHub's environment drift-<env> (no reviewers, deployment branches: main) gets a token: a pull request
    # cannot name it, and the deploy environments' approvals are not needed for a read.
    federate(identity, key, {"github": f"repo:{settings.repository}:environment:drift-{environment}"}, group)
    principal = identity.principal_id
    grant(key, scope=f"/subscriptions/{subscription}", parent=identity, assignments={
        "reader": assignment("Reader", principal),
        # listClusterUserCredential: the program reads the kubeconfig of the existing clusters.
        "aks-user": assignment("Azure Kubernetes Service Cluster User Role", principal),
        # pulumi-kubernetes previews with a server-side dry-run PATCH, which Kubernetes authorizes like the write
        # itself (pulumi/pulumi-kubernetes#2213; kubernetes.io "Dry-run authorization"): a read-only Kubernetes role
        # fails every preview. The trade-off: this identity can change the environment's clusters; only a workflow
        # run on main in GitHub's environment drift-<env> gets its token.
        "aks-rbac-admin": assignment(AKS_RBAC_CLUSTER_ADMIN, principal),
    })
    grant(f"{key}-state", scope=container.id, parent=identity, assignments={
        "blob-reader": assignment("Storage Blob Data Reader", principal),
    })
    # Decrypts this stack's secrets (config and state), never another environment's.
    grant(f"{key}-key", scope=key_scope, parent=identity, assignments={
        "crypto": assignment("Key Vault Crypto User", principal),
    })
    # The stacks read the hub's peerings and zone links (like ci-preview).
    grant(f"{key}-hub", scope=hub_id, parent=identity, assignments={
        "reader": assignment("Reader", principal),
    })
    return identity.client_id


def main() -> None:
    settings = load_settings(pulumi.Config())
    client = authorization.get_client_config_output()
    region = region_code(settings.location)
    suffix = stable_suffix(settings.repository)
    tags = finops_tags(environment="shared", owner=settings.owner, cost_center=settings.cost_center,
                       service="sentimark-bootstrap")
    diagnostics: DiagnosticSettingsArgs | None = (
        {"workspace_id": settings.diagnostics_workspace_id} if settings.diagnostics_workspace_id else None
    )

    hub = runner_network(settings.runners, tags=tags)
    # Pull requests run untrusted branch code: their runners get a network of their own, peered with nothing, so
    # they never reach uat's or prod's private addresses. dev and sit (the stacks they preview) have public API
    # servers that admit this network's egress address too.
    pull_requests = runner_network(settings.runners, tags=tags, key="pr-runners",
                                   address_space=settings.runners.pull_request_address_space)

    group = resources.ResourceGroup(
        "state-rg",
        resources.ResourceGroupArgs(
            resource_group_name=resource_name("resource_group", workload=WORKLOAD, environment="shared", region=region,
                                              instance="state"),
            location=settings.location,
            tags=tags,
        ),
    )
    account, container = _state_account(settings, group, tags, suffix, diagnostics,
                                        [hub.subnet.id, pull_requests.subnet.id])
    operators = settings.admin_group_object_id
    vault_args: KeyVaultArgs = {
        "resource_group_name": group.name,
        "tenant_id": client.tenant_id,
        "location": settings.location,
        "resource_name": resource_name("key_vault", workload=WORKLOAD, environment="shared", region=region, suffix=suffix),
        "public_network_access": {"allowed_ip_ranges": list(settings.allowed_ip_ranges),
                                  "allowed_subnet_ids": [hub.subnet.id, pull_requests.subnet.id]},
        # The operators who run `pulumi` by hand: every key. CI identities get their keys below, one each.
        "role_assignments": {"admins": assignment("Key Vault Crypto User", operators, "Group")} if operators else {},
        "lock": {"kind": "CanNotDelete", "notes": "Holds the keys that encrypt every stack's secrets."},
        "tags": tags,
    }
    if diagnostics:
        vault_args["diagnostic_settings"] = diagnostics
    vault = KeyVault("state", vault_args, opts=pulumi.ResourceOptions(protect=True))
    keys = _secrets_keys(settings, vault, group, tags)
    # The key's resource id (Azure's: <vault id>/keys/<name>) is the scope of its Crypto User assignments.
    key_scopes = {env: pulumi.Output.concat(vault.resource_id, "/keys/", key.name) for env, key in keys.items()}
    if operators:
        grant("state-container", scope=container.id, parent=container,
              assignments={"admins": assignment("Storage Blob Data Contributor", operators, "Group")})

    hub_role, hub_role_guid = hub_peering_role(hub, suffix=suffix)
    deploy_ids = {}
    for environment, subscription in settings.subscriptions.items():
        key = f"ci-deploy-{environment}"
        identity = user_assigned_identity(key, location=settings.location, group=group, tags=tags)
        deploy_ids[environment] = identity.client_id
        # Only the GitHub environment of the same name (whose protection rules hold the approvals) gets a token.
        federate(identity, key, {"github": f"repo:{settings.repository}:environment:{environment}"}, group)
        scope = f"/subscriptions/{subscription}"
        grant(key, scope=scope, parent=identity, assignments={
            "contributor": assignment("Contributor", identity.principal_id),
            # The stacks write connection secrets into their own (RBAC) vaults.
            "kv-secrets": assignment("Key Vault Secrets Officer", identity.principal_id),
            # Kubernetes data plane of every cluster in the subscription (Azure RBAC for Kubernetes, local accounts
            # off). Granted here, long before a stack's Kubernetes layer runs: new assignments take up to five
            # minutes to reach the API server (learn.microsoft.com/azure/aks/manage-azure-rbac).
            "aks-rbac-admin": assignment(AKS_RBAC_CLUSTER_ADMIN, identity.principal_id),
            "rbac-admin": assignment(
                RBAC_ADMINISTRATOR, identity.principal_id, condition=constrained_role_condition(),
                description="The stacks assign service roles (AcrPull, Network Contributor, ...); nothing broader."),
        })
        # Peer the stack's VNets with the hub (both sides) and link its private DNS zones to the hub: a custom role
        # with those actions only, so that no environment's identity can change the runners' subnet, NSG or NAT.
        grant(f"{key}-hub", scope=hub.vnet.id, parent=identity, depends_on=[hub_role], assignments={
            "peering": assignment(
                hub_role_guid, identity.principal_id,
                description=f"The {environment} stack peers its VNets with the runners' hub and links its AKS zones to it."),
        })
        grant(f"{key}-state", scope=container.id, parent=identity, assignments={
            "blob": assignment(
                "Storage Blob Data Contributor", identity.principal_id, condition=state_blob_condition(environment),
                description=f"Writes only the {environment} stack's state, history, backups, journal and locks."),
        })
        grant(f"{key}-key", scope=key_scopes[environment], parent=identity, assignments={
            "crypto": assignment("Key Vault Crypto User", identity.principal_id),
        })

    preview = user_assigned_identity("ci-preview", location=settings.location, group=group, tags=tags)
    federate(preview, "ci-preview", {"pull-request": f"repo:{settings.repository}:pull_request"}, group)
    # A preview reads state and takes no lock (pulumi/pulumi pkg/backend/diy/backend.go: Preview goes straight to
    # apply with DryRun, which writes no checkpoint, history or backup; only Update, Refresh, Destroy, Import
    # and RemoveStack call Lock). So: read, never write.
    grant("ci-preview-state", scope=container.id, parent=preview, assignments={
        "blob-reader": assignment("Storage Blob Data Reader", preview.principal_id),
    })
    grant("ci-preview-hub", scope=hub.vnet.id, parent=preview, assignments={
        "reader": assignment("Reader", preview.principal_id),
    })
    for environment in settings.pull_request_previews:
        grant(f"ci-preview-{environment}", scope=f"/subscriptions/{settings.subscriptions[environment]}", parent=preview,
              assignments={
                  "reader": assignment("Reader", preview.principal_id),
                  # listClusterUserCredential: the stacks read the kubeconfig of existing clusters during preview.
                  "aks-user": assignment("Azure Kubernetes Service Cluster User Role", preview.principal_id),
                  # pulumi-kubernetes previews with a server-side dry-run PATCH, which Kubernetes authorizes like the
                  # write itself (pulumi/pulumi-kubernetes#2213; kubernetes.io "Dry-run authorization"): a read-only
                  # role would fail every preview. Hence admin, and only where pull requests preview.
                  "aks-rbac-admin": assignment(AKS_RBAC_CLUSTER_ADMIN, preview.principal_id),
              })
        grant(f"ci-preview-{environment}-key", scope=key_scopes[environment], parent=preview, assignments={
            "crypto": assignment("Key Vault Crypto User", preview.principal_id),
        })

    drift_ids = {
        environment: _drift_identity(environment, subscription, settings=settings, group=group,
                                     container=container, key_scope=key_scopes[environment], hub_id=hub.vnet.id, tags=tags)
        for environment, subscription in settings.subscriptions.items()
    }

    register_subscriptions(settings.subscriptions, state_subscription=client.subscription_id, location=settings.location,
                           group=group, tags=tags, suffix=suffix)

    pulumi.export("backendUrl", pulumi.Output.concat("azblob://", STATE_CONTAINER, "?storage_account=", account.name))
    pulumi.export("secretsProviders", {
        environment: pulumi.Output.concat("azurekeyvault://", vault.name, ".vault.azure.net/keys/", key.name)
        for environment, key in keys.items()
    })
    pulumi.export("tenantId", client.tenant_id)
    pulumi.export("previewClientId", preview.client_id)
    pulumi.export("deployClientIds", deploy_ids)
    pulumi.export("driftClientIds", drift_ids)
    pulumi.export("subscriptions", settings.subscriptions)
    pulumi.export("pullRequestPreviews", list(settings.pull_request_previews))
    pulumi.export("runnerNetworkId", hub.vnet.id)
    pulumi.export("runnerSubnetId", hub.subnet.id)
    pulumi.export("runnerAddressSpace", settings.runners.address_space)
    pulumi.export("runnerEgressIp", hub.egress_ip.ip_address)
    pulumi.export("githubNetworkSettingsId", hub.settings.id)
    # The value to paste into GitHub (organization settings > Hosted compute networking): GitHub writes it into
    # the resource's `GitHubId` tag when the resource is created.
    pulumi.export("githubNetworkSettingsGitHubId", hub.settings.tags.apply(lambda t: (t or {}).get("GitHubId")))
    pulumi.export("pullRequestNetworkSettingsGitHubId",
                  pull_requests.settings.tags.apply(lambda t: (t or {}).get("GitHubId")))
    pulumi.export("runnerGroup", RUNNER_GROUP)
    pulumi.export("pullRequestRunnerGroup", PULL_REQUEST_RUNNER_GROUP)
    pulumi.export("pullRequestRunnerNetworkId", pull_requests.vnet.id)
    pulumi.export("pullRequestEgressIp", pull_requests.egress_ip.ip_address)
    pulumi.export("pullRequestNetworkSettingsId", pull_requests.settings.id)


main()
