"""Every stack's plan passes the upstream schemas; `python -m stacks validate` reports problems by path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sentimark_platform.offline import Plan
from sentimark_platform.schemacheck import validate_plan
from tests.conftest import ROOT


def test_every_stack_validates_with_zero_problems(stack_plan: Plan) -> None:
    report = validate_plan(stack_plan.to_json())
    assert report.problems == [], report.format_lines()
    assert report.checked == len(stack_plan.custom_resources) - len(report.not_checked)


BAD_PROGRAM = """
from pulumi_azure_native import eventhub
eventhub.Namespace("ns", resource_group_name="rg", namespace_name="ehn", location="westeurope",
                   sku=eventhub.SkuArgs(name="Gold"))
"""


@pytest.fixture
def bad_project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: bad\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text(BAD_PROGRAM)
    return tmp_path


def test_validate_command_exits_1_with_one_line_per_problem(bad_project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "validate", "--stack", "dev", "--project-dir", str(bad_project)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert any("ns (azure-native:eventhub:Namespace) sku.name:" in line and "Gold" in line for line in lines), lines
    assert any("name" in line and "ehn" in line for line in lines), lines
    assert any(", 3 problems," in line for line in lines), lines
    assert any(line.lstrip().startswith("Policies:") for line in lines), lines


def test_validate_command_passes_the_real_stack() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "validate", "--stack", "uat"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert ", 0 problems," in result.stdout
