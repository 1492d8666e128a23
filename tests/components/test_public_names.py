"""The composition (stacks/), the bootstrap, the deployability checks and the examples use the component library
only through its public names (issue 18 deliverable 4): what they need is what another team needs, so it must be
exported, documented and kept stable, not reached for in a private module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sentimark_platform import components
from tests.conftest import ROOT

CONSUMERS = ("stacks", "bootstrap", "deploycheck", "examples")
LIBRARY = "sentimark_platform.components"


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(LIBRARY):
            found.append((node.lineno, node.module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names if alias.name.startswith(LIBRARY)]
    return found


def _files() -> list[Path]:
    return sorted(p for d in CONSUMERS for p in (ROOT / d).rglob("*.py") if ".venv" not in p.parts)


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_public_names_of_the_component_library_are_imported(path: Path) -> None:
    for line, module, names in _imports(path):
        private_module = [part for part in module.split(".")[2:] if part.startswith("_")]
        assert not private_module, f"{path.relative_to(ROOT)}:{line} imports the private module {module}"
        if module == LIBRARY:
            missing = [n for n in names if n not in components.__all__]
            assert not missing, f"{path.relative_to(ROOT)}:{line} imports {missing}, which components does not export"


def test_the_scan_sees_the_composition() -> None:
    assert any(module == LIBRARY for path in _files() for _, module, _ in _imports(path))

