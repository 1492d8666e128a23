"""Monitoring (first part): workspace, the platform's event tables, workspace-based Application Insights."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from components import InvalidArgumentError
from offline import Plan, run_preview
from schemacheck import validate_plan


def _preview(tmp_path: Path, **args: Any) -> Plan:
    arguments = {"resource_group_name": "rg-x", "location": "westeurope", "retention_days": 30, "application_insights_name": "appi-x", **args}
    (tmp_path / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(
        textwrap.dedent(
            f"""
            from components.monitoring import Monitoring
            Monitoring("mon", {arguments!r})
            """
        )
    )
    return run_preview(tmp_path, "dev")


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
