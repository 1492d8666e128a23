"""Tests of the benchmark scripts' pure functions (graph, fit, summaries); no timing is asserted."""
