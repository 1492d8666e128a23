"""Every example is a complete, separate Pulumi project that uses only the platform's public API, and every
one of its stacks previews offline with zero schema problems and no mandatory policy violation."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sentimark_platform import components
from sentimark_platform.cli._sections import policy_environment
from sentimark_platform.policy import evaluate_plan
from sentimark_platform.schemacheck import validate_plan
from tests.conftest import ROOT
from tests.examples import EXAMPLES, STACKS, plan_of, platform_outputs

EXAMPLE_STACKS = [(example, stack) for example, stacks in STACKS.items() for stack in stacks]
PLATFORM_PACKAGES = {"stacks", "offline", "costs", "schemacheck", "policy", "bench", "tests"}


def test_the_examples_directory_holds_exactly_the_three_projects() -> None:
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) == sorted(STACKS)


@pytest.mark.parametrize("example", sorted(STACKS))
def test_each_example_is_a_python_project_whose_stack_files_set_exactly_the_declared_keys(example: str) -> None:
    project = yaml.safe_load((EXAMPLES / example / "Pulumi.yaml").read_text())
    assert project["name"] == example
    assert project["runtime"]["name"] == "python"
    declared = project["config"]
    assert all(d.get("type") and d.get("description") for d in declared.values())
    found = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (EXAMPLES / example).glob("Pulumi.*.yaml"))
    assert found == sorted(STACKS[example])
    for stack in STACKS[example]:
        config = yaml.safe_load((EXAMPLES / example / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert {k.split(":", 1)[0] for k in config} == {example}, stack
        assert {k.split(":", 1)[1] for k in config} == set(declared), stack


@pytest.mark.parametrize("example", sorted(STACKS))
def test_requirements_install_this_checkout_and_the_readme_says_how(example: str) -> None:
    # The platform from this checkout by path (no index is asked for it); tests/delivery/test_release.py checks the
    # path, the absence of index options and the README's install steps.
    lines = [line.strip() for line in (EXAMPLES / example / "requirements.txt").read_text().splitlines()]
    assert "../.." in [line for line in lines if line and not line.startswith("#")]
    readme = (EXAMPLES / example / "README.md").read_text()
    assert "## Installing" in readme
    assert f"python -m stacks preview --project-dir examples/{example}" in readme


@pytest.mark.parametrize("example", sorted(STACKS))
def test_the_program_imports_only_the_public_api_and_never_edits_sys_path(example: str) -> None:
    directory = EXAMPLES / example
    own_modules = {p.stem for p in directory.glob("*.py") if p.name != "__main__.py"}
    for source in directory.glob("*.py"):
        tree = ast.parse(source.read_text(), str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                root = module.split(".")[0]
                assert root not in PLATFORM_PACKAGES, f"{source.name} imports {module}"
                if root == "components":
                    assert module == "components", f"{source.name} imports the private module {module}"
                    names = {alias.name for alias in node.names}
                    assert names <= set(components.__all__), names - set(components.__all__)
                elif root in own_modules:
                    assert source.name == "__main__.py"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    assert alias.name.split(".")[0] not in PLATFORM_PACKAGES | {"components"}, alias.name
            elif isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name):
                assert node.value.id != "sys", f"{source.name} touches sys.path"


@pytest.mark.parametrize(("example", "stack"), EXAMPLE_STACKS)
def test_every_stack_passes_the_upstream_schemas(example: str, stack: str) -> None:
    plan = plan_of(example, stack)
    report = validate_plan(plan.to_json())
    assert report.problems == [], report.format_lines()
    assert report.checked >= len(plan.custom_resources) - len(report.not_checked) > 10


@pytest.mark.parametrize(("example", "stack"), EXAMPLE_STACKS)
def test_every_stack_has_no_mandatory_policy_violation(example: str, stack: str) -> None:
    plan = plan_of(example, stack)
    environment = policy_environment(plan)
    assert environment == plan.outputs.get("environment", stack)
    failed = [r for r in evaluate_plan(plan.to_json(), environment=environment) if r.blocking]
    assert failed == []


@pytest.mark.parametrize("example", sorted(STACKS))
def test_the_preview_command_runs_each_example_with_validation(example: str, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "stacks", "preview", "--project-dir", f"examples/{example}", "--stack", "dev",
               "--validate", "--json", str(tmp_path / "plan.json")]
    if example == "canary-pipeline":
        plan_file = tmp_path / "platform-dev.json"
        outputs = platform_outputs("dev", ("weu",))
        (name, values), = outputs.items()
        plan_file.write_text(json.dumps({"project": "sentimark-platform", "stack": "dev", "resources": [], "outputs": values}))
        command += ["--stack-outputs", f"{name}={plan_file}"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert ", 0 problems," in result.stdout
    assert "(0 mandatory)" in result.stdout
    written = json.loads((tmp_path / "plan.json").read_text())
    assert written["project"] == example and written["stack"] == "dev"
