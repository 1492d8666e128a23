"""bench/bench_growth.py: synthetic stack files and the linearity rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.bench_growth import PROJECT, is_linear, linear_fit, marginal_costs, synthetic_config, write_project
from tests.conftest import ROOT


def _base() -> dict:
    return yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]


def test_synthetic_config_changes_only_the_applications_and_regions() -> None:
    base = _base()
    config = synthetic_config(base, 6, 1)
    assert [r["location"] for r in config[f"{PROJECT}:regions"]] == ["westeurope"]
    apps = config[f"{PROJECT}:applications"]
    assert list(apps) == [f"app-{i:02d}" for i in range(1, 7)]
    assert [a["canary"] for a in apps.values()] == [True, False, True, False, True, False]
    unchanged = {k: v for k, v in config.items() if k not in (f"{PROJECT}:regions", f"{PROJECT}:applications")}
    assert unchanged == {k: v for k, v in base.items() if k not in (f"{PROJECT}:regions", f"{PROJECT}:applications")}
    assert [r["location"] for r in synthetic_config(base, 1, 2)[f"{PROJECT}:regions"]] == ["westeurope", "northeurope"]
    assert base[f"{PROJECT}:applications"] != apps  # the base is not modified


@pytest.mark.parametrize(("apps", "regions"), [(0, 1), (3, 0), (3, 3)])
def test_synthetic_config_refuses_impossible_sizes(apps: int, regions: int) -> None:
    with pytest.raises(ValueError):
        synthetic_config(_base(), apps, regions)


def test_the_written_project_previews_with_the_synthetic_applications(tmp_path: Path) -> None:
    from sentimark_platform.offline import run_preview

    write_project(tmp_path, synthetic_config(_base(), 2, 1))
    assert {p.name for p in tmp_path.iterdir()} == {"Pulumi.yaml", "__main__.py", "Pulumi.prod.yaml"}
    plan = run_preview(tmp_path, "prod")
    namespaces = {r.inputs["metadata"]["name"] for r in plan.of_type("kubernetes:core/v1:Namespace")}
    assert {"app-01", "app-02"} <= namespaces and "sentimark-api" not in namespaces
    assert len(plan.of_type("azure-native:containerservice:ManagedCluster")) == 1


def test_linear_fit_recovers_a_line() -> None:
    intercept, slope, r2 = linear_fit([(100, 0.7), (200, 0.9), (400, 1.3)])
    assert (intercept, slope, r2) == pytest.approx((0.5, 0.002, 1.0))
    with pytest.raises(ValueError):
        linear_fit([(1, 1.0), (1, 2.0)])


def test_marginal_costs_are_the_slopes_between_consecutive_points() -> None:
    assert marginal_costs([(300, 3.0), (100, 1.0), (200, 1.5)]) == pytest.approx([0.005, 0.015])


def test_linear_growth_passes_and_superlinear_growth_fails() -> None:
    linear = [[(n, 0.6 + 0.0012 * n + noise) for n, noise in ((150, 0.01), (200, -0.01), (260, 0.0), (380, 0.01))],
              [(n, 0.6 + 0.0012 * n) for n in (230, 310, 430, 680)]]
    ok, why = is_linear(linear)
    assert ok, why
    quadratic = [[(n, 0.5 + 0.00001 * n * n) for n in (150, 200, 260, 380, 680)]]
    ok, why = is_linear(quadratic)
    assert not ok and "from its series' slope" in why
