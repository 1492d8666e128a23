"""Monitoring (first part): workspace, the platform's event tables, workspace-based Application Insights."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.components import InvalidArgumentError
from sentimark_platform.components.monitoring._slo_rules import ROLLOUT_PHASES
from sentimark_platform.offline import Plan
from sentimark_platform.schemacheck import validate_plan
from tests.programs import preview_program


def _preview(tmp_path: Path, **args: Any) -> Plan:
    arguments = {"resource_group_name": "rg-x", "location": "westeurope", "retention_days": 30, "application_insights_name": "appi-x", **args}
    return preview_program(tmp_path, textwrap.dedent(
            f"""
            from sentimark_platform.components.monitoring import Monitoring
            Monitoring("mon", {arguments!r})
            """
        ))


def test_development_like_workspace_has_event_tables_and_entra_only_insights(tmp_path: Path) -> None:
    plan = _preview(tmp_path)
    (workspace,) = plan.of_type("azure-native:operationalinsights:Workspace")
    assert workspace.inputs["retentionInDays"] == 30
    assert workspace.inputs["features"]["disableLocalAuth"] is True
    tables = {t.inputs["tableName"]: t for t in plan.of_type("azure-native:operationalinsights:Table")}
    assert set(tables) == {"FeatureFlagChanges_CL", "DataMigrations_CL", "IcebergOperations_CL", "Rollbacks_CL"}
    assert tables["Rollbacks_CL"].inputs["schema"]["columns"][0] == {"name": "TimeGenerated", "type": "dateTime"}
    (insights,) = plan.of_type("azure-native:applicationinsights:Component")
    assert insights.inputs["ingestionMode"] == "LogAnalytics"
    assert insights.inputs["workspaceResourceId"].endswith("/workspaces/mon-log")
    assert insights.inputs["disableLocalAuth"] is True
    assert validate_plan(plan.to_json()).problems == []


def test_production_like_workspace_keeps_logs_longer_and_is_locked(tmp_path: Path) -> None:
    plan = _preview(tmp_path, retention_days=180, lock={"kind": "CanNotDelete"})
    (workspace,) = plan.of_type("azure-native:operationalinsights:Workspace")
    assert workspace.inputs["retentionInDays"] == 180
    (lock,) = plan.of_type("azure-native:authorization:ManagementLockByScope")
    assert lock.inputs["level"] == "CanNotDelete"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"retention_days": 7}, "Monitoring: argument 'retention_days' got 7; use 30 to 730 days (Log Analytics' range)"),
        ({"event_tables": {"Events": {"A": "string"}}}, "Monitoring: argument 'event_tables' got 'Events'; custom table names must end in _CL"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_registered(tmp_path: Path, args: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _preview(tmp_path, **args)
    assert str(caught.value) == message
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]


# --- managed Prometheus, Grafana, metric alerts ---------------------------------------------------------

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
RG_ID = f"{SUB}/resourceGroups/rg-mon"
ACTION_GROUP = f"{RG_ID}/providers/Microsoft.Insights/actionGroups/ag-smk"
ADMINS = "6f1c2a3b-0d4e-4f5a-9b6c-7d8e9f0a1b2c"


def _cluster(name: str) -> str:
    return f"{SUB}/resourceGroups/rg-{name}/providers/Microsoft.ContainerService/managedClusters/{name}"


PSQL = f"{RG_ID}/providers/Microsoft.DBforPostgreSQL/flexibleServers/psql-smk"
AMR = f"{RG_ID}/providers/Microsoft.Cache/redisEnterprise/amr-smk"
EVHNS = f"{RG_ID}/providers/Microsoft.EventHub/namespaces/evhns-smk"
PE_SUBNET = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-pe"
GRAFANA_ZONE = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.grafana.azure.com"
BASE: dict[str, Any] = {"resource_group_name": "rg-mon", "location": "westeurope", "workspace_name": "log-smk"}
DEV: dict[str, Any] = {
    **BASE,
    "retention_days": 30,
    "prometheus": {"clusters": {"weu": {"resource_id": _cluster("aks-dev-weu"), "name": "aks-dev-weu"}}},
    "grafana": {"resource_name": "amg-smk-dev-weu", "reader_scopes": {"weu": RG_ID}, "admin_group_object_id": ADMINS,
                "public_access": True},
    "action_group_id": ACTION_GROUP,
    "alert_targets": {"aks": {"weu": _cluster("aks-dev-weu")}, "postgres": {"main": PSQL}},
}
PROD: dict[str, Any] = {
    **BASE,
    "retention_days": 180,
    "prometheus": {
        "clusters": {
            "weu": {"resource_id": _cluster("aks-prod-weu"), "name": "aks-prod-weu"},
            "neu": {"resource_id": _cluster("aks-prod-neu"), "name": "aks-prod-neu"},
        },
        "monitor_workspace_name": "amw-smk-prod-weu",
    },
    "grafana": {
        "resource_name": "amg-smk-prod-weu",
        "reader_scopes": {"weu": f"{SUB}/resourceGroups/rg-smk-prod-weu", "neu": f"{SUB}/resourceGroups/rg-smk-prod-neu"},
        "admin_group_object_id": ADMINS,
        "zone_redundant": True,
        "private_endpoints": {"weu": {"subnet_id": PE_SUBNET, "private_dns_zone_ids": [GRAFANA_ZONE]}},
    },
    "action_group_id": ACTION_GROUP,
    "alert_targets": {
        "aks": {"weu": _cluster("aks-prod-weu"), "neu": _cluster("aks-prod-neu")},
        "postgres": {"main": PSQL},
        "redis": {"cache": AMR},
        "event_hubs": {"events": EVHNS},
    },
    "lock": {"kind": "CanNotDelete"},
}

# Validator gaps, not component defects (reported to the lead): azure-native's SDK spells ARM's `odata.type`
# as `odataType` and the provider maps it back, which schemacheck only knows for Key Vault's exp/nbf; and the
# 2022-06-01 deployment schema lists five dataFlows streams while the API's list is open (the same rule's
# prometheusForwarder data source declares Microsoft-PrometheusMetrics; AKS's own onboarding sends it).
KNOWN_FALSE_POSITIVES = {
    ("azure-native:monitor:MetricAlert", "properties.criteria.odataType",
     'expected object, got string "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"'),
    ("azure-native:monitor:MetricAlert", "properties.criteria.odata.type", "required property is missing"),
    ("azure-native:monitor:DataCollectionRule", "properties.dataFlows[0].streams[0]",
     '"Microsoft-PrometheusMetrics" is not an allowed value'),
}


def _schema_problems(plan: Plan) -> list[str]:
    report = validate_plan(plan.to_json())
    assert report.checked == len(plan.custom_resources) and report.not_checked == []
    return [str(p) for p in report.problems if (p.type, p.path, p.message) not in KNOWN_FALSE_POSITIVES]


def _run(tmp_path: Path, args: dict[str, Any]) -> Plan:
    return preview_program(tmp_path, "import json, pulumi\n"
        "from sentimark_platform.components.monitoring import Monitoring\n"
        f"m = Monitoring('mon', json.loads({json.dumps(json.dumps(args))}))\n"
        "pulumi.export('amw', m.monitor_workspace_id)\n"
        "pulumi.export('grafana_principal', m.grafana_principal_id)\n"
        "pulumi.export('alerts', sorted(m.metric_alert_ids))\n")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _run(tmp_path_factory.mktemp("dev"), DEV)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _run(tmp_path_factory.mktemp("prod"), PROD)


def _by_name(plan: Plan, type_token: str) -> dict[str, Any]:
    return {r.name: r for r in plan.of_type(type_token)}


def test_prometheus_streams_the_forwarder_to_the_monitor_workspace_and_associates_the_cluster(dev: Plan) -> None:
    (amw,) = plan_amw = dev.of_type("azure-native:monitor:AzureMonitorWorkspace")
    assert plan_amw and amw.inputs["publicNetworkAccess"] == "Enabled"
    amw_id = dev.outputs["amw"]
    assert amw_id.endswith("/mon-amw")
    (dce,) = dev.of_type("azure-native:monitor:DataCollectionEndpoint")
    (dcr,) = dev.of_type("azure-native:monitor:DataCollectionRule")
    assert dcr.inputs["dataSources"] == {
        "prometheusForwarder": [{"name": "PrometheusDataSource", "streams": ["Microsoft-PrometheusMetrics"]}]
    }
    assert dcr.inputs["destinations"] == {"monitoringAccounts": [{"accountResourceId": amw_id, "name": "MonitoringAccount1"}]}
    assert dcr.inputs["dataFlows"] == [{"streams": ["Microsoft-PrometheusMetrics"], "destinations": ["MonitoringAccount1"]}]
    assert dcr.inputs["dataCollectionEndpointId"].endswith("/mon-dce")
    assert dce.inputs["location"] == dcr.inputs["location"] == "westeurope"
    (association,) = dev.of_type("azure-native:monitor:DataCollectionRuleAssociation")
    assert association.name == "mon-dcra-weu"
    assert association.inputs["resourceUri"] == _cluster("aks-dev-weu")
    assert association.inputs["dataCollectionRuleId"].endswith("/mon-dcr")


def test_recommended_rule_groups_are_bound_to_the_cluster_and_alert_the_action_group(dev: Plan) -> None:
    groups = {g.inputs["ruleGroupName"]: g for g in dev.of_type("azure-native:alertsmanagement:PrometheusRuleGroup")}
    assert set(groups) == {
        "NodeRecordingRulesRuleGroup-aks-dev-weu",
        "KubernetesRecordingRulesRuleGroup-aks-dev-weu",
        "KubernetesAlert-RecommendedMetricAlertsaks-dev-weu-Cluster-level",
        "KubernetesAlert-RecommendedMetricAlertsaks-dev-weu-Node-level",
        "KubernetesAlert-RecommendedMetricAlertsaks-dev-weu-Pod-level",
    }
    for group in groups.values():
        assert group.inputs["clusterName"] == "aks-dev-weu"
        assert group.inputs["scopes"] == [dev.outputs["amw"], _cluster("aks-dev-weu")]
        assert group.inputs["enabled"] is True and group.inputs["interval"] == "PT1M"
    recording = groups["NodeRecordingRulesRuleGroup-aks-dev-weu"].inputs["rules"]
    assert all("record" in r and "actions" not in r for r in recording)
    pod = {r["alert"]: r for r in groups["KubernetesAlert-RecommendedMetricAlertsaks-dev-weu-Pod-level"].inputs["rules"]}
    crash = pod["KubePodCrashLooping"]
    assert crash["expression"] == (
        'max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1'
    )
    assert crash["for"] == "PT15M" and crash["severity"] == 4
    assert crash["actions"] == [{"actionGroupId": ACTION_GROUP}]
    assert crash["resolveConfiguration"] == {"autoResolved": True, "timeToResolve": "PT10M"}
    node = {r["alert"] for r in groups["KubernetesAlert-RecommendedMetricAlertsaks-dev-weu-Node-level"].inputs["rules"]}
    assert {"KubeNodeNotReady", "KubeNodeUnreachable"} <= node
    cluster = {r["alert"] for r in groups["KubernetesAlert-RecommendedMetricAlertsaks-dev-weu-Cluster-level"].inputs["rules"]}
    assert "KubeContainerOOMKilledCount" in cluster


def test_grafana_uses_its_identity_with_keys_off_and_reads_the_monitor_workspace(dev: Plan) -> None:
    (grafana,) = dev.of_type("azure-native:dashboard:Grafana")
    props = grafana.inputs["properties"]
    assert grafana.inputs["identity"] == {"type": "SystemAssigned"}
    assert grafana.inputs["workspaceName"] == "amg-smk-dev-weu"
    assert props["apiKey"] == "Disabled"
    assert props["deterministicOutboundIP"] == "Disabled"
    assert props["publicNetworkAccess"] == "Enabled"
    assert props["grafanaIntegrations"] == {"azureMonitorWorkspaceIntegrations": [{"azureMonitorWorkspaceResourceId": dev.outputs["amw"]}]}
    principal = dev.outputs["grafana_principal"]
    roles = {r.name: r.inputs for r in dev.of_type("azure-native:authorization:RoleAssignment")}
    data_reader = roles["mon-amw-ra-grafana"]
    assert data_reader["scope"] == dev.outputs["amw"]
    assert data_reader["roleDefinitionId"].endswith("/b0d8363b-8ddd-447d-831f-62ca05bff136")  # Monitoring Data Reader
    assert (data_reader["principalId"], data_reader["principalType"]) == (principal, "ServicePrincipal")
    reader = roles["mon-grafana-read-weu-ra-grafana"]
    assert reader["scope"] == RG_ID
    assert reader["roleDefinitionId"].endswith("/43d0d8ad-25c7-4714-9337-8ba259a9fe05")  # Monitoring Reader
    assert reader["principalId"] == principal
    admins = roles["mon-grafana-ra-grafana-admins"]
    assert admins["roleDefinitionId"].endswith("/22926164-76b3-42b3-bc55-97df8dab3e41")  # Grafana Admin
    assert (admins["principalId"], admins["principalType"]) == (ADMINS, "Group")
    assert admins["scope"].endswith("/Microsoft.Dashboard/grafana/amg-smk-dev-weu")


def test_workspace_audit_logs_and_grafana_logs_go_to_the_workspace(dev: Plan) -> None:
    settings = _by_name(dev, "azure-native:monitor:DiagnosticSetting")
    workspace = settings["mon-log-diag"].inputs
    assert workspace["resourceUri"] == workspace["workspaceId"]
    assert workspace["logs"] == [{"categoryGroup": "audit", "enabled": True}]
    assert settings["mon-grafana-diag"].inputs["resourceUri"].endswith("/Microsoft.Dashboard/grafana/amg-smk-dev-weu")


def test_development_like_monitoring_passes_the_arm_schemas(dev: Plan) -> None:
    assert _schema_problems(dev) == []


def test_metric_alerts_are_global_single_resource_criteria_with_the_action_group(dev: Plan) -> None:
    alerts = _by_name(dev, "azure-native:monitor:MetricAlert")
    cpu = alerts["mon-ma-postgres-main-cpu"].inputs
    assert cpu["location"] == "global"
    assert cpu["scopes"] == [PSQL]
    assert cpu["criteria"]["odataType"] == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
    (criterion,) = cpu["criteria"]["allOf"]
    assert criterion == {
        "criterionType": "StaticThresholdCriterion", "name": "cpu", "metricNamespace": "Microsoft.DBforPostgreSQL/flexibleServers",
        "metricName": "cpu_percent", "operator": "GreaterThan", "threshold": 90, "timeAggregation": "Average",
    }
    assert (cpu["severity"], cpu["windowSize"], cpu["evaluationFrequency"]) == (2, "PT5M", "PT1M")
    assert cpu["actions"] == [{"actionGroupId": ACTION_GROUP}]
    assert cpu["autoMitigate"] is True and cpu["enabled"] is True
    failed_pods = alerts["mon-ma-aks-weu-pods-failed"].inputs["criteria"]["allOf"][0]
    assert failed_pods["dimensions"] == [{"name": "phase", "operator": "Include", "values": ["Failed"]}]
    assert dev.outputs["alerts"] == sorted(
        [f"aks-weu-{k}" for k in ("node-cpu", "node-memory", "pods-failed")]
        + [f"postgres-main-{k}" for k in ("cpu", "storage", "connections-failed")]
        + [f"application_insights-appi-{k}" for k in ("availability", "failed-requests")]
    )


def test_production_like_every_data_service_and_cluster_has_its_alerts(prod: Plan) -> None:
    expected = {
        _cluster("aks-prod-weu"): {"node_cpu_usage_percentage", "node_memory_working_set_percentage", "kube_pod_status_phase"},
        _cluster("aks-prod-neu"): {"node_cpu_usage_percentage", "node_memory_working_set_percentage", "kube_pod_status_phase"},
        PSQL: {"cpu_percent", "storage_percent", "connections_failed"},
        AMR: {"serverLoad", "usedmemorypercentage"},
        EVHNS: {"ThrottledRequests", "ServerErrors"},
    }
    seen: dict[str, set[str]] = {}
    for alert in prod.of_type("azure-native:monitor:MetricAlert"):
        (scope,) = alert.inputs["scopes"]
        assert alert.inputs["actions"] == [{"actionGroupId": ACTION_GROUP}]
        assert alert.inputs["severity"] in range(5)
        seen.setdefault(scope, set()).update(c["metricName"] for c in alert.inputs["criteria"]["allOf"])
    insights = [scope for scope in seen if scope.endswith("/components/mon-appi")]
    assert len(insights) == 1
    assert seen.pop(insights[0]) == {"availabilityResults/availabilityPercentage", "requests/failed"}
    assert seen == expected


def test_production_like_prometheus_covers_both_clusters(prod: Plan) -> None:
    associations = {a.name: a.inputs["resourceUri"] for a in prod.of_type("azure-native:monitor:DataCollectionRuleAssociation")}
    assert associations == {"mon-dcra-weu": _cluster("aks-prod-weu"), "mon-dcra-neu": _cluster("aks-prod-neu")}
    clusters = [g.inputs["clusterName"] for g in prod.of_type("azure-native:alertsmanagement:PrometheusRuleGroup")]
    assert sorted(clusters) == ["aks-prod-neu"] * 5 + ["aks-prod-weu"] * 5
    (amw,) = prod.of_type("azure-native:monitor:AzureMonitorWorkspace")
    assert amw.inputs["azureMonitorWorkspaceName"] == "amw-smk-prod-weu"


def test_production_like_grafana_is_private_zone_redundant_and_reads_both_regions(prod: Plan) -> None:
    (grafana,) = prod.of_type("azure-native:dashboard:Grafana")
    assert grafana.inputs["properties"]["publicNetworkAccess"] == "Disabled"
    assert grafana.inputs["properties"]["zoneRedundancy"] == "Enabled"
    (endpoint,) = prod.of_type("azure-native:network:PrivateEndpoint")
    (connection,) = endpoint.inputs["privateLinkServiceConnections"]
    assert connection["groupIds"] == ["grafana"]
    assert connection["privateLinkServiceId"].endswith("/Microsoft.Dashboard/grafana/amg-smk-prod-weu")
    roles = _by_name(prod, "azure-native:authorization:RoleAssignment")
    assert roles["mon-grafana-read-weu-ra-grafana"].inputs["scope"] == f"{SUB}/resourceGroups/rg-smk-prod-weu"
    assert roles["mon-grafana-read-neu-ra-grafana"].inputs["scope"] == f"{SUB}/resourceGroups/rg-smk-prod-neu"
    locks = sorted(lock.inputs["scope"].rsplit("/", 2)[-2] for lock in prod.of_type("azure-native:authorization:ManagementLockByScope"))
    assert locks == ["accounts", "workspaces"]  # the Log Analytics and the Azure Monitor workspace (issue 19)


def test_production_like_monitoring_passes_the_arm_schemas(prod: Plan) -> None:
    assert _schema_problems(prod) == []


def test_without_an_action_group_prometheus_alerts_notify_nobody_and_no_metric_alerts_exist(tmp_path: Path) -> None:
    args = {**DEV, "grafana": None}
    del args["action_group_id"], args["alert_targets"], args["grafana"]
    plan = _run(tmp_path, args)
    assert plan.of_type("azure-native:monitor:MetricAlert") == []
    rules = [r for g in plan.of_type("azure-native:alertsmanagement:PrometheusRuleGroup") for r in g.inputs["rules"]]
    assert rules and all("actions" not in r for r in rules)
    assert plan.of_type("azure-native:dashboard:Grafana") == []
    assert plan.outputs.get("grafana_principal") is None and plan.outputs["alerts"] == []


def test_opting_out_of_rules_and_self_diagnostics_leaves_them_out(tmp_path: Path) -> None:
    args = {**DEV, "prometheus": {**DEV["prometheus"], "recommended_rules": False}, "self_diagnostics": False}
    plan = _run(tmp_path, args)
    assert plan.of_type("azure-native:alertsmanagement:PrometheusRuleGroup") == []
    assert len(plan.of_type("azure-native:monitor:DataCollectionRuleAssociation")) == 1
    assert plan.of_type("azure-native:monitor:DiagnosticSetting") == []


def test_the_first_part_alone_creates_no_prometheus_grafana_or_alerts(tmp_path: Path) -> None:
    plan = _preview(tmp_path)
    types = {r.type for r in plan.resources}
    assert not types & {
        "azure-native:monitor:AzureMonitorWorkspace", "azure-native:dashboard:Grafana", "azure-native:monitor:MetricAlert",
        "azure-native:alertsmanagement:PrometheusRuleGroup",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"action_group_id": None},
         "Monitoring: argument 'alert_targets' got ['aks', 'postgres']; give action_group_id too: alerts without an action group notify nobody"),
        ({"alert_targets": {"cosmos": {"a": PSQL}}},
         f"Monitoring: argument 'alert_targets.cosmos' got {{'a': '{PSQL}'}}; no such argument; known here: aks, "
         "event_hubs, postgres, redis"),
        ({"alert_targets": {"postgres": {"Main DB": PSQL}}},
         "Monitoring: argument 'alert_targets.postgres' got ['Main DB']; use keys of lower-case letters, digits and hyphens (they name the alert resources)"),
        ({"prometheus": {"clusters": {"West EU": {"resource_id": _cluster("a"), "name": "a"}}}},
         "Monitoring: argument 'prometheus.clusters' got ['West EU']; use keys of lower-case letters, digits and hyphens (they name the child resources)"),
        ({"grafana": {"resource_name": "amg-sentimark-platform-prod", "reader_scopes": {"weu": RG_ID}}},
         "Monitoring: argument 'grafana.resource_name' got 'amg-sentimark-platform-prod'; use 2-23 letters, digits and hyphens, starting with a letter and ending with a letter or digit"),
        ({"grafana": {"resource_name": "amg-x", "reader_scopes": {"weu": RG_ID}, "sku": "Essential", "zone_redundant": True}},
         "Monitoring: argument 'grafana.zone_redundant' got True; zone redundancy needs the Standard SKU"),
        ({"prometheus": {"clusters": {"weu": {"resource_id": _cluster("a"), "name": "a"}}, "monitor_workspace_name": "amw"}},
         "Monitoring: argument 'prometheus.monitor_workspace_name' got 'amw'; use 4-44 letters, digits and hyphens, starting and ending with a letter or digit"),
    ],
)
def test_bad_monitoring_arguments_are_refused_before_anything_is_registered(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    args = {**DEV, **change}
    args = {k: v for k, v in args.items() if v is not None}
    with pytest.raises(InvalidArgumentError) as caught:
        _run(tmp_path, args)
    assert str(caught.value) == message
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]


def test_application_insights_alerts_without_an_action_group_are_refused(tmp_path: Path) -> None:
    args = {k: v for k, v in DEV.items() if k not in ("action_group_id", "alert_targets")}
    with pytest.raises(InvalidArgumentError, match="'application_insights_alerts' got True; give action_group_id too"):
        _run(tmp_path, {**args, "application_insights_alerts": True})


def test_recommended_rule_groups_keep_upstreams_shape() -> None:
    from sentimark_platform.components.monitoring._prometheus_rules import (
        RECOMMENDED_RULE_GROUPS,
        AlertRule,
        RecordingRule,
    )

    sizes = {g.key: len(g.rules) for g in RECOMMENDED_RULE_GROUPS}
    # Upstream: 11 node and 19 Kubernetes recording rules; 11 cluster, 3 (+ KubeNodeNotReady) node, 16 pod alerts.
    assert sizes == {"node-recording": 11, "kubernetes-recording": 19, "cluster-alerts": 11, "node-alerts": 4, "pod-alerts": 16}
    for group in RECOMMENDED_RULE_GROUPS:
        if group.is_alerting:
            alerts = [r for r in group.rules if isinstance(r, AlertRule)]
            assert len({a.alert for a in alerts}) == len(alerts)
            assert all(0 <= a.severity <= 4 and a.for_.startswith("PT") and a.time_to_resolve.startswith("PT") for a in alerts)
        else:
            assert all(isinstance(r, RecordingRule) and r.expression.count("(") == r.expression.count(")") for r in group.rules)
    relabel = [r for r in RECOMMENDED_RULE_GROUPS[1].rules if isinstance(r, RecordingRule) and r.record.endswith(":relabel")]
    assert [r.labels["workload_type"] for r in relabel] == ["deployment", "daemonset", "statefulset", "job"]


SLO = {"api": {"namespace": "payments", "service": "payments-api", "success_percent": 99.9},
       "worker": {"namespace": "payments", "service": "payments-worker", "success_percent": 99.5}}


def test_service_level_objectives_become_burn_rate_alerts_on_every_cluster(tmp_path: Path) -> None:
    plan = _run(tmp_path, {**PROD, "prometheus": {**PROD["prometheus"], "service_level_objectives": SLO}})
    groups = _by_name(plan, "azure-native:alertsmanagement:PrometheusRuleGroup")
    for cluster in ("weu", "neu"):
        recording = groups[f"mon-prom-{cluster}-slo-recording"].inputs
        assert recording["ruleGroupName"] == f"ServiceLevelRecordingRules-aks-prod-{cluster}"
        assert [r["record"] for r in recording["rules"]] == [
            "istio:request_error_ratio:rate5m", "istio:request_error_ratio:rate30m",
            "istio:request_error_ratio:rate1h", "istio:request_error_ratio:rate6h"]
        alerts = groups[f"mon-prom-{cluster}-slo-alerts"].inputs["rules"]
        # Two alerts per objective: fast burn (14.4x over 1h and 5m, severity 1) and slow (6x over 6h and 30m).
        assert [(a["alert"], a["severity"], a["for"]) for a in alerts] == [
            ("ErrorBudgetFastBurn", 1, "PT2M"), ("ErrorBudgetSlowBurn", 2, "PT15M")] * 2
        api_fast, api_slow, worker_fast, _ = (a["expression"] for a in alerts)
        api = '{destination_service_namespace="payments", destination_service_name="payments-api"}'
        assert api_fast == (f"istio:request_error_ratio:rate1h{api} > 0.0144 and "
                            f"istio:request_error_ratio:rate5m{api} > 0.0144")
        assert api_slow.startswith(f"istio:request_error_ratio:rate6h{api} > 0.006 and ")
        assert "payments-worker" in worker_fast and "> 0.072 and" in worker_fast  # 14.4 x 0.5 %
        assert all(a["actions"] == [{"actionGroupId": ACTION_GROUP}] for a in alerts)
        assert [a["labels"]["severity"] for a in alerts] == ["critical", "warning"] * 2
        assert alerts[0]["labels"] == {"severity": "critical", "service": "payments-api", "namespace": "payments"}
    assert _schema_problems(plan) == []


def test_canary_alerts_fire_on_a_paused_analysis_and_on_a_rollback(tmp_path: Path) -> None:
    plan = _run(tmp_path, {**PROD, "prometheus": {**PROD["prometheus"], "canary_alerts": True}})
    groups = _by_name(plan, "azure-native:alertsmanagement:PrometheusRuleGroup")
    for cluster in ("weu", "neu"):
        group = groups[f"mon-prom-{cluster}-canary-alerts"].inputs
        assert group["ruleGroupName"] == f"CanaryAlerts-aks-prod-{cluster}"
        critical, rolled_back = group["rules"]
        # Paused by an Inconclusive success-rate analysis (the error budget's critical band), and paused now: an
        # old Inconclusive run in the rollout's history alone does not page anyone.
        assert (critical["alert"], critical["severity"]) == ("CanaryAnalysisCritical", 2)
        inconclusive = 'analysis_run_metric_phase{metric="success-rate", phase="Inconclusive"}'
        # Fires on the transition (an Inconclusive run stays in the rollout's history after a person acts)...
        assert f"(max by (cluster, namespace, name) ({inconclusive}) == 1) unless " in critical["expression"]
        assert f"({inconclusive} offset 30m) == 1)" in critical["expression"]
        # ...and only while the namespace's rollout is paused.
        assert critical["expression"].endswith(
            'and on (cluster, namespace) (max by (cluster, namespace) (rollout_info{phase="Paused"}) == 1)')
        assert (rolled_back["alert"], rolled_back["severity"]) == ("CanaryRolledBack", 1)
        assert rolled_back["expression"] == 'max by (cluster, namespace, name) (rollout_info{phase="Abort"}) == 1'
        # Only phases the controller emits (controller/metrics/rollouts.go): a Rollout status phase such as
        # Degraded never appears on rollout_info, and an alert on it would never fire.
        for rule in group["rules"]:
            for phase in re.findall(r'rollout_info\{phase="(\w+)"\}', rule["expression"]):
                assert phase in ROLLOUT_PHASES, phase
        assert all(r["actions"] == [{"actionGroupId": ACTION_GROUP}] for r in group["rules"])
    assert not [k for k in _by_name(_run(tmp_path / "off", PROD), "azure-native:alertsmanagement:PrometheusRuleGroup")
                if k.endswith("canary-alerts")]  # off unless asked
    assert _schema_problems(plan) == []


@pytest.mark.parametrize(("objective", "message"), [
    ({"namespace": "payments", "service": "payments-api", "success_percent": 100},
     "Monitoring: argument \"prometheus.service_level_objectives['api'].success_percent\" got 100; give a percentage "
     "above 50 and below 100, e.g. 99.9 (100 leaves no error budget to measure)"),
    ({"namespace": "Payments", "service": "payments-api", "success_percent": 99.9},
     "Monitoring: argument \"prometheus.service_level_objectives['api'].namespace\" got 'Payments'; use a Kubernetes "
     "namespace name (lowercase letters, digits, '-')"),
])
def test_bad_service_level_objectives_are_refused(tmp_path: Path, objective: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _run(tmp_path, {**DEV, "prometheus": {**DEV["prometheus"], "service_level_objectives": {"api": objective}}})
    assert str(caught.value) == message
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]


def _run_later(tmp_path: Path, args: dict[str, Any], clusters: dict[str, Any], targets: dict[str, Any]) -> Plan:
    """Construct first, bind clusters and alert targets afterwards (the stacks' order: they need workspace_id)."""
    return preview_program(tmp_path, "import json, pulumi\n"
        "from sentimark_platform.components.monitoring import Monitoring\n"
        f"m = Monitoring('mon', json.loads({json.dumps(json.dumps(args))}))\n"
        f"m.add_clusters(json.loads({json.dumps(json.dumps(clusters))}))\n"
        f"m.add_alert_targets(json.loads({json.dumps(json.dumps(targets))}))\n"
        "pulumi.export('alerts', sorted(m.metric_alert_ids))\n")


LATER: dict[str, Any] = {**{k: v for k, v in PROD.items() if k != "alert_targets"}, "prometheus": {"monitor_workspace_name": "amw-smk-prod-weu"}}


def test_clusters_and_alert_targets_can_be_added_after_construction(tmp_path: Path, prod: Plan) -> None:
    plan = _run_later(tmp_path, LATER, PROD["prometheus"]["clusters"], PROD["alert_targets"])
    component = next(r.urn for r in plan.resources if r.type == "sentimark:index:Monitoring")
    added = [r for r in plan.resources if r.type in (
        "azure-native:monitor:DataCollectionRuleAssociation", "azure-native:alertsmanagement:PrometheusRuleGroup",
        "azure-native:monitor:MetricAlert")]
    assert len(added) == 2 + 10 + 15 and all(r.parent == component for r in added)  # 13 target + 2 App Insights alerts
    # The same resources, names and inputs as passing them at construction.
    assert {r.urn: r.inputs for r in plan.resources} == {r.urn: r.inputs for r in prod.resources}
    assert plan.outputs["alerts"] == prod.outputs["alerts"]


@pytest.mark.parametrize(
    ("args", "clusters", "targets", "message"),
    [
        ({k: v for k, v in LATER.items() if k != "prometheus"}, {"weu": {"resource_id": _cluster("a"), "name": "a"}}, {},
         "Monitoring: argument 'prometheus' got None; construct Monitoring with prometheus={...} (it holds the Azure Monitor workspace) to add clusters"),
        ({**LATER, "prometheus": {"clusters": {"weu": {"resource_id": _cluster("a"), "name": "a"}}}},
         {"weu": {"resource_id": _cluster("b"), "name": "b"}}, {},
         "Monitoring: argument 'clusters' got ['weu']; use keys not used before: each names the cluster's child resources"),
        ({k: v for k, v in LATER.items() if k != "action_group_id"}, {}, {"postgres": {"main": PSQL}},
         "Monitoring: argument 'targets' got ['postgres']; give action_group_id too: alerts without an action group notify nobody"),
    ],
)
def test_bad_later_additions_are_refused_before_they_register_anything(
    tmp_path: Path, args: dict[str, Any], clusters: dict[str, Any], targets: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _run_later(tmp_path, args, clusters, targets)
    assert str(caught.value) == message
    registered = caught.value.offline_registered  # type: ignore[attr-defined]
    from_construction = len((args.get("prometheus") or {}).get("clusters") or {})
    assert registered  # the construction went through; the addition did not
    assert sum("DataCollectionRuleAssociation" in urn for urn in registered) == from_construction
    assert not any("MetricAlert::mon-ma-postgres" in urn for urn in registered)


# --- Container Insights (add_container_insights) ----------------------------------------------------------

CI_RULE = "azure-native:monitor:DataCollectionRule"
CI_ENDPOINT = "azure-native:monitor:DataCollectionEndpoint"
ASSOCIATION = "azure-native:monitor:DataCollectionRuleAssociation"
PRIVATE_PROD: dict[str, Any] = {
    "weu": {"resource_id": _cluster("aks-prod-weu"), "location": "westeurope", "private": True},
    "neu": {"resource_id": _cluster("aks-prod-neu"), "location": "northeurope", "private": True},
}
# Until schemacheck/rules.json lists the Container Insights streams (2022-06-01 enums of DataFlow.streams and
# ExtensionDataSource.streams are extensible; Microsoft's own onboarding template sends these streams at that
# API version): see components/monitoring/_container_insights.py.
_PENDING_STREAM_RULES = ("properties.dataFlows[0].streams[", "properties.dataSources.extensions[0].streams[")


def _insights_schema_problems(plan: Plan) -> list[str]:
    from sentimark_platform.components.monitoring._container_insights import STREAMS

    return [p for p in _schema_problems(plan)
            if not (p.split(" ")[0] == "mon-ci-dcr" and any(path in p for path in _PENDING_STREAM_RULES)
                    and any(f'"{s}" is not an allowed value' in p for s in STREAMS))]


def _run_insights(tmp_path: Path, args: dict[str, Any], *calls: dict[str, Any]) -> Plan:
    """Construct Monitoring, then add Container Insights once per call (the stacks' order: clusters come later)."""
    lines = [f"m.add_container_insights(json.loads({json.dumps(json.dumps(c))}))\n" for c in calls]
    return preview_program(tmp_path, "import json, pulumi\n"
        "from sentimark_platform.components.monitoring import Monitoring\n"
        f"m = Monitoring('mon', json.loads({json.dumps(json.dumps(args))}))\n" + "".join(lines) +
        "pulumi.export('workspace', m.workspace_id)\n"
        "pulumi.export('ci_rule', m.container_insights_rule_id)\n"
        "pulumi.export('ci_endpoints', m.container_insights_endpoint_ids)\n")


@pytest.fixture(scope="module")
def insights_prod(tmp_path_factory: pytest.TempPathFactory) -> Plan:
    return _run_insights(tmp_path_factory.mktemp("insights-prod"), LATER, PRIVATE_PROD)


def _associations(plan: Plan, name: str) -> dict[str, dict[str, Any]]:
    """Association inputs by cluster id, for one association name."""
    found: dict[str, dict[str, Any]] = {}
    for a in plan.of_type(ASSOCIATION):
        if a.inputs["associationName"] == name:
            assert a.inputs["resourceUri"] not in found, f"two {name} associations on {a.inputs['resourceUri']}"
            found[a.inputs["resourceUri"]] = a.inputs
    return found


def test_container_insights_rule_sends_the_add_ons_streams_to_the_workspace(insights_prod: Plan) -> None:
    rules = {r.name: r.inputs for r in insights_prod.of_type(CI_RULE)}
    assert set(rules) == {"mon-dcr", "mon-ci-dcr"}  # Prometheus' rule and the one Container Insights rule
    rule = rules["mon-ci-dcr"]
    assert rule["location"] == "westeurope" and rule["kind"] == "Linux"  # the workspace's region, not a cluster's
    (destination,) = rule["destinations"]["logAnalytics"]
    assert destination["workspaceResourceId"] == insights_prod.outputs["workspace"]
    assert rule["destinations"].keys() == {"logAnalytics"}
    (extension,) = rule["dataSources"]["extensions"]
    assert (extension["name"], extension["extensionName"]) == ("ContainerInsightsExtension", "ContainerInsights")
    assert extension["extensionSettings"] == {
        "dataCollectionSettings": {"interval": "1m", "namespaceFilteringMode": "Off", "enableContainerLogV2": True}}
    (flow,) = rule["dataFlows"]
    assert flow == {"streams": extension["streams"], "destinations": [destination["name"]]}
    assert {"Microsoft-ContainerLogV2", "Microsoft-KubeEvents", "Microsoft-KubePodInventory", "Microsoft-Perf",
            "Microsoft-InsightsMetrics"} <= set(flow["streams"])
    assert "dataCollectionEndpointId" not in rule  # no ingestion endpoint: not in high-scale mode


def test_every_cluster_gets_one_container_insights_association_to_that_rule(insights_prod: Plan) -> None:
    rule_id = insights_prod.outputs["ci_rule"]
    assert rule_id.endswith("/dataCollectionRules/mon-ci-dcr")
    associations = _associations(insights_prod, "ContainerInsightsExtension")
    assert associations.keys() == {_cluster("aks-prod-weu"), _cluster("aks-prod-neu")}
    assert all(a["dataCollectionRuleId"] == rule_id and "dataCollectionEndpointId" not in a for a in associations.values())
    names = {a.name for a in insights_prod.of_type(ASSOCIATION) if a.inputs["associationName"] == "ContainerInsightsExtension"}
    assert names == {"mon-ci-dcra-weu", "mon-ci-dcra-neu"}


def test_private_clusters_fetch_configuration_from_an_endpoint_in_their_own_region(insights_prod: Plan) -> None:
    endpoints = {e.name: e.inputs for e in insights_prod.of_type(CI_ENDPOINT)}
    # westeurope reuses managed Prometheus' endpoint (mon-dce); northeurope, where prod's second cluster runs,
    # had none and gets one.
    assert {name: e["location"] for name, e in endpoints.items()} == {"mon-dce": "westeurope", "mon-ci-dce-northeurope": "northeurope"}
    assert endpoints["mon-ci-dce-northeurope"]["networkAcls"] == {"publicNetworkAccess": "Enabled"}  # no AMPLS yet
    by_region = insights_prod.outputs["ci_endpoints"]
    assert by_region["westeurope"].endswith("/dataCollectionEndpoints/mon-dce")
    assert by_region["northeurope"].endswith("/dataCollectionEndpoints/mon-ci-dce-northeurope")
    configuration = _associations(insights_prod, "configurationAccessEndpoint")
    assert {uri: a["dataCollectionEndpointId"] for uri, a in configuration.items()} == {
        _cluster("aks-prod-weu"): by_region["westeurope"], _cluster("aks-prod-neu"): by_region["northeurope"]}
    assert all("dataCollectionRuleId" not in a for a in configuration.values())


def test_production_like_container_insights_pass_the_arm_schemas(insights_prod: Plan) -> None:
    assert _insights_schema_problems(insights_prod) == []


def test_without_prometheus_each_private_region_gets_its_own_endpoint_and_public_clusters_none(tmp_path: Path) -> None:
    args = {k: v for k, v in LATER.items() if k not in ("prometheus", "grafana")}
    plan = _run_insights(tmp_path, args, {
        "weu": {"resource_id": _cluster("aks-weu"), "location": "West Europe", "private": True},
        "neu": {"resource_id": _cluster("aks-neu"), "location": "northeurope", "private": True},
        "pub": {"resource_id": _cluster("aks-pub"), "location": "swedencentral"},
    })
    endpoints = {e.name: e.inputs["location"] for e in plan.of_type(CI_ENDPOINT)}
    assert endpoints == {"mon-ci-dce-westeurope": "westeurope", "mon-ci-dce-northeurope": "northeurope"}
    configuration = _associations(plan, "configurationAccessEndpoint")
    assert configuration.keys() == {_cluster("aks-weu"), _cluster("aks-neu")}
    assert configuration[_cluster("aks-weu")]["dataCollectionEndpointId"].endswith("/mon-ci-dce-westeurope")
    assert _associations(plan, "ContainerInsightsExtension").keys() == {_cluster(n) for n in ("aks-weu", "aks-neu", "aks-pub")}
    assert _insights_schema_problems(plan) == []


def test_public_clusters_need_no_endpoint(tmp_path: Path) -> None:
    args = {k: v for k, v in LATER.items() if k not in ("prometheus", "grafana")}
    plan = _run_insights(tmp_path, args, {"weu": {"resource_id": _cluster("aks-dev-weu"), "location": "westeurope", "private": False}})
    assert plan.of_type(CI_ENDPOINT) == []
    assert _associations(plan, "configurationAccessEndpoint") == {}
    (association,) = plan.of_type(ASSOCIATION)
    assert association.inputs["associationName"] == "ContainerInsightsExtension"
    assert plan.outputs["ci_endpoints"] == {}


def test_later_calls_share_the_rule_and_the_endpoint_of_a_region(tmp_path: Path) -> None:
    args = {k: v for k, v in LATER.items() if k not in ("prometheus", "grafana")}
    plan = _run_insights(tmp_path, args,
                         {"neu": {"resource_id": _cluster("aks-neu"), "location": "northeurope", "private": True}},
                         {"neu2": {"resource_id": _cluster("aks-neu2"), "location": "North Europe", "private": True}})
    assert [r.name for r in plan.of_type(CI_RULE)] == ["mon-ci-dcr"]
    assert [e.name for e in plan.of_type(CI_ENDPOINT)] == ["mon-ci-dce-northeurope"]
    configuration = _associations(plan, "configurationAccessEndpoint")
    assert len(configuration) == 2 and len({a["dataCollectionEndpointId"] for a in configuration.values()}) == 1
    assert len(_associations(plan, "ContainerInsightsExtension")) == 2


def test_constructing_monitoring_alone_builds_no_container_insights(prod: Plan) -> None:
    assert [r.name for r in prod.resources if "-ci-" in r.name] == []


ONE: dict[str, Any] = {"resource_id": _cluster("aks-a"), "location": "northeurope", "private": True}


@pytest.mark.parametrize(
    ("calls", "message"),
    [
        ([{"North EU": ONE}],
         "Monitoring: argument 'clusters' got ['North EU']; use keys of lower-case letters, digits and hyphens (they name the child resources)"),
        ([{"neu": {"location": "northeurope"}}],
         "Monitoring: argument \"clusters['neu'].resource_id\" got None; required and missing: The AKS cluster's resource id: "
         "the scope of its associations. Its monitoring add-on must send to this component's workspace with managed-identity "
         "auth (AksCluster does, given `log_analytics_workspace_id`)."),
        ([{"neu": {**ONE, "privat": True}}],
         "Monitoring: argument \"clusters['neu'].privat\" got True; did you mean 'private'? no such argument; known here: "
         "location, private, resource_id"),
        ([{"neu": {**ONE, "location": "north-europe"}}],
         "Monitoring: argument \"clusters['neu'].location\" got 'north-europe'; use an Azure region name such as 'northeurope' or 'North Europe'"),
        ([{"neu": {**ONE, "private": "yes"}}],
         "Monitoring: argument \"clusters['neu'].private\" got 'yes'; give true or false (a bool: the text 'false' would "
         "count as true): The cluster is private: its Azure Monitor agents fetch their configuration from a data "
         "collection endpoint in its region (association `configurationAccessEndpoint`), which an Azure Monitor "
         "Private Link Scope needs. Off unless True: the agents use Azure Monitor's public regional endpoints."),
        ([{"neu": ONE, "neu2": {**ONE, "resource_id": ONE["resource_id"].upper()}}],
         f"Monitoring: argument \"clusters['neu2'].resource_id\" got '{ONE['resource_id'].upper()}'; give each cluster once: "
         "a cluster has one ContainerInsightsExtension association, a second would replace the first"),
        ([{"neu": ONE}, {"neu": {**ONE, "resource_id": _cluster("aks-b")}}],
         "Monitoring: argument 'clusters' got ['neu']; use keys not used before for Container Insights: each names the cluster's associations"),
        ([{"neu": ONE}, {"other": ONE}],
         f"Monitoring: argument \"clusters['other'].resource_id\" got '{ONE['resource_id']}'; give each cluster once: "
         "a cluster has one ContainerInsightsExtension association, a second would replace the first"),
    ],
)
def test_bad_container_insights_clusters_are_refused_before_anything_of_theirs_is_registered(
    tmp_path: Path, calls: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(InvalidArgumentError) as caught:
        _run_insights(tmp_path, LATER, *calls)
    assert str(caught.value) == message
    registered = caught.value.offline_registered  # type: ignore[attr-defined]
    assert any("Workspace::mon-log" in urn for urn in registered)  # the construction went through
    # Only what a preceding good call built: one rule, one endpoint, two associations.
    assert sum("-ci-" in urn for urn in registered) == (0 if len(calls) == 1 else 4)


def test_a_location_only_known_at_deployment_is_refused(tmp_path: Path) -> None:
    args = {k: v for k, v in LATER.items() if k not in ("prometheus", "grafana")}
    with pytest.raises(InvalidArgumentError) as caught:
        preview_program(tmp_path, "import json, pulumi\n"
            "from sentimark_platform.components.monitoring import Monitoring\n"
            f"m = Monitoring('mon', json.loads({json.dumps(json.dumps(args))}))\n"
            f"m.add_container_insights({{'neu': {{'resource_id': {_cluster('aks-a')!r}, "
            "'location': pulumi.Output.from_input('northeurope'), 'private': True}})\n")
    assert str(caught.value) == ("Monitoring: argument \"clusters['neu'].location\" got 'pulumi.Output'; give the region as a "
                                 "plain string (e.g. 'northeurope'): it decides which data collection endpoints exist")


def test_the_subscription_activity_log_goes_to_the_workspace_under_the_given_name(tmp_path: Path, dev: Plan) -> None:
    """Issue 19: the subscription's activity log (every category) beside the platform's logs, under a name the
    caller gives (a subscription takes five diagnostic settings, and stacks may share one); none unless asked."""
    assert dev.of_type("azure-native:monitor:SubscriptionDiagnosticSetting") == []
    plan = _run(tmp_path, {**DEV, "activity_log_setting_name": "activity-log-smk-dev"})
    (setting,) = plan.of_type("azure-native:monitor:SubscriptionDiagnosticSetting")
    assert setting.inputs["name"] == "activity-log-smk-dev"
    assert setting.inputs["logs"] == [{"categoryGroup": "allLogs", "enabled": True}]
    (workspace,) = plan.of_type("azure-native:operationalinsights:Workspace")
    assert setting.inputs["workspaceId"].endswith(f"/workspaces/{workspace.inputs['workspaceName']}")
    assert _schema_problems(plan) == []
