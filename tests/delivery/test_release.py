"""Releases that exist (issue 18): one version, in pyproject.toml; a tag v<version> of a commit on main makes
.github/workflows/release.yml build the wheel and the sdist and publish them as a GitHub release whose notes are
the CHANGELOG's section; the CHANGELOG, pyproject.toml and every install line name the same version; the examples
install the platform from this checkout, never from an index where a package of the same name could win."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.delivery.test_workflows import WORKFLOWS, _actionlint, index_of, load

RELEASE = WORKFLOWS / "release.yml"
CHECK_STEP = "The tag is v + pyproject.toml's version, and CHANGELOG.md has that version's section"
MAIN_STEP = "The tagged commit is on main"
BUILD_STEP = "Build the wheel and the sdist"
PUBLISH_STEP = "Create the release with the wheel, the sdist and SHA256SUMS"
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/requirements.txt"))
# Every file that tells someone which version to install.
INSTALL_TEXTS = sorted(
    [ROOT / "README.md", ROOT / "PulumiPlugin.yaml", ROOT / "provider" / "__init__.py",
     ROOT / "tests" / "consumer" / "program" / "requirements.txt",
     *(ROOT / "docs").rglob("*.md"), *(ROOT / "examples").rglob("*.md"), *(ROOT / "examples").glob("*/requirements.txt")]
)
# The forms a version takes in an install line: a git tag, a release asset's URL and file name, a pin.
_VERSIONED = [
    re.compile(r"sentimark-platform@v(?P<v>[0-9][\w.+-]*?)(?=[\s\"'`)#]|$)", re.M),
    re.compile(r"/releases/download/v(?P<v>[^/\s]+)/"),
    re.compile(r"sentimark_platform-(?P<v>[0-9][\w.+]*?)(?:-py3-none-any\.whl|\.tar\.gz)"),
    re.compile(r"sentimark-platform\s*==\s*(?P<v>[0-9][\w.+]*)"),
]
_RELEASED_HEADING = re.compile(r"^## \[(?P<v>[^\]]+)\] - (?P<date>\d{4}-\d{2}-\d{2})$", re.M)


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def _job(name: str) -> dict[str, Any]:
    return load(RELEASE)["jobs"][name]


def _step(job: str, name: str) -> dict[str, Any]:
    (found,) = [s for s in _job(job)["steps"] if s.get("name") == name]
    return found


def _bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # `python` is this interpreter, as setup-python's is on the runner.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env={"PATH": path, "HOME": str(cwd), **env},
                          capture_output=True, text=True, timeout=60, check=False)


# --- the workflow ---------------------------------------------------------------------------------------------


def test_actionlint_finds_no_problem_in_the_release_workflow() -> None:
    result = subprocess.run([_actionlint(), "-no-color", str(RELEASE)], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_runs_only_for_a_pushed_version_tag() -> None:
    # No branch push, no pull request, no manual run: a release is always a tag someone pushed.
    assert load(RELEASE)["on"] == {"push": {"tags": ["v*"]}}
    assert load(RELEASE)["concurrency"] == {"group": "release-${{ github.ref_name }}", "cancel-in-progress": False}


def test_only_the_publish_job_can_write_and_it_runs_no_project_code() -> None:
    assert load(RELEASE)["permissions"] == {}
    assert _job("build")["permissions"] == {"contents": "read"}
    assert _job("publish")["permissions"] == {"contents": "write"}
    assert _job("publish")["needs"] == "build"
    publish = _job("publish")["steps"]
    assert [str(s.get("uses", "")).split("@")[0] for s in publish if "uses" in s] == ["actions/download-artifact"]
    assert not any(re.search(r"\b(make|python|pip)\b", str(s.get("run", ""))) for s in publish)
    holders = [s.get("name") for job in load(RELEASE)["jobs"].values() for s in job["steps"] if "github.token" in repr(s)]
    assert holders == [PUBLISH_STEP]
    assert "secrets." not in RELEASE.read_text(encoding="utf-8")


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_tag_beside_it() -> None:
    uses = [line.strip() for line in RELEASE.read_text(encoding="utf-8").splitlines() if re.match(r"\s*(- )?uses:", line)]
    assert len(uses) == 4
    for line in uses:
        assert re.fullmatch(r"(- )?uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*", line), line


def test_the_build_checks_builds_and_tests_before_anything_is_uploaded() -> None:
    job = _job("build")
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}
    order = [
        index_of(job, lambda s: s.get("name") == CHECK_STEP),
        index_of(job, lambda s: s.get("name") == MAIN_STEP),
        index_of(job, lambda s: s.get("name") == BUILD_STEP),
        index_of(job, lambda s: s.get("run") == "make lint"),
        index_of(job, lambda s: s.get("run") == "make test"),
        index_of(job, lambda s: str(s.get("uses", "")).startswith("actions/upload-artifact@")),
    ]
    assert order == sorted(order), order
    assert not any(s.get("continue-on-error") or "if" in s for s in job["steps"])
    assert job["outputs"] == {"version": "${{ steps.version.outputs.version }}"}


def test_the_build_tools_are_pinned() -> None:
    run = _step("build", BUILD_STEP)["run"]
    assert re.search(r"pip install [^\n]*\bbuild==\d+\.\d+\.\d+ pyproject-hooks==\S+ packaging==\S+", run), run
    assert "python -m build --outdir release/dist ." in run
    backend = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    assert all(re.fullmatch(r"[\w-]+==[\w.]+", r) for r in backend), backend


# --- the tag check, run as the runner runs it ----------------------------------------------------------------

SAMPLE_CHANGELOG = """# Changelog

