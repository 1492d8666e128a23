"""Cross-cutting rules: FinOps tags, diagnostic settings, locks and `protect` on stateful resources, RBAC."""

from __future__ import annotations

from collections.abc import Sequence

from ._base import Finding, Resource, Rule, lookup, resource_label, shown
from ._taggable import TAGGABLE_TYPES

FINOPS_TAGS = ("environment", "owner", "cost-center", "service", "managed-by")
"""The tags cost reports group by (components/_tags.py spells the same set)."""

# TAGGABLE_TYPES (generated, in _taggable.py): azure-native types whose resources accept `tags`. Any other
# azure-native resource that sends `tags` is checked too.

DIAGNOSTIC_TYPES = frozenset({
    "azure-native:containerservice:ManagedCluster",
    "azure-native:keyvault:Vault",
    "azure-native:dbforpostgresql:Server",
    "azure-native:redisenterprise:RedisEnterprise",
    "azure-native:redis:Redis",
    "azure-native:eventhub:Namespace",
    "azure-native:containerregistry:Registry",
    "azure-native:storage:StorageAccount",
    "azure-native:network:ApplicationGateway",
    "azure-native:dashboard:Grafana",
    "azure-native:cdn:Profile",
})
"""Types whose resource logs matter for security and operations and that support diagnostic settings.
The Log Analytics workspace and Application Insights are the destinations themselves, not listed."""

STATEFUL_TYPES = frozenset({
    "azure-native:keyvault:Vault",
    "azure-native:dbforpostgresql:Server",
    "azure-native:redisenterprise:RedisEnterprise",
    "azure-native:redis:Redis",
    "azure-native:eventhub:Namespace",
    "azure-native:operationalinsights:Workspace",
    "azure-native:monitor:AzureMonitorWorkspace",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:storage:StorageAccount",
})
"""Resources whose deletion loses data that cannot be rebuilt from code (a registry's images can be): an AKS
cluster's etcd holds what GitOps and the operators wrote, a monitor workspace the metrics history."""

DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
LOCK_TYPES = frozenset({
    "azure-native:authorization:ManagementLockByScope",
    "azure-native:authorization:ManagementLockAtResourceLevel",
    "azure-native:authorization:ManagementLockAtResourceGroupLevel",
})
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PRIVILEGED_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}
CONSTRAINABLE_ROLES = {"f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator"}


def finops_tags(resource: Resource) -> list[str]:
    if not resource.type.startswith("azure-native:"):
        return []
    if resource.type not in TAGGABLE_TYPES and "tags" not in resource.inputs:
        return []
    tags = lookup(resource.inputs, "tags") or {}
    missing = [name for name in FINOPS_TAGS if not (isinstance(tags, dict) and tags.get(name))]
    if not missing:
        return []
    return [f"tags lack {', '.join(missing)}; every taggable resource carries {', '.join(FINOPS_TAGS)} "
            "(components take `tags=finops_tags(...)`)"]


