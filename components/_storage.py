"""A locked-down storage account with one private container (Event Hubs capture and similar sinks)."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
from pulumi_azure_native import storage

__all__ = ["secure_storage_account"]


def secure_storage_account(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    account_name: str,
    container_name: str,
    location: pulumi.Input[str] | None,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> tuple[storage.StorageAccount, storage.BlobContainer]:
    """HTTPS only, TLS 1.2, no anonymous blob access, no shared keys (Entra ID only), network default Deny.

    Trusted Azure services (Event Hubs capture with a managed identity) pass the firewall through the
    AzureServices bypass; everything else needs a private endpoint or an IP rule the caller adds.
    """
    account = storage.StorageAccount(
        f"{name}-st",
        storage.StorageAccountArgs(
            resource_group_name=resource_group_name,
            account_name=account_name,
            location=location,
            kind="StorageV2",
            sku=storage.SkuArgs(name="Standard_ZRS"),
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            allow_cross_tenant_replication=False,
            default_to_o_auth_authentication=True,
            network_rule_set=storage.NetworkRuleSetArgs(default_action=storage.DefaultAction.DENY, bypass="AzureServices"),
            tags=dict(tags),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    container = storage.BlobContainer(
        f"{name}-container",
        storage.BlobContainerArgs(
            resource_group_name=resource_group_name,
            account_name=account.name,
            container_name=container_name,
            public_access=storage.PublicAccess.NONE,
        ),
        opts=pulumi.ResourceOptions(parent=account),
    )
    return account, container
