"""Another team's view: build the wheel, install it into a fresh virtual environment (pinned dependencies from
the package index), and preview a separate program (tests/consumer/program) with that environment's Python,
from a directory outside the repository, so that nothing of this repository's sources is importable.

Slow (the install takes about a minute with a warm pip cache): one environment per test session, and the
tests are marked `slow` (`pytest -m "not slow"` leaves them out; `make test` runs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = Path(__file__).with_name("program")
PACKAGES = ("components", "costs", "offline", "schemacheck", "stackconfig", "policy", "deploycheck", "cli")
"""The subpackages of `sentimark_platform` (in the repository, links to the top-level folders but `cli`)."""
BARE_NAMES = ("components", "costs", "offline", "schemacheck", "stackconfig", "policy", "deploycheck", "cli", "rules")

# One worker builds the environment once for all of them (`make test` runs pytest-xdist with --dist loadfile).
pytestmark = pytest.mark.slow

# Runs inside the fresh environment: previews the program and reports what the tests assert on.
PREVIEW = """
import importlib.util, json, sys
from sentimark_platform import components, offline, policy, schemacheck
from sentimark_platform.offline import run_preview
plan = run_preview(sys.argv[1], "dev")
report = schemacheck.validate_plan(plan.to_json())
results = policy.evaluate_plan(plan.to_json(), environment="uat")
print(json.dumps({
    "plan": plan.to_json(),
    "files": {m.__name__: m.__file__ for m in (components, offline, policy, schemacheck)},
    "bare_importable": [n for n in sys.argv[2].split(",") if importlib.util.find_spec(n) is not None],
    "schema_problems": [str(p) for p in report.problems],
    "policies": [r.to_json() for r in results],
}))
"""


def _run(args: list[str], cwd: Path, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="session")
def consumer_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the built wheel installed (and its pinned dependencies)."""
    work = tmp_path_factory.mktemp("consumer")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    # The links to the top-level folders are followed: the copy holds the package as the wheel lays it out.
    shutil.copytree(ROOT / "sentimark_platform", source / "sentimark_platform",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w",
          str(work / "dist"), str(source)], cwd=work)
    (wheel,) = (work / "dist").glob("sentimark_platform-*.whl")
    shutil.copy(wheel, work / "wheel.whl")  # where the wheel-content test reads it
    _run([sys.executable, "-m", "venv", str(work / "venv")], cwd=work)
    python = work / "venv" / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", str(wheel)], cwd=work)
    return python