Release: ...

## [Unreleased]

### Added
- Not released yet.

## [0.2.0] - 2027-01-10

### Changed
- The second release.

## [0.1.0] - 2026-11-25

### Added
- The first release.

[Unreleased]: https://github.com/o/sentimark-platform/compare/v0.2.0...HEAD
[0.2.0]: https://github.com/o/sentimark-platform/releases/tag/v0.2.0
[0.1.0]: https://github.com/o/sentimark-platform/releases/tag/v0.1.0
"""


def _project(tmp_path: Path, project_version: str, changelog: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f'[project]\nname = "sentimark-platform"\nversion = "{project_version}"\n')
    (tmp_path / "CHANGELOG.md").write_text(changelog)
    return tmp_path


def _check(directory: Path, tag: str) -> tuple[subprocess.CompletedProcess[str], str, str]:
    output = directory / "github-output"
    output.touch()
    result = _bash(_step("build", CHECK_STEP)["run"], directory, TAG=tag, GITHUB_OUTPUT=str(output))
    notes = directory / "release" / "notes.md"
    return result, output.read_text(), notes.read_text() if notes.exists() else ""


def test_the_tag_of_this_checkouts_version_passes_with_its_changelog_section_as_notes(tmp_path: Path) -> None:
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copy(ROOT / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    result, output, notes = _check(tmp_path, f"v{version()}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert output == f"version={version()}\n"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    start = changelog.index(f"## [{version()}] - ")
    first_entry = changelog[start:].splitlines()[2]
    assert first_entry.strip() and first_entry in notes
    assert "## [" not in notes and "releases/tag/" not in notes  # no other section, no link definitions


def test_a_tag_that_is_not_the_pyproject_version_fails_and_says_both_and_the_fix(tmp_path: Path) -> None:
    result, output, notes = _check(_project(tmp_path, "0.2.0", SAMPLE_CHANGELOG), "v0.2.1")
    assert result.returncode == 1
    assert "tag v0.2.1 does not match pyproject.toml's version 0.2.0" in result.stdout
    assert 'tag v0.2.0 instead, or set version = "0.2.1" in pyproject.toml' in result.stdout
    assert output == "" and notes == ""


def test_the_notes_are_that_versions_section_only(tmp_path: Path) -> None:
    result, output, notes = _check(_project(tmp_path, "0.2.0", SAMPLE_CHANGELOG), "v0.2.0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert output == "version=0.2.0\n"
    assert notes.strip() == "### Changed\n- The second release."
    result, _, notes = _check(_project(tmp_path, "0.1.0", SAMPLE_CHANGELOG), "v0.1.0")
    assert result.returncode == 0 and notes.strip() == "### Added\n- The first release."


@pytest.mark.parametrize("changelog", [
    SAMPLE_CHANGELOG.replace("## [0.2.0] - 2027-01-10\n\n### Changed\n- The second release.\n\n", ""),  # no section
    SAMPLE_CHANGELOG.replace("## [0.2.0] - 2027-01-10", "## [0.2.0]"),  # not dated: not released
    SAMPLE_CHANGELOG.replace("### Changed\n- The second release.\n", ""),  # nothing in it
], ids=["missing", "undated", "empty"])
def test_a_version_without_a_dated_changelog_section_is_not_released(tmp_path: Path, changelog: str) -> None:
    result, output, _ = _check(_project(tmp_path, "0.2.0", changelog), "v0.2.0")
    assert result.returncode == 1
    assert 'CHANGELOG.md has no section "## [0.2.0] - <date>" with entries' in result.stdout
    assert output == ""


def test_the_tag_is_data_never_script(tmp_path: Path) -> None:
    result, _, _ = _check(_project(tmp_path, "0.2.0", SAMPLE_CHANGELOG), "v0.2.0$(touch injected)")
    assert result.returncode == 1
    assert not (tmp_path / "injected").exists()


def _git(cwd: Path, *args: str) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def test_only_a_commit_on_main_is_released(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "one")
    on_main = _git(tmp_path, "rev-parse", "HEAD")
    _git(tmp_path, "checkout", "-q", "-b", "side")
    _git(tmp_path, "commit", "-q", "--allow-empty", "-m", "unreviewed")
    off_main = _git(tmp_path, "rev-parse", "HEAD")
    # What actions/checkout with fetch-depth 0 leaves: the remote's branches as origin/<branch>.
    _git(tmp_path, "update-ref", "refs/remotes/origin/main", on_main)
    script = _step("build", MAIN_STEP)["run"]
    assert _bash(script, tmp_path, TAG="v0.2.0", GITHUB_SHA=on_main).returncode == 0
    refused = _bash(script, tmp_path, TAG="v0.2.0", GITHUB_SHA=off_main)
    assert refused.returncode == 1
    assert f"tag v0.2.0 points at {off_main}, which is not on main" in refused.stdout


# --- publishing, with a fake `gh` -------------------------------------------------------------------------------

FAKE_GH = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "$GH_ARGS"
"""


