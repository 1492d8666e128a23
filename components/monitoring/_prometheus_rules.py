"""Managed Prometheus: the resources that collect AKS metrics into an Azure Monitor workspace, and the
recommended Prometheus recording and alert rule groups that AKS deploys.

Copied, expressions unchanged, from the upstream ARM templates in Azure/prometheus-collector:
- recording rules: `GeneratedMonitoringArtifacts/Default/DefaultRecordingRules.json` (NodeRecordingRulesRuleGroup
  and KubernetesRecordingRulesRuleGroup; the Windows groups are left out: the platform runs Linux nodes only);
- alert rules: `GeneratedMonitoringArtifacts/Default/recommendedMetricAlerts.json` (the "Prometheus community
  alert rules" the portal's "Set up recommendations" deploys: cluster, node and pod level groups), which
  learn.microsoft.com/azure/azure-monitor/containers/kubernetes-metric-alerts documents rule by rule.

One addition, marked below: KubeNodeNotReady. The current upstream node group dropped it; it comes from an
earlier revision of the same upstream rules (AddonBicepTemplate/recommendedMetricAlerts.bicep) and the
kubernetes-mixin, with the same expression, `for` and severity they use. Keep the expressions byte for byte
as upstream (odd spacing included) so that a diff against upstream shows only real changes.

`build_collection` builds the workspace and the collection endpoint and rule; `bind_cluster` adds a cluster:
the rule's association with it and its rule groups (the data as PrometheusRuleGroups).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import alertsmanagement, monitor

__all__ = [
    "RECOMMENDED_RULE_GROUPS",
    "AlertRule",
    "RecordingRule",
    "RuleGroup",
    "bind_cluster",
    "build_collection",
]


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expression: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expression: str
    for_: str
    severity: int
    time_to_resolve: str
    description: str
    labels: Mapping[str, str] = field(default_factory=lambda: {"severity": "warning"})
    """Labels on the alert; upstream's recommended rules all carry severity: warning."""


@dataclass(frozen=True)
class RuleGroup:
    key: str
    """Stable key: part of the Pulumi resource name (`<name>-prom-<cluster key>-<key>`)."""
    name_prefix: str
    """The upstream Azure name; the cluster name is appended (`NodeRecordingRulesRuleGroup-<cluster>`)."""
    name_suffix: str
    description: str
    rules: tuple[RecordingRule, ...] | tuple[AlertRule, ...]
    interval: str = "PT1M"

    @property
    def is_alerting(self) -> bool:
        return bool(self.rules) and isinstance(self.rules[0], AlertRule)


NODE_RECORDING_RULES = RuleGroup(
    key="node-recording",
    name_prefix="NodeRecordingRulesRuleGroup-",
    name_suffix="",
    description="Node Recording Rules RuleGroup - 0.1",
    rules=(
        RecordingRule("instance:node_num_cpu:sum", 'count without (cpu, mode) (  node_cpu_seconds_total{job="node",mode="idle"})'),
        RecordingRule(
            "instance:node_cpu_utilisation:rate5m",
            '1 - avg without (cpu) (  sum without (mode) (rate(node_cpu_seconds_total{job="node", mode=~"idle|iowait|steal"}[5m])))',
        ),
        RecordingRule("instance:node_load1_per_cpu:ratio", '(  node_load1{job="node"}/  instance:node_num_cpu:sum{job="node"})'),
        RecordingRule(
            "instance:node_memory_utilisation:ratio",
            '1 - (  (    node_memory_MemAvailable_bytes{job="node"}    or    (      node_memory_Buffers_bytes{job="node"}'
            '      +      node_memory_Cached_bytes{job="node"}      +      node_memory_MemFree_bytes{job="node"}      +'
            '      node_memory_Slab_bytes{job="node"}    )  )/  node_memory_MemTotal_bytes{job="node"})',
        ),
        RecordingRule("instance:node_vmstat_pgmajfault:rate5m", 'rate(node_vmstat_pgmajfault{job="node"}[5m])'),
        RecordingRule(
            "instance_device:node_disk_io_time_seconds:rate5m",
            'rate(node_disk_io_time_seconds_total{job="node", device!=""}[5m])',
        ),
        RecordingRule(
            "instance_device:node_disk_io_time_weighted_seconds:rate5m",
            'rate(node_disk_io_time_weighted_seconds_total{job="node", device!=""}[5m])',
        ),
        RecordingRule(
            "instance:node_network_receive_bytes_excluding_lo:rate5m",
            'sum without (device) (  rate(node_network_receive_bytes_total{job="node", device!="lo"}[5m]))',
        ),
        RecordingRule(
            "instance:node_network_transmit_bytes_excluding_lo:rate5m",
            'sum without (device) (  rate(node_network_transmit_bytes_total{job="node", device!="lo"}[5m]))',
        ),
        RecordingRule(
            "instance:node_network_receive_drop_excluding_lo:rate5m",
            'sum without (device) (  rate(node_network_receive_drop_total{job="node", device!="lo"}[5m]))',
        ),
        RecordingRule(
            "instance:node_network_transmit_drop_excluding_lo:rate5m",
            'sum without (device) (  rate(node_network_transmit_drop_total{job="node", device!="lo"}[5m]))',
        ),
    ),
)


