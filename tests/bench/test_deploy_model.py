"""bench/bench_deploy_model.py: the scheduling model, on hand-made graphs and plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.bench_deploy_model import (
    DURATIONS_FILE,
    Edge,
    dependency_edges,
    drop_edges,
    duration_of,
    edge_savings,
    load_durations,
    model,
    preview_with_providers,
    schedule,
)
from tests.conftest import plan_of


def _edges(*pairs: str) -> list[Edge]:
    return [Edge(*pair.split(">"), "dependency") for pair in pairs]  # type: ignore[call-arg]


def test_schedule_finds_the_longest_path_and_earliest_starts() -> None:
    durations = {"a": 2.0, "b": 3.0, "c": 5.0, "d": 1.0}
    result = schedule(durations, _edges("a>b", "a>c", "b>d", "c>d"))
    assert result.path == ("a", "c", "d")
    assert result.length == 8.0
    assert (result.start["b"], result.start["c"], result.start["d"]) == (2.0, 2.0, 7.0)


def test_schedule_runs_independent_resources_in_parallel() -> None:
    result = schedule({"a": 4.0, "b": 6.0}, [])
    assert result.length == 6.0 and result.path == ("b",)


def test_schedule_refuses_a_cycle_and_unknown_nodes() -> None:
    with pytest.raises(ValueError, match="cycle through: a, b"):
        schedule({"a": 1.0, "b": 1.0}, _edges("a>b", "b>a"))
    with pytest.raises(ValueError, match="without a duration"):
        schedule({"a": 1.0}, _edges("a>zzz"))


def test_schedule_can_end_the_critical_path_at_chosen_nodes() -> None:
    result = schedule({"a": 1.0, "b": 1.0, "slow": 9.0}, _edges("a>b"), ends=["b"])
    assert result.path == ("a", "b")


def test_edge_savings_price_each_edge_of_the_critical_path() -> None:
    # rg -> cluster -> mesh is the chain; an extra edge makes the mesh also wait for a slow database.
    durations = {"rg": 1.0, "cluster": 8.0, "db": 12.0, "mesh": 2.0}
    edges = _edges("rg>cluster", "cluster>mesh", "rg>db", "db>mesh")
    result = schedule(durations, edges)
    assert result.path == ("rg", "db", "mesh") and result.length == 15.0
    savings = {(e.before, e.after): s for e, s in edge_savings(durations, edges, result.path)}
    # Without rg -> db the database starts at once (db -> mesh: 14); without db -> mesh the database alone (13) is longest.
    assert savings == {("rg", "db"): 1.0, ("db", "mesh"): 2.0}


def _resource(urn: str, *, custom: bool = True, parent: str | None = None, deps: tuple[str, ...] = (),
              type_: str = "azure-native:resources:ResourceGroup", inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"urn": urn, "type": type_ if custom else "sentimark:index:Thing", "name": urn, "parent": parent,
            "dependencies": list(deps), "inputs": inputs or {}, "custom": custom}


def test_children_inherit_the_dependencies_of_each_component_above_them() -> None:
    resources = [
        _resource("vault-kv"),
        _resource("vault", custom=False),
        _resource("vault-pe", parent="vault", deps=("vault-kv",)),
        _resource("vault-kv-child", parent="vault-kv"),  # a child of a custom resource: not part of the component
        _resource("redis", custom=False, deps=("vault",)),
        _resource("redis-db-group", custom=False, parent="redis"),
        _resource("redis-amr", parent="redis-db-group"),
    ]
    resources[0]["parent"] = "vault"
    edges = {(e.before, e.after): e.reason for e in dependency_edges(resources)}
    # `depends_on=[vault]` on the Redis component: every custom resource under vault, inherited two levels down.
    assert edges[("vault-kv", "redis-amr")] == "inherited from redis"
    assert edges[("vault-pe", "redis-amr")] == "inherited from redis"
    assert ("vault-kv-child", "redis-amr") not in edges
    assert edges[("vault-kv", "vault-kv-child")] == "parent"
    assert edges[("vault-kv", "vault-pe")] == "dependency"


def test_resources_wait_for_their_explicit_provider() -> None:
    resources = [_resource("cluster"), _resource("k8s", deps=("cluster",), type_="pulumi:providers:kubernetes"),
                 _resource("ns", type_="kubernetes:core/v1:Namespace")]
    edges = {(e.before, e.after): e.reason for e in dependency_edges(resources, {"ns": "k8s", "cluster": "default-azure"})}
    assert edges == {("cluster", "k8s"): "dependency", ("k8s", "ns"): "provider"}


def test_drop_edges_matches_names_with_globs_and_refuses_a_malformed_pattern() -> None:
    edges = _edges("urn::vault-kv>urn::redis-amr", "urn::vault-pe>urn::redis-amr", "urn::rg>urn::redis-amr")
    kept = drop_edges(edges, ["vault-*->redis-amr"])
    assert [(e.before, e.after) for e in kept] == [("urn::rg", "urn::redis-amr")]
    with pytest.raises(ValueError, match="BEFORE->AFTER"):
        drop_edges(edges, ["vault-kv"])


def test_durations_pick_the_first_matching_variant_then_the_type_then_a_prefix_then_the_default() -> None:
    table = load_durations()
    server = {"type": "azure-native:dbforpostgresql:Server", "inputs": {"highAvailability": {"mode": "ZoneRedundant"}}}
    assert (duration_of(server, table).low, duration_of(server, table).high) == (600, 900)
    server["inputs"]["highAvailability"]["mode"] = "Disabled"
    assert (duration_of(server, table).low, duration_of(server, table).high) == (300, 600)
    redis = duration_of({"type": "azure-native:redisenterprise:RedisEnterprise"}, table)
    assert redis.typical == 1200 and redis.cited
    assert duration_of({"type": "kubernetes:core/v1:ConfigMap"}, table).high == 5
    assert duration_of({"type": "azure-native:web:WebApp"}, table).source.startswith("estimate")


def test_every_type_in_the_stacks_has_its_own_duration_or_a_prefix() -> None:
    table = load_durations()
    known = set(table["types"])
    types = {r.type for stack in ("dev", "prod") for r in plan_of(stack).custom_resources}
    missing = sorted(t for t in types if t not in known and not any(t.startswith(p) for p in table["prefixes"]))
    assert missing == []


@pytest.mark.parametrize(("entry", "message"), [
    ({"seconds": [5, 1], "source": "estimate"}, "0 <= low <= high"),
    ({"seconds": [1, 5], "typical": 9, "source": "estimate"}, "outside"),
    ({"seconds": [1, 5]}, "needs a `source`"),
])
def test_a_malformed_duration_table_is_refused_naming_the_entry(tmp_path: Path, entry: dict[str, Any], message: str) -> None:
    table = json.loads(DURATIONS_FILE.read_text())
    table["types"]["azure-native:keyvault:Vault"] = entry
    path = tmp_path / "durations.json"
    path.write_text(json.dumps(table))
    with pytest.raises(ValueError, match=rf"types\['azure-native:keyvault:Vault'\].*{message}"):
        load_durations(path)


def _chain_plan(*, with_slow_branch: bool) -> dict[str, Any]:
    chain = [
        ("rg", "azure-native:resources:ResourceGroup", (), {}),
        ("vnet", "azure-native:network:VirtualNetwork", ("rg",), {}),
        ("aks", "azure-native:containerservice:ManagedCluster", ("rg", "vnet"), {}),
        ("pool", "azure-native:containerservice:AgentPool", ("aks",), {}),
        ("k8s", "pulumi:providers:kubernetes", ("aks", "pool"), {}),
        ("ns", "kubernetes:core/v1:Namespace", (), {}),
        ("base", "kubernetes:helm.sh/v3:Release", ("ns",), {"chart": "base"}),
        ("istiod", "kubernetes:helm.sh/v3:Release", ("ns", "base"), {"chart": "istiod"}),
        ("vs", "kubernetes:networking.istio.io/v1:VirtualService", ("base", "istiod"), {}),
    ]
    if with_slow_branch:
        chain.append(("redis", "azure-native:redisenterprise:RedisEnterprise", ("rg",), {}))
    resources = [_resource(u, type_=t, deps=d, inputs=i) for u, t, d, i in chain]
    return {"project": "p", "stack": "s", "resources": resources, "outputs": {}}


def test_the_ratio_is_one_when_the_chain_is_the_critical_path() -> None:
    providers = {"ns": "k8s", "base": "k8s", "istiod": "k8s", "vs": "k8s"}
    m = model(_chain_plan(with_slow_branch=False), providers, load_durations())
    assert m.chain is not None and m.ratio == pytest.approx(1.0)
    assert m.typical.path == m.chain.path == ("rg", "vnet", "aks", "pool", "k8s", "ns", "base", "istiod", "vs")
    # 6 + 20 + 480 + 300 + 0 + 3 + 120 + 120 + 3 seconds at the typical (mid-range) durations.
    assert m.chain.length == pytest.approx(1052.0)


def test_a_longer_parallel_branch_raises_the_ratio_and_becomes_the_critical_path() -> None:
    providers = {"ns": "k8s", "base": "k8s", "istiod": "k8s", "vs": "k8s"}
    m = model(_chain_plan(with_slow_branch=True), providers, load_durations())
    assert m.typical.path == ("rg", "redis")
    assert m.ratio == pytest.approx((6 + 1200) / 1052)
    assert m.low <= m.typical.length <= m.high


def test_preview_with_providers_records_which_provider_each_resource_used(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi, pulumi_kubernetes as k8s\n"
        "p = k8s.Provider('k8s', kubeconfig='apiVersion: v1')\n"
        "k8s.core.v1.Namespace('ns', metadata={'name': 'a'}, opts=pulumi.ResourceOptions(provider=p))\n"
    )
    plan, providers = preview_with_providers(tmp_path, "dev")
    urns = {r["name"]: r["urn"] for r in plan["resources"]}
    assert providers[urns["ns"]] == urns["k8s"]
    edges = dependency_edges(plan["resources"], providers)
    assert [(e.before, e.after, e.reason) for e in edges] == [(urns["k8s"], urns["ns"], "provider")]
