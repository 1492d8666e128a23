"""Offline preview of each stack, as a whole process: median wall time of 5 runs and peak memory.

    .venv/bin/python bench/bench_preview.py [--runs 5] [--stacks dev sit uat prod]

Targets (issue 2/7): under 2 s and 250 MB per stack on a 2-core machine. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = (
    "import resource, sys; from offline import run_preview; p = run_preview('.', sys.argv[1]); "
    "print(len(p.resources), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def measure(stack: str, runs: int) -> tuple[float, int, int]:
    times, peaks, count = [], [], 0
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", CHILD, stack], cwd=ROOT, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - start)
        count_text, peak_kb = out.stdout.split()
        count, peaks = int(count_text), [*peaks, int(peak_kb)]
    return statistics.median(times), max(peaks) // 1024, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--stacks", nargs="+", default=["dev", "sit", "uat", "prod"])
    args = parser.parse_args()
    print(f"{'stack':<6} {'resources':>9} {'median s':>9} {'peak MB':>8}")
    for stack in args.stacks:
        median, peak_mb, count = measure(stack, args.runs)
        print(f"{stack:<6} {count:>9} {median:>9.2f} {peak_mb:>8}")


if __name__ == "__main__":
    main()