def _active(kind: str, resource: str, tail: str) -> str:
    return (
        f'kube_pod_container_resource_{kind}{{resource="{resource}",job="kube-state-metrics"}}  * on (namespace, pod, cluster)'
        f"group_left() max by (namespace, pod, cluster) {tail}"
    )


def _namespace_sum(kind: str, resource: str) -> str:
    return (
        "sum by (namespace, cluster) (    sum by (namespace, pod, cluster) (        max by (namespace, pod, container, cluster) ("
        f'          kube_pod_container_resource_{kind}{{resource="{resource}",job="kube-state-metrics"}}        ) * on(namespace,'
        ' pod, cluster) group_left() max by (namespace, pod, cluster) (          kube_pod_status_phase{phase=~"Pending|Running"}'
        " == 1        )    ))"
    )


def _container(metric: str) -> str:
    return (
        f'{metric}{{job="cadvisor", image!=""}}* on (namespace, pod) group_left(node) topk by(namespace, pod) (1,  max by'
        '(namespace, pod, node) (kube_pod_info{node!=""}))'
    )


def _owner(kind: str) -> str:
    return (
        "max by (cluster, namespace, workload, pod) (  label_replace(    kube_pod_owner"
        f'{{job="kube-state-metrics", owner_kind="{kind}"}},    "workload", "$1", "owner_name", "(.*)"  ))'
    )


_PHASE_ACTIVE = '(  (kube_pod_status_phase{phase=~"Pending|Running"} == 1))'

