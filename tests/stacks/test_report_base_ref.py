"""`report --base-ref REF` and `cost-diff --base-ref REF`: the base plan comes from the ref's own code, in a
temporary git worktree that is always removed; mistakes in the request exit 2 with what/got/how to fix.

The tests run in a scratch git repository: a copy of this project's files plus a tiny project `proj/` whose
program imports `marker.py` from the repository root. The base commit says `marker.TAG = "base"`, the work tree
(the head) says "head": a report showing `"base" → "head"` proves that the base ran the base's code.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sentimark_platform.cli import main
from tests.conftest import ROOT

# The README's examples, exactly as proposed for it (with `python` for the interpreter).
README_REPORT = "python -m stacks report --stack prod --base-ref origin/main --markdown comment.md"
README_COST_DIFF = "python -m stacks cost-diff --base-ref origin/main --stack prod"

PROGRAM = '''\
import pulumi
from pulumi_azure_native import keyvault, resources

import marker

group = resources.ResourceGroup("rg", resources.ResourceGroupArgs(
    resource_group_name="rg-t", location="westeurope", tags={{"marker": marker.TAG, "dbPassword": "{password}"}}))
keyvault.Vault(
    "kv",
    keyvault.VaultArgs(
        resource_group_name="rg-t",
        vault_name="kv-t",
        location="{location}",
        properties=keyvault.VaultPropertiesArgs(
            tenant_id="11111111-1111-1111-1111-111111111111",
            sku=keyvault.SkuArgs(family="A", name="standard"),
            network_acls=keyvault.NetworkRuleSetArgs(default_action="{action}"),
        ),
    ),
    opts=pulumi.ResourceOptions(protect=True, depends_on=[group]),
)
'''
PLANTED = "planted-9d2e"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@example.invalid",
         "-c", "commit.gpgsign=false", *args],
        check=True, capture_output=True, text=True,
    ).stdout


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("repo")
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard", "-z"],
                            check=True, capture_output=True, text=True).stdout
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_symlink():  # sentimark_platform/<subpackage> -> ../<folder>: kept a link
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            (repo / name).symlink_to((ROOT / name).readlink())
        elif (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    _write(repo / "marker.py", 'TAG = "base"\n')
    _write(repo / "proj" / "Pulumi.yaml", "name: t\nruntime: python\n")
    _write(repo / "proj" / "Pulumi.dev.yaml", "config: {}\n")
    _write(repo / "proj" / "Pulumi.bad.yaml", "config: {}\n")
    _write(repo / "proj" / "__main__.py", PROGRAM.format(password="old-" + PLANTED, location="westeurope", action="Allow"))
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    _git(repo, "tag", "base-good")
    _git(repo, "update-ref", "refs/remotes/origin/main", "base-good")
    _write(repo / "proj" / "__main__.py", 'raise RuntimeError("the base program is broken: planted failure")\n')
    _git(repo, "commit", "-q", "-am", "broken")
    _git(repo, "tag", "base-broken")
    # The head: uncommitted changes in the work tree.
    _write(repo / "marker.py", 'TAG = "head"\n')
    _write(repo / "proj" / "__main__.py", PROGRAM.format(password="new-" + PLANTED, location="northeurope", action="Deny"))
    _write(repo / "proj" / "Pulumi.qa.yaml", "config: {}\n")
    _write(repo / "proj" / "Pulumi.bad.yaml", "config: [not yaml\n")
    return repo


def stacks(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "stacks", *args], cwd=cwd, capture_output=True, text=True, check=False)


def worktrees(repo: Path) -> int:
    return _git(repo, "worktree", "list", "--porcelain").count("worktree ")


def test_report_compares_with_the_base_refs_own_code(repo: Path, tmp_path: Path) -> None:
    result = stacks(repo, "report", "--project-dir", "proj", "--stack", "dev", "--base-ref", "base-good",
                    "--markdown", str(tmp_path / "comment.md"))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "comment.md").read_text()
    commit = _git(repo, "rev-parse", "base-good").strip()
    assert f"### Changes against `base-good ({commit[:10]})`" in text
    assert '- `tags.marker: "base" → "head"`' in text  # the base ran marker.py as committed, not the head's
    assert '- `properties.networkAcls.defaultAction: "Allow" → "Deny"`' in text
    assert '`location: "westeurope" → "northeurope"` — **forces replacement**' in text
    assert "> [!CAUTION]" in text and "`kv (azure-native:keyvault:Vault)` (replace)" in text
    assert "`tags.dbPassword: [secret] → [secret]`" in text and PLANTED not in text
    assert len(text) < 65_536
    assert worktrees(repo) == 1


def test_a_base_that_fails_to_preview_still_gives_a_report_of_the_head(repo: Path, tmp_path: Path) -> None:
    result = stacks(repo, "report", "--project-dir", "proj", "--stack", "dev", "--base-ref", "base-broken",
                    "--markdown", str(tmp_path / "comment.md"))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "comment.md").read_text()
    assert "> [!WARNING]\n> The base could not be previewed offline" in text
    assert "RuntimeError: the base program is broken: planted failure" in text
    assert "### Policy results" in text and "To update" not in text
    assert "could not be previewed" in result.stderr
    assert worktrees(repo) == 1


def test_cost_diff_of_a_broken_base_fails_with_the_reason(repo: Path) -> None:
    result = stacks(repo, "cost-diff", "--project-dir", "proj", "--stack", "dev", "--base-ref", "base-broken")
    assert result.returncode == 1
    assert "could not be previewed, so there is no cost delta" in result.stderr and "planted failure" in result.stderr
    assert worktrees(repo) == 1


def run_main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The command line in-process (no interpreter start-up): exit status and standard error."""
    try:
        code = main(args)
    except SystemExit as exit_:  # argparse's usage errors
        code = int(exit_.code or 0)
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--stack", "dev", "--base-ref", "no-such-branch", "--markdown", "x.md"],
         "error: --base-ref no-such-branch: no such commit in"),
        (["report", "--stack", "qa", "--base-ref", "base-good", "--markdown", "x.md"],
         "has no stack 'qa' (stacks there: bad, dev): proj/Pulumi.qa.yaml does not exist at that commit; if this "
         "change adds it, there is nothing to compare against: run the command without --base-ref"),
        (["report", "--stack", "dev", "--base-ref", "base-good", "--base", "b.json", "--markdown", "x.md"],
         "argument --base: not allowed with argument --base-ref"),
        (["report", "--stack", "dev", "--base-ref=-oops", "--markdown", "x.md"],
         "--base-ref got '-oops'; pass a branch, tag or commit such as origin/main"),
        (["cost-diff", "--base-ref", "base-good"], "give --stack STACK and no plan files"),
        (["cost-diff", "b.json", "--base-ref", "base-good", "--stack", "dev"], "give --stack STACK and no plan files"),
        (["cost-diff", "b.json"], "cost-diff takes two plan files (BASE.json HEAD.json), or --base-ref REF --stack STACK"),
    ],
)
def test_request_mistakes_exit_2_with_what_and_how_to_fix(
    repo: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, errors = run_main([args[0], "--project-dir", str(repo / "proj"), *args[1:]], capsys)
    assert code == 2, errors
    assert message in errors and "Traceback" not in errors
    assert worktrees(repo) == 1


def test_a_project_outside_git_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path / "proj" / "Pulumi.yaml", "name: t\nruntime: python\n")
    _write(tmp_path / "proj" / "Pulumi.dev.yaml", "config: {}\n")
    code, errors = run_main(["report", "--project-dir", str(tmp_path / "proj"), "--stack", "dev", "--base-ref", "HEAD",
                             "--markdown", str(tmp_path / "x.md")], capsys)
    assert code == 2
    assert "is not inside a git repository" in errors and "pass --base FILE" in errors


