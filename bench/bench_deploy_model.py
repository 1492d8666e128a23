"""A modeled `pulumi up` from an empty stack: how long the longest chain of creates takes, and why.

    .venv/bin/python -m bench.bench_deploy_model [--stack prod] [--project-dir .] [--durations FILE] [--top 12]

Nothing is deployed. The stack is previewed offline; every custom resource of the plan gets a create
duration from `bench/provisioning_durations.json` (per type, low/typical/high, each with its source or
marked "estimate"), and the plan's dependency graph gives the earliest finish of every resource.

How Pulumi schedules, as modeled here (pulumi 3.x Python SDK and engine):
- A resource is created once everything in its `dependencies` exists. The SDK sends as `dependencies`
  its explicit `depends_on` plus every resource whose outputs feed its inputs; a component named there is
  expanded to the custom resources under it (`pulumi/runtime/rpc.py` `_add_dependency`). The SDK awaits
  the URN of each (a custom resource's URN resolves only when its create has finished) before it registers.
- A resource also waits for its parent's URN. A component's URN resolves only after the component's own
  `dependencies` (its `depends_on`) have finished, so every resource inside a component inherits the
  dependencies of each component above it; a child of a custom resource waits for that resource.
- A resource created through an explicit provider (the Kubernetes resources) waits for that provider,
  which waits for the cluster and its node pools. Plans do not record providers, so this script captures
  them while previewing (it wraps `offline.engine.RecordingMonitor.RegisterResource`; nothing is changed).
- Parallelism is unbounded (the CLI's default) and every create takes its typical duration; a failed and
  retried create, Azure throttling and the engine's own overhead are not modeled.

The unavoidable chain is the part of the graph a routed application cannot do without: resource group ->
network (security groups, virtual network) -> cluster -> node pool -> Kubernetes provider -> mesh
(namespaces, the Istio base CRDs, istiod, the ingress gateway) -> routing (VirtualServices), measured as the
longest path through those resources alone (None when the plan routes no application). The ratio critical path / unavoidable chain is 1.00 when nothing else
takes longer; above 1.00 the report lists the critical path and, for each of its edges, how much the path
would shrink without that edge (what an unnecessary edge costs, or what a long parallel branch adds).
"""

from __future__ import annotations

import argparse
import fnmatch
import itertools
import json
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
DURATIONS_FILE = Path(__file__).with_name("provisioning_durations.json")

CHAIN_TYPES = frozenset({
    "azure-native:resources:ResourceGroup",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:VirtualNetwork",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:containerservice:AgentPool",
    "pulumi:providers:kubernetes",
    "kubernetes:core/v1:Namespace",
})
CHAIN_CHARTS = frozenset({"base", "istiod", "gateway"})
ROUTING_TYPE = "kubernetes:networking.istio.io/v1:VirtualService"


# --- durations --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duration:
    low: float
    typical: float
    high: float
    source: str

    @property
    def cited(self) -> bool:
        return not self.source.startswith("estimate") and "http" in self.source


def load_durations(path: str | Path = DURATIONS_FILE) -> dict[str, Any]:
    """The duration table; raises ValueError naming the entry that is malformed."""
    table = json.loads(Path(path).read_text(encoding="utf-8"))
    entries = [("default", table["default"])]
    entries += [(f"prefixes[{k!r}]", v) for k, v in table.get("prefixes", {}).items()]
    for type_token, entry in table.get("types", {}).items():
        entries.append((f"types[{type_token!r}]", entry))
        entries += [(f"types[{type_token!r}].variants[{i}]", v) for i, v in enumerate(entry.get("variants", []))]
    for where, entry in entries:
        _duration(entry, where)
    return table