KUBERNETES_RECORDING_RULES = RuleGroup(
    key="kubernetes-recording",
    name_prefix="KubernetesRecordingRulesRuleGroup-",
    name_suffix="",
    description="Kubernetes Recording Rules RuleGroup - 0.1",
    rules=(
        RecordingRule(
            "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_irate",
            'sum by (cluster, namespace, pod, container) (  irate(container_cpu_usage_seconds_total{job="cadvisor", image!=""}'
            "[5m])) * on (cluster, namespace, pod) group_left(node) topk by (cluster, namespace, pod) (  1, max by(cluster,"
            ' namespace, pod, node) (kube_pod_info{node!=""}))',
        ),
        RecordingRule(
            "node_namespace_pod_container:container_memory_working_set_bytes",
            _container("container_memory_working_set_bytes"),
        ),
        RecordingRule("node_namespace_pod_container:container_memory_rss", _container("container_memory_rss")),
        RecordingRule("node_namespace_pod_container:container_memory_cache", _container("container_memory_cache")),
        RecordingRule("node_namespace_pod_container:container_memory_swap", _container("container_memory_swap")),
        RecordingRule(
            "cluster:namespace:pod_memory:active:kube_pod_container_resource_requests",
            _active("requests", "memory", _PHASE_ACTIVE),
        ),
        RecordingRule("namespace_memory:kube_pod_container_resource_requests:sum", _namespace_sum("requests", "memory")),
        RecordingRule(
            "cluster:namespace:pod_cpu:active:kube_pod_container_resource_requests",
            _active("requests", "cpu", _PHASE_ACTIVE),
        ),
        RecordingRule("namespace_cpu:kube_pod_container_resource_requests:sum", _namespace_sum("requests", "cpu")),
        RecordingRule(
            "cluster:namespace:pod_memory:active:kube_pod_container_resource_limits",
            _active("limits", "memory", _PHASE_ACTIVE),
        ),
        RecordingRule("namespace_memory:kube_pod_container_resource_limits:sum", _namespace_sum("limits", "memory")),
        RecordingRule(
            "cluster:namespace:pod_cpu:active:kube_pod_container_resource_limits",
            # Upstream spaces this one differently from its three siblings.
            _active("limits", "cpu", '( (kube_pod_status_phase{phase=~"Pending|Running"} == 1) )'),
        ),
        RecordingRule("namespace_cpu:kube_pod_container_resource_limits:sum", _namespace_sum("limits", "cpu")),
        RecordingRule(
            "namespace_workload_pod:kube_pod_owner:relabel",
            "max by (cluster, namespace, workload, pod) (  label_replace(    label_replace(      kube_pod_owner"
            '{job="kube-state-metrics", owner_kind="ReplicaSet"},      "replicaset", "$1", "owner_name", "(.*)"    ) *'
            " on(replicaset, namespace) group_left(owner_name) topk by(replicaset, namespace) (      1, max by (replicaset,"
            ' namespace, owner_name) (        kube_replicaset_owner{job="kube-state-metrics"}      )    ),    "workload",'
            ' "$1", "owner_name", "(.*)"  ))',
            {"workload_type": "deployment"},
        ),
        RecordingRule("namespace_workload_pod:kube_pod_owner:relabel", _owner("DaemonSet"), {"workload_type": "daemonset"}),
        RecordingRule("namespace_workload_pod:kube_pod_owner:relabel", _owner("StatefulSet"), {"workload_type": "statefulset"}),
        RecordingRule("namespace_workload_pod:kube_pod_owner:relabel", _owner("Job"), {"workload_type": "job"}),
        RecordingRule(
            ":node_memory_MemAvailable_bytes:sum",
            'sum(  node_memory_MemAvailable_bytes{job="node"} or  (    node_memory_Buffers_bytes{job="node"} +'
            '    node_memory_Cached_bytes{job="node"} +    node_memory_MemFree_bytes{job="node"} +'
            '    node_memory_Slab_bytes{job="node"}  )) by (cluster)',
        ),
        RecordingRule(
            "cluster:node_cpu:ratio_rate5m",
            'sum(rate(node_cpu_seconds_total{job="node",mode!="idle",mode!="iowait",mode!="steal"}[5m])) by (cluster) '
            '/count(sum(node_cpu_seconds_total{job="node"}) by (cluster, instance, cpu)) by (cluster)',
        ),
    ),
)


def _see(level: str) -> str:
    return f" For more information on this alert, please refer to this [link](https://aka.ms/aks-alerts/{level}-level-recommended-alerts)."


_KSM = 'job="kube-state-metrics"'
_OWNER = 'label_replace(kube_pod_owner, "controller", "$1", "owner_name", "(.*)")'
_ALERT_GROUP = "KubernetesAlert-RecommendedMetricAlerts"
_ALERT_DESCRIPTION = "Kubernetes Alert RuleGroup-RecommendedMetricAlerts - 0.1"

