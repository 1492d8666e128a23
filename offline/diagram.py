"""A picture of a plan: a Mermaid flowchart of its components, their main resources and their dependencies.

    from sentimark_platform.offline.diagram import to_mermaid
    text = to_mermaid(plan)          # Mermaid source, without the ```mermaid fence

What it draws, from the recorded plan alone (a pure function: no Pulumi runtime, no files):
- each top-level component (a component resource whose parent is the stack) as a subgraph holding its main
  resources; several resources of one type become one node with a count (`Release ×5`). Cross-cutting
  resources (role assignments, diagnostic settings, locks, network policies, alerts, ...) are not drawn: their
  numbers are folded into the subgraph's title (`+ 2 role assignments · 1 lock`);
- resources created outside any component (resource groups) as plain nodes;
- regions as outer groups. A component's region is the most common Azure location of its resources: their
  `location` input, else the location of the resource group named in `resourceGroupName`. A component with
  no located resource (Kubernetes objects) is placed by its name: a name token that appears in the names of
  one region's resource groups and components only (`app-neu-api` → the region of `rg-app-prod-neu`),
  else by the regions of the components it depends on when they agree; otherwise it is drawn in "Global";
- an edge `A --> B` when something in component A depends on something in component B (A uses B); dotted
  (`A -.-> B`) when only folded resources depend (e.g. a diagnostic setting sending logs to a workspace).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sentimark_platform.offline.plan import Plan, PlannedResource

__all__ = ["FOLDED_TYPES", "GLOBAL", "to_mermaid"]

GLOBAL = "Global"
"""The group of components without a region (global Azure resources, or none inferable)."""

_STACK = "pulumi:pulumi:Stack"
_GLOBAL_LOCATIONS = frozenset({"global", ""})

FOLDED_TYPES: Mapping[str, tuple[str, str]] = {
    "azure-native:authorization:RoleAssignment": ("role assignment", "role assignments"),
    "azure-native:authorization:ManagementLockByScope": ("lock", "locks"),
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": ("lock", "locks"),
    "azure-native:monitor:DiagnosticSetting": ("diagnostic setting", "diagnostic settings"),
    "azure-native:monitor:SubscriptionDiagnosticSetting": ("activity log export", "activity log exports"),
    "azure-native:monitor:MetricAlert": ("metric alert", "metric alerts"),
    "azure-native:monitor:DataCollectionRuleAssociation": ("collection rule association", "collection rule associations"),
    "azure-native:alertsmanagement:PrometheusRuleGroup": ("Prometheus rule group", "Prometheus rule groups"),
    "azure-native:network:PrivateDnsZoneGroup": ("DNS zone group", "DNS zone groups"),
    "azure-native:privatedns:VirtualNetworkLink": ("VNet link", "VNet links"),
    "azure-native:operationalinsights:Table": ("table", "tables"),
    "azure-native:dbforpostgresql:Configuration": ("server parameter", "server parameters"),
    "azure-native:eventhub:ConsumerGroup": ("consumer group", "consumer groups"),
    "azure-native:eventhub:NamespaceNetworkRuleSet": ("network rule set", "network rule sets"),
    "azure-native:redisenterprise:AccessPolicyAssignment": ("access policy assignment", "access policy assignments"),
    "azure-native:containerservice:MaintenanceConfiguration": ("maintenance window", "maintenance windows"),
    "azure-native:keyvault:Secret": ("vault secret", "vault secrets"),
    "random:index/randomPassword:RandomPassword": ("generated password", "generated passwords"),
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": ("network policy", "network policies"),
    "kubernetes:core/v1:LimitRange": ("limit range", "limit ranges"),
    "kubernetes:core/v1:ResourceQuota": ("quota", "quotas"),
    "kubernetes:policy/v1:PodDisruptionBudget": ("disruption budget", "disruption budgets"),
    "kubernetes:security.istio.io/v1:PeerAuthentication": ("mTLS policy", "mTLS policies"),
}
"""Cross-cutting resource types counted in a component's title instead of drawn (singular, plural).
Provider resources (`pulumi:providers:*`) are folded as "provider(s)"."""


def to_mermaid(plan: Plan) -> str:
    """The plan as a Mermaid `flowchart LR` (see the module docstring). Deterministic for a given plan."""
    by_urn = plan.by_urn()
    tops = _top_level(plan.resources, by_urn)
    components = sorted((r for r in plan.resources if _is_component(r) and tops[r.urn] == r.urn),
                        key=lambda r: (r.name, r.urn))
    standalone = sorted((r for r in plan.resources if r.custom and tops[r.urn] == r.urn), key=lambda r: (r.name, r.urn))
    members: dict[str, list[PlannedResource]] = defaultdict(list)
    for r in plan.resources:
        if r.custom and tops.get(r.urn) in {c.urn for c in components}:
            members[tops[r.urn]].append(r)

    locations = _resource_locations(plan.resources)
    region_of = _regions(components, standalone, members, locations, by_urn, tops)
    ids = _ids([*(c.urn for c in components), *(r.urn for r in standalone)], by_urn)

    lines = ["flowchart LR"]
    groups: dict[str, list[str]] = defaultdict(list)
    for c in components:
        groups[region_of[c.urn]].append(c.urn)
    for r in standalone:
        groups[region_of[r.urn]].append(r.urn)
    for index, region in enumerate(sorted(groups, key=lambda g: (g == GLOBAL, g))):
        lines.append(f'    subgraph region{index}["{_label(region)}"]')
        lines.append("        direction TB")
        for urn in groups[region]:
            resource = by_urn[urn]
            if resource.custom:
                lines.append(f'        {ids[urn]}["{_label(_type_name(resource.type))}<br/>{_label(resource.name)}"]')
                continue
            lines += _component_block(resource, members[urn], ids[urn])
        lines.append("    end")

    edges = _edges(plan.resources, tops, {c.urn for c in components})
    for source, target, solid in sorted((ids[s], ids[t], solid) for (s, t), solid in edges.items()):
        lines.append(f"    {source} {'-->' if solid else '-.->'} {target}")
    return "\n".join(lines) + "\n"


def _is_component(r: PlannedResource) -> bool:
    return not r.custom and r.type != _STACK


def _top_level(resources: Sequence[PlannedResource], by_urn: Mapping[str, PlannedResource]) -> dict[str, str]:
    """URN -> the URN of its outermost ancestor below the stack (itself when it has none)."""
    tops: dict[str, str] = {}
    for r in resources:
        if r.type == _STACK:
            continue
        current = r
        while current.parent is not None and current.parent in by_urn and by_urn[current.parent].type != _STACK:
            current = by_urn[current.parent]
        tops[r.urn] = current.urn
    return tops


def _resource_locations(resources: Iterable[PlannedResource]) -> dict[str, tuple[str, bool]]:
    """URN -> (Azure location, whether the resource states it): its `location` input, else the location of
    the resource group named in `resourceGroupName`."""
    group_locations = {
        str(r.inputs.get("resourceGroupName") or r.name): r.inputs["location"]
        for r in resources
        if r.type == "azure-native:resources:ResourceGroup" and isinstance(r.inputs.get("location"), str)
    }
    located: dict[str, tuple[str, bool]] = {}
    for r in resources:
        location, explicit = r.inputs.get("location"), True
        if not isinstance(location, str) or location.startswith("["):
            location, explicit = group_locations.get(str(r.inputs.get("resourceGroupName"))), False
        if isinstance(location, str):
            located[r.urn] = (GLOBAL if location.lower() in _GLOBAL_LOCATIONS else location, explicit)
    return located


def _regions(
    components: Sequence[PlannedResource],
    standalone: Sequence[PlannedResource],
    members: Mapping[str, Sequence[PlannedResource]],
    locations: Mapping[str, tuple[str, bool]],
    by_urn: Mapping[str, PlannedResource],
    tops: Mapping[str, str],
) -> dict[str, str]:
    region: dict[str, str] = {r.urn: locations.get(r.urn, (GLOBAL, False))[0] for r in standalone}
    unplaced: list[PlannedResource] = []
    for c in components:
        located = [locations[r.urn] for r in members.get(c.urn, ()) if r.urn in locations]
        # Locations the resources state win over those of their resource groups (Front Door's profile says
        # "global" while it sits in a regional resource group).
        found = Counter(loc for loc, explicit in located if explicit) or Counter(loc for loc, _ in located)
        regional = [(n, loc) for loc, n in found.items() if loc != GLOBAL]
        if regional:
            region[c.urn] = sorted(regional, key=lambda item: (-item[0], item[1]))[0][1]
        elif found:
            region[c.urn] = GLOBAL
        else:
            unplaced.append(c)

    # Name tokens that only one region's resource groups and placed components carry (e.g. "neu").
    tokens: dict[str, set[str]] = defaultdict(set)
    for urn, loc in region.items():
        if loc != GLOBAL:
            tokens[loc] |= _tokens(by_urn[urn])
    distinctive = {loc: own - set().union(*(t for other, t in tokens.items() if other != loc)) for loc, own in tokens.items()}
    still: list[PlannedResource] = []
    for c in unplaced:
        matches = sorted(loc for loc, own in distinctive.items() if _tokens(c) & own)
        if len(matches) == 1:
            region[c.urn] = matches[0]
        else:
            still.append(c)

    # Last: the regions of what the component depends on, when they agree.
    for c in still:
        found_regions = {region.get(tops.get(d, "")) for r in (c, *members.get(c.urn, ())) for d in r.dependencies}
        targets = {t for t in found_regions if t is not None and t != GLOBAL}
        region[c.urn] = targets.pop() if len(targets) == 1 else GLOBAL
    return region


def _tokens(resource: PlannedResource) -> set[str]:
    names = [resource.name, str(resource.inputs.get("resourceGroupName") or "")]
    return {t for name in names for t in re.split(r"[^A-Za-z0-9]+", name.lower()) if t}


def _edges(resources: Iterable[PlannedResource], tops: Mapping[str, str], components: set[str]) -> dict[tuple[str, str], bool]:
    """(dependent component, dependency component) -> True when a drawn (not folded) resource depends."""
    edges: dict[tuple[str, str], bool] = {}
    for r in resources:
        source = tops.get(r.urn)
        if source not in components:
            continue
        for dependency in r.dependencies:
            target = tops.get(dependency)
            if target in components and target != source:
                solid = not _is_folded(r.type)
                edges[(source, target)] = edges.get((source, target), False) or solid
    return edges


def _is_folded(type_token: str) -> bool:
    return type_token in FOLDED_TYPES or type_token.startswith("pulumi:providers:")


def _component_block(component: PlannedResource, members: Sequence[PlannedResource], node_id: str) -> list[str]:
    folded: Counter[str] = Counter()
    drawn: dict[str, list[PlannedResource]] = defaultdict(list)
    for r in members:
        if _is_folded(r.type):
            folded[r.type] += 1
        else:
            drawn[r.type].append(r)
    title = f"{_type_name(component.type)} {component.name}"
    if folded:
        by_kind: Counter[tuple[str, str]] = Counter()
        for type_token, n in folded.items():
            by_kind[FOLDED_TYPES.get(type_token, ("provider", "providers"))] += n
        title += "<br/>+ " + " · ".join(
            f"{n} {singular if n == 1 else plural}" for (singular, plural), n in sorted(by_kind.items())
        )
    lines = [f'        subgraph {node_id}["{_label(title)}"]']
    for index, (type_token, items) in enumerate(sorted(drawn.items(), key=lambda item: _type_name(item[0]))):
        text = (
            f"{_type_name(type_token)}<br/>{items[0].name}" if len(items) == 1 else f"{_type_name(type_token)} ×{len(items)}"
        )
        lines.append(f'            {node_id}_{index}["{_label(text)}"]')
    if not drawn:
        lines.append(f'            {node_id}_0["(no resources)"]')
    lines.append("        end")
    return lines


_TYPE_NAMES = {
    "azure-native:applicationinsights:Component": "ApplicationInsights",
    "kubernetes:helm.sh/v3:Release": "HelmRelease",
    "kubernetes:helm.sh/v4:Chart": "HelmChart",
}


def _type_name(type_token: str) -> str:
    """`azure-native:containerservice:ManagedCluster` -> ManagedCluster; `sentimark:index:KeyVault` -> KeyVault."""
    return _TYPE_NAMES.get(type_token) or type_token.rsplit(":", 1)[-1] or type_token


def _ids(urns: Sequence[str], by_urn: Mapping[str, PlannedResource]) -> dict[str, str]:
    """Readable, unique Mermaid ids from resource names (`aks-weu` -> c_aks_weu)."""
    ids: dict[str, str] = {}
    used: set[str] = set()
    for urn in urns:
        base = "c_" + (re.sub(r"[^A-Za-z0-9]+", "_", by_urn[urn].name).strip("_") or "resource")
        candidate, n = base, 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        ids[urn] = candidate
    return ids


def _label(text: str) -> str:
    """Text safe inside a quoted Mermaid label (quotes as entities; `<br/>` kept)."""
    return text.replace('"', "#quot;")
