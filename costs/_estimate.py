"""The monthly estimate of one offline plan: a price rule per resource type, a price table as data.

Pure: a plan (`{"resources": [...]}`, the offline engine's JSON) in, an `Estimate` out; no Pulumi runtime.
A resource is priced (with the lines that make up its figure), known to be free, or listed as unpriced with
the reason. Nothing unknown is priced as zero: an unknown type, SKU or region makes the resource unpriced.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "PRICED_TYPES",
    "CostLine",
    "Estimate",
    "PriceTable",
    "ResourceCost",
    "Unpriced",
    "compare_with_budget",
    "estimate_plan",
    "load_prices",
    "plan_resources",
]

PRICES_FILE = Path(__file__).with_name("prices.json")


@dataclass(frozen=True)
class PriceTable:
    """`prices.json`: rows of `{unit, source, read_on, skus: {sku: {region: price}}}` plus assumptions."""

    data: Mapping[str, Any]

    @property
    def currency(self) -> str:
        return str(self.data["currency"])

    @property
    def written_on(self) -> str:
        return str(self.data["written_on"])

    @property
    def hours(self) -> float:
        return float(self.data["hours_per_month"])

    @property
    def days(self) -> float:
        return float(self.data["days_per_month"])

    def assumption(self, key: str) -> Any:
        return self.data["assumptions"][key]["value"]

    def assumption_lines(self) -> tuple[str, ...]:
        return tuple(f"{key}: {a['value']} ({a['note']})" for key, a in sorted(self.data["assumptions"].items()))

    def price(self, row: str, sku: str, region: str) -> tuple[float, str]:
        """(price per the row's unit, a reference `row/sku/region`), or `_NoPriceError` saying what is missing."""
        entry = self.data["prices"][row]
        skus = entry["skus"]
        if sku not in skus:
            raise _NoPriceError(f"{row}: SKU {sku!r} is not in the price table (known: {', '.join(sorted(skus))})")
        regions = skus[sku]
        key = region if region in regions else ("global" if "global" in regions else None)
        if key is None:
            raise _NoPriceError(f"{row}/{sku}: no price for region {region!r} (known: {', '.join(sorted(regions))})")
        return float(regions[key]), f"{row}/{sku}/{key} {entry['unit']}"

    def known_free(self, resource_type: str) -> str | None:
        if resource_type in self.data["known_free"]:
            return str(self.data["known_free"][resource_type])
        for prefix, reason in self.data["known_free_prefixes"].items():
            if resource_type.startswith(prefix):
                return str(reason)
        return None


@cache
def _default_prices() -> PriceTable:
    return PriceTable(json.loads(PRICES_FILE.read_text()))


def load_prices(path: str | Path | None = None) -> PriceTable:
    """The shipped price table, or another file of the same shape."""
    return _default_prices() if path is None else PriceTable(json.loads(Path(path).read_text()))


@dataclass(frozen=True)
class CostLine:
    what: str
    monthly_usd: float
    basis: str
    """How the figure was computed, e.g. `0.2300/hour × 730 h × 3 [vm-linux/Standard_D4s_v5/westeurope hour]`."""


@dataclass(frozen=True)
class ResourceCost:
    urn: str
    name: str
    type: str
    region: str | None
    lines: tuple[CostLine, ...]

    @property
    def monthly_usd(self) -> float:
        return sum(line.monthly_usd for line in self.lines)


@dataclass(frozen=True)
class Unpriced:
    urn: str
    name: str
    type: str
    reason: str


@dataclass(frozen=True)
class Estimate:
    """A plan's monthly estimate: priced resources, known-free ones, and what could not be priced."""

    stack: str | None
    resources: tuple[ResourceCost, ...]
    unpriced: tuple[Unpriced, ...]
    free: tuple[tuple[str, str], ...]
    """(urn, why it costs nothing)."""
    currency: str
    prices_written_on: str
    assumptions: tuple[str, ...] = field(default=())
    not_estimated: tuple[str, ...] = field(default=())
    disclaimer: str = ""

    @property
    def total_usd(self) -> float:
        return round(sum(r.monthly_usd for r in self.resources), 2)

    @property
    def complete(self) -> bool:
        """True when every resource was priced or known free (the total is not a lower bound)."""
        return not self.unpriced

    def per_resource(self) -> dict[str, float]:
        return {r.urn: round(r.monthly_usd, 2) for r in self.resources}

    def per_type(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for r in self.resources:
            totals[r.type] = totals.get(r.type, 0.0) + r.monthly_usd
        return {t: round(v, 2) for t, v in sorted(totals.items())}


class _NoPriceError(Exception):
    """A resource cannot be priced; the message says why."""


@dataclass(frozen=True)
class _Context:
    prices: PriceTable
    group_regions: Mapping[str, str]
    cluster_regions: Mapping[tuple[str, str], str]


def _region(value: Any) -> str | None:
    return value.replace(" ", "").lower() if isinstance(value, str) and not value.startswith("[") else None


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or value.startswith("["):
        raise _NoPriceError(f"{what} is not known at preview time ({value!r})")
    return value


def _number(value: Any, default: float, what: str) -> float:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _NoPriceError(f"{what} is not a number at preview time ({value!r})")
    return float(value)


def _resource_region(resource: Mapping[str, Any], ctx: _Context) -> str:
    inputs = resource.get("inputs") or {}
    region = _region(inputs.get("location"))
    if region is None and isinstance(inputs.get("resourceGroupName"), str):
        region = ctx.group_regions.get(inputs["resourceGroupName"])
    if region is None:
        raise _NoPriceError("region unknown (no location, and the resource group is not in the plan)")
    return region


def _hourly(ctx: _Context, row: str, sku: str, region: str, what: str, count: float = 1.0) -> CostLine:
    price, ref = ctx.prices.price(row, sku, region)
    times = f" × {count:g}" if count != 1 else ""
    return CostLine(what, price * ctx.prices.hours * count, f"{price:.4f}/hour × {ctx.prices.hours:g} h{times} [{ref}]")


def _monthly(ctx: _Context, row: str, sku: str, region: str, what: str, quantity: float = 1.0, unit: str = "") -> CostLine:
    price, ref = ctx.prices.price(row, sku, region)
    amount = f" × {quantity:g}{unit}" if quantity != 1 or unit else ""
    return CostLine(what, price * quantity, f"{price:.4f}{amount} [{ref}]")


_DISK_TIERS = ((32, "P4"), (64, "P6"), (128, "P10"), (256, "P15"), (512, "P20"))


def _pool_lines(pool: Mapping[str, Any], region: str, ctx: _Context) -> list[CostLine]:
    pool_name = pool.get("name") or pool.get("agentPoolName") or "pool"
    vm_size = _text(pool.get("vmSize"), f"node pool {pool_name!r} VM size")
    autoscaled = pool.get("enableAutoScaling") is True
    nodes = _number(pool.get("minCount") if autoscaled else pool.get("count"), 1.0, f"node pool {pool_name!r} node count")
    spot = pool.get("scaleSetPriority") == "Spot"
    basis = "minCount (autoscaled)" if autoscaled else "count"
    what = f"{vm_size} × {nodes:g} nodes, pool {pool_name} ({basis}{'; spot priced at pay-as-you-go' if spot else ''})"
    lines = [_hourly(ctx, "vm-linux", vm_size, region, what, nodes)]
    if pool.get("osDiskType", "Managed") == "Managed" and nodes:
        size = _number(pool.get("osDiskSizeGB"), 128.0, f"node pool {pool_name!r} OS disk size")
        tier = next((t for limit, t in _DISK_TIERS if size <= limit), None)
        if tier is None:
            raise _NoPriceError(f"node pool {pool_name!r}: no disk tier in the price table for a {size:g} GiB OS disk")
        lines.append(_monthly(ctx, "managed-disk", tier, region, f"OS disk {tier} × {nodes:g}, pool {pool_name}", nodes))
    return lines


def _managed_cluster(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    tier = _text((inputs.get("sku") or {}).get("tier", "Free"), "AKS tier")
    lines = [_hourly(ctx, "aks-tier", tier, region, f"AKS {tier} tier")]
    for pool in inputs.get("agentPoolProfiles") or []:
        lines += _pool_lines(pool, region, ctx)
    return region, lines


def _agent_pool(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _region(inputs.get("location")) or ctx.cluster_regions.get(
        (str(inputs.get("resourceGroupName")), str(inputs.get("resourceName")))
    )
    if region is None:
        region = _resource_region(resource, ctx)
    return region, _pool_lines(inputs, region, ctx)


def _postgres(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    sku = _text((inputs.get("sku") or {}).get("name"), "PostgreSQL SKU")
    ha = (inputs.get("highAvailability") or {}).get("mode") in ("ZoneRedundant", "SameZone")
    copies = 2.0 if ha else 1.0
    storage = _number((inputs.get("storage") or {}).get("storageSizeGB"), 32.0, "PostgreSQL storage size")
    suffix = " (primary + HA standby)" if ha else ""
    lines = [
        _hourly(ctx, "postgres-compute", sku, region, f"compute {sku}{suffix}", copies),
        _monthly(ctx, "postgres-storage", "storage", region, f"storage {storage:g} GB{suffix}", storage * copies, " GB"),
    ]
    if (inputs.get("backup") or {}).get("geoRedundantBackup") == "Enabled":
        lines.append(_monthly(ctx, "postgres-geo-backup", "geo-redundant", region,
                              f"geo-redundant backup {storage:g} GB (assumed = storage)", storage, " GB"))
    return region, lines


def _managed_redis(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    sku = _text((inputs.get("sku") or {}).get("name"), "Azure Managed Redis SKU")
    ha = inputs.get("highAvailability", "Enabled") != "Disabled"  # Azure's default is Enabled
    factor = 1.0 if ha else float(ctx.prices.data["managed_redis_non_ha_factor"])
    return region, [_hourly(ctx, "managed-redis", sku, region, f"{sku} ({'high availability' if ha else 'no high availability'})", factor)]


def _event_hubs(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    sku = inputs.get("sku") or {}
    name = _text(sku.get("name"), "Event Hubs SKU")
    units = _number(sku.get("capacity"), 1.0, "Event Hubs capacity")
    unit = "processing units" if name == "Premium" else "throughput units"
    return region, [_hourly(ctx, "event-hubs", name, region, f"{name} × {units:g} {unit}", units)]


def _workspace(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    sku = _text((inputs.get("sku") or {}).get("name", "PerGB2018"), "Log Analytics SKU")
    per_day = float(ctx.prices.assumption("log_analytics_gb_per_day"))
    gb = per_day * ctx.prices.days
    lines = [_monthly(ctx, "log-analytics-ingestion", sku, region, f"ingestion {gb:g} GB (assumed {per_day:g} GB/day)", gb, " GB")]
    retention = _number(inputs.get("retentionInDays"), 30.0, "retention")
    if retention > 31:
        stored = per_day * (retention - 31)
        lines.append(_monthly(ctx, "log-analytics-retention", sku, region,
                              f"retention beyond 31 days: {stored:g} GB held ({retention:g} days)", stored, " GB"))
    return region, lines


def _vault(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    sku = str(((inputs.get("properties") or {}).get("sku") or {}).get("name", "standard")).lower()
    operations = float(ctx.prices.assumption("key_vault_operations_per_month"))
    return region, [_monthly(ctx, "key-vault-operations", sku, region, f"{operations:g} operations (assumed)", operations / 10_000,
                     " × 10k operations")]


def _registry(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    sku = _text((inputs.get("sku") or {}).get("name"), "Container Registry SKU")
    return region, [_monthly(ctx, "container-registry", sku, region, f"{sku} registry", ctx.prices.days, " days")]


def _private_endpoint(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    region = _resource_region(resource, ctx)
    return region, [_hourly(ctx, "private-endpoint", "endpoint", region, "private endpoint")]


def _private_zone(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    return "global", [_monthly(ctx, "private-dns-zone", "zone", "global", "hosted zone")]


def _grafana(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    inputs = resource["inputs"]
    region = _resource_region(resource, ctx)
    sku = _text((inputs.get("sku") or {}).get("name"), "Managed Grafana SKU")
    users = float(ctx.prices.assumption("grafana_active_users"))
    return region, [
        _hourly(ctx, "managed-grafana", sku, region, f"{sku} instance"),
        _monthly(ctx, "managed-grafana-users", sku, region, f"{users:g} active users (assumed)", users, " users"),
    ]


def _monitor_workspace(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    region = _resource_region(resource, ctx)
    millions = float(ctx.prices.assumption("monitor_workspace_samples_per_month_millions"))
    return region, [_monthly(ctx, "monitor-workspace-ingestion", "metrics", region, f"{millions:g} million samples (assumed)",
                     millions / 10, " × 10M samples")]


def _front_door(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    sku = _text((resource["inputs"].get("sku") or {}).get("name"), "Front Door SKU")
    return "global", [_monthly(ctx, "front-door", sku, "global", f"{sku} base fee")]


def _metric_alert(resource: Mapping[str, Any], ctx: _Context) -> tuple[str, list[CostLine]]:
    return "global", [_monthly(ctx, "metric-alert", "time-series", "global", "one monitored time series")]


_RULES: dict[str, Callable[[Mapping[str, Any], _Context], tuple[str, list[CostLine]]]] = {
    "azure-native:containerservice:ManagedCluster": _managed_cluster,
    "azure-native:containerservice:AgentPool": _agent_pool,
    "azure-native:dbforpostgresql:Server": _postgres,
    "azure-native:redisenterprise:RedisEnterprise": _managed_redis,
    "azure-native:eventhub:Namespace": _event_hubs,
    "azure-native:operationalinsights:Workspace": _workspace,
    "azure-native:keyvault:Vault": _vault,
    "azure-native:containerregistry:Registry": _registry,
    "azure-native:network:PrivateEndpoint": _private_endpoint,
    "azure-native:privatedns:PrivateZone": _private_zone,
    "azure-native:dashboard:Grafana": _grafana,
    "azure-native:monitor:AzureMonitorWorkspace": _monitor_workspace,
    "azure-native:monitor:MetricAlert": _metric_alert,
    "azure-native:cdn:Profile": _front_door,
}
"""Resource type -> its price rule, giving (region priced in, lines). A type in neither this table nor the table's `known_free` is unpriced."""

PRICED_TYPES = frozenset(_RULES)


def plan_resources(plan: Any) -> list[Mapping[str, Any]]:
    """The resources of a plan given as its JSON dict or as an object with `to_json()` (offline.Plan)."""
    data = plan.to_json() if hasattr(plan, "to_json") else plan
    return list(data.get("resources") or [])


def _context(resources: Iterable[Mapping[str, Any]], prices: PriceTable) -> _Context:
    groups: dict[str, str] = {}
    clusters: dict[tuple[str, str], str] = {}
    for r in resources:
        inputs = r.get("inputs") or {}
        region = _region(inputs.get("location"))
        if region is None:
            continue
        if r.get("type") == "azure-native:resources:ResourceGroup" and isinstance(inputs.get("resourceGroupName"), str):
            groups[inputs["resourceGroupName"]] = region
        if r.get("type") == "azure-native:containerservice:ManagedCluster":
            clusters[(str(inputs.get("resourceGroupName")), str(inputs.get("resourceName")))] = region
    return _Context(prices, groups, clusters)


def estimate_plan(plan: Any, *, prices: PriceTable | None = None) -> Estimate:
    """Price every custom resource of `plan` (`{"resources": [...]}`, or an `offline.Plan`) for one month."""
    table = prices or load_prices()
    resources = plan_resources(plan)
    ctx = _context(resources, table)
    priced: list[ResourceCost] = []
    unpriced: list[Unpriced] = []
    free: list[tuple[str, str]] = []
    for r in resources:
        if not r.get("custom", True):
            continue  # component resources: their children are priced
        urn, name, typ = str(r.get("urn", "")), str(r.get("name", "")), str(r.get("type", ""))
        rule = _RULES.get(typ)
        if rule is None:
            why = table.known_free(typ)
            if why is not None:
                free.append((urn, why))
            else:
                unpriced.append(Unpriced(urn, name, typ, "no price rule for this resource type"))
            continue
        try:
            region, found = rule(r, ctx)
            lines = tuple(found)
        except _NoPriceError as missing:
            unpriced.append(Unpriced(urn, name, typ, str(missing)))
            continue
        if not all(math.isfinite(line.monthly_usd) and line.monthly_usd >= 0 for line in lines):
            unpriced.append(Unpriced(urn, name, typ, "the price rule gave a figure that is not a finite amount"))
            continue
        priced.append(ResourceCost(urn, name, typ, region, lines))
    data = plan.to_json() if hasattr(plan, "to_json") else plan
    return Estimate(
        stack=data.get("stack"),
        resources=tuple(priced),
        unpriced=tuple(unpriced),
        free=tuple(free),
        currency=table.currency,
        prices_written_on=table.written_on,
        assumptions=table.assumption_lines(),
        not_estimated=tuple(table.data.get("not_estimated") or ()),
        disclaimer=str(table.data.get("disclaimer", "")),
    )


def compare_with_budget(estimate: Estimate, budget_usd_per_month: float, first_threshold_percent: float = 50.0) -> list[str]:
    """Warnings for the stack's budget: the estimate is over the budget, or (when it is not) over the budget's
    first Actual notification threshold, which would then e-mail every month; and a note when the estimate is
    a lower bound because something could not be priced. An empty list means no warning."""
    if not budget_usd_per_month > 0:
        raise ValueError(f"budget_usd_per_month must be greater than 0, got {budget_usd_per_month!r}")
    if not 0 < first_threshold_percent <= 1000:
        raise ValueError(f"first_threshold_percent must be in (0, 1000], got {first_threshold_percent!r}")
    total = estimate.total_usd
    share = 100 * total / budget_usd_per_month
    warnings = []
    if total > budget_usd_per_month:
        warnings.append(
            f"estimated ${total:,.2f}/month is over the budget of ${budget_usd_per_month:,.2f} ({share:.0f} %): "
            "raise the budget or size the stack down"
        )
    elif share > first_threshold_percent:
        threshold = budget_usd_per_month * first_threshold_percent / 100
        warnings.append(
            f"estimated ${total:,.2f}/month is over the first budget alert ({first_threshold_percent:g} % = "
            f"${threshold:,.2f}): that alert would fire every month"
        )
    if estimate.unpriced:
        warnings.append(
            f"{len(estimate.unpriced)} resource(s) could not be priced, so the estimate is a lower bound: "
            + ", ".join(sorted(u.name for u in estimate.unpriced))
        )
    return warnings