CLUSTER_ALERTS = RuleGroup(
    key="cluster-alerts",
    name_prefix=_ALERT_GROUP,
    name_suffix="-Cluster-level",
    description=_ALERT_DESCRIPTION,
    rules=(
        AlertRule(
            "KubeCPUQuotaOvercommit",
            f'sum(min without(resource) (kube_resourcequota{{{_KSM}, type="hard", resource=~"(cpu|requests.cpu)"}}))  '
            f'/sum(kube_node_status_allocatable{{resource="cpu", {_KSM}}})  > 1.5',
            "PT5M", 3, "PT10M",
            "Cluster {{ $labels.cluster}} has overcommitted CPU resource requests for Namespaces." + _see("cluster"),
        ),
        AlertRule(
            "KubeMemoryQuotaOvercommit",
            f'sum(min without(resource) (kube_resourcequota{{{_KSM}, type="hard", resource=~"(memory|requests.memory)"}}))  '
            f'/sum(kube_node_status_allocatable{{resource="memory", {_KSM}}})  > 1.5',
            "PT5M", 3, "PT10M",
            "Cluster {{ $labels.cluster}} has overcommitted memory resource requests for Namespaces." + _see("cluster"),
        ),
        AlertRule(
            "KubeContainerOOMKilledCount",
            'sum by (cluster,container,controller,namespace)(kube_pod_container_status_last_terminated_reason'
            f'{{reason="OOMKilled"}} * on(cluster,namespace,pod) group_left(controller) {_OWNER}) > 0',
            "PT5M", 4, "PT10M",
            "Number of OOM killed containers is greater than 0." + _see("cluster"),
        ),
        AlertRule(
            "KubeClientErrors",
            '(sum(rate(rest_client_requests_total{code=~"5.."}[5m])) by (cluster, instance, job, namespace)  / '
            "sum(rate(rest_client_requests_total[5m])) by (cluster, instance, job, namespace)) > 0.01",
            "PT15M", 3, "PT10M",
            "Kubernetes API server client '{{ $labels.job }}/{{ $labels.instance }}' is experiencing "
            "{{ $value | humanizePercentage }} errors." + _see("cluster"),
        ),
        AlertRule(
            "KubePersistentVolumeFillingUp",
            'kubelet_volume_stats_available_bytes{job="kubelet"}/kubelet_volume_stats_capacity_bytes{job="kubelet"} < 0.15 '
            'and kubelet_volume_stats_used_bytes{job="kubelet"} > 0 and predict_linear(kubelet_volume_stats_available_bytes'
            '{job="kubelet"}[6h], 4 * 24 * 3600) < 0 unless on(namespace, persistentvolumeclaim) '
            'kube_persistentvolumeclaim_access_mode{ access_mode="ReadOnlyMany"} == 1 unless on(namespace, '
            'persistentvolumeclaim) kube_persistentvolumeclaim_labels{label_excluded_from_alerts="true"} == 1',
            "PT60M", 4, "PT15M",
            "Based on recent sampling, the PersistentVolume claimed by {{ $labels.persistentvolumeclaim }} in Namespace "
            "{{ $labels.namespace }} is expected to fill up within four days. Currently {{ $value | humanizePercentage }} "
            "is available." + _see("cluster"),
        ),
        AlertRule(
            "KubePersistentVolumeInodesFillingUp",
            'kubelet_volume_stats_inodes_free{job="kubelet"} / kubelet_volume_stats_inodes{job="kubelet"} < 0.03',
            "PT15M", 4, "PT10M",
            "The PersistentVolume claimed by {{ $labels.persistentvolumeclaim }} in Namespace {{ $labels.namespace }} "
            "only has {{ $value | humanizePercentage }} free inodes." + _see("cluster"),
        ),
        AlertRule(
            "KubePersistentVolumeErrors",
            f'kube_persistentvolume_status_phase{{phase=~"Failed|Pending",{_KSM}}} > 0',
            "PT05M", 4, "PT10M",
            "The persistent volume {{ $labels.persistentvolume }} has status {{ $labels.phase }}." + _see("cluster"),
        ),
        AlertRule(
            "KubeContainerWaiting",
            f"sum by (namespace, pod, container, cluster) (kube_pod_container_status_waiting_reason{{{_KSM}}}) > 0",
            "PT60M", 3, "PT10M",
            "pod/{{ $labels.pod }} in namespace {{ $labels.namespace }} on container {{ $labels.container}} has been in "
            "waiting state for longer than 1 hour." + _see("cluster"),
        ),
        AlertRule(
            "KubeDaemonSetNotScheduled",
            f"kube_daemonset_status_desired_number_scheduled{{{_KSM}}} - "
            f"kube_daemonset_status_current_number_scheduled{{{_KSM}}} > 0",
            "PT15M", 3, "PT10M",
            "{{ $value }} Pods of DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} are not scheduled." + _see("cluster"),
        ),
        AlertRule(
            "KubeDaemonSetMisScheduled",
            f"kube_daemonset_status_number_misscheduled{{{_KSM}}} > 0",
            "PT15M", 3, "PT10M",
            "{{ $value }} Pods of DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} are running where they are "
            "not supposed to run." + _see("cluster"),
        ),
        AlertRule(
            "KubeQuotaAlmostFull",
            f'kube_resourcequota{{{_KSM}, type="used"}}  / ignoring(instance, job, type)'
            f'(kube_resourcequota{{{_KSM}, type="hard"}} > 0)  > 0.9 < 1',
            "PT15M", 3, "PT10M",
            "{{ $value | humanizePercentage }} usage of {{ $labels.resource }} in namespace {{ $labels.namespace }} in "
            "{{ $labels.cluster}}." + _see("cluster"),
        ),
    ),
)

