"""offline.diagram.to_mermaid: components as subgraphs, folded noise, regions, dependency edges."""

from __future__ import annotations

import re
from typing import Any

from sentimark_platform.offline import Plan, PlannedResource
from sentimark_platform.offline.diagram import GLOBAL, to_mermaid
from tests.conftest import plan_of

STACK = "urn:pulumi:dev::t::pulumi:pulumi:Stack::t-dev"


def _urn(type_token: str, name: str) -> str:
    return f"urn:pulumi:dev::t::{type_token}::{name}"


def _r(type_token: str, name: str, *, parent: str | None = STACK, custom: bool = True,
       depends: tuple[str, ...] = (), **inputs: Any) -> PlannedResource:
    return PlannedResource(urn=_urn(type_token, name), type=type_token, name=name, parent=parent,
                           dependencies=depends, inputs=inputs, protect=False, retain_on_delete=False,
                           ignore_changes=(), custom=custom)


def _plan(*resources: PlannedResource) -> Plan:
    stack = PlannedResource(urn=STACK, type="pulumi:pulumi:Stack", name="t-dev", parent=None, dependencies=(),
                            inputs={}, protect=False, retain_on_delete=False, ignore_changes=(), custom=False)
    return Plan(project="t", stack="dev", resources=tuple(sorted((stack, *resources), key=lambda r: r.urn)), outputs={})


RG = _r("azure-native:resources:ResourceGroup", "rg-weu", resourceGroupName="rg-app-dev-weu", location="westeurope")
VAULT_C = _r("sentimark:index:KeyVault", "vault", custom=False)
VAULT = _r("azure-native:keyvault:Vault", "vault-kv", parent=VAULT_C.urn, resourceGroupName="rg-app-dev-weu")
VAULT_RA = [_r("azure-native:authorization:RoleAssignment", f"vault-ra-{k}", parent=VAULT_C.urn) for k in ("a", "b")]
VAULT_LOCK = _r("azure-native:authorization:ManagementLockByScope", "vault-lock", parent=VAULT_C.urn)
LOGS_C = _r("sentimark:index:Monitoring", "monitoring", custom=False)
LOGS = _r("azure-native:operationalinsights:Workspace", "monitoring-log", parent=LOGS_C.urn, location="westeurope")
VAULT_DIAG = _r("azure-native:monitor:DiagnosticSetting", "vault-diag", parent=VAULT_C.urn, depends=(LOGS.urn,))
AKS_C = _r("sentimark:index:AksCluster", "aks-weu", custom=False)
AKS = _r("azure-native:containerservice:ManagedCluster", "aks-weu-aks", parent=AKS_C.urn, location="westeurope")
MESH_C = _r("sentimark:index:ServiceMesh", "mesh-weu", custom=False)
RELEASES = [_r("kubernetes:helm.sh/v3:Release", f"mesh-weu-{n}", parent=MESH_C.urn) for n in ("istiod", "base", "argo")]
WI_C = _r("sentimark:index:WorkloadIdentity", "wi-api", custom=False)
WI = _r("azure-native:managedidentity:UserAssignedIdentity", "wi-api-id", parent=WI_C.urn, location="westeurope",
        depends=(RG.urn,))
WI_FIC = _r("azure-native:managedidentity:FederatedIdentityCredential", "wi-api-fic", parent=WI_C.urn,
            depends=(AKS_C.urn, WI.urn))
EDGE_C = _r("sentimark:index:FrontDoor", "edge", custom=False)
EDGE = _r("azure-native:cdn:Profile", "edge-afd", parent=EDGE_C.urn, location="global", resourceGroupName="rg-app-dev-weu")


def _subgraph(text: str, node: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"subgraph {node}["))
    depth, block = 0, []
    for line in lines[start:]:
        block.append(line.strip())
        depth += line.strip().startswith("subgraph") - (line.strip() == "end")
        if depth == 0:
            return block
    raise AssertionError(node)


