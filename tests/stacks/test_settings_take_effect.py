"""Every setting takes effect (issue 17, deliverable 4): change one leaf, and the plan must change.

Each leaf of the settings as the stack files give them (a scalar, or a list of scalars taken as one leaf; the
walk goes through every section, region, hub and application) is changed to ONE other value that the settings
model accepts, derived from the model's field: a Literal's neighbouring member, the other bool, an integer or
float one step inside its bounds, a later first of the month, a list with an element dropped or added, and for
text a small table of known valid alternatives. Every candidate is validated against `PlatformSettings` with
the rest of the stack unchanged, so a cross-field rule (minCount <= maxCount, HA not on Burstable, ...) never
makes the change invalid by accident.

The stack is then previewed offline with the whole top-level key overridden by the changed copy, and the
plan's resources and outputs are compared with the unchanged preview's: they must differ. A leaf that has no
valid other value in its stack (REFUSED) must instead be refused with a SettingsError that names it, never
silently dropped.

Coverage: uat fully; dev only where its value differs from uat's (or uat does not set it), since one preview
takes about half a second and the shared leaves are already covered by uat. The leaves that do not change the
plan today are listed in KNOWN_NO_EFFECT as strict xfails, one reason each: when one starts to take effect the
xfail fails, and whoever made it work removes its line.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import json
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from sentimark_platform.offline import run_preview
from stacks import SettingsError
from stacks.settings import PlatformSettings
from tests.conftest import ROOT

NS = "sentimark-platform"
FULL_STACK = "uat"
DIFF_STACKS = ("dev",)

Key = str | int

# Explicit alternatives, tried before the generic ones, keyed by "<stack>:<path>" or by "<path>" for any stack.
# Used where the generic change would be meaningless (a made-up suffix on an Azure id or a tag) or would leave
# the value domain the platform can really use.
ALTERNATIVES: dict[str, list[Any]] = {
    "ciRunners.networkId": [
        "/subscriptions/9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d6e/resourceGroups/rg-smk-shared-neu-runners"
        "/providers/Microsoft.Network/virtualNetworks/vnet-smk-shared-neu-runners-2"
    ],
    "aks.kubernetesVersion": ["1.35", "1.34"],
    "aks.systemPool.vmSize": ["Standard_D8s_v5", "Standard_D4s_v5"],
    "aks.userPool.vmSize": ["Standard_D8s_v5", "Standard_D4s_v5"],
    "dev:aks.systemPool.vmSize": ["Standard_D4s_v5"],
    "dev:aks.userPool.vmSize": ["Standard_D4s_v5"],
    "postgres.skuName": ["Standard_D4ds_v5", "Standard_B2s"],
    "dev:postgres.skuName": ["Standard_B2s"],
    # Retention goes "up to namespace SKU max" (retentionTimeInHours, learn.microsoft.com/rest/api/eventhub/
    # controlplane-stable/event-hubs/create-or-update), 7 days on Standard: 168 h is uat's ceiling, so shorten it.
    "uat:eventHubs.hubs.sentiment-events.retentionHours": [72],
    "uat:eventHubs.hubs.market-data.retentionHours": [72],
    "dev:eventHubs.hubs.sentiment-events.consumerGroups": [["analytics"]],
    "dev:eventHubs.hubs.market-data.consumerGroups": [["analytics"]],
    "uat:network.authorizedIpRanges": [["203.0.113.0/24"]],
    "routing.canarySteps": [[25, 50, 100], [10, 50, 100]],
    "tags.data-classification": ["restricted", "confidential"],
    "charts.istioBase.repository": ["https://charts.sentimark.example/istio"],
    "charts.istiod.repository": ["https://charts.sentimark.example/istio"],
    "charts.istioGateway.repository": ["https://charts.sentimark.example/istio"],
    "charts.argoCd.repository": ["https://charts.sentimark.example/argo"],
    "charts.argoRollouts.repository": ["https://charts.sentimark.example/argo"],
    "charts.prometheus.repository": ["https://charts.sentimark.example/prometheus"],
}

# Leaves with no other value the settings accept in that stack, with the text the refusal must contain (the
# leaf, named in the problem's path or in what it allows). Here the test expects the SettingsError.
REFUSED: dict[str, str] = {
    # The stack's name is the only value: `environment` must equal it.
    "uat:environment": f"{NS}:environment",
    "dev:environment": f"{NS}:environment",
    # uat's private cluster needs a private data plane, and without authorized ranges a public API server
    # would be open to the internet; dev's Basic registry takes no private endpoint, and its public data plane
    # rules out a private cluster.
    "uat:network.dataPlaneAccess": "when dataPlaneAccess is public",
    "uat:aks.privateCluster": "aks.privateCluster",
    # A public gateway without Front Door admits only the authorized ranges, and uat (private everywhere) has none.
    "uat:ingress.loadBalancer": "ingress.loadBalancer is public without frontDoor",
    "dev:network.dataPlaneAccess": "network.dataPlaneAccess",
    "dev:aks.privateCluster": "aks.privateCluster",
    # A private data plane needs Premium (private endpoints), and Premium is the top SKU.
    "uat:containerRegistry.sku": f"{NS}:containerRegistry.sku",
    # Applications use Redis and both event hubs: disabling either service leaves their access dangling.
    "uat:redis.enabled": "redis.enabled",
    "uat:eventHubs.enabled": "eventHubs.hubs (enabled)",
    # In-cluster Prometheus needs a kube-prometheus-stack chart pin, which the stack files do not give.
    "uat:monitoring.prometheus": "monitoring.prometheus",
    # Front Door needs a public load balancer and a TLS host.
    "uat:ingress.frontDoor": f"{NS}:ingress.frontDoor",
    # uat's API server and data plane are private: no public endpoint is left for authorized ranges to restrict.
    "uat:network.authorizedIpRanges": "network.authorizedIpRanges",
    # dev's PostgreSQL is Burstable, where zone-redundant HA is refused.
    "dev:postgres.highAvailability": f"{NS}:postgres.highAvailability",
}

# Kubernetes annotations that record a setting but that nothing reads: a change there alone is no effect.
INERT_ANNOTATIONS: dict[str, str] = {
    "sentimark.io/canary-steps": (
        "components/canary_routing.py writes the steps here when there is no Rollout; no controller reads it "
        "(issue 17: 'the canary steps end up as an annotation nothing reads')"
    ),
}

# Leaves whose valid change leaves the plan as it is today, each with why (found by reading stacks/ and
# components/). Strict xfails: a leaf that starts to take effect fails here, and its line must go.
KNOWN_NO_EFFECT: dict[str, str] = {
    "uat:dropVersionedAliases": (
        "by design: it prunes only the SDK's versioned-type aliases (components/_aliases.py), a preview-speed "
        "switch that changes no input or output; the offline plan records no aliases"
    ),
}


@dataclass(frozen=True)
class Leaf:
    stack: str
    keys: tuple[Key, ...]
    annotation: Any
    value: Any

    @property
    def path(self) -> str:
        out = ""
        for k in self.keys:
            out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else k)
        return out

    @property
    def id(self) -> str:
        return f"{self.stack}:{self.path}"


@functools.cache
def stack_values(stack: str) -> dict[str, Any]:
    """The stack file's settings, namespace stripped. JSON round trip: YAML anchors (the shared consumerGroups
    list) must not alias, or changing one hub's list would change the other's too."""
    data = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
    values = {k.split(":", 1)[1]: v for k, v in data.items() if k.startswith(f"{NS}:")}
    return typing.cast(dict[str, Any], json.loads(json.dumps(values)))


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional: the walk needs the value's kind, the model checks the constraints."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation


def _walk(annotation: Any, value: Any, stack: str, keys: tuple[Key, ...]) -> Iterator[Leaf]:
    ann = _unwrap(annotation)
    if isinstance(ann, type) and issubclass(ann, BaseModel) and isinstance(value, dict):
        fields = {(f.alias or name): f for name, f in ann.model_fields.items()}
        for key, sub in value.items():
            yield from _walk(fields[key].annotation, sub, stack, (*keys, key))
    elif get_origin(ann) is dict and isinstance(value, dict):
        item = get_args(ann)[1]
        for key, sub in value.items():
            yield from _walk(item, sub, stack, (*keys, key))
    elif get_origin(ann) is list and value and all(isinstance(v, dict) for v in value):
        item = get_args(ann)[0]
        for index, sub in enumerate(value):
            yield from _walk(item, sub, stack, (*keys, index))
    else:
        yield Leaf(stack, keys, ann, value)


def leaves_of(stack: str) -> list[Leaf]:
    fields = {(f.alias or name): f for name, f in PlatformSettings.model_fields.items()}
    values = stack_values(stack)
    return [leaf for key, value in values.items() for leaf in _walk(fields[key].annotation, value, stack, (key,))]


def _get(data: Any, keys: tuple[Key, ...]) -> Any:
    for k in keys:
        data = data[k]
    return data


def _with_leaf(stack: str, keys: tuple[Key, ...], new: Any) -> dict[str, Any]:
    """The stack's settings with one leaf replaced (a fresh copy)."""
    values = json.loads(json.dumps(stack_values(stack)))
    _get(values, keys[:-1])[keys[-1]] = new
    return typing.cast(dict[str, Any], values)