NODE_ALERTS = RuleGroup(
    key="node-alerts",
    name_prefix=_ALERT_GROUP,
    name_suffix="-Node-level",
    description=_ALERT_DESCRIPTION,
    rules=(
        AlertRule(
            "KubeNodeUnreachable",
            f'(kube_node_spec_taint{{{_KSM},key="node.kubernetes.io/unreachable",effect="NoSchedule"}} unless '
            f'ignoring(key,value) kube_node_spec_taint{{{_KSM},key=~"ToBeDeletedByClusterAutoscaler|cloud.google.com/'
            'impending-node-termination|aws-node-termination-handler/spot-itn"}) == 1',
            "PT15M", 3, "PT10M",
            "{{ $labels.node }} in {{ $labels.cluster}} is unreachable and some workloads may be rescheduled." + _see("node"),
        ),
        AlertRule(
            "KubeNodeReadinessFlapping",
            'sum(changes(kube_node_status_condition{status="true",condition="Ready"}[15m])) by (cluster, node) > 2',
            "PT15M", 3, "PT10M",
            "The readiness status of node {{ $labels.node }} in {{ $labels.cluster}} has changed more than 2 times in "
            "the last 15 minutes." + _see("node"),
        ),
        AlertRule(
            "KubeNodeDiskUsageHigh",
            '100 - ((node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}) * 100) > 80',
            "PT15M", 3, "PT10M",
            "The disk usage on node {{ $labels.instance }} in {{ $labels.job }} has exceeded 80% and current usage is "
            "{{ $value | humanizePercentage }}%)." + _see("node"),
        ),
        # Addition (see the module docstring): upstream's earlier node group and the kubernetes-mixin.
        AlertRule(
            "KubeNodeNotReady",
            f'kube_node_status_condition{{{_KSM},condition="Ready",status="true"}} == 0',
            "PT15M", 3, "PT10M",
            "{{ $labels.node }} in {{ $labels.cluster}} has been unready for more than 15 minutes. For more information on "
            "this alert, please refer to this [link](https://github.com/prometheus-operator/runbooks/blob/main/content/"
            "runbooks/kubernetes/KubeNodeNotReady.md).",
        ),
    ),
)