def _duration(entry: Mapping[str, Any], where: str = "entry") -> Duration:
    seconds = entry.get("seconds")
    if not (isinstance(seconds, list) and len(seconds) == 2 and all(isinstance(s, (int, float)) for s in seconds)
            and 0 <= seconds[0] <= seconds[1]):
        raise ValueError(f"{where}: `seconds` must be [low, high] with 0 <= low <= high, got {seconds!r}")
    low, high = float(seconds[0]), float(seconds[1])
    typical = float(entry.get("typical", (low + high) / 2))
    if not low <= typical <= high:
        raise ValueError(f"{where}: `typical` {typical:g} is outside [{low:g}, {high:g}]")
    source = entry.get("source")
    if not isinstance(source, str) or not source:
        raise ValueError(f"{where}: every duration needs a `source` (a URL, or \"estimate\")")
    return Duration(low, typical, high, source)


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def duration_of(resource: Mapping[str, Any], table: Mapping[str, Any]) -> Duration:
    """The create duration of one plan resource: its type's first matching variant, the type, a prefix, or the default."""
    type_token = str(resource["type"])
    entry = table.get("types", {}).get(type_token)
    if entry is not None:
        inputs = resource.get("inputs") or {}
        for variant in entry.get("variants", []):
            if all(_lookup(inputs, path) == value for path, value in variant["when"].items()):
                return _duration(variant)
        return _duration(entry)
    for prefix, prefixed in table.get("prefixes", {}).items():
        if type_token.startswith(prefix):
            return _duration(prefixed)
    return _duration(table["default"])


# --- the graph -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    before: str
    after: str
    reason: str
    """Why `after` waits: "dependency", "provider", "parent", or "inherited from <component>"."""


