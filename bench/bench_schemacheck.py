"""Time schemacheck on a synthetic 300-resource plan: first run (loads rules, compiles validators) and warm runs.

Run from the repo root: python bench/bench_schemacheck.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sentimark_platform.schemacheck import validate_plan

TENANT = "00000000-0000-0000-0000-000000000001"


def _resource(type_token: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:bench::platform::{type_token}::{name}", "type": type_token, "name": name,
            "parent": None, "dependencies": [], "inputs": inputs, "protect": False, "retainOnDelete": False,
            "ignoreChanges": [], "custom": True}


def _batch(i: int) -> list[dict[str, Any]]:
    """Ten resources of the kinds a platform stack has, with realistic nesting."""
    return [
        _resource("azure-native:keyvault:Vault", f"kv{i}", {
            "vaultName": f"kv-bench-{i:04d}", "resourceGroupName": "rg", "location": "westeurope",
            "properties": {"tenantId": TENANT, "sku": {"family": "A", "name": "standard"},
                           "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"}}}),
        _resource("azure-native:eventhub:Namespace", f"evh{i}", {
            "namespaceName": f"evhns-bench-{i:04d}", "resourceGroupName": "rg",
            "sku": {"name": "Standard", "tier": "Standard", "capacity": 1.0}}),
        _resource("azure-native:eventhub:EventHub", f"hub{i}", {
            "eventHubName": f"events-{i}", "namespaceName": f"evhns-bench-{i:04d}", "resourceGroupName": "rg",
            "partitionCount": 4.0, "messageRetentionInDays": 1.0}),
        _resource("azure-native:containerservice:AgentPool", f"pool{i}", {
            "agentPoolName": f"user{i % 100}", "resourceName": "aks", "resourceGroupName": "rg", "count": 2.0,
            "vmSize": "Standard_D4s_v5", "mode": "User", "enableAutoScaling": True, "minCount": 2.0,
            "maxCount": 6.0, "availabilityZones": ["1", "2", "3"]}),
        _resource("azure-native:authorization:RoleAssignment", f"ra{i}", {
            "scope": "/subscriptions/x", "principalId": "[unknown]", "principalType": "ServicePrincipal",
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/r"}),
        _resource("kubernetes:core/v1:Namespace", f"ns{i}", {
            "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"team-{i}"}}),
        _resource("kubernetes:apps/v1:Deployment", f"dep{i}", {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
            "spec": {"replicas": 2.0, "selector": {"matchLabels": {"app": "api"}},
                     "template": {"metadata": {"labels": {"app": "api"}},
                                  "spec": {"containers": [{"name": "api", "image": "api:1"}]}}}}),
        _resource("kubernetes:networking.istio.io/v1:VirtualService", f"vs{i}", {
            "apiVersion": "networking.istio.io/v1", "kind": "VirtualService", "metadata": {"name": "api"},
            "spec": {"hosts": ["api"], "http": [{"route": [
                {"destination": {"host": "stable"}, "weight": 90.0},
                {"destination": {"host": "canary"}, "weight": 10.0}]}]}}),
        _resource("kubernetes:argoproj.io/v1alpha1:Rollout", f"ro{i}", {
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "api"},
            "spec": {"selector": {"matchLabels": {"app": "api"}},
                     "template": {"spec": {"containers": [{"name": "api", "image": "api:1"}]}},
                     "strategy": {"canary": {"steps": [{"setWeight": 10.0}, {"pause": {}}]}}}}),
        _resource("random:index/randomPassword:RandomPassword", f"pw{i}", {"length": 32.0}),
    ]


def synthetic_plan(size: int = 300) -> dict[str, Any]:
    resources = [r for i in range(size // 10) for r in _batch(i)]
    return {"project": "platform", "stack": "bench", "resources": resources, "outputs": {}}


def main() -> None:
    plan = synthetic_plan()
    start = time.perf_counter()
    report = validate_plan(plan)
    first = time.perf_counter() - start
    runs = 5
    start = time.perf_counter()
    for _ in range(runs):
        validate_plan(plan)
    warm = (time.perf_counter() - start) / runs
    print(f"{len(plan['resources'])} resources: {report.summary()}")
    print(f"first run (loads rules, compiles validators): {first * 1000:.0f} ms")
    print(f"warm run (mean of {runs}): {warm * 1000:.0f} ms")


if __name__ == "__main__":
    main()