def test_the_worktree_is_removed_when_the_head_fails(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, errors = run_main(["report", "--project-dir", str(repo / "proj"), "--stack", "bad", "--base-ref", "base-good",
                             "--markdown", str(tmp_path / "x.md")], capsys)
    assert code == 2 and "Pulumi.bad.yaml: not valid YAML" in errors
    assert worktrees(repo) == 1


@pytest.mark.parametrize("command", [README_REPORT, README_COST_DIFF])
def test_the_readme_commands_run_as_written(repo: Path, command: str) -> None:
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "stacks"]
    result = subprocess.run([sys.executable, *argv[1:]], cwd=repo, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    if "report" in argv:
        text = (repo / "comment.md").read_text()
        assert "### Changes against `origin/main (" in text and "No resource changes." in text
        assert len(text) < 65_536
    else:
        assert "### Monthly cost change — prod" in result.stdout
    assert worktrees(repo) == 1


def test_the_readme_shows_these_commands() -> None:
    """The README's examples are the commands tested above (with `.venv/bin/python` for `python`)."""
    lines = [line.split("#", 1)[0].strip().replace(".venv/bin/python ", "python ", 1)
             for line in (ROOT / "README.md").read_text().splitlines()]
    assert README_REPORT in lines and README_COST_DIFF in lines
