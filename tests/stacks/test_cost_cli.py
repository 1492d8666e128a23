"""The preview shows the monthly estimate and budget warnings; `cost-diff` prints the delta between plans."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sentimark_platform.cli._sections import cost_section, plan_budget
from tests.conftest import ROOT, plan_of


def test_budget_is_read_from_the_plan() -> None:
    assert plan_budget(plan_of("uat")) == (2500.0, 50.0)


def test_estimate_section_names_the_largest_items_and_warns_against_the_budget() -> None:
    section = cost_section(plan_of("prod"))
    lines, markdown = section.lines, section.markdown
    assert lines[0].startswith("Estimated monthly cost of stack prod: $")
    assert any("aks-" in line for line in lines[2:10])
    assert any(line.startswith("  warning: ") for line in lines)
    assert "### Estimated monthly cost" in markdown and "> **Budget:**" in markdown


def test_cost_diff_between_two_stacks(tmp_path: Path) -> None:
    for stack in ("dev", "sit"):
        (tmp_path / f"{stack}.json").write_text(plan_of(stack).dumps())
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "cost-diff", str(tmp_path / "dev.json"), str(tmp_path / "sit.json")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "|" in result.stdout and "+$" in result.stdout


def test_report_has_changes_policies_cost_and_the_diagram_under_githubs_limit(tmp_path: Path) -> None:
    (tmp_path / "base.json").write_text(plan_of("uat").dumps())
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "report", "--stack", "prod", "--base", str(tmp_path / "base.json"),
         "--markdown", str(tmp_path / "report.md")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "report.md").read_text()
    assert len(text) < 65_536
    for heading in ("### Policy results", "### Estimated monthly cost", "### Schema validation", "```mermaid"):
        assert heading in text, heading


def test_diagram_command_prints_mermaid() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "stacks", "diagram", "--stack", "prod"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("flowchart") and "northeurope" in result.stdout
