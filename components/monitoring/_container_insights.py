"""Container Insights with managed-identity authentication: the data collection rule the AKS monitoring add-on
reads, its association with each cluster, and the data collection endpoint a private cluster's agents fetch
their configuration from.

Why these resources exist: AksCluster turns the add-on on (`addonProfiles.omsagent` with `useAADAuth: "true"`),
but with managed-identity auth the agent (ama-logs) collects only what a data collection rule associated with
the cluster under the name `ContainerInsightsExtension` tells it to. `az aks enable-addons` creates both; an ARM
or Pulumi deployment of the cluster does not (hashicorp/terraform-provider-azurerm#23510,
Azure/terraform-azurerm-avm-res-containerservice-managedcluster#22), so without them nothing is collected.

Shapes follow the product team's ARM template, `existingClusterOnboarding.json` with its parameter file, in
microsoft/Docker-Provider `scripts/onboarding/aks/onboarding-using-msi-auth/` (linked from learn.microsoft.com
"Enable monitoring for Kubernetes clusters", Azure Resource Manager tab, as aka.ms/aks-enable-monitoring-msi-
onboarding-template-file):
- the rule: kind Linux, in the workspace's region (the template's `workspaceRegion`, "Workspace Region for data
  collection rule"); one `extensions` data source named ContainerInsightsExtension with `extensionName`
  ContainerInsights, the parameter file's twelve default streams, and `extensionSettings.dataCollectionSettings`;
  one data flow of the same streams to the Log Analytics destination;
- the association: named `ContainerInsightsExtension` on the cluster, pointing at the rule;
- the endpoint: only in the template's private-link branch (`useAzureMonitorPrivateLinkScope`): a Linux data
  collection endpoint in the cluster's region and an association named `configurationAccessEndpoint` from
  the cluster to it. The association name is fixed by the service (learn.microsoft.com "Container insights
  with managed identity authentication", Private link: "The DCR association name must be
  configurationAccessEndpoint"), and "an agent can only connect to a data collection endpoint in the same
  region" (learn.microsoft.com "Enable network isolation for Azure Monitor Agent by using Private Link").

What a private cluster does and does not need: a private API server alone does not stop the agents, which
reach Azure Monitor's public endpoints by outbound traffic ("By default, a private AKS cluster can send data
to Managed Prometheus and your Azure Monitor workspace over the public network using a public Data Collection
Endpoint", learn.microsoft.com "Enable private link for Kubernetes monitoring in Azure Monitor"). The endpoint
in the cluster's region is what Azure Monitor Private Link Scopes (AMPLS) need; the platform builds it for its
private clusters so that their monitoring can move behind a scope without a change here. Its public network
access stays Enabled: Disabled without a scope would cut the agents off from their configuration. One
`configurationAccessEndpoint` association per cluster serves both agents, Container Insights' and managed
Prometheus' (the Prometheus note in "Enable monitoring for Kubernetes clusters" names the same association).

Data collection settings are the portal's Standard cost preset (learn.microsoft.com "Configure data collection
in Container insights using data collection rule": collection every minute, no namespace filter), with
ContainerLogV2, the schema the docs recommend and the template's parameter file sets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_azure_native import monitor

from sentimark_platform.components.monitoring.args import ContainerInsightsClusterArgs

__all__ = [
    "CONFIGURATION_ASSOCIATION_NAME",
    "DATA_COLLECTION_SETTINGS",
    "RULE_ASSOCIATION_NAME",
    "STREAMS",
    "associate_cluster",
    "build_endpoint",
    "build_rule",
    "cluster_rules",
    "region_of",
]

RULE_ASSOCIATION_NAME = "ContainerInsightsExtension"
"""The association name the add-on looks for (the template's `associationName`)."""
CONFIGURATION_ASSOCIATION_NAME = "configurationAccessEndpoint"
"""The only name Azure accepts for an association with a data collection endpoint."""

STREAMS: tuple[str, ...] = (
    "Microsoft-ContainerLog",
    "Microsoft-ContainerLogV2",
    "Microsoft-KubeEvents",
    "Microsoft-KubePodInventory",
    "Microsoft-KubeNodeInventory",
    "Microsoft-KubePVInventory",
    "Microsoft-KubeServices",
    "Microsoft-KubeMonAgentEvents",
    "Microsoft-InsightsMetrics",
    "Microsoft-ContainerInventory",
    "Microsoft-ContainerNodeInventory",
    "Microsoft-Perf",
)
"""The template parameter file's default streams, in its order: every table the Container Insights views read
("Removing one or more of the default streams makes the Container insights experience unavailable"). Leaving
out its Microsoft-RetinaNetworkFlowLogs keeps the rule out of high-scale mode, which needs an ingestion
endpoint. ContainerLog stays listed as upstream lists it: with `enableContainerLogV2` the logs go to
ContainerLogV2 unless a cluster's ConfigMap asks for the old schema."""

DATA_COLLECTION_SETTINGS: dict[str, Any] = {
    "interval": "1m",
    "namespaceFilteringMode": "Off",
    "enableContainerLogV2": True,
}
"""`extensionSettings.dataCollectionSettings`: the Standard preset (1 minute, all namespaces) and ContainerLogV2."""

_DESTINATION = "ciworkspace"
_REGION = re.compile(r"^[a-z][a-z0-9]*$")
_KEY = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def region_of(location: str) -> str:
    """Azure's short region name: "North Europe" and "northeurope" are the same region (the template strips spaces)."""
    return location.replace(" ", "").lower()


def cluster_rules(
    clusters: Mapping[str, ContainerInsightsClusterArgs], used_keys: set[str], used_ids: set[str]
) -> list[tuple[str, Any, bool, str]]:
    """(argument, value, is it bad?, how to fix) for `Monitoring.add_container_insights(clusters)`."""
    bad_keys = sorted(key for key in clusters if not _KEY.match(key))
    again = sorted(set(clusters) & used_keys)
    rules: list[tuple[str, Any, bool, str]] = [
        ("clusters", bad_keys, bool(bad_keys),
         "use keys of lower-case letters, digits and hyphens (they name the child resources)"),
        ("clusters", again, bool(again), "use keys not used before for Container Insights: each names the cluster's associations"),
    ]
    seen = set(used_ids)
    for key, cluster in clusters.items():
        where = f"clusters[{key!r}]"
        location, private, resource_id = cluster["location"], cluster.get("private", False), cluster["resource_id"]
        rules += [
            # An Output cannot say which regions need an endpoint, so it is refused (named, since `check` skips Outputs).
            (f"{where}.location", "pulumi.Output" if isinstance(location, pulumi.Output) else location,
             not isinstance(location, str),
             "give the region as a plain string (e.g. 'northeurope'): it decides which data collection endpoints exist"),
            (f"{where}.location", location, isinstance(location, str) and not _REGION.match(region_of(location)),
             "use an Azure region name such as 'northeurope' or 'North Europe'"),
            (f"{where}.private", private, not isinstance(private, bool), "use True or False"),
        ]
        if isinstance(resource_id, str):
            duplicate = resource_id.lower() in seen
            seen.add(resource_id.lower())
            rules.append((f"{where}.resource_id", resource_id, duplicate,
                          f"give each cluster once: a cluster has one {RULE_ASSOCIATION_NAME} association, a second would replace the first"))
    return rules


def build_rule(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    workspace_id: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> monitor.DataCollectionRule:
    """The one Container Insights rule of a workspace, in the workspace's region; every cluster is associated with it."""
    return monitor.DataCollectionRule(
        f"{name}-ci-dcr",
        monitor.DataCollectionRuleArgs(
            resource_group_name=resource_group_name,
            location=location,
            kind="Linux",
            description="Container Insights: the AKS monitoring add-on's logs, events, inventory and performance data to the Log Analytics workspace",
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                extensions=[
                    monitor.ExtensionDataSourceArgs(
                        name=RULE_ASSOCIATION_NAME,
                        extension_name="ContainerInsights",
                        streams=list(STREAMS),
                        extension_settings={"dataCollectionSettings": dict(DATA_COLLECTION_SETTINGS)},
                    )
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                log_analytics=[monitor.LogAnalyticsDestinationArgs(name=_DESTINATION, workspace_resource_id=workspace_id)]
            ),
            data_flows=[monitor.DataFlowArgs(streams=list(STREAMS), destinations=[_DESTINATION])],
            tags=dict(tags),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def build_endpoint(
    name: str,
    *,
    region: str,
    resource_group_name: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> monitor.DataCollectionEndpoint:
    """A data collection endpoint in `region` for the agents of the private clusters there."""
    return monitor.DataCollectionEndpoint(
        f"{name}-ci-dce-{region}",
        monitor.DataCollectionEndpointArgs(
            resource_group_name=resource_group_name,
            location=region,
            kind="Linux",
            description=f"Configuration access for the Azure Monitor agents of private AKS clusters in {region}",
            # Enabled until an Azure Monitor Private Link Scope holds this endpoint (see the module docstring).
            network_acls=monitor.DataCollectionEndpointNetworkAclsArgs(public_network_access="Enabled"),
            tags=dict(tags),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def associate_cluster(
    name: str,
    *,
    cluster_key: str,
    cluster_id: pulumi.Input[str],
    data_collection_rule_id: pulumi.Input[str],
    data_collection_endpoint_id: pulumi.Input[str] | None,
    parent: pulumi.Resource,
) -> None:
    """One cluster: its association with the rule, and with the endpoint of its region when it has one."""
    child = pulumi.ResourceOptions(parent=parent)
    monitor.DataCollectionRuleAssociation(
        f"{name}-ci-dcra-{cluster_key}",
        monitor.DataCollectionRuleAssociationArgs(
            resource_uri=cluster_id,
            association_name=RULE_ASSOCIATION_NAME,
            data_collection_rule_id=data_collection_rule_id,
            description="Container Insights collection for this cluster. Deleting it stops the collection.",
        ),
        opts=child,
    )
    if data_collection_endpoint_id is not None:
        monitor.DataCollectionRuleAssociation(
            f"{name}-ci-dcea-{cluster_key}",
            monitor.DataCollectionRuleAssociationArgs(
                resource_uri=cluster_id,
                association_name=CONFIGURATION_ASSOCIATION_NAME,
                data_collection_endpoint_id=data_collection_endpoint_id,
                description="Where this cluster's Azure Monitor agents fetch their configuration (an endpoint in its region).",
            ),
            opts=child,
        )