def _bump_last_number(text: str, step: int) -> str | None:
    matches = list(re.finditer(r"\d+", text))
    if not matches:
        return None
    m = matches[-1]
    number = int(m.group()) + step
    if number < 0:
        return None
    return f"{text[: m.start()]}{number:0{len(m.group())}d}{text[m.end():]}"


def _text_candidates(value: str) -> list[Any]:
    out: list[Any] = []
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        pass
    else:
        out.append(str(ipaddress.ip_network(f"{network.network_address + network.num_addresses}/{network.prefixlen}")))
    out += [_bump_last_number(value, 1), _bump_last_number(value, -1)]
    if "@" in value:
        out.append(f"alt-{value}")
    out.append(f"{value}-alt")
    return [c for c in out if c is not None]


def _new_list_item(item: Any, current: list[Any]) -> Any | None:
    item = _unwrap(item)
    if get_origin(item) is Literal:
        return next((m for m in get_args(item) if m not in current), None)
    if current and isinstance(current[-1], str):
        return next(iter(_text_candidates(current[-1])), None)
    return None


def _generic_candidates(leaf: Leaf) -> list[Any]:
    ann, value = leaf.annotation, leaf.value
    if get_origin(ann) is Literal:
        members = list(get_args(ann))
        i = members.index(value)
        return members[i + 1 :] + members[:i][::-1]  # the next member first, then the nearest below
    if ann is bool:
        return [not value]
    if ann is int:
        return [value + 1, value - 1]
    if ann is float:
        return [round(value - 0.1, 6), round(value + 0.1, 6)]
    if ann is dt.date:
        day = dt.date.fromisoformat(str(value))
        later = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        return [later.isoformat()]
    if get_origin(ann) is list:
        out: list[Any] = []
        if value:
            out.append(value[:-1])
        added = _new_list_item(get_args(ann)[0], value)
        if added is not None:
            out.append([*value, added])
        return out
    if isinstance(value, str):
        return _text_candidates(value)
    return []


