"""`validate` and `preview --validate` run the deployability rules over the stack, the bootstrap and the workflows,
and fail the command on a finding."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from sentimark_platform.cli import main
from sentimark_platform.cli._sections import deployability_section
from tests.conftest import ROOT, plan_of


def _project(tmp_path: Path, *, runs_on: object | None = None) -> Path:
    for name in ("Pulumi.yaml", "__main__.py", "Pulumi.dev.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "bootstrap", tmp_path / "bootstrap", ignore=shutil.ignore_patterns("__pycache__"))
    workflows = tmp_path / ".github" / "workflows"
    shutil.copytree(ROOT / ".github" / "workflows", workflows)
    if runs_on is not None:
        deploy = yaml.safe_load((workflows / "deploy.yml").read_text(encoding="utf-8"))
        deploy["jobs"]["dev"]["runs-on"] = runs_on
        (workflows / "deploy.yml").write_text(yaml.safe_dump(deploy, sort_keys=False), encoding="utf-8")
    return tmp_path


def test_validate_passes_the_committed_dev_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--stack", "dev", "--project-dir", str(_project(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "Deployability (dev): 18 rule(s) checked, 0 finding(s)" in out


def test_validate_fails_when_a_deploy_job_runs_on_a_github_hosted_runner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, runs_on="ubuntu-24.04")
    assert main(["validate", "--stack", "dev", "--project-dir", str(project)]) == 1
    out = capsys.readouterr().out
    assert "FAIL ci-runner-network deploy.yml: job dev: runs-on 'ubuntu-24.04'" in out
    assert main(["preview", "--validate", "--stack", "dev", "--project-dir", str(project)]) == 1


def test_validate_of_the_bootstrap_checks_it_against_every_environments_stack(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--stack", "main", "--project-dir", str(ROOT / "bootstrap")]) == 0
    assert "Deployability (dev, prod, sit, uat): 18 rule(s) checked, 0 finding(s)" in capsys.readouterr().out


def test_the_platform_without_its_bootstrap_fails_instead_of_skipping_rules(tmp_path: Path) -> None:
    section = deployability_section(plan_of("dev"), tmp_path)  # no bootstrap/ and no workflows here
    assert section.blocking
    assert any(line.startswith("  FAIL: kubernetes-data-plane-role: needs the bootstrap") for line in section.lines)


def test_a_documentation_range_as_runner_egress_is_a_visible_warning() -> None:
    section = deployability_section(plan_of("sit"), ROOT)
    assert not section.blocking
    assert any("WARN sit: ciRunners.egressIpRanges 192.0.2.10/32 is a documentation range" in line for line in section.lines)
    assert "> **Warning:**" in section.markdown


def test_a_kubernetes_version_near_its_end_of_life_is_a_warning_before_it_is_refused() -> None:
    near = deployability_section(plan_of("uat"), ROOT, today=dt.date(2027, 5, 1))
    assert any(line.startswith("  WARN uat:") and "1.36" in line for line in near.lines)
    assert not any("kubernetes-version-supported" in line for line in near.lines)
    after = deployability_section(plan_of("uat"), ROOT, today=dt.date(2027, 7, 1))
    assert after.blocking and any("FAIL kubernetes-version-supported" in line for line in after.lines)


def test_a_stack_file_without_its_secrets_provider_is_a_visible_warning(tmp_path: Path) -> None:
    section = deployability_section(plan_of("dev"), _project(tmp_path))
    assert not section.blocking
    assert any("WARN dev: Pulumi.dev.yaml has no secretsprovider yet" in line for line in section.lines)


def test_a_stack_file_on_another_environments_key_fails_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = _project(tmp_path)
    stack_file = project / "Pulumi.dev.yaml"
    stack_file.write_text("secretsprovider: azurekeyvault://kv-smk-shared-weu-0xt7t.vault.azure.net/keys/pulumi-secrets-prod\n"
                          + stack_file.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["validate", "--stack", "dev", "--project-dir", str(project)]) == 1
    assert "FAIL secrets-provider-per-environment Pulumi.dev.yaml: secretsprovider" in capsys.readouterr().out
