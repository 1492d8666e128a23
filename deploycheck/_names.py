"""Rules: will the second run, the re-creation of a stack and a replacement go through?"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from sentimark_platform.deploycheck._azure import label
from sentimark_platform.deploycheck._model import DeployContext, Finding, Rule

__all__ = ["RULES"]

_DNS_LABEL = "service.beta.kubernetes.io/azure-dns-label-name"
_SUFFIXED = re.compile(r"^[a-z0-9-]+-[a-z0-9]{4,8}$")


def _event_hubs_tier(ctx: DeployContext) -> Iterator[Finding]:
    tiers = {str(n.inputs.get("namespaceName")): str((n.inputs.get("sku") or {}).get("name", ""))
             for n in ctx.plan.of_type("azure-native:eventhub:Namespace")}
    for rules in ctx.plan.of_type("azure-native:eventhub:NamespaceNetworkRuleSet"):
        namespace = str(rules.inputs.get("namespaceName"))
        if tiers.get(namespace, "").lower() == "basic" and (rules.inputs.get("ipRules") or rules.inputs.get("virtualNetworkRules")):
            yield Finding("eventhubs-network-rules-tier", label(rules),
                          f"IP or virtual network rules on the Basic namespace {namespace}: the Basic tier does not "
                          "support them and Azure refuses the rule set; use Standard, or no allow-list")


def _purge_protected_names(ctx: DeployContext) -> Iterator[Finding]:
    randoms = {r.urn for r in ctx.plan.resources if r.type.startswith("random:")}
    for vault in ctx.plan.of_type("azure-native:keyvault:Vault"):
        properties = vault.inputs.get("properties") or {}
        # A protected vault is never deleted by `pulumi destroy` (it refuses), so its fixed name is never reused.
        if (properties.get("enablePurgeProtection") and "vaultName" in vault.inputs and not vault.protect
                and not randoms & set(vault.dependencies)):
            yield Finding("purge-protected-names-reusable", label(vault),
                          f"purge-protected vault with the fixed name {vault.inputs['vaultName']!r}: after a destroy the "
                          "name stays reserved for the retention period, so the stack cannot be created again for up "
                          "to 90 days; add a random suffix (pulumi_random.RandomString) to the name")


def _budget_start(ctx: DeployContext) -> Iterator[Finding]:
    month = ctx.today.replace(day=1)
    for budget in ctx.plan.of_type("azure-native:consumption:Budget"):
        start = (budget.inputs.get("timePeriod") or {}).get("startDate")
        try:
            day: dt.date | None = dt.date.fromisoformat(str(start)[:10])
        except ValueError:
            day = None  # unknown offline (an Output): only the ignore_changes check applies
        if day is not None and day < month:
            yield Finding("budget-start-date", label(budget),
                          f"timePeriod.startDate {start} is before the current month ({month}): creating or replacing "
                          "the budget now is refused (a past start must fall within the current time grain); send the "
                          "first of the current month or later")
        if not any(p.startswith("timePeriod.startDate") or p == "timePeriod" for p in budget.ignore_changes):
            yield Finding("budget-start-date", label(budget),
                          "timePeriod.startDate is not in ignore_changes: Azure refuses to change it after creation, "
                          "so the next month's run would fail")


def _seeded_names(ctx: DeployContext) -> Iterator[Finding]:
    for release in ctx.plan.of_type("kubernetes:helm.sh/v3:Release"):
        annotations = ((release.inputs.get("values") or {}).get("service") or {}).get("annotations") or {}
        value = annotations.get(_DNS_LABEL) if isinstance(annotations, dict) else None
        if isinstance(value, str) and not _SUFFIXED.match(value):
            yield Finding("globally-unique-names-seeded", label(release),
                          f"public DNS label {value!r} has no seeded suffix: <label>.<region>.cloudapp.azure.com is "
                          "unique across Azure, so a fork or a second organisation collides with it; end it with the "
                          "stack's stable suffix (uniqueNameSeed)")


RULES = (
    Rule("eventhubs-network-rules-tier", "Azure refuses IP rules on a Basic Event Hubs namespace",
         ("https://learn.microsoft.com/azure/event-hubs/event-hubs-ip-filtering",), _event_hubs_tier),
    Rule("purge-protected-names-reusable", "a destroyed stack cannot be created again for 90 days (vault name taken)",
         ("https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview",), _purge_protected_names),
    Rule("budget-start-date", "a replaced budget is refused (start date in the past), or an update is",
         ("https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update",), _budget_start),
    Rule("globally-unique-names-seeded", "the gateway's public IP cannot take its DNS label (already in use)",
         ("https://learn.microsoft.com/azure/aks/static-ip#apply-a-dns-label-to-the-service",), _seeded_names),
)
