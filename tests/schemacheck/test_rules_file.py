"""The committed rules.json must be what the derive script makes from the upstream schemas and schema/crds."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "schemas"
RULES = REPO / "schemacheck" / "rules.json"


def load_derive_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_schema_rules", REPO / "scripts" / "derive_schema_rules.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SCHEMAS.is_dir(), reason=f"upstream schema folder {SCHEMAS} is not beside the repo")
def test_rules_file_is_up_to_date_with_the_derive_script() -> None:
    derive = load_derive_script()
    expected = derive.render(derive.derive(SCHEMAS))
    assert RULES.read_text(encoding="utf-8") == expected, (
        "schemacheck/rules.json is stale: run "
        "python scripts/derive_schema_rules.py --schemas ../shared/schemas --out schemacheck/rules.json")


def test_rules_file_is_small_and_records_its_sources() -> None:
    assert RULES.stat().st_size < 2_000_000
    rules = json.loads(RULES.read_text(encoding="utf-8"))
    assert rules["sources"]["arm"] == {"repository": "Azure/azure-resource-manager-schemas", "path": "schemas/",
                                       "commit": "a14544311"}
    assert rules["sources"]["istio-crds.yaml"]["commit"] == "86c9f01fd73"
    assert "Properties of the vault" not in RULES.read_text(encoding="utf-8")  # an upstream description
