"""The component library's shape (issue 18): no module imports a module that imports it, directly or around a
longer loop, TYPE_CHECKING imports included; a large component is a package whose arguments module is what its
other modules share."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = "sentimark_platform.components"
SOURCE = ROOT / "components"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join((PACKAGE, *(parts[:-1] if parts[-1] == "__init__" else parts)))


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SOURCE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
                for alias in node.names:  # `from pkg import submodule` imports the submodule
                    target = f"{node.module}.{alias.name}"
                    graph[name].add(target if target in modules else node.module)
            elif isinstance(node, ast.Import):
                graph[name] |= {a.name for a in node.names if a.name in modules}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                found.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    return found


def test_no_component_module_imports_a_module_that_imports_it() -> None:
    cycles = _cycles(_graph())
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_graph_sees_the_imports() -> None:
    graph = _graph()
    assert f"{PACKAGE}.aks.args" in graph[f"{PACKAGE}.aks._rules"]
    assert f"{PACKAGE}.aks.component" in graph[f"{PACKAGE}.aks"]


def test_each_component_package_keeps_its_arguments_in_its_args_module() -> None:
    packages = sorted(p.parent.name for p in SOURCE.glob("*/__init__.py"))
    assert packages == ["aks", "mesh", "monitoring"]
    for name in packages:
        package = SOURCE / name
        assert (package / "args.py").is_file() and (package / "component.py").is_file(), name
        others = [p for p in package.glob("*.py") if p.name not in ("__init__.py", "args.py")]
        arguments = [f"{p.name}: {c}" for p in others
                     for c in re.findall(r"^class (\w*Args)\(TypedDict\)", p.read_text(encoding="utf-8"), re.M)]
        assert not arguments, f"components/{name}: argument TypedDicts outside args.py: {arguments}"