def _is_valid(stack: str, values: dict[str, Any]) -> bool:
    try:
        PlatformSettings.model_validate(values)
    except ValidationError:
        return False
    return values.get("environment") == stack


@dataclass(frozen=True)
class Change:
    leaf: Leaf
    new: Any
    valid: bool  # False: no valid other value exists here; the preview must refuse it (REFUSED)

    @property
    def override(self) -> dict[str, Any]:
        top = str(self.leaf.keys[0])
        return {f"{NS}:{top}": _with_leaf(self.leaf.stack, self.leaf.keys, self.new)[top]}


def change_of(leaf: Leaf) -> Change | None:
    """One other value for the leaf: the first candidate the settings model accepts in its stack."""
    candidates = ALTERNATIVES.get(leaf.id, ALTERNATIVES.get(leaf.path, [])) + _generic_candidates(leaf)
    candidates = [c for c in candidates if c != leaf.value]
    for new in candidates:
        if _is_valid(leaf.stack, _with_leaf(leaf.stack, leaf.keys, new)):
            return Change(leaf, new, valid=True)
    return Change(leaf, candidates[0], valid=False) if candidates else None


def covered_leaves() -> list[Leaf]:
    full = leaves_of(FULL_STACK)
    reference = {leaf.path: leaf.value for leaf in full}
    out = list(full)
    for stack in DIFF_STACKS:
        out += [leaf for leaf in leaves_of(stack) if reference.get(leaf.path, object()) != leaf.value]
    return out