@pytest.fixture(scope="session")
def consumer_preview(consumer_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("payments")
    shutil.copytree(PROGRAM, work / "program", ignore=shutil.ignore_patterns("__pycache__"))
    result = _run([str(consumer_python), "-c", PREVIEW, str(work / "program"), ",".join(("stacks", "provider", *BARE_NAMES))],
                  cwd=work, timeout=300)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_the_wheel_installs_one_top_level_package(consumer_python: Path) -> None:
    with zipfile.ZipFile(consumer_python.parents[2] / "wheel.whl") as wheel:
        names = wheel.namelist()
    assert {name.split("/", 1)[0] for name in names} == {
        "sentimark_platform", f"sentimark_platform-{_pyproject_version()}.dist-info"}
    assert {n.split("/")[1] for n in names if n.startswith("sentimark_platform/") and n.count("/") >= 2} == set(PACKAGES)
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    with zipfile.ZipFile(consumer_python.parents[2] / "wheel.whl") as wheel:
        assert "sentimark = sentimark_platform.cli:run" in wheel.read(entry_points).decode()


def test_installed_package_carries_types_and_data_but_no_stacks(consumer_python: Path) -> None:
    site = Path(_run([str(consumer_python), "-c", "import sentimark_platform, pathlib; "
                      "print(pathlib.Path(sentimark_platform.__file__).parents[1])"],
                     cwd=consumer_python.parent).stdout.strip())
    package = site / "sentimark_platform"
    assert (package / "py.typed").is_file()
    assert (package / "schemacheck" / "rules.json").is_file() and (package / "costs" / "prices.json").is_file()
    assert (package / "components" / "kubernetes_versions.json").is_file()
    for absent in ("stacks", "provider", "tests", "scripts", "bootstrap", *BARE_NAMES):
        assert not (site / absent).exists(), absent
    metadata = _run([str(consumer_python), "-c", "import importlib.metadata as m; print(m.version('sentimark-platform'));"
                     "print('\\n'.join(m.requires('sentimark-platform')))"], cwd=consumer_python.parent).stdout.split("\n")
    assert metadata[0] == _pyproject_version()
    assert "pulumi==3.272.0" in metadata and "pulumi-azure-native==3.29.0" in metadata


def test_preview_uses_only_the_installed_package(consumer_preview: dict[str, Any]) -> None:
    for module, file in consumer_preview["files"].items():
        assert str(ROOT) not in file and "site-packages" in file, (module, file)
    assert consumer_preview["bare_importable"] == []


def test_preview_plans_the_cluster_the_vault_and_the_workload_identity(consumer_preview: dict[str, Any]) -> None:
    resources = consumer_preview["plan"]["resources"]

    def of_type(token: str) -> list[dict[str, Any]]:
        return [r for r in resources if r["type"] == token]

    assert [r["name"] for r in of_type("sentimark:index:AksCluster")] == ["aks"]
    assert [r["name"] for r in of_type("sentimark:index:KeyVault")] == ["kv"]
    assert [r["name"] for r in of_type("sentimark:index:WorkloadIdentity")] == ["payments-api"]

    (cluster,) = of_type("azure-native:containerservice:ManagedCluster")
    assert cluster["inputs"]["resourceName"] == "aks-payments-dev-weu"
    assert cluster["inputs"]["apiServerAccessProfile"]["authorizedIPRanges"] == ["203.0.113.0/24"]
    assert cluster["inputs"]["securityProfile"]["workloadIdentity"] == {"enabled": True}
    assert cluster["inputs"]["disableLocalAccounts"] is True

    (vault,) = of_type("azure-native:keyvault:Vault")
    properties = vault["inputs"]["properties"]
    assert properties["enableRbacAuthorization"] is True and properties["enablePurgeProtection"] is True
    assert properties["networkAcls"]["defaultAction"] == "Deny"

    (identity,) = of_type("azure-native:managedidentity:UserAssignedIdentity")
    (credential,) = of_type("azure-native:managedidentity:FederatedIdentityCredential")
    assert credential["inputs"]["subject"] == "system:serviceaccount:payments:payments-api"
    assert credential["inputs"]["audiences"] == ["api://AzureADTokenExchange"]
    assert cluster["urn"] in credential["dependencies"] or any(
        r["urn"] in credential["dependencies"] for r in of_type("sentimark:index:AksCluster"))
    (grant,) = [r for r in of_type("azure-native:authorization:RoleAssignment") if "payments-api" in r["name"]]
    assert grant["inputs"]["roleDefinitionId"].endswith("/4633458b-17de-408a-b874-0445c86b69e6")  # Secrets User
    assert grant["inputs"]["principalType"] == "ServicePrincipal"
    (account,) = of_type("kubernetes:core/v1:ServiceAccount")
    assert account["inputs"]["metadata"]["namespace"] == "payments"
    assert "azure.workload.identity/client-id" in account["inputs"]["metadata"]["annotations"]
    assert of_type("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass")
    assert identity["parent"] in {r["urn"] for r in of_type("sentimark:index:WorkloadIdentity")}


def test_installed_checks_run_on_the_consumers_plan(consumer_preview: dict[str, Any]) -> None:
    assert consumer_preview["schema_problems"] == []
    policies = consumer_preview["policies"]
    vault_results = {p["policy"]: p["passed"] for p in policies if p["urn"] and p["urn"].endswith("::kv-kv")}
    assert {k: vault_results.get(k) for k in ("kv-recoverable", "kv-rbac-authorization", "kv-network-restricted")} == {
        "kv-recoverable": True, "kv-rbac-authorization": True, "kv-network-restricted": True}


def _pyproject_version() -> str:
    import tomllib

    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def _sentimark(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed console script, as another team runs it (its exit status is the test's to judge)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return subprocess.run([str(python.parent / "sentimark"), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def _program_copy(tmp_path: Path) -> Path:
    program = tmp_path / "program"
    shutil.copytree(PROGRAM, program, ignore=shutil.ignore_patterns("__pycache__"))
    return program


def test_the_console_script_runs_every_command_on_another_teams_project(consumer_python: Path, tmp_path: Path) -> None:
    program = _program_copy(tmp_path)
    preview = _sentimark(consumer_python, "preview", "--stack", "dev", "--project-dir", str(program),
                         "--json", "plan.json", "--markdown", "comment.md", cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["project"] == "payments-platform" and plan["stack"] == "dev"
    assert "sentimark:index:AksCluster" in {r["type"] for r in plan["resources"]}
    assert "previewed offline" in (tmp_path / "comment.md").read_text().lower()

    validate = _sentimark(consumer_python, "validate", "--stack", "dev", "--project-dir", str(program), cwd=tmp_path)
    assert "Schema validation:" in validate.stdout and "0 problems" in validate.stdout, validate.stdout[-2000:]
    # dev is advisory, and another team's project has no bootstrap or workflows: rules that need them are listed as
    # not checked, never counted as findings, so nothing blocks.
    assert "0 mandatory" in validate.stdout and "0 finding(s)" in validate.stdout, validate.stdout[-2000:]
    assert "not checked: kubernetes-data-plane-role" in validate.stdout
    assert validate.returncode == 0 and "Traceback" not in validate.stderr

    diagram = _sentimark(consumer_python, "diagram", "--stack", "dev", "--project-dir", str(program), cwd=tmp_path)
    assert diagram.returncode == 0 and diagram.stdout.startswith("flowchart"), diagram.stderr
    cost = _sentimark(consumer_python, "cost-diff", "plan.json", "plan.json", cwd=tmp_path)
    assert cost.returncode == 0 and "No change in the estimated monthly cost" in cost.stdout, cost.stderr
    usage = _sentimark(consumer_python, "preview", cwd=tmp_path)
    assert usage.returncode == 2 and "usage: sentimark preview" in usage.stderr and "--stack" in usage.stderr


def test_a_component_argument_another_team_got_wrong_reads_like_a_configuration_error(
        consumer_python: Path, tmp_path: Path) -> None:
    program = _program_copy(tmp_path)
    source = (program / "__main__.py").read_text()
    assert '"tier": "Free",' in source and '"node_count": 1}' in source
    (program / "__main__.py").write_text(
        source.replace('"tier": "Free",', '"tier": "Gold",').replace('"node_count": 1}', '"node_count": "1"}'))
    result = _sentimark(consumer_python, "preview", "--stack", "dev", "--project-dir", str(program), cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stdout == ""
    message = result.stderr
    assert message.startswith("error: AksCluster"), message
    assert "'tier' got 'Gold'" in message and "node_count" in message, message  # both problems, at once
