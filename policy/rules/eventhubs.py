"""Event Hubs: the Microsoft cloud security benchmark Event Hubs baseline."""

from __future__ import annotations

from collections.abc import Sequence

from ._base import Finding, Resource, Rule, expect, lookup, resource_label

NAMESPACE = "azure-native:eventhub:Namespace"
RULE_SET = "azure-native:eventhub:NamespaceNetworkRuleSet"


def local_auth_disabled(resource: Resource) -> list[str]:
    return expect(resource.inputs, "disableLocalAuth", True,
                  "turn shared access keys off (disableLocalAuth: true); clients use Entra ID")


def minimum_tls(resource: Resource) -> list[str]:
    return expect(resource.inputs, "minimumTlsVersion", "1.2", "set 1.2")


def network_restricted(resources: Sequence[Resource]) -> list[Finding]:
    findings = []
    for namespace in resources:
        if namespace.type != NAMESPACE or lookup(namespace.inputs, "publicNetworkAccess") == "Disabled":
            continue
        name = namespace.inputs.get("namespaceName")
        rule_sets = [
            r for r in resources
            if r.type == RULE_SET and (namespace.urn in r.dependencies or (name and r.inputs.get("namespaceName") == name))
        ]
        if any(lookup(r.inputs, "defaultAction") == "Deny" or lookup(r.inputs, "publicNetworkAccess") == "Disabled"
               for r in rule_sets):
            continue
        findings.append(Finding(namespace.urn, f"{resource_label(namespace.urn)} is public and no network rule set denies by "
                                               "default; set publicNetworkAccess Disabled (private endpoint) or add a "
                                               "NamespaceNetworkRuleSet with defaultAction Deny and IP rules"))
    return findings


RULES = (
    Rule("evh-local-auth-disabled", "Event Hubs namespaces accept Entra ID only (no SAS keys).", "high",
         ("MCSB Event Hubs IM-1",), local_auth_disabled, frozenset({NAMESPACE})),
    Rule("evh-minimum-tls", "Event Hubs namespaces require TLS 1.2.", "high", ("MCSB Event Hubs DP-3",),
         minimum_tls, frozenset({NAMESPACE})),
    Rule("evh-network-restricted", "Event Hubs namespaces are private or deny traffic by default.", "high",
         ("MCSB Event Hubs NS-2",), network_restricted, scope="stack"),
)