def _label(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


def dependency_edges(resources: Sequence[Mapping[str, Any]], providers: Mapping[str, str] | None = None) -> list[Edge]:
    """The waits between the plan's custom resources, by the model in this module's docstring (one edge per
    pair, with the most direct reason)."""
    by_urn = {str(r["urn"]): r for r in resources}
    children: dict[str, list[str]] = defaultdict(list)
    for r in resources:
        if r.get("parent") in by_urn:
            children[str(r["parent"])].append(str(r["urn"]))

    def expand(urn: str) -> set[str]:
        """A custom resource is itself; a component is the custom resources under it, not below a custom one."""
        if urn not in by_urn:
            return set()
        if by_urn[urn].get("custom", True):
            return {urn}
        found: set[str] = set()
        pending = deque(children[urn])
        while pending:
            child = pending.popleft()
            if by_urn[child].get("custom", True):
                found.add(child)
            else:
                pending.extend(children[child])
        return found

    edges: dict[tuple[str, str], Edge] = {}

    def add(before: str, after: str, reason: str) -> None:
        if before != after and (before, after) not in edges:
            edges[(before, after)] = Edge(before, after, reason)

    for r in resources:
        if not r.get("custom", True):
            continue
        urn = str(r["urn"])
        for dep in r.get("dependencies") or []:
            for before in expand(str(dep)):
                add(before, urn, "dependency")
        provider = (providers or {}).get(urn)
        if provider in by_urn:
            add(provider, urn, "provider")
        parent = r.get("parent")
        while parent in by_urn:
            owner = by_urn[parent]
            if owner.get("custom", True):
                add(str(parent), urn, "parent")
                break
            for dep in owner.get("dependencies") or []:
                for before in expand(str(dep)):
                    add(before, urn, f"inherited from {_label(str(parent))}")
            parent = owner.get("parent")
    return sorted(edges.values(), key=lambda e: (e.after, e.before))


@dataclass(frozen=True)
class Schedule:
    start: Mapping[str, float]
    finish: Mapping[str, float]
    path: tuple[str, ...]
    """The critical path: the latest-finishing resource and, backwards, each predecessor it waited for."""

    @property
    def length(self) -> float:
        return max(self.finish.values(), default=0.0)


def schedule(durations: Mapping[str, float], edges: Iterable[Edge], *, ends: Iterable[str] | None = None) -> Schedule:
    """Earliest start and finish of every node with unbounded parallelism (longest paths in a DAG).

    `ends` restricts which nodes the critical path may end at (default: any). Raises ValueError on a cycle
    or an edge to an unknown node.
    """
    preds: dict[str, list[str]] = {n: [] for n in durations}
    succs: dict[str, list[str]] = {n: [] for n in durations}
    for edge in edges:
        if edge.before not in durations or edge.after not in durations:
            raise ValueError(f"edge {_label(edge.before)} -> {_label(edge.after)} names a node without a duration")
        preds[edge.after].append(edge.before)
        succs[edge.before].append(edge.after)
    waiting = {n: len(p) for n, p in preds.items()}
    ready = deque(sorted(n for n, count in waiting.items() if count == 0))
    start: dict[str, float] = {}
    finish: dict[str, float] = {}
    while ready:
        node = ready.popleft()
        start[node] = max((finish[p] for p in preds[node]), default=0.0)
        finish[node] = start[node] + durations[node]
        for nxt in succs[node]:
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                ready.append(nxt)
    if len(finish) != len(durations):
        stuck = sorted(_label(n) for n in durations if n not in finish)
        raise ValueError(f"the dependency graph has a cycle through: {', '.join(stuck[:10])}")
    candidates = [n for n in (ends if ends is not None else durations) if n in finish]
    if not candidates:
        return Schedule(start, finish, ())
    node: str | None = max(sorted(candidates), key=lambda n: finish[n])
    path = []
    while node is not None:
        path.append(node)
        waited = [p for p in preds[node] if finish[p] == start[node] and start[node] > 0]
        node = max(sorted(waited), key=lambda p: finish[p]) if waited else None
    return Schedule(start, finish, tuple(reversed(path)))


def subgraph(durations: Mapping[str, float], edges: Iterable[Edge], keep: Callable[[str], bool]) -> tuple[dict[str, float], list[Edge]]:
    nodes = {n: d for n, d in durations.items() if keep(n)}
    return nodes, [e for e in edges if e.before in nodes and e.after in nodes]


def edge_savings(durations: Mapping[str, float], edges: Sequence[Edge], path: Sequence[str]) -> list[tuple[Edge, float]]:
    """For each edge between consecutive resources of `path`: how much shorter the critical path would be
    without that one edge (0 when another chain is as long)."""
    base = schedule(durations, edges).length
    by_pair = {(e.before, e.after): e for e in edges}
    savings = []
    for before, after in itertools.pairwise(path):
        edge = by_pair[(before, after)]
        shorter = schedule(durations, [e for e in edges if e is not edge]).length
        savings.append((edge, base - shorter))
    return savings


# --- the model of one plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeployModel:
    resources: Mapping[str, Mapping[str, Any]]
    durations: Mapping[str, Duration]
    edges: tuple[Edge, ...]
    typical: Schedule
    low: float
    high: float
    chain: Schedule | None
    """The unavoidable chain's schedule (None when the plan routes no application)."""

    @property
    def ratio(self) -> float | None:
        return self.typical.length / self.chain.length if self.chain and self.chain.length else None


def is_chain_resource(resource: Mapping[str, Any]) -> bool:
    if resource["type"] in CHAIN_TYPES or resource["type"] == ROUTING_TYPE:
        return True
    return resource["type"] == "kubernetes:helm.sh/v3:Release" and (resource.get("inputs") or {}).get("chart") in CHAIN_CHARTS


def drop_edges(edges: Iterable[Edge], patterns: Sequence[str]) -> list[Edge]:
    """`edges` without those matching any "BEFORE->AFTER" pattern (shell globs on resource names, e.g.
    "vault-*->redis-amr"): a what-if for a proposed change to the program."""
    pairs = []
    for pattern in patterns:
        before, sep, after = pattern.partition("->")
        if not sep or not before or not after:
            raise ValueError(f"--drop-edge {pattern!r}: write it as BEFORE->AFTER, e.g. 'vault-*->redis-amr'")
        pairs.append((before.strip(), after.strip()))
    return [e for e in edges
            if not any(fnmatch.fnmatchcase(_label(e.before), b) and fnmatch.fnmatchcase(_label(e.after), a) for b, a in pairs)]


def model(plan: Mapping[str, Any], providers: Mapping[str, str] | None, table: Mapping[str, Any],
          *, drop: Sequence[str] = ()) -> DeployModel:
    custom = {str(r["urn"]): r for r in plan["resources"] if r.get("custom", True)}
    durations = {urn: duration_of(r, table) for urn, r in custom.items()}
    edges = tuple(drop_edges(dependency_edges(plan["resources"], providers), drop))
    typical = schedule({u: d.typical for u, d in durations.items()}, edges)
    low = schedule({u: d.low for u, d in durations.items()}, edges).length
    high = schedule({u: d.high for u, d in durations.items()}, edges).length
    nodes, chain_edges = subgraph({u: d.typical for u, d in durations.items()}, edges, lambda u: is_chain_resource(custom[u]))
    routes = [u for u in nodes if custom[u]["type"] == ROUTING_TYPE]
    chain = None
    if routes:
        full = schedule(nodes, chain_edges)
        chain = Schedule({u: full.start[u] for u in full.path}, {u: full.finish[u] for u in full.path}, full.path)
    return DeployModel(custom, durations, edges, typical, low, high, chain)


def preview_with_providers(project_dir: str | Path, stack: str,
                           stack_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The stack's plan JSON and, per resource URN, the URN of the explicit provider it was registered with."""
    from sentimark_platform.offline import engine, run_preview

    providers: dict[str, str] = {}
    original = engine.RecordingMonitor.RegisterResource

    def register(self: Any, request: Any) -> Any:
        response = original(self, request)
        if request.provider:
            # A provider reference is "<provider urn>::<provider id>".
            providers[response.urn] = request.provider.rsplit("::", 1)[0]
        return response

    with mock.patch.object(engine.RecordingMonitor, "RegisterResource", register):
        plan = run_preview(project_dir, stack, stack_outputs=stack_outputs)
    return plan.to_json(), providers


# --- the report ------------------------------------------------------------------------------------------------


def minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60:d}m{whole % 60:02d}s"


def report(m: DeployModel, *, top: int = 12) -> str:
    cited = sum(1 for d in m.durations.values() if d.cited)
    typical = {u: d.typical for u, d in m.durations.items()}
    lines = [
        f"{len(m.resources)} custom resources ({cited} with a duration from a cited source, the rest estimates), "
        f"{len(m.edges)} waits",
        f"critical path: {minutes(m.typical.length)} typical (all-low {minutes(m.low)}, all-high {minutes(m.high)})",
    ]
    if m.chain is not None and m.ratio is not None:
        lines.append(f"unavoidable chain (resource group -> network -> cluster -> mesh -> routing): "
                     f"{minutes(m.chain.length)}; ratio {m.ratio:.2f}")
        lines.append("  " + " -> ".join(f"{_label(u)} {minutes(typical[u])}" for u in m.chain.path))
    else:
        lines.append("unavoidable chain: none (the plan routes no application)")
    lines += ["", "critical path:", f"  {'start':>7} {'finish':>7}  {'takes':>6}  resource (type)  [waits because]"]
    reasons = {(e.before, e.after): e.reason for e in m.edges}
    previous = None
    for urn in m.typical.path:
        why = reasons.get((previous, urn), "") if previous else "nothing"
        lines.append(f"  {minutes(m.typical.start[urn]):>7} {minutes(m.typical.finish[urn]):>7}  {minutes(typical[urn]):>6}  "
                     f"{_label(urn)} ({m.resources[urn]['type']})  [{why}]")
        previous = urn
    savings = sorted(edge_savings(typical, m.edges, m.typical.path), key=lambda s: -s[1])
    lines += ["", "edges on the critical path (how much shorter the path would be without each one alone):"]
    for edge, saving in savings[:top]:
        lines.append(f"  {minutes(saving):>7}  {_label(edge.before)} -> {_label(edge.after)}  [{edge.reason}]")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--project-dir", default=str(ROOT))
    parser.add_argument("--durations", default=str(DURATIONS_FILE))
    parser.add_argument("--top", type=int, default=12, help="edges to list")
    parser.add_argument("--drop-edge", action="append", default=[], metavar="BEFORE->AFTER",
                        help="what-if: model without these waits (globs on resource names); repeatable")
    args = parser.parse_args(argv)
    table = load_durations(args.durations)
    plan, providers = preview_with_providers(args.project_dir, args.stack)
    print(f"Modeled `pulumi up` of {plan['project']} stack {args.stack} from empty (typical durations from "
          f"{Path(args.durations).name}, unbounded parallelism; previewed offline, nothing deployed):")
    if args.drop_edge:
        print(f"what-if: without the waits {', '.join(args.drop_edge)}")
    print(report(model(plan, providers, table, drop=args.drop_edge), top=args.top))


if __name__ == "__main__":
    main()