def diagnostics_coverage(resources: Sequence[Resource]) -> list[Finding]:
    settings = [r for r in resources if r.type == DIAGNOSTIC_SETTING]
    findings = []
    for target in resources:
        if target.type not in DIAGNOSTIC_TYPES:
            continue
        mine = [s for s in settings if target.urn in s.dependencies]
        if not mine:
            findings.append(Finding(target.urn, f"{resource_label(target.urn)} has no diagnostic setting; send its logs to the "
                                                "Log Analytics workspace (diagnostic_settings={'workspace_id': ...})"))
            continue
        useful = [
            s for s in mine
            if any(lookup(s.inputs, k) for k in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"))
            and any(isinstance(log, dict) and log.get("enabled") for log in (lookup(s.inputs, "logs") or []))
        ]
        if not useful:
            findings.append(Finding(target.urn, f"{resource_label(target.urn)}: its diagnostic settings enable no log category "
                                                "or have no destination; enable allLogs/audit to a workspace"))
    return findings


def _locked(target: Resource, locks: Sequence[Resource], groups: dict[str, Resource]) -> bool:
    for lock in locks:
        if lookup(lock.inputs, "level") not in ("CanNotDelete", "ReadOnly"):
            continue
        if target.urn in lock.dependencies:
            return True
        group_name = target.inputs.get("resourceGroupName")
        if lock.type.endswith("ManagementLockAtResourceGroupLevel") and group_name and lock.inputs.get("resourceGroupName") == group_name:
            return True
        lock_groups = [d for d in lock.dependencies if d in groups]
        if lock_groups and len(lock_groups) == len(lock.dependencies) and any(g in target.dependencies for g in lock_groups):
            return True  # a lock whose scope is the target's resource group
    return False


SUBSCRIPTION_DIAGNOSTIC_SETTING = "azure-native:monitor:SubscriptionDiagnosticSetting"


def activity_log_exported(resources: Sequence[Resource]) -> list[Finding]:
    """A stack that owns a Log Analytics workspace sends its subscription's activity log there: who changed what,
    and policy and security events, outlive the portal's 90 days and can be queried and alerted on with the stack's
    logs. A stack without a workspace (a project on another's clusters, the bootstrap) has nowhere to send it."""
    if not any(r.type == "azure-native:operationalinsights:Workspace" for r in resources):
        return []
    for setting in resources:
        if setting.type != SUBSCRIPTION_DIAGNOSTIC_SETTING or not lookup(setting.inputs, "workspaceId"):
            continue
        logs = lookup(setting.inputs, "logs") or []
        if any(isinstance(log, dict) and log.get("enabled") and log.get("categoryGroup") == "allLogs" for log in logs):
            return []
    return [Finding(None, "no subscription diagnostic setting sends the activity log (categoryGroup allLogs) to a "
                          "Log Analytics workspace; give Monitoring `activity_log_setting_name`")]


def locks_on_stateful(resources: Sequence[Resource]) -> list[Finding]:
    locks = [r for r in resources if r.type in LOCK_TYPES]
    groups = {r.urn: r for r in resources if r.type == RESOURCE_GROUP}
    return [
        Finding(r.urn, f"{resource_label(r.urn)} holds data and has no CanNotDelete lock; pass lock={{'kind': 'CanNotDelete'}}")
        for r in resources
        if r.type in STATEFUL_TYPES and not _locked(r, locks, groups)
    ]


def protect_stateful(resource: Resource) -> list[str]:
    if resource.protect:
        return []
    return ["the resource holds data and is not protected; register it with ResourceOptions(protect=True) "
            "so that `pulumi destroy` or a replacement cannot delete it"]


def no_privileged_roles(resource: Resource) -> list[str]:
    definition = str(lookup(resource.inputs, "roleDefinitionId") or "").lower()
    guid = definition.rsplit("/", 1)[-1]
    if guid in PRIVILEGED_ROLES:
        return [f"assigns {PRIVILEGED_ROLES[guid]} (roleDefinitionId {guid}); grant a narrower role"]
    if guid in CONSTRAINABLE_ROLES and not lookup(resource.inputs, "condition"):
        return [f"assigns {CONSTRAINABLE_ROLES[guid]} without a condition; constrain the roles it may assign "
                f"(condition, conditionVersion 2.0), currently {shown(lookup(resource.inputs, 'condition'))}"]
    return []


RULES = (
    Rule("activity-log-exported", "A stack with a Log Analytics workspace exports its subscription's activity log to it.",
         "medium",
         ("CIS Azure 5.1.1", "MCSB LT-4"), activity_log_exported, scope="stack"),
    Rule("finops-tags", "Every taggable resource carries the FinOps tags.", "medium",
         ("Microsoft Cloud Adoption Framework: tagging", "platform design: FinOps"),
         finops_tags),
    Rule("diagnostic-settings", "Every resource that supports it sends its logs to Log Analytics.", "medium",
         ("CIS Azure 5 (logging and monitoring)", "MCSB LT-3"), diagnostics_coverage, scope="stack"),
    Rule("locks-on-stateful", "Stateful resources carry a CanNotDelete lock in uat and prod.", "high",
         ("platform design: uat/prod locks", "MCSB BR-2"), locks_on_stateful, scope="stack",
         environments=frozenset({"uat", "prod"})),
    Rule("protect-stateful", "Stateful resources are protected from deletion by Pulumi in prod.", "high",
         ("platform design: prod protect",), protect_stateful, STATEFUL_TYPES, environments=frozenset({"prod"})),
    Rule("rbac-no-privileged-roles", "No Owner or User Access Administrator assignments; RBAC Administrator only constrained.",
         "high", ("MCSB PA-1", "MCSB PA-7"), no_privileged_roles,
         frozenset({ROLE_ASSIGNMENT})),
)
