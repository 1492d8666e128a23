"""bench/bench_stacks.py: summaries, verdicts and the table (no timing is asserted)."""

from __future__ import annotations

import pytest

from bench.bench_stacks import MODES, TARGET_MB, TARGET_SECONDS, Run, Summary, summarize, table, verdict


def _run(wall: float, peak: float = 150.0, resources: int = 310) -> Run:
    return Run(wall_s=wall, import_s=0.8, program_s=wall - 1.0, peak_mb=peak, resources=resources)


def test_summary_takes_medians_and_the_largest_peak() -> None:
    s = summarize([_run(2.5, 190), _run(2.1, 195), _run(3.9, 180)])
    assert (s.runs, s.resources, s.wall_s, s.wall_min_s, s.wall_max_s, s.peak_mb) == (3, 310, 2.5, 2.1, 3.9, 195)
    assert s.program_s == pytest.approx(1.5)


def test_runs_that_register_different_resources_are_refused() -> None:
    with pytest.raises(ValueError, match="not deterministic"):
        summarize([_run(2.0, resources=310), _run(2.0, resources=311)])
    with pytest.raises(ValueError):
        summarize([])


def _summary(wall: float, peak: float) -> Summary:
    return Summary(runs=5, resources=310, wall_s=wall, wall_min_s=wall, wall_max_s=wall, import_s=0.8, program_s=1.0, peak_mb=peak)


def test_verdict_names_each_target_missed() -> None:
    assert verdict(_summary(TARGET_SECONDS, TARGET_MB)) == "ok"
    assert verdict(_summary(2.6, 100)) == f"time > {TARGET_SECONDS:g} s"
    assert verdict(_summary(1.5, 300)) == f"memory > {TARGET_MB} MB"


def test_table_has_a_row_per_stack_and_mode() -> None:
    text = table([("prod", "dropped", _summary(2.3, 195)), ("prod", "frozen", _summary(1.9, 195))])
    lines = text.splitlines()
    assert len(lines) == 3 and lines[1].startswith("prod   dropped") and lines[2].endswith("ok")


def test_modes_compare_the_alias_switch_and_the_shutdown_change() -> None:
    assert MODES == {"dropped": ({}, False), "kept": ({"dropVersionedAliases": False}, False), "frozen": ({}, True)}
