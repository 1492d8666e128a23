"""Shared fixtures: offline plans of the project's stacks, computed once per test session."""

from __future__ import annotations

import copy
import functools
import shutil
from pathlib import Path
from typing import Any

import hypothesis  # noqa: F401  (imported before any program runs: see below)
import pytest
import yaml

from sentimark_platform.offline import Plan, run_preview

# Hypothesis is imported here, at collection, on purpose: imported late (after the Pulumi runtime has left
# garbage for the collector), CPython 3.11.7's AST compiler can fail with "AST constructor recursion depth
# mismatch" while pytest rewrites hypothesis' modules.

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "sit", "uat", "prod")
SHARED_SCHEMAS = ROOT.parent / "shared" / "schemas"


@functools.cache
def plan_of(stack: str) -> Plan:
    """The offline plan of one of this project's stacks (cached: plans are deterministic)."""
    return run_preview(ROOT, stack)


@functools.cache
def _stack_file_config(stack: str) -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"])


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` of one of this project's stack files, as written (a fresh copy: tests may change it)."""
    return copy.deepcopy(_stack_file_config(stack))


@pytest.fixture(params=STACKS)
def stack_plan(request: pytest.FixtureRequest) -> Plan:
    return plan_of(request.param)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A copy of the project's Pulumi files beside the real packages, to edit stack files freely."""
    for name in ("Pulumi.yaml", "__main__.py", *(f"Pulumi.{s}.yaml" for s in STACKS)):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path
