"""Storage accounts: CIS Azure section 3 and the Microsoft cloud security benchmark Storage baseline."""

from __future__ import annotations

from ._base import Resource, Rule, expect, lookup, shown

ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
CONTAINER = "azure-native:storage:BlobContainer"
_ACCOUNTS = frozenset({ACCOUNT})


def https_only(resource: Resource) -> list[str]:
    return expect(resource.inputs, "enableHttpsTrafficOnly", True, "set it to true (no plain HTTP)")


def minimum_tls(resource: Resource) -> list[str]:
    return expect(resource.inputs, "minimumTlsVersion", "TLS1_2", "set TLS1_2")


def no_public_blob_access(resource: Resource) -> list[str]:
    return expect(resource.inputs, "allowBlobPublicAccess", False, "set it to false so that no container can be made public")


def no_shared_key(resource: Resource) -> list[str]:
    return expect(resource.inputs, "allowSharedKeyAccess", False,
                  "set it to false so that only Entra ID (RBAC) grants access, never the account keys")


def network_restricted(resource: Resource) -> list[str]:
    if lookup(resource.inputs, "publicNetworkAccess") == "Disabled":
        return []
    if lookup(resource.inputs, "networkRuleSet.defaultAction") == "Deny":
        return []
    return [
        f"networkRuleSet.defaultAction is {shown(lookup(resource.inputs, 'networkRuleSet.defaultAction'))} and public network "
        "access is on; set defaultAction Deny with IP rules, or publicNetworkAccess Disabled with a private endpoint"
    ]


def container_private(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "publicAccess")
    if value in (None, "None"):
        return []
    return [f"publicAccess is {shown(value)}; containers must not allow anonymous reads (publicAccess None)"]


def blob_soft_delete(resource: Resource) -> list[str]:
    messages = []
    for policy in ("deleteRetentionPolicy", "containerDeleteRetentionPolicy"):
        if lookup(resource.inputs, f"{policy}.enabled") is not True:
            messages.append(f"{policy}.enabled is {shown(lookup(resource.inputs, f'{policy}.enabled'))}; enable soft delete (7 days or more)")
    return messages


RULES = (
    Rule("st-https-only", "Storage accounts accept HTTPS only.", "high", ("CIS Azure 3.1", "MCSB Storage DP-3"),
         https_only, _ACCOUNTS),
    Rule("st-minimum-tls", "Storage accounts require TLS 1.2.", "high", ("CIS Azure 3.15", "MCSB Storage DP-3"),
         minimum_tls, _ACCOUNTS),
    Rule("st-no-public-blob-access", "Storage accounts forbid anonymous blob access.", "high",
         ("CIS Azure 3.7", "MCSB Storage PA-7"), no_public_blob_access, _ACCOUNTS),
    Rule("st-no-shared-key", "Storage accounts refuse shared-key (account key) authorization.", "medium",
         ("CIS Azure 3.3", "MCSB Storage IM-1"), no_shared_key, _ACCOUNTS),
    Rule("st-network-restricted", "Storage accounts are private or deny traffic by default.", "high",
         ("CIS Azure 3.8", "MCSB Storage NS-2"), network_restricted, _ACCOUNTS),
    Rule("st-container-private", "Blob containers allow no anonymous access.", "high", ("CIS Azure 3.7",),
         container_private, frozenset({CONTAINER})),
    Rule("st-blob-soft-delete", "Blob and container soft delete are enabled.", "medium",
         ("CIS Azure 3.11", "MCSB Storage BR-1"), blob_soft_delete, frozenset({BLOB_SERVICE})),
)