def test_component_is_a_subgraph_with_its_main_resources_and_folded_counts() -> None:
    text = to_mermaid(_plan(RG, VAULT_C, VAULT, *VAULT_RA, VAULT_LOCK, VAULT_DIAG, LOGS_C, LOGS))
    block = _subgraph(text, "c_vault")
    assert block[0] == 'subgraph c_vault["KeyVault vault<br/>+ 1 diagnostic setting · 1 lock · 2 role assignments"]'
    assert block[1:] == ['c_vault_0["Vault<br/>vault-kv"]', "end"]
    assert "RoleAssignment" not in text and "vault-lock" not in text


def test_resources_of_one_type_become_one_node_with_a_count() -> None:
    text = to_mermaid(_plan(RG, AKS_C, AKS, MESH_C, *RELEASES))
    assert 'c_mesh_weu_0["HelmRelease ×3"]' in text


def test_regions_from_location_then_resource_group_then_name_tokens_else_global() -> None:
    text = to_mermaid(_plan(RG, VAULT_C, VAULT, AKS_C, AKS, MESH_C, *RELEASES, EDGE_C, EDGE, LOGS_C, LOGS))
    regions = _regions(text)
    assert regions["westeurope"] >= {"c_vault", "c_aks_weu", "c_mesh_weu", "c_rg_weu", "c_monitoring"}
    assert regions[GLOBAL] == {"c_edge"}  # the profile says "global" although its resource group is regional


def test_two_regions_keep_their_kubernetes_components_apart() -> None:
    neu = [
        _r("azure-native:resources:ResourceGroup", "rg-neu", resourceGroupName="rg-app-prod-neu", location="northeurope"),
        _r("sentimark:index:ServiceMesh", "mesh-neu", custom=False),
    ]
    text = to_mermaid(_plan(RG, AKS_C, AKS, MESH_C, *RELEASES, *neu))
    regions = _regions(text)
    assert "c_mesh_neu" in regions["northeurope"] and "c_mesh_weu" in regions["westeurope"]


def test_edges_point_from_the_dependent_component_dotted_when_only_folded_resources_depend() -> None:
    text = to_mermaid(_plan(RG, VAULT_C, VAULT, VAULT_DIAG, LOGS_C, LOGS, AKS_C, AKS, WI_C, WI, WI_FIC))
    edges = [line.strip() for line in text.splitlines() if "-->" in line or "-.->" in line]
    assert edges == ["c_vault -.-> c_monitoring", "c_wi_api --> c_aks_weu"]  # not to the resource group


def test_labels_are_quoted_safely_and_output_is_deterministic() -> None:
    odd = _r("sentimark:index:KeyVault", 'odd"name', custom=False)
    plan = _plan(odd, _r("azure-native:keyvault:Vault", "odd-kv", parent=odd.urn))
    text = to_mermaid(plan)
    assert '"KeyVault odd#quot;name"' in text and 'subgraph c_odd_name[' in text
    assert to_mermaid(plan) == text


def test_prod_stack_picture() -> None:
    plan = plan_of("prod")
    text = to_mermaid(plan)
    regions = _regions(text)
    assert set(regions) == {"westeurope", "northeurope", GLOBAL}
    for region, code in (("westeurope", "weu"), ("northeurope", "neu")):
        assert {f"c_aks_{code}", f"c_mesh_{code}", f"c_net_{code}"} <= regions[region]
        assert all(f"_{'neu' if code == 'weu' else 'weu'}" not in node for node in regions[region]), region
    assert {"c_edge", "c_budget", "c_alerts"} <= regions[GLOBAL]
    urns = plan.by_urn()
    components = [r for r in plan.resources if r.type.startswith("sentimark:index:") and r.parent not in urns]
    assert len(re.findall(r"^        subgraph c_", text, re.M)) == len(components)
    # dotted: via a folded child (prod's PostgreSQL is Entra-only: no password secret ties it to the vault)
    assert "c_aks_weu --> c_net_weu" in text and "c_monitoring -.-> c_postgres" in text
    assert "RoleAssignment" not in text and "DiagnosticSetting" not in text


def _regions(text: str) -> dict[str, set[str]]:
    """Region label -> ids of the subgraphs and nodes directly inside it."""
    found: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("    subgraph region"):
            current = line.split('["', 1)[1].rstrip('"]')
            found[current] = set()
        elif current and (m := re.match(r"^        (?:subgraph )?(c_\w+)\[", line)):
            found[current].add(m.group(1))
        elif line == "    end":
            current = None
    return found
