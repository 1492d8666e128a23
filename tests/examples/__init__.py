"""Tests of the example projects in examples/: each previews offline with the same engine as the stacks.

Shared helpers live here: the examples' directory and a cached offline plan per (example, stack).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

from sentimark_platform.offline import Plan, run_preview
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
STACKS: dict[str, tuple[str, ...]] = {
    "qnt9-srs": ("dev", "staging", "prd"),
    "canary-pipeline": ("dev", "prod"),
    "supply-chain-finance": ("dev", "test", "staging", "prod", "dr"),
}

PLATFORM_REFERENCE = "organization/sentimark-platform/{stack}"
ANALYSIS_PROMETHEUS = "http://analysis-prometheus.monitoring.svc.cluster.local:9090"
KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n# offline test kubeconfig {code}\n"


def platform_outputs(stack: str, regions: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """Hand-made outputs of the platform stack the canary example references (what it needs, nothing else)."""
    return {
        PLATFORM_REFERENCE.format(stack=stack): {
            "kubeconfigs": {code: KUBECONFIG.format(code=code) for code in regions},
            "clusters": {code: f"aks-smk-{stack}-{code}" for code in regions},
            "canaryAnalysis": {code: {"prometheusAddress": ANALYSIS_PROMETHEUS,
                                      "scrapeNamespaces": ["kube-system", "monitoring"]} for code in regions},
        }
    }


CANARY_REGIONS = {"dev": ("weu",), "prod": ("weu", "neu")}


@functools.cache
def _plan(example: str, stack: str, outputs_json: str) -> Plan:
    return run_preview(EXAMPLES / example, stack, stack_outputs=json.loads(outputs_json))


def plan_of(example: str, stack: str, stack_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> Plan:
    """The offline plan of an example's stack (cached; the canary example gets hand-made platform outputs)."""
    if stack_outputs is None and example == "canary-pipeline":
        stack_outputs = platform_outputs(stack, CANARY_REGIONS[stack])
    return _plan(example, stack, json.dumps(stack_outputs or {}, sort_keys=True))
