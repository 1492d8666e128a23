"""Azure Container Registry: the Microsoft cloud security benchmark Container Registry baseline."""

from __future__ import annotations

from ._base import Resource, Rule, lookup, shown

REGISTRY = "azure-native:containerregistry:Registry"
_REGISTRIES = frozenset({REGISTRY})


def admin_disabled(resource: Resource) -> list[str]:
    # The admin user is off unless enabled: only an explicit true is wrong.
    if lookup(resource.inputs, "adminUserEnabled") is True:
        return ["adminUserEnabled is true; turn the shared admin account off and grant AcrPull/AcrPush to identities"]
    return []


def anonymous_pull_disabled(resource: Resource) -> list[str]:
    if lookup(resource.inputs, "anonymousPullEnabled") is True:
        return ["anonymousPullEnabled is true; images must not be pullable without authentication"]
    return []


def network_restricted(resource: Resource) -> list[str]:
    if lookup(resource.inputs, "publicNetworkAccess") == "Disabled":
        return []
    if lookup(resource.inputs, "networkRuleSet.defaultAction") == "Deny":
        return []
    return [
        f"publicNetworkAccess is {shown(lookup(resource.inputs, 'publicNetworkAccess'))} with no network rule set denying by "
        "default; use a private endpoint (Premium) with publicNetworkAccess Disabled, or networkRuleSet.defaultAction Deny"
    ]


RULES = (
    Rule("acr-admin-disabled", "Container registries have the admin user disabled.", "high",
         ("MCSB Container Registry IM-1",), admin_disabled, _REGISTRIES),
    Rule("acr-anonymous-pull-disabled", "Container registries refuse anonymous pulls.", "high",
         ("MCSB Container Registry PA-7",), anonymous_pull_disabled, _REGISTRIES),
    Rule("acr-network-restricted", "Container registries are private or deny traffic by default.", "medium",
         ("MCSB Container Registry NS-2",), network_restricted, _REGISTRIES),
)
