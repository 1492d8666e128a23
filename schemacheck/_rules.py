"""Loads the derived rule file once per process (it ships inside the package; see scripts/derive_schema_rules.py)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

RULES_PATH = Path(__file__).with_name("rules.json")


@functools.cache
def load_rules() -> dict[str, Any]:
    """The parsed rules; cached because every resource of a plan consults them."""
    rules: dict[str, Any] = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    return rules