def _publish(tmp_path: Path, release_version: str) -> list[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    dist = tmp_path / "release" / "dist"
    dist.mkdir(parents=True)
    for name in (f"sentimark_platform-{release_version}-py3-none-any.whl", f"sentimark_platform-{release_version}.tar.gz",
                 "SHA256SUMS"):
        (dist / name).write_text("x")
    (tmp_path / "release" / "notes.md").write_text("notes")
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "GH_TOKEN": "unused", "GH_REPO": "o/sentimark-platform",
           "TAG": f"v{release_version}", "VERSION": release_version, "GH_ARGS": str(tmp_path / "args")}
    result = subprocess.run(["bash", "-e", "-c", _step("publish", PUBLISH_STEP)["run"]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return (tmp_path / "args").read_text().splitlines()


def test_the_release_carries_the_wheel_the_sdist_and_their_checksums_and_never_makes_a_tag(tmp_path: Path) -> None:
    args = _publish(tmp_path, "0.2.0")
    assert args[:3] == ["release", "create", "v0.2.0"]
    assert sorted(a for a in args if a.startswith("release/dist/")) == [
        "release/dist/SHA256SUMS", "release/dist/sentimark_platform-0.2.0-py3-none-any.whl",
        "release/dist/sentimark_platform-0.2.0.tar.gz"]
    assert "--verify-tag" in args  # gh would otherwise create a missing tag from the default branch
    assert args[args.index("--notes-file") + 1] == "release/notes.md"
    assert args[args.index("--title") + 1] == "sentimark-platform 0.2.0"
    assert "--prerelease" not in args


@pytest.mark.parametrize("pre", ["0.2.0rc1", "0.2.0b2", "0.2.0a1", "0.2.0.dev3"])
def test_a_pep_440_pre_release_is_a_github_pre_release(tmp_path: Path, pre: str) -> None:
    assert "--prerelease" in _publish(tmp_path, pre)


# --- one version everywhere -------------------------------------------------------------------------------------


def test_the_newest_released_changelog_section_is_the_pyproject_version_with_its_link() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = _RELEASED_HEADING.search(changelog)
    assert newest is not None, "CHANGELOG.md has no released section '## [<version>] - <YYYY-MM-DD>'"
    assert newest["v"] == version(), (
        f"CHANGELOG.md's newest release is {newest['v']}, pyproject.toml says {version()}: move Unreleased under "
        f"'## [{version()}] - <date>' or set the version")
    assert changelog.index("## [Unreleased]") < newest.start()
    assert re.search(rf"^\[{re.escape(version())}\]: \S+/releases/tag/v{re.escape(version())}$", changelog, re.M)


def test_every_install_line_names_the_pyproject_version() -> None:
    found: list[tuple[str, str]] = []
    for path in INSTALL_TEXTS:
        text = path.read_text(encoding="utf-8")
        for pattern in _VERSIONED:
            found += [(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}", m["v"])
                      for m in pattern.finditer(text)]
    wrong = [f"{where} names {v}" for where, v in found if v != version()]
    assert not wrong, f"pyproject.toml's version is {version()}; change these: {wrong}"
    assert len(found) >= 10, found  # the patterns still find the install lines


def test_the_documented_install_line_is_the_asset_the_release_builds() -> None:
    v = version()
    wheel = f"sentimark_platform-{v}-py3-none-any.whl"
    line = f'pip install "sentimark-platform @ https://github.com/<org>/sentimark-platform/releases/download/v{v}/{wheel}"'
    assert line in (ROOT / "docs" / "installation.md").read_text(encoding="utf-8")
    assert f"releases/download/v{v}/{wheel}" in (ROOT / "README.md").read_text(encoding="utf-8")
    # The file name the build step insists on making.
    assert '"sentimark_platform-$VERSION-py3-none-any.whl"' in _step("build", BUILD_STEP)["run"]


# --- the examples install from this checkout ---------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_example_installs_the_platform_from_this_checkout_and_asks_no_index_for_it(example: str) -> None:
    directory = ROOT / "examples" / example
    lines = [line.strip() for line in (directory / "requirements.txt").read_text(encoding="utf-8").splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    # pip resolves the path against the directory it runs in, which for Pulumi is the program's directory.
    assert "../.." in requirements
    project = tomllib.loads(((directory / "../..").resolve() / "pyproject.toml").read_text(encoding="utf-8"))
    assert (directory / "../..").resolve() == ROOT and project["project"]["name"] == "sentimark-platform"
    assert not any(re.match(r"sentimark[-_]platform\b", line) for line in requirements)  # never by name
    assert not any(line.startswith(("-i", "--index-url", "--extra-index-url", "--find-links", "-f")) for line in requirements)
    installing = (directory / "README.md").read_text(encoding="utf-8").split("## Installing", 1)[1].split("\n## ", 1)[0]
    assert f"cd examples/{example}" in installing and "`../..`" in installing


def test_no_install_advice_sets_an_extra_index() -> None:
    texts = [*INSTALL_TEXTS, *ROOT.glob("requirements*.txt"), ROOT / "examples" / "README.md"]
    offenders = [str(p.relative_to(ROOT)) for p in texts
                 if re.search(r"PIP_EXTRA_INDEX_URL=|--extra-index-url[ =]\S", p.read_text(encoding="utf-8"))]
    assert not offenders