POD_ALERTS = RuleGroup(
    key="pod-alerts",
    name_prefix=_ALERT_GROUP,
    name_suffix="-Pod-level",
    description=_ALERT_DESCRIPTION,
    rules=(
        AlertRule(
            "KubePodCrashLooping",
            f'max_over_time(kube_pod_container_status_waiting_reason{{reason="CrashLoopBackOff", {_KSM}}}[5m]) >= 1',
            "PT15M", 4, "PT10M",
            '{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) in {{ $labels.cluster}} is restarting '
            '{{ printf "%.2f" $value }} / second.' + _see("pod"),
        ),
        AlertRule(
            "KubeJobStale",
            f"sum by(namespace,cluster)(kube_job_spec_completions{{{_KSM}}}) - "
            f"sum by(namespace,cluster)(kube_job_status_succeeded{{{_KSM}}})  > 0 ",
            "PT360M", 4, "PT15M",
            "Number of stale jobs older than six hours is greater than 0." + _see("pod"),
        ),
        AlertRule(
            "KubePodContainerRestart",
            f"sum by (namespace, controller, container, cluster)(increase(kube_pod_container_status_restarts_total{{{_KSM}}}"
            f"[1h])* on(namespace, pod, cluster) group_left(controller) {_OWNER}) > 0",
            "PT15M", 4, "PT10M",
            "Pod container restarted in the last 1 hour." + _see("pod"),
        ),
        AlertRule(
            "KubePodReadyStateLow",
            "sum by (cluster,namespace,deployment)(kube_deployment_status_replicas_ready) / sum by (cluster,namespace,"
            "deployment)(kube_deployment_spec_replicas) <.8 or sum by (cluster,namespace,daemonset)"
            "(kube_daemonset_status_number_ready) / sum by (cluster,namespace,daemonset)"
            "(kube_daemonset_status_desired_number_scheduled) <.8 ",
            "PT5M", 4, "PT15M",
            "Ready state of pods is less than 80%." + _see("pod"),
        ),
        AlertRule(
            "KubePodFailedState",
            'sum by (cluster, namespace, controller) (kube_pod_status_phase{phase="failed"} * on(namespace, pod, cluster) '
            f"group_left(controller) {_OWNER})  > 0",
            "PT5M", 4, "PT15M",
            "Number of pods in failed state are greater than 0." + _see("pod"),
        ),
        AlertRule(
            "KubePodNotReadyByController",
            f'sum by (namespace, controller, cluster) (max by(namespace, pod, cluster) (kube_pod_status_phase{{{_KSM}, '
            'phase=~"Pending|Unknown"}  ) * on(namespace, pod, cluster) group_left(controller)label_replace(kube_pod_owner,'
            '"controller","$1","owner_name","(.*)")) > 0',
            "PT15M", 3, "PT10M",
            "{{ $labels.namespace }}/{{ $labels.pod }} in {{ $labels.cluster}} by controller is not ready." + _see("pod"),
        ),
        AlertRule(
            "KubeStatefulSetGenerationMismatch",
            f"kube_statefulset_status_observed_generation{{{_KSM}}} != kube_statefulset_metadata_generation{{{_KSM}}}",
            "PT15M", 3, "PT10M",
            "StatefulSet generation for {{ $labels.namespace }}/{{ $labels.statefulset }} does not match, this indicates "
            "that the StatefulSet has failed but has not been rolled back." + _see("pod"),
        ),
        AlertRule(
            "KubeJobFailed",
            f"kube_job_failed{{{_KSM}}}  > 0",
            "PT15M", 3, "PT10M",
            "Job {{ $labels.namespace }}/{{ $labels.job_name }} in {{ $labels.cluster}} failed to complete." + _see("pod"),
        ),
        AlertRule(
            "KubeContainerAverageCPUHigh",
            'sum (rate(container_cpu_usage_seconds_total{image!="", container!="POD"}[5m])) by (pod,cluster,container,'
            'namespace) / sum(container_spec_cpu_quota{image!="", container!="POD"}/container_spec_cpu_period{image!="", '
            'container!="POD"}) by (pod,cluster,container,namespace) > .95',
            "PT5M", 4, "PT15M",
            "Average CPU usage per container is greater than 95%." + _see("pod"),
        ),
        AlertRule(
            "KubeContainerAverageMemoryHigh",
            'avg by (namespace, controller, container, cluster)(((container_memory_working_set_bytes{container!="", '
            'image!="", container!="POD"} / on(namespace,cluster,pod,container) group_left kube_pod_container_resource_limits'
            '{resource="memory", node!=""})*on(namespace, pod, cluster) group_left(controller) '
            f"{_OWNER}) > .95)",
            "PT10M", 4, "PT10M",
            "Average Memory usage per container is greater than 95%." + _see("pod"),
        ),
        AlertRule(
            "KubeletPodStartUpLatencyHigh",
            'histogram_quantile(0.99, sum(rate(kubelet_pod_worker_duration_seconds_bucket{job="kubelet"}[5m])) by (cluster, '
            'instance, le)) * on(cluster, instance) group_left(node) kubelet_node_name{job="kubelet"} > 60',
            "PT10M", 4, "PT10M",
            "Kubelet Pod startup latency is too high." + _see("pod"),
        ),
        AlertRule(
            "KubePVUsageHigh",
            'avg by (namespace, controller, container, cluster)(((kubelet_volume_stats_used_bytes{job="kubelet"} / '
            'on(namespace,cluster,pod,container) group_left kubelet_volume_stats_capacity_bytes{job="kubelet"}) * '
            f"on(namespace, pod, cluster) group_left(controller) {_OWNER}))) > .8",
            "PT15M", 3, "PT10M",
            "Average PV usage on pod {{ $labels.pod }} in container {{ $labels.container }}  is greater than 80%." + _see("pod"),
        ),
        AlertRule(
            "KubeDeploymentReplicasMismatch",
            f"(  kube_deployment_spec_replicas{{{_KSM}}}    >  kube_deployment_status_replicas_available{{{_KSM}}}) and "
            f"(  changes(kube_deployment_status_replicas_updated{{{_KSM}}}[10m])    ==  0)",
            "PT15M", 4, "PT15M",
            "Deployment {{ $labels.namespace }}/{{ $labels.deployment }} in {{ $labels.cluster}} replica mismatch." + _see("pod"),
        ),
        AlertRule(
            "KubeStatefulSetReplicasMismatch",
            f"(  kube_statefulset_status_replicas_ready{{{_KSM}}}    !=  kube_statefulset_status_replicas{{{_KSM}}}) and "
            f"(  changes(kube_statefulset_status_replicas_updated{{{_KSM}}}[10m])    ==  0)",
            "PT15M", 4, "PT10M",
            "StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} in {{ $labels.cluster}} replica mismatch."
            + _see("pod"),
        ),
        AlertRule(
            "KubeHpaReplicasMismatch",
            f"(kube_horizontalpodautoscaler_status_desired_replicas{{{_KSM}}}  !=kube_horizontalpodautoscaler_status_current_"
            f"replicas{{{_KSM}}})  and(kube_horizontalpodautoscaler_status_current_replicas{{{_KSM}}}  >kube_horizontalpod"
            f"autoscaler_spec_min_replicas{{{_KSM}}})  and(kube_horizontalpodautoscaler_status_current_replicas{{{_KSM}}}  "
            f"<kube_horizontalpodautoscaler_spec_max_replicas{{{_KSM}}})  and changes(kube_horizontalpodautoscaler_status_"
            f"current_replicas{{{_KSM}}}[15m]) == 0",
            "PT15M", 4, "PT15M",
            "Horizontal Pod Autoscaler in {{ $labels.cluster}} has not matched the desired number of replicas for longer "
            "than 15 minutes." + _see("pod"),
        ),
        AlertRule(
            "KubeHpaMaxedOut",
            f"kube_horizontalpodautoscaler_status_current_replicas{{{_KSM}}}  "
            f"==kube_horizontalpodautoscaler_spec_max_replicas{{{_KSM}}}",
            "PT15M", 4, "PT15M",
            "Horizontal Pod Autoscaler in {{ $labels.cluster}} has been running at max replicas for longer than 15 minutes."
            + _see("pod"),
        ),
    ),
)

