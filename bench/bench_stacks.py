"""Offline preview of each stack as a whole process: median wall time of 5 runs and peak memory, in three
modes side by side:

- `dropped`: as the stacks run (versioned aliases dropped, `dropVersionedAliases: true`);
- `kept`: the same with `dropVersionedAliases: false` (what the switch saves);
- `frozen`: `dropped`, run the way `python -m stacks` runs (`stacks/__main__.py`): the cyclic collector off
  for the whole process and `gc.freeze()` once the plan is built, so that neither a collection after the
  program nor interpreter shutdown walks the SDK's object graph again (see bench/README.md).

    .venv/bin/python -m bench.bench_stacks [--runs 5] [--stacks dev sit uat prod] [--modes dropped kept frozen]

Each run is a fresh `python` process that imports the engine, runs the stack's real `__main__.py` offline
(`offline.run_preview`, what `python -m stacks preview` does before it prints) and exits, so the wall
time includes interpreter start-up and every import; the child also reports how that time splits between
imports and the program, and its peak resident memory (`ru_maxrss`); what is left of the wall time is
interpreter start-up (about 10 ms) and shutdown. Supersedes `bench/bench_preview.py`
(same measurement, plus the split and the alias comparison).

Targets (the issue): prod at most 2 s and 250 MB on this 2-core machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STACKS = ("dev", "sit", "uat", "prod")
TARGET_SECONDS = 2.0
TARGET_MB = 250

# The child: time the imports and the preview separately, then report one JSON line.
CHILD = """
import gc, json, resource, sys, time
if sys.argv[4] == "freeze":
    gc.disable()
start = time.perf_counter()
from sentimark_platform import offline  # noqa: E402
import stacks  # noqa: F401  (the program imports stacks and the library; count them as imports)
imported = time.perf_counter()
config = json.loads(sys.argv[3])
plan = offline.run_preview(sys.argv[1], sys.argv[2], config=config)
done = time.perf_counter()
print(json.dumps({"resources": len(plan.resources), "import_s": imported - start, "program_s": done - imported,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)
if sys.argv[4] == "freeze":
    gc.freeze()
"""
MODES: dict[str, tuple[dict[str, object], bool]] = {
    "dropped": ({}, False),
    "kept": ({"dropVersionedAliases": False}, False),
    "frozen": ({}, True),
}
"""Mode -> (config overrides, gc.freeze() after the preview)."""


@dataclass(frozen=True)
class Run:
    wall_s: float
    import_s: float
    program_s: float
    peak_mb: float
    resources: int


@dataclass(frozen=True)
class Summary:
    """Medians over runs (peak memory: the largest)."""

    runs: int
    resources: int
    wall_s: float
    wall_min_s: float
    wall_max_s: float
    import_s: float
    program_s: float
    peak_mb: float


def run_once(project_dir: Path | str, stack: str, config: dict[str, object] | None = None, *, freeze: bool = False) -> Run:
    """One whole-process offline preview of `stack` in `project_dir` (run from the repository root)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(project_dir), stack, json.dumps(config or {}), "freeze" if freeze else "-"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"preview of {stack} in {project_dir} failed:\n{result.stderr[-3000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return Run(wall, data["import_s"], data["program_s"], data["peak_kb"] / 1024, data["resources"])


def summarize(runs: Sequence[Run]) -> Summary:
    if not runs:
        raise ValueError("no runs to summarize")
    counts = {r.resources for r in runs}
    if len(counts) != 1:
        raise ValueError(f"runs registered different resource counts: {sorted(counts)} (the preview is not deterministic)")
    walls = [r.wall_s for r in runs]
    return Summary(
        runs=len(runs),
        resources=counts.pop(),
        wall_s=statistics.median(walls),
        wall_min_s=min(walls),
        wall_max_s=max(walls),
        import_s=statistics.median(r.import_s for r in runs),
        program_s=statistics.median(r.program_s for r in runs),
        peak_mb=max(r.peak_mb for r in runs),
    )


def measure(project_dir: Path | str, stack: str, runs: int, config: dict[str, object] | None = None,
            *, freeze: bool = False) -> Summary:
    return summarize([run_once(project_dir, stack, config, freeze=freeze) for _ in range(runs)])


def verdict(summary: Summary) -> str:
    """'ok' when within both targets, else what is over."""
    over = []
    if summary.wall_s > TARGET_SECONDS:
        over.append(f"time > {TARGET_SECONDS:g} s")
    if summary.peak_mb > TARGET_MB:
        over.append(f"memory > {TARGET_MB} MB")
    return "ok" if not over else ", ".join(over)


def table(rows: Sequence[tuple[str, str, Summary]]) -> str:
    lines = [
        f"{'stack':<6} {'mode':<8} {'resources':>9} {'median s':>9} {'min-max s':>11} {'imports s':>9} "
        f"{'program s':>9} {'peak MB':>8}  targets (<= {TARGET_SECONDS:g} s, <= {TARGET_MB} MB)",
    ]
    for stack, mode, s in rows:
        lines.append(
            f"{stack:<6} {mode:<8} {s.resources:>9} {s.wall_s:>9.2f} {s.wall_min_s:>5.2f}-{s.wall_max_s:<5.2f} "
            f"{s.import_s:>9.2f} {s.program_s:>9.2f} {s.peak_mb:>8.0f}  {verdict(s)}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stacks", nargs="+", default=list(STACKS))
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    args = parser.parse_args(argv)
    rows = []
    for stack in args.stacks:
        for mode in args.modes:
            config, freeze = MODES[mode]
            rows.append((stack, mode, measure(ROOT, stack, args.runs, config, freeze=freeze)))
    print(f"Offline preview, whole process, median of {args.runs} runs ({sys.platform}, Python {sys.version.split()[0]}):")
    print(table(rows))


if __name__ == "__main__":
    main()
