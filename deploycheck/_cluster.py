"""Rules: will the clusters' pods schedule, is the Kubernetes version supported, does the subscription accept
the stack, and does monitoring collect?"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sentimark_platform.components import support_problem
from sentimark_platform.deploycheck._azure import id_name, label
from sentimark_platform.deploycheck._model import DeployContext, Finding, Rule
from sentimark_platform.offline import Plan, PlannedResource
from sentimark_platform.offline._arm_ids import ALWAYS_REGISTERED, provider_namespace

__all__ = ["RULES"]

_CLUSTER = "azure-native:containerservice:ManagedCluster"
_POOL = "azure-native:containerservice:AgentPool"
_SPOT_TAINT = "kubernetes.azure.com/scalesetpriority=spot:NoSchedule"
_WORKLOADS = ("kubernetes:helm.sh/v3:Release", "kubernetes:apps/v1:Deployment", "kubernetes:argoproj.io/v1alpha1:Rollout")


def _taints(pool: dict[str, Any]) -> list[str]:
    taints = [str(t) for t in pool.get("nodeTaints") or []]
    # AKS adds this taint to every Spot pool itself (learn.microsoft.com/azure/aks/spot-node-pool).
    if str(pool.get("scaleSetPriority", "")).lower() == "spot" and _SPOT_TAINT not in taints:
        taints.append(_SPOT_TAINT)
    return [t for t in taints if t.endswith((":NoSchedule", ":NoExecute"))]


def _guaranteed_nodes(pool: dict[str, Any]) -> int:
    if pool.get("enableAutoScaling"):
        return int(pool.get("minCount") or 0)
    return int(pool.get("count") or 0)


def _pools(plan: Plan, cluster: PlannedResource) -> list[tuple[str, dict[str, Any]]]:
    inline = [(str(p.get("name", "?")), p) for p in cluster.inputs.get("agentPoolProfiles") or [] if isinstance(p, dict)]
    name = cluster.inputs.get("resourceName")
    separate = [(str(p.inputs.get("agentPoolName", p.name)), p.inputs) for p in plan.of_type(_POOL)
                if p.inputs.get("resourceName") == name]
    return inline + separate


def _schedulable(ctx: DeployContext) -> Iterator[Finding]:
    if not any(ctx.plan.of_type(t) for t in _WORKLOADS):
        return
    for cluster in ctx.plan.of_type(_CLUSTER):
        pools = _pools(ctx.plan, cluster)
        if any(not _taints(p) and _guaranteed_nodes(p) >= 1 for _, p in pools):
            continue
        described = ", ".join(f"{n} (taints {_taints(p) or 'none'}, at least {_guaranteed_nodes(p)} node(s))" for n, p in pools)
        yield Finding("pods-schedulable", label(cluster),
                      f"no node pool takes pods without tolerations and keeps a node: {described}. The platform's "
                      "charts (istiod, gateways, Argo) tolerate neither CriticalAddonsOnly nor Spot: they stay Pending "
                      "and the atomic Helm releases roll back after their timeout. Add a regular user pool with "
                      "minCount >= 1, or untaint the system pool (critical_addons_only False)")


def _version(ctx: DeployContext) -> Iterator[Finding]:
    for cluster in ctx.plan.of_type(_CLUSTER):
        version = cluster.inputs.get("kubernetesVersion")
        if isinstance(version, str):
            problem = support_problem(version, today=ctx.today)
            if problem:
                yield Finding("kubernetes-version-supported", label(cluster), problem)


def _script_values(script: PlannedResource) -> dict[str, str]:
    return {str(v.get("name")): str(v.get("value", "")) for v in script.inputs.get("environmentVariables") or []
            if isinstance(v, dict)}


def _registrations(ctx: DeployContext) -> Iterator[Finding]:
    assert ctx.bootstrap is not None
    scripts = [s for s in ctx.bootstrap.of_type("azure-native:resources:AzureCliScript")
               if s.name == f"register-{ctx.environment}"]
    if not scripts:
        yield Finding("subscription-registrations", f"bootstrap: register-{ctx.environment}",
                      f"the bootstrap registers nothing in {ctx.environment}'s subscription: on a fresh subscription "
                      "the first resource of each unregistered provider fails with MissingSubscriptionRegistration")
        return
    values = _script_values(scripts[0])
    providers = set(values.get("PROVIDERS", "").split())
    features = set(values.get("FEATURES", "").split())
    needed: dict[str, str] = {}
    for resource in ctx.plan.resources:
        namespace = provider_namespace(resource.type)
        if namespace and namespace not in ALWAYS_REGISTERED:
            needed.setdefault(namespace, label(resource))
    for namespace, example in sorted(needed.items()):
        if namespace.lower() not in {p.lower() for p in providers}:
            yield Finding("subscription-registrations", example,
                          f"resource provider {namespace} is not in bootstrap's PROVIDERS for {ctx.environment}: a "
                          "fresh subscription answers MissingSubscriptionRegistration; add it to bootstrap's list")
    hosts = [c for c in ctx.plan.of_type(_CLUSTER) + ctx.plan.of_type(_POOL) if _encrypts_at_host(c)]
    if hosts and "Microsoft.Compute/EncryptionAtHost" not in features:
        yield Finding("subscription-registrations", label(hosts[0]),
                      "encryption at host is on, but bootstrap does not register the subscription feature "
                      "Microsoft.Compute/EncryptionAtHost: AKS refuses the pool until it is registered")


def _encrypts_at_host(resource: PlannedResource) -> bool:
    if resource.type == _POOL:
        return bool(resource.inputs.get("enableEncryptionAtHost"))
    return any(isinstance(p, dict) and p.get("enableEncryptionAtHost") for p in resource.inputs.get("agentPoolProfiles") or [])


def _container_insights(ctx: DeployContext) -> Iterator[Finding]:
    associations = ctx.plan.of_type("azure-native:monitor:DataCollectionRuleAssociation")
    endpoints = ctx.plan.of_type("azure-native:monitor:DataCollectionEndpoint")
    for cluster in ctx.plan.of_type(_CLUSTER):
        oms = (cluster.inputs.get("addonProfiles") or {}).get("omsagent") or {}
        if not oms.get("enabled") or str((oms.get("config") or {}).get("useAADAuth", "")).lower() != "true":
            continue
        name = cluster.inputs.get("resourceName")
        mine = [a for a in associations if id_name(a.inputs.get("resourceUri")) == name]
        insights = [a for a in mine if a.inputs.get("associationName") == "ContainerInsightsExtension"]
        if not insights or not any(_collects_container_insights(ctx.plan, a) for a in insights):
            yield Finding("container-insights-collects", label(cluster),
                          "Container Insights is on with managed-identity auth, but no data collection rule "
                          "association `ContainerInsightsExtension` ties the cluster to a rule with the "
                          "ContainerInsights extension: the agent collects nothing (created through ARM, nothing makes "
                          "the rule for you)")
        private = (cluster.inputs.get("apiServerAccessProfile") or {}).get("enablePrivateCluster")
        location = str(cluster.inputs.get("location", "")).lower()
        local = [e for e in endpoints if str(e.inputs.get("location", "")).lower() == location]
        tied = [a for a in mine if a.inputs.get("associationName") == "configurationAccessEndpoint"
                and any(e.urn in a.dependencies or id_name(a.inputs.get("dataCollectionEndpointId"))
                        in (e.inputs.get("dataCollectionEndpointName"), e.name) for e in local)]
        if private and not tied:
            yield Finding("container-insights-collects", label(cluster),
                          f"private cluster in {location} without a data collection endpoint in its region tied to it "
                          "(association `configurationAccessEndpoint`): the agents fetch their configuration from a "
                          "DCE in the cluster's region")


def _collects_container_insights(plan: Plan, association: PlannedResource) -> bool:
    rule_id = association.inputs.get("dataCollectionRuleId")
    for rule in plan.of_type("azure-native:monitor:DataCollectionRule"):
        if id_name(rule_id) not in (rule.inputs.get("dataCollectionRuleName"), rule.name) and rule.urn not in association.dependencies:
            continue
        extensions = (rule.inputs.get("dataSources") or {}).get("extensions") or []
        if any(isinstance(e, dict) and e.get("extensionName") == "ContainerInsights" for e in extensions):
            return True
    return False


RULES = (
    Rule("pods-schedulable", "istiod and Argo stay Pending; the atomic Helm releases roll back after their timeout",
         ("https://learn.microsoft.com/azure/aks/use-system-pools", "https://learn.microsoft.com/azure/aks/spot-node-pool"),
         _schedulable),
    Rule("kubernetes-version-supported", "AKS refuses to create a cluster on a version past its end of life",
         ("https://learn.microsoft.com/azure/aks/supported-kubernetes-versions", "https://kubernetes.io/releases/"),
         _version),
    Rule("subscription-registrations", "MissingSubscriptionRegistration, or encryption at host refused, on a fresh "
         "subscription", ("https://learn.microsoft.com/azure/azure-resource-manager/management/resource-providers-and-types",
                          "https://learn.microsoft.com/azure/virtual-machines/disks-enable-host-based-encryption-portal",
                          "https://github.com/pulumi/pulumi-azure-native/issues/3479"),
         _registrations, needs=("bootstrap",)),
    Rule("container-insights-collects", "Container Insights shows no data",
         ("https://learn.microsoft.com/azure/azure-monitor/containers/kubernetes-monitoring-enable",),
         _container_insights),
)