RECOMMENDED_RULE_GROUPS: tuple[RuleGroup, ...] = (
    NODE_RECORDING_RULES,
    KUBERNETES_RECORDING_RULES,
    CLUSTER_ALERTS,
    NODE_ALERTS,
    POD_ALERTS,
)
"""Every recommended group, recording groups first (the alert groups do not depend on them, dashboards do)."""


def _rule_args(rule: RecordingRule | AlertRule, action_group_id: pulumi.Input[str] | None) -> alertsmanagement.PrometheusRuleArgs:
    if isinstance(rule, RecordingRule):
        return alertsmanagement.PrometheusRuleArgs(
            record=rule.record, expression=rule.expression, labels=dict(rule.labels) or None, enabled=True
        )
    return alertsmanagement.PrometheusRuleArgs(
        alert=rule.alert,
        expression=rule.expression,
        for_=rule.for_,
        severity=rule.severity,
        enabled=True,
        labels=dict(rule.labels),
        annotations={"description": rule.description},
        resolve_configuration=alertsmanagement.PrometheusRuleResolveConfigurationArgs(
            auto_resolved=True, time_to_resolve=rule.time_to_resolve
        ),
        actions=(
            [alertsmanagement.PrometheusRuleGroupActionArgs(action_group_id=action_group_id)]
            if action_group_id is not None
            else None
        ),
    )


def _group_name(group: RuleGroup) -> Callable[[str], str]:
    return lambda cluster: f"{group.name_prefix}{cluster}{group.name_suffix}"


