"""How the offline preview grows with the platform: 1, 3, 6 and 12 applications in 1 and 2 regions.

    .venv/bin/python -m bench.bench_growth [--runs 3] [--apps 1 3 6 12] [--regions 1 2]

Each point is a synthetic copy of the prod stack file (same sizes, private, HA, locked) in which only the
application list and the region list change: applications `app-01` ... `app-NN` (every other one with
canary routing), regions westeurope and, for 2, northeurope. The copy goes into a temporary project
directory with this project's `Pulumi.yaml` and `__main__.py`; the preview runs as a whole process from the
repository root, so the real `stacks` and `components` packages are imported (as `tests/conftest.py`'s
`project_copy` does). Reported: resources, median wall time and program time (imports excluded: they do not
grow), program time per resource, and a least-squares line program_s = a + b x resources with its R^2.
"Linear" here means R^2 >= 0.98 for one line through all points, and in each region count the marginal
cost per resource of the largest step (6 -> 12 applications) within 35 % of that series' slope. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.bench_stacks import ROOT, Summary, measure

PROJECT = "sentimark-platform"
BASE_STACK = "prod"
REGIONS = (
    {"location": "westeurope", "addressSpace": "10.40.0.0/16"},
    {"location": "northeurope", "addressSpace": "10.41.0.0/16"},
)
LINEAR_R2 = 0.98
LINEAR_STEP_TOLERANCE = 0.35


@dataclass(frozen=True)
class Point:
    regions: int
    applications: int
    summary: Summary

    @property
    def ms_per_resource(self) -> float:
        return 1000 * self.summary.program_s / self.summary.resources


def synthetic_config(base: dict[str, Any], applications: int, regions: int) -> dict[str, Any]:
    """A copy of a stack file's `config` with `applications` synthetic apps and the first `regions` regions."""
    if not 1 <= regions <= len(REGIONS):
        raise ValueError(f"regions must be 1 to {len(REGIONS)}, got {regions}")
    if applications < 1:
        raise ValueError(f"applications must be at least 1, got {applications}")
    config = copy.deepcopy(base)
    config[f"{PROJECT}:regions"] = [dict(r) for r in REGIONS[:regions]]
    config[f"{PROJECT}:applications"] = {
        f"app-{i:02d}": {"cpuQuota": "2", "memoryQuota": "4Gi", "canary": i % 2 == 1} for i in range(1, applications + 1)
    }
    return config


def write_project(directory: Path, config: dict[str, Any], stack: str = BASE_STACK) -> None:
    """This project's Pulumi.yaml and __main__.py plus a stack file holding `config`."""
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, directory / name)
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))


def linear_fit(points: Sequence[tuple[float, float]]) -> tuple[float, float, float]:
    """Least squares y = a + b x over (x, y) points: (a, b, R^2). R^2 is 1.0 when y does not vary."""
    if len(points) < 2 or len({x for x, _ in points}) < 2:
        raise ValueError("a line needs at least two points with different x")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    slope = sxy / sxx
    intercept = my - slope * mx
    total = sum((y - my) ** 2 for y in ys)
    residual = sum((y - intercept - slope * x) ** 2 for x, y in points)
    r2 = 1.0 if total == 0 else 1 - residual / total
    return intercept, slope, r2


def marginal_costs(points: Sequence[tuple[float, float]]) -> list[float]:
    """(y2 - y1) / (x2 - x1) between consecutive points sorted by x (points with equal x are skipped)."""
    ordered = sorted(points)
    return [(y2 - y1) / (x2 - x1) for (x1, y1), (x2, y2) in itertools.pairwise(ordered) if x2 != x1]


def is_linear(series: Sequence[Sequence[tuple[float, float]]]) -> tuple[bool, str]:
    """Whether y grows linearly with x: R^2 of one line through every point of every series, and in each series
    the marginal cost of its last (largest) step against that series' own slope (superlinear growth shows
    there first)."""
    everything = [p for points in series for p in points]
    _, _, r2 = linear_fit(everything)
    deviations = []
    for points in series:
        if len(points) < 2:
            continue
        _, slope, _ = linear_fit(points)
        last = marginal_costs(points)[-1]
        deviations.append(abs(last - slope) / slope if slope > 0 else float("inf"))
    worst = max(deviations, default=0.0)
    linear = r2 >= LINEAR_R2 and worst <= LINEAR_STEP_TOLERANCE
    why = (f"R^2 {r2:.3f} (>= {LINEAR_R2} needed); the largest step's marginal cost is at most {worst:.0%} "
           f"from its series' slope (<= {LINEAR_STEP_TOLERANCE:.0%} needed)")
    return linear, why


def run(apps: Sequence[int], regions: Sequence[int], runs: int) -> list[Point]:
    base = yaml.safe_load((ROOT / f"Pulumi.{BASE_STACK}.yaml").read_text())["config"]
    points = []
    for region_count in regions:
        for app_count in apps:
            with tempfile.TemporaryDirectory(prefix="bench-growth-") as tmp:
                write_project(Path(tmp), synthetic_config(base, app_count, region_count))
                points.append(Point(region_count, app_count, measure(tmp, BASE_STACK, runs)))
    return points


def report(points: Sequence[Point]) -> str:
    lines = [f"{'regions':>7} {'apps':>4} {'resources':>9} {'wall s':>7} {'program s':>9} {'ms/resource':>11}"]
    for p in points:
        s = p.summary
        lines.append(f"{p.regions:>7} {p.applications:>4} {s.resources:>9} {s.wall_s:>7.2f} {s.program_s:>9.2f} "
                     f"{p.ms_per_resource:>11.2f}")
    xy = [(float(p.summary.resources), p.summary.program_s) for p in points]
    intercept, slope, r2 = linear_fit(xy)
    series = [[(float(p.summary.resources), p.summary.program_s) for p in points if p.regions == r]
              for r in sorted({p.regions for p in points})]
    linear, why = is_linear(series)
    lines += [
        "",
        f"program_s = {intercept:.3f} + {1000 * slope:.2f} ms x resources   (R^2 {r2:.3f}, {len(xy)} points)",
        f"linear: {'yes' if linear else 'NO'} - {why}",
    ]
    for region_count in sorted({p.regions for p in points}):
        subset = [(float(p.summary.resources), p.summary.program_s) for p in points if p.regions == region_count]
        if len(subset) >= 2:
            _, b, r = linear_fit(subset)
            lines.append(f"  {region_count} region(s) alone: {1000 * b:.2f} ms per added resource (R^2 {r:.3f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--apps", type=int, nargs="+", default=[1, 3, 6, 12])
    parser.add_argument("--regions", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    points = run(args.apps, args.regions, args.runs)
    print(f"Offline preview growth from the {BASE_STACK} stack file, median of {args.runs} whole-process runs "
          f"(Python {sys.version.split()[0]}):")
    print(report(points))


if __name__ == "__main__":
    main()
