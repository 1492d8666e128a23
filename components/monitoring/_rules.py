"""Monitoring's argument rules: (argument, value, is it bad?, how to fix), run beside its field checks
(components/_validation.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sentimark_platform.components._naming import NAMING_RULES
from sentimark_platform.components._validation import Rule, check_rules
from sentimark_platform.components.monitoring._metric_alerts import TargetKind
from sentimark_platform.components.monitoring.args import MonitoringArgs

__all__ = ["check", "cluster_rules", "rules", "target_rules"]

COLUMN_TYPES = ("string", "int", "long", "real", "boolean", "dateTime", "guid", "dynamic")
_KEY = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
ALERT_KINDS: tuple[TargetKind, ...] = ("aks", "postgres", "redis", "event_hubs")


def _keys_bad(mapping: Mapping[str, Any] | None) -> list[str]:
    return [key for key in (mapping or {}) if not _KEY.match(key)]


def check(rules: list[tuple[str, Any, bool, str]]) -> None:
    """Raise for every bad rule (argument, value, is it bad?, how to fix) at once; unknown Outputs are skipped."""
    check_rules("Monitoring", rules)


def cluster_rules(clusters: Mapping[str, Any] | None, used: set[str], argument: str) -> list[tuple[str, Any, bool, str]]:
    again = sorted(set(clusters or {}) & used)
    return [
        (argument, _keys_bad(clusters), bool(_keys_bad(clusters)),
         "use keys of lower-case letters, digits and hyphens (they name the child resources)"),
        (argument, again, bool(again), "use keys not used before: each names the cluster's child resources"),
    ]


def target_rules(targets: Mapping[str, Any], used: set[str], has_action_group: bool, argument: str) -> list[tuple[str, Any, bool, str]]:
    unknown = sorted(set(targets) - set(ALERT_KINDS))
    again = sorted(f"{kind}/{key}" for kind in ALERT_KINDS for key in (targets.get(kind) or {}) if f"{kind}/{key}" in used)
    return [
        (argument, unknown, bool(unknown), f"use the kinds {', '.join(ALERT_KINDS)}"),
        (argument, sorted(targets), bool(targets) and not has_action_group,
         "give action_group_id too: alerts without an action group notify nobody"),
        *[(f"{argument}.{kind}", _keys_bad(targets.get(kind)), bool(_keys_bad(targets.get(kind))),
           "use keys of lower-case letters, digits and hyphens (they name the alert resources)") for kind in ALERT_KINDS],
        (argument, again, bool(again), "use keys not used before for the same kind"),
    ]


def rules(args: MonitoringArgs, tables: Mapping[str, Mapping[str, str]]) -> list[Rule]:
    """The constructor's rules: (argument, value, is it bad?, how to fix)."""
    retention = args["retention_days"]
    prometheus = args.get("prometheus")
    grafana = args.get("grafana")
    targets = cast("Mapping[str, Any]", args.get("alert_targets") or {})
    has_action_group = args.get("action_group_id") is not None
    grafana_name = grafana.get("resource_name") if grafana else None
    grafana_sku = grafana.get("sku", "Standard") if grafana else None
    clusters = prometheus.get("clusters") if prometheus is not None else None
    amw_name = prometheus.get("monitor_workspace_name") if prometheus is not None else None
    objectives = cast("Mapping[str, Mapping[str, Any]]", (prometheus or {}).get("service_level_objectives") or {})
    setting = args.get("activity_log_setting_name")
    return [
        ("retention_days", retention, not 30 <= retention <= 730, "use 30 to 730 days (Log Analytics' range)"),
        ("activity_log_setting_name", setting,
         setting is not None and not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,259}$", str(setting)),
         "use letters, digits, '-', '_' and '.', starting with a letter or digit"),
        *_table_rules(tables),
        *cluster_rules(clusters, set(), "prometheus.clusters"),
        ("prometheus.monitor_workspace_name", amw_name,
         amw_name is not None and not NAMING_RULES["monitor_workspace"].check(amw_name),
         "use 4-44 letters, digits and hyphens, starting and ending with a letter or digit"),
        ("grafana.resource_name", grafana_name, grafana is not None and not NAMING_RULES["managed_grafana"].check(grafana_name or ""),
         "use 2-23 letters, digits and hyphens, starting with a letter and ending with a letter or digit"),
        ("grafana.reader_scopes", _keys_bad(grafana.get("reader_scopes") if grafana else None),
         bool(_keys_bad(grafana.get("reader_scopes") if grafana else None)),
         "use keys of lower-case letters, digits and hyphens (they name the role assignments)"),
        ("grafana.sku", grafana_sku, grafana is not None and grafana_sku not in ("Standard", "Essential"),
         "use Standard or Essential"),
        ("grafana.zone_redundant", True, grafana is not None and grafana_sku == "Essential" and grafana.get("zone_redundant") is True,
         "zone redundancy needs the Standard SKU"),
        ("grafana.private_endpoints", "Essential", grafana is not None and grafana_sku == "Essential"
         and bool(grafana.get("private_endpoints")), "private endpoints need the Standard SKU"),
        *_objective_rules(objectives),
        *target_rules(targets, set(), has_action_group, "alert_targets"),
        ("application_insights_alerts", True, args.get("application_insights_alerts") is True and not has_action_group,
         "give action_group_id too: alerts without an action group notify nobody"),
    ]


def _table_rules(tables: Mapping[str, Mapping[str, str]]) -> list[tuple[str, Any, bool, str]]:
    rules: list[tuple[str, Any, bool, str]] = []
    for table, columns in tables.items():
        rules.append(("event_tables", table, not table.endswith("_CL"), "custom table names must end in _CL"))
        bad: Sequence[str] = [f"{c}: {t}" for c, t in columns.items() if t not in COLUMN_TYPES]
        rules.append((f"event_tables[{table!r}]", bad, bool(bad), f"use column types from {', '.join(COLUMN_TYPES)}"))
    return rules


_K8S_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _objective_rules(objectives: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, Any, bool, str]]:
    rules: list[tuple[str, Any, bool, str]] = []
    for key, objective in objectives.items():
        where = f"prometheus.service_level_objectives[{key!r}]"
        percent = objective.get("success_percent")
        rules += [
            (f"{where}.namespace", objective.get("namespace"), not _K8S_NAME.match(str(objective.get("namespace"))),
             "use a Kubernetes namespace name (lowercase letters, digits, '-')"),
            (f"{where}.service", objective.get("service"), not _K8S_NAME.match(str(objective.get("service"))),
             "use a Kubernetes Service name (lowercase letters, digits, '-')"),
            (f"{where}.success_percent", percent,
             isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 50 < percent < 100,
             "give a percentage above 50 and below 100, e.g. 99.9 (100 leaves no error budget to measure)"),
        ]
    return rules