def build_collection(
    name: str,
    *,
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    monitor_workspace_name: str | None,
    public_network_access: bool,
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    protect: bool = False,
) -> tuple[monitor.AzureMonitorWorkspace, monitor.DataCollectionRule]:
    """An Azure Monitor workspace (Pulumi-protected when asked: its metrics are the platform's history), and one
    collection endpoint and rule (the `prometheusForwarder` data source's `Microsoft-PrometheusMetrics` stream to
    the workspace) in its region, as AKS's own onboarding puts them."""
    child = pulumi.ResourceOptions(parent=parent)
    access = "Enabled" if public_network_access else "Disabled"
    amw = monitor.AzureMonitorWorkspace(
        f"{name}-amw",
        monitor.AzureMonitorWorkspaceArgs(
            resource_group_name=resource_group_name,
            location=location,
            azure_monitor_workspace_name=monitor_workspace_name,
            public_network_access=access,
            tags=dict(tags),
        ),
        opts=pulumi.ResourceOptions(parent=parent, protect=protect or None),
    )
    dce = monitor.DataCollectionEndpoint(
        f"{name}-dce",
        monitor.DataCollectionEndpointArgs(
            resource_group_name=resource_group_name,
            location=location,
            kind="Linux",
            description="Managed Prometheus ingestion endpoint",
            network_acls=monitor.DataCollectionEndpointNetworkAclsArgs(public_network_access=access),
            tags=dict(tags),
        ),
        opts=child,
    )
    destination = "MonitoringAccount1"
    dcr = monitor.DataCollectionRule(
        f"{name}-dcr",
        monitor.DataCollectionRuleArgs(
            resource_group_name=resource_group_name,
            location=location,
            kind="Linux",
            description="Managed Prometheus: the metrics add-on's scrapes to the Azure Monitor workspace",
            data_collection_endpoint_id=dce.id,
            data_sources=monitor.DataCollectionRuleDataSourcesArgs(
                prometheus_forwarder=[
                    monitor.PrometheusForwarderDataSourceArgs(name="PrometheusDataSource", streams=["Microsoft-PrometheusMetrics"])
                ]
            ),
            destinations=monitor.DataCollectionRuleDestinationsArgs(
                monitoring_accounts=[monitor.MonitoringAccountDestinationArgs(account_resource_id=amw.id, name=destination)]
            ),
            data_flows=[monitor.DataFlowArgs(streams=["Microsoft-PrometheusMetrics"], destinations=[destination])],
            tags=dict(tags),
        ),
        opts=child,
    )
    return amw, dcr


def bind_cluster(
    name: str,
    *,
    cluster_key: str,
    cluster_id: pulumi.Input[str],
    cluster_name: pulumi.Input[str],
    monitor_workspace_id: pulumi.Input[str],
    data_collection_rule_id: pulumi.Input[str],
    resource_group_name: pulumi.Input[str],
    location: pulumi.Input[str],
    action_group_id: pulumi.Input[str] | None,
    rule_groups: tuple[RuleGroup, ...],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> None:
    """One cluster: the collection rule's association with it, and its rule groups."""
    monitor.DataCollectionRuleAssociation(
        f"{name}-dcra-{cluster_key}",
        monitor.DataCollectionRuleAssociationArgs(
            resource_uri=cluster_id,
            association_name=f"{name}-prometheus",
            data_collection_rule_id=data_collection_rule_id,
            description="Managed Prometheus metrics of this cluster to the Azure Monitor workspace",
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    # Named as upstream names them (`<prefix><cluster name><suffix>`).
    for group in rule_groups:
        alertsmanagement.PrometheusRuleGroup(
            f"{name}-prom-{cluster_key}-{group.key}",
            alertsmanagement.PrometheusRuleGroupArgs(
                resource_group_name=resource_group_name,
                location=location,
                rule_group_name=pulumi.Output.from_input(cluster_name).apply(_group_name(group)),
                description=group.description,
                cluster_name=cluster_name,
                scopes=[monitor_workspace_id, cluster_id],
                enabled=True,
                interval=group.interval,
                rules=[_rule_args(rule, action_group_id if group.is_alerting else None) for rule in group.rules],
                tags=dict(tags),
            ),
            opts=pulumi.ResourceOptions(parent=parent),
        )
