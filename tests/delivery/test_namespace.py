"""One import namespace (issue 18 deliverable 1): every module of the library is `sentimark_platform.<name>`, the
repository's top-level folders are its subpackages' only sources (through the links in sentimark_platform/), and
nothing in the repository imports them under a bare name, which would load a second copy of each module (two
`InvalidArgumentError` classes, two plan recorders) next to the first."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "sentimark_platform"
LINKS = {
    "components": "components",
    "costs": "costs",
    "deploycheck": "deploycheck",
    "offline": "offline",
    "policy": "policy/rules",
    "schemacheck": "schemacheck",
    "stackconfig": "stackconfig",
}
"""Subpackage -> the top-level folder it is (policy's pack stays in policy/, with its own environment)."""
BARE = {*LINKS, "policy.rules", "cli", "rules"}
# The CrossGuard pack alone may import its rules as `rules`: Pulumi runs it from policy/ with its own venv.
ALLOWED = {("policy/__main__.py", "rules")}


def _tracked(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in listed.stdout.splitlines() if not line.startswith("policy/venv/")]


def _bare_imports(source: str, filename: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name in BARE or name.split(".")[0] in BARE:
                found.append((node.lineno, name))
    return found


def test_the_subpackages_are_links_to_the_top_level_folders() -> None:
    for name, folder in LINKS.items():
        link = PACKAGE / name
        assert link.is_symlink(), f"sentimark_platform/{name} must be a link to {folder}/, not a copy"
        assert link.resolve() == (ROOT / folder).resolve(), f"sentimark_platform/{name} points at {link.readlink()}"
    real = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.is_symlink() and p.name != "__pycache__"}
    assert real == {"cli"}, f"only the command line lives in sentimark_platform/ itself; found {sorted(real)}"


def test_the_wheel_lists_every_subpackage() -> None:
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    on_disk = {"sentimark_platform"} | {
        "sentimark_platform." + ".".join(init.parent.relative_to(PACKAGE).parts)
        for name in (*LINKS, "cli") for init in (PACKAGE / name).rglob("__init__.py")}
    assert sorted(packages) == sorted(on_disk)


def test_no_module_is_imported_under_a_bare_name() -> None:
    bare = []
    for path in _tracked("*.py"):
        relative = str(path.relative_to(ROOT))
        bare += [f"{relative}:{line} {name}" for line, name in _bare_imports(path.read_text(encoding="utf-8"), relative)
                 if (relative, name) not in ALLOWED]
    assert not bare, f"import these as sentimark_platform.<name>: {bare}"


# Code inside strings and Markdown: the programs tests write and run, and the snippets readers copy.
# An import at the start of a line, or of a string literal (a program a test writes: "from x import y\n").
_SNIPPET_IMPORT = re.compile(r"""(?:^|["']|\\n)\s*(?:from\s+(?P<module>[\w.]+)\s+import|import\s+(?P<names>[\w., ]+))""", re.M)


def test_no_snippet_or_embedded_program_uses_a_bare_name() -> None:
    bare = []
    for path in _tracked("*.py", "*.md"):
        relative = str(path.relative_to(ROOT))
        for match in _SNIPPET_IMPORT.finditer(path.read_text(encoding="utf-8")):
            names = [match["module"]] if match["module"] else [n.strip() for n in match["names"].split(",")]
            bare += [f"{relative}: {n}" for n in names if n.split(".")[0] in BARE and (relative, n) not in ALLOWED]
    assert not bare, f"write these as sentimark_platform.<name>: {sorted(set(bare))}"


def test_the_scans_see_the_repository() -> None:
    """The two scans above read the tracked files: a broken listing would make them pass on nothing."""
    assert len(_tracked("*.py")) > 200 and any(p.name == "platform.py" for p in _tracked("*.py"))


def test_the_program_and_the_command_line_load_each_module_once() -> None:
    """The program as Pulumi runs it (the repository first on sys.path) and the command line's modules: no bare
    name in sys.modules afterwards."""
    probe = ("import runpy, sys; from sentimark_platform.cli import _commands; import stacks; "
             "print(sorted(n for n in sys.modules if n.split('.')[0] in sys.argv[1].split(',')))")
    result = subprocess.run([sys.executable, "-c", probe, ",".join(sorted(BARE))], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
