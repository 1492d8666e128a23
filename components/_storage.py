"""A locked-down storage account with one private container (Event Hubs capture, the Pulumi state backend)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

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
    parent: pulumi.Resource | None = None,
    sku: str = "Standard_ZRS",
    allowed_ip_ranges: Sequence[str] | None = None,
    allowed_subnet_ids: Sequence[pulumi.Input[str]] | None = None,
    protect: bool = False,
) -> tuple[storage.StorageAccount, storage.BlobContainer]:
    """HTTPS only, TLS 1.2, no anonymous blob access, no shared keys (Entra ID only), network default Deny.

    Trusted Azure services (Event Hubs capture with a managed identity) pass the firewall through the
    AzureServices bypass; everything else needs a private endpoint or one of `allowed_ip_ranges` (CIDRs; given,
    public network access is explicitly Enabled for them) or of `allowed_subnet_ids` (subnets with a
    Microsoft.Storage service endpoint: their traffic carries private addresses no IP rule matches, and Azure
    Storage ignores IP rules for clients in its own region, learn.microsoft.com/azure/storage/common/
    storage-network-security). `protect` covers the account and the container.
    """
    account = storage.StorageAccount(
        f"{name}-st",
        storage.StorageAccountArgs(
            resource_group_name=resource_group_name,
            account_name=account_name,
            location=location,
            kind="StorageV2",
            sku=storage.SkuArgs(name=sku),
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            allow_cross_tenant_replication=False,
            default_to_o_auth_authentication=True,
            public_network_access="Enabled" if allowed_ip_ranges is not None or allowed_subnet_ids else None,
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY,
                bypass="AzureServices",
                ip_rules=None if allowed_ip_ranges is None else [
                    storage.IPRuleArgs(i_p_address_or_range=_ip_rule(r), action=storage.Action.ALLOW)
                    for r in allowed_ip_ranges
                ],
                virtual_network_rules=[
                    storage.VirtualNetworkRuleArgs(virtual_network_resource_id=s, action=storage.Action.ALLOW)
                    for s in allowed_subnet_ids
                ] if allowed_subnet_ids else None,
            ),
            tags=dict(tags),
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    container = storage.BlobContainer(
        f"{name}-container",
        storage.BlobContainerArgs(
            resource_group_name=resource_group_name,
            account_name=account.name,
            container_name=container_name,
            public_access=storage.PublicAccess.NONE,
        ),
        opts=pulumi.ResourceOptions(parent=account, protect=protect),
    )
    return account, container


def _ip_rule(value: str) -> str:
    # Storage firewall rules refuse /31 and /32 prefixes: a single address is written without one.
    network = ipaddress.ip_network(value, strict=True)
    return str(network.network_address) if network.prefixlen >= 31 else str(network)