def _params() -> list[Any]:
    params = []
    for leaf in covered_leaves():
        change = change_of(leaf)
        marks = []
        if leaf.id in KNOWN_NO_EFFECT:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_NO_EFFECT[leaf.id]))
        params.append(pytest.param(leaf, change, id=leaf.id, marks=marks))
    return params


def _canonical(plan: Any) -> str:
    """The plan's resources and outputs as sorted JSON, without the annotations in INERT_ANNOTATIONS."""
    data = plan.to_json()
    for resource in data["resources"]:
        annotations = ((resource["inputs"] or {}).get("metadata") or {}).get("annotations")
        if isinstance(annotations, dict):
            for key in INERT_ANNOTATIONS:
                annotations.pop(key, None)
    return json.dumps({"resources": data["resources"], "outputs": data["outputs"]}, sort_keys=True, default=str)


@functools.cache
def baseline(stack: str) -> str:
    return _canonical(run_preview(ROOT, stack))


PARAMS = _params()


@pytest.mark.parametrize(("leaf", "change"), PARAMS)
def test_changing_a_setting_changes_the_plan_or_is_refused(leaf: Leaf, change: Change | None) -> None:
    assert change is not None, f"{leaf.id}: no candidate other value ({leaf.value!r}); add one to ALTERNATIVES"
    assert change.new != leaf.value
    if not change.valid:
        assert leaf.id in REFUSED, (
            f"{leaf.id}: no candidate in {ALTERNATIVES.get(leaf.id, ALTERNATIVES.get(leaf.path))} or the generic "
            f"ones is valid here; add a valid alternative to ALTERNATIVES, or the leaf to REFUSED"
        )
    try:
        plan = run_preview(ROOT, leaf.stack, config=change.override)
    except SettingsError as refused:
        expected = REFUSED.get(leaf.id, f"{NS}:{leaf.path}")
        assert expected in str(refused), f"{leaf.id} -> {change.new!r} refused without naming the leaf:\n{refused}"
        return
    assert leaf.id not in REFUSED, f"{leaf.id} -> {change.new!r} was accepted: remove it from REFUSED"
    assert _canonical(plan) != baseline(leaf.stack), (
        f"{leaf.id}: {leaf.value!r} -> {change.new!r} left the plan unchanged (the setting is dropped)"
    )


def test_the_tables_name_only_covered_leaves() -> None:
    covered = {p.id for p in PARAMS}
    stale = sorted((set(ALTERNATIVES) | set(REFUSED) | set(KNOWN_NO_EFFECT)) - covered - {
        key for key in ALTERNATIVES if ":" not in key and any(i.endswith(f":{key}") for i in covered)
    })
    assert stale == [], f"table entries for leaves no longer covered (remove them): {stale}"
    assert not set(REFUSED) & set(KNOWN_NO_EFFECT)


@pytest.mark.parametrize("stack", [FULL_STACK, *DIFF_STACKS])
def test_an_override_with_the_same_values_leaves_the_plan_unchanged(stack: str) -> None:
    """The comparison is meaningful: overriding every top-level key with its own value changes nothing."""
    overrides = {f"{NS}:{k}": v for k, v in stack_values(stack).items()}
    assert _canonical(run_preview(ROOT, stack, config=overrides)) == baseline(stack)
