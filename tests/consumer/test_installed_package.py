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
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = Path(__file__).with_name("program")
PACKAGES = ("components", "costs", "offline", "schemacheck", "stackconfig", "policy/rules")

# One worker builds the environment once for all of them (`make test` runs pytest-xdist with --dist loadfile).
pytestmark = pytest.mark.slow

# Runs inside the fresh environment: previews the program and reports what the tests assert on.
PREVIEW = """
import importlib.util, json, sys
import components, offline, policy.rules, schemacheck
from offline import run_preview
plan = run_preview(sys.argv[1], "dev")
report = schemacheck.validate_plan(plan.to_json())
results = policy.rules.evaluate_plan(plan.to_json(), environment="uat")
print(json.dumps({
    "plan": plan.to_json(),
    "files": {m.__name__: m.__file__ for m in (components, offline, policy.rules, schemacheck)},
    "stacks_importable": importlib.util.find_spec("stacks") is not None,
    "provider_importable": importlib.util.find_spec("provider") is not None,
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
    for package in PACKAGES:
        shutil.copytree(ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w",
          str(work / "dist"), str(source)], cwd=work)
    (wheel,) = (work / "dist").glob("sentimark_platform-*.whl")
    _run([sys.executable, "-m", "venv", str(work / "venv")], cwd=work)
    python = work / "venv" / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", str(wheel)], cwd=work)
    return python


@pytest.fixture(scope="session")
def consumer_preview(consumer_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("payments")
    shutil.copytree(PROGRAM, work / "program", ignore=shutil.ignore_patterns("__pycache__"))
    result = _run([str(consumer_python), "-c", PREVIEW, str(work / "program")], cwd=work, timeout=300)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_installed_package_carries_types_and_data_but_no_stacks(consumer_python: Path) -> None:
    site = Path(_run([str(consumer_python), "-c", "import components, pathlib; print(pathlib.Path(components.__file__).parents[1])"],
                     cwd=consumer_python.parent).stdout.strip())
    for package in PACKAGES:
        assert (site / package / "py.typed").is_file(), package
    assert (site / "schemacheck" / "rules.json").is_file() and (site / "costs" / "prices.json").is_file()
    for absent in ("stacks", "provider", "tests", "scripts", "bootstrap"):
        assert not (site / absent).exists(), absent
    metadata = _run([str(consumer_python), "-c", "import importlib.metadata as m; print(m.version('sentimark-platform'));"
                     "print('\\n'.join(m.requires('sentimark-platform')))"], cwd=consumer_python.parent).stdout.split("\n")
    assert metadata[0] == _pyproject_version()
    assert "pulumi==3.272.0" in metadata and "pulumi-azure-native==3.29.0" in metadata


def test_preview_uses_only_the_installed_package(consumer_preview: dict[str, Any]) -> None:
    for module, file in consumer_preview["files"].items():
        assert str(ROOT) not in file and "site-packages" in file, (module, file)
    assert consumer_preview["stacks_importable"] is False
    assert consumer_preview["provider_importable"] is False


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
