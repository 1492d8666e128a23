"""The generated reference docs, the architecture picture and the schema are what the code produces today,
every public component has a page with all its arguments and outputs, and every page's example previews."""

from __future__ import annotations

import importlib.util
import inspect
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

from sentimark_platform.offline import run_preview
from tests.conftest import ROOT, plan_of


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_docs", ROOT / "scripts" / "generate_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_docs"] = module
    spec.loader.exec_module(module)
    return module


generate_docs = _load_script()
COMPONENTS = generate_docs.public_components()
FIX = "regenerate with `python scripts/generate_docs.py` and review the diff"


def _module(component: type) -> str:
    return str(generate_docs.page_name(component))


def test_committed_generated_files_are_current() -> None:
    stale = [
        path.relative_to(ROOT).as_posix()
        for path, text in generate_docs.generated_files(plan_of(generate_docs.ARCHITECTURE_STACK)).items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"out of date: {stale}; {FIX}"


def test_every_public_component_has_a_page_an_example_and_an_index_entry() -> None:
    assert len(COMPONENTS) == 17
    index = (generate_docs.COMPONENT_DOCS / "README.md").read_text()
    pages = {p.stem for p in generate_docs.COMPONENT_DOCS.glob("*.md")} - {"README"}
    examples = {p.stem for p in generate_docs.EXAMPLES.glob("*.py")}
    assert pages == examples == {_module(c) for c in COMPONENTS}
    for component in COMPONENTS:
        assert f"[{component.__name__}]({_module(component)}.md)" in index


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.__name__)
def test_page_lists_every_argument_nested_type_and_output(component: type) -> None:
    page = generate_docs.component_page(component)
    args_type = generate_docs._args_type(component)
    for name in generate_docs._hints(args_type):
        assert f"| `{name}` |" in page, name
    for nested in generate_docs._nested_types(args_type):
        assert f"### {nested.__name__}" in page
    for name in inspect.get_annotations(component):
        if not name.startswith("_"):
            assert f"| `{name}` |" in page.split("## Outputs")[1], name
    assert "```python" in page.split("## Example")[1]


def test_python_only_outputs_are_documented_too() -> None:
    page = generate_docs.component_page(next(c for c in COMPONENTS if c.__name__ == "AksCluster"))
    assert "| `kubernetes_provider` | k8s.Provider | Python only:" in page


@pytest.mark.parametrize(("docstring", "default"), [
    ("Azure region; the resource group's unless given.", "the resource group's"),
    ("standard unless given (premium adds HSM-backed keys).", "standard"),
    ("One of Ephemeral, Managed; Managed unless given. Ephemeral is faster", "Managed"),
    ('"+01:00" style; "+00:00" unless given.', '"+00:00"'),
    ("True unless given: only Entra ID identities can sign in", "True"),
    ("Storage grows automatically near full unless set to False.", "Storage grows automatically near full"),
    ("Open to the listed ranges. Unless given, public network access is Disabled and private.",
     "public network access is Disabled and private"),
    ("Tags; the stack's FinOps tags.", None),
    (None, None),
])
def test_default_comes_from_the_unless_given_clause(docstring: str | None, default: str | None) -> None:
    assert generate_docs.default_of(docstring) == default


@pytest.mark.parametrize("example", sorted(generate_docs.EXAMPLES.glob("*.py")), ids=lambda p: p.stem)
def test_example_previews_offline_and_registers_its_component(example: Path, tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: example\nruntime: python\n")
    # Examples that need a cluster read its kubeconfig from the stack's config (a secret in real stacks).
    (tmp_path / "Pulumi.dev.yaml").write_text('config:\n  example:kubeconfig: "{}"\n')
    shutil.copy(example, tmp_path / "__main__.py")
    plan = run_preview(tmp_path, "dev")
    component = next(c for c in COMPONENTS if _module(c) == example.stem)
    assert plan.of_type(f"sentimark:index:{component.__name__}")
    assert any(r.custom and not r.type.startswith("pulumi:providers:") for r in plan.resources)


def test_optional_arguments_read_as_optional_in_modules_with_postponed_annotations() -> None:
    # WorkloadIdentity's module uses `from __future__ import annotations`, where Python 3.11's
    # `__required_keys__` lists NotRequired keys as required.
    page = generate_docs.component_page(next(c for c in COMPONENTS if c.__name__ == "WorkloadIdentity"))
    assert "| `location` | Input[str] | no | the resource group's |" in page
    assert "| `oidc_issuer_url` | Input[str] | yes |" in page
