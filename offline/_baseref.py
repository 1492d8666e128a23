"""The base plan of a pull request, computed from a git ref: `report --base-ref origin/main`.

    with base_preview(project_dir, "origin/main", "prod") as pending:   # checks the ref, starts the base preview
        head = run_preview(project_dir, "prod")                         # the head runs meanwhile
        base = pending.result()                                         # BasePlan: .plan, or .failure
    # the temporary worktree is gone here, also after an error

The base runs its own code: `git worktree add --detach` checks the ref out into a temporary directory, and
`<this python> -m stacks preview --json` runs there as a separate process (cwd = the worktree, so `stacks`,
`components`, ... are imported from the base, not from the head). It runs with this interpreter and its installed
packages: a change to requirements.txt previews its base with the new packages. Mistakes in the request (a directory outside
git, an unknown ref, a stack the base does not have) raise BaseRefError, which the command line turns into
exit status 2. A base whose program fails is not the reviewer's mistake: `BasePlan.failure` carries the first
lines of its error output, and the report shows them instead of a change list.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sentimark_platform.offline._masking import mask
from sentimark_platform.offline.plan import SECRET, Plan, load_plan
from sentimark_platform.offline.project import ProjectError

__all__ = ["BASE_PREVIEW_TIMEOUT_S", "BasePlan", "BaseRefError", "PendingBase", "base_preview"]

BASE_PREVIEW_TIMEOUT_S = 900
"""A prod preview takes seconds; a base stuck for 15 minutes is reported as failed."""

_EXCERPT_LINES = 12
_EXCERPT_LINE_CHARS = 240


class BaseRefError(ProjectError):
    """`--base-ref` cannot be honoured; the message says what was asked, what was found and how to fix it."""


@dataclass(frozen=True)
class BasePlan:
    ref: str
    commit: str
    plan: Plan | None
    """The base plan, or None when the base program could not be previewed."""
    failure: str | None = None
    """Why the base could not be previewed: the first lines of its error output."""

    @property
    def label(self) -> str:
        """`origin/main (fd77421e4a)`."""
        return f"{self.ref} ({self.commit[:10]})"


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BaseRefError("--base-ref needs git, and no `git` is on PATH; install git or pass --base FILE") from None


def _excerpt(text: str) -> str:
    """The first lines of an error output; of a Python traceback, its end (the failing line and the error)."""
    lines = [line[:_EXCERPT_LINE_CHARS] for line in text.strip().splitlines()]
    marker = "Traceback (most recent call last):"
    if marker in lines:
        start = lines.index(marker)
        before, frames = lines[:start][: _EXCERPT_LINES // 2], lines[start + 1:]
        lines = [*before, marker, *(["…"] if len(frames) > 4 else []), *frames[-4:]]
    elif len(lines) > _EXCERPT_LINES:
        lines = [*lines[:_EXCERPT_LINES], "…"]
    # An error message may quote a connection string; the report is public to the repository's readers.
    return "\n".join(SECRET if mask(line) == SECRET else line for line in lines)


def _resolve(project_dir: Path, ref: str, stack: str) -> tuple[Path, PurePosixPath, str]:
    """(repository root, project directory relative to it, commit) after checking that the base has the stack."""
    if ref.startswith("-") or not ref.strip():
        raise BaseRefError(f"--base-ref got {ref!r}; pass a branch, tag or commit such as origin/main")
    if not project_dir.is_dir():
        raise BaseRefError(f"--project-dir {project_dir}: no such directory")
    top = _git(project_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise BaseRefError(
            f"--base-ref {ref}: {project_dir} is not inside a git repository ({top.stderr.strip() or 'git failed'}); "
            "run from a clone of the repository, or compute the base plan yourself and pass --base FILE"
        )
    root = Path(top.stdout.strip()).resolve()
    commit = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if commit.returncode != 0:
        raise BaseRefError(
            f"--base-ref {ref}: no such commit in {root}; fetch it first (`git fetch origin main`; in GitHub Actions "
            "check out with `fetch-depth: 0`), or name an existing branch, tag or commit"
        )
    sha = commit.stdout.strip()
    relative = PurePosixPath(project_dir.resolve().relative_to(root).as_posix())
    for needed in ("Pulumi.yaml", f"Pulumi.{stack}.yaml"):
        if _git(root, "cat-file", "-e", f"{sha}:{relative / needed}").returncode != 0:
            listing = _git(root, "ls-tree", "--name-only", sha, *([f"{relative}/"] if str(relative) != "." else [])).stdout
            names = [PurePosixPath(n).name for n in listing.split()]
            stacks = sorted(n[len("Pulumi."):-len(".yaml")] for n in names if n.startswith("Pulumi.") and n.endswith(".yaml") and n != "Pulumi.yaml")
            if needed == "Pulumi.yaml":
                found = "has no Pulumi project there"
            else:
                found = f"has no stack {stack!r} (stacks there: {', '.join(stacks) or 'none'})"
            raise BaseRefError(
                f"--base-ref {ref}: the base ({sha[:10]}) {found}: {relative / needed} does not exist at that commit; "
                "if this change adds it, there is nothing to compare against: run the command without --base-ref"
            )
    return root, relative, sha


class PendingBase:
    """The base preview running in its worktree; `result()` waits for it."""

    def __init__(self, process: subprocess.Popen[bytes], ref: str, commit: str, plan_file: Path, error_file: Path,
                 timeout_s: float) -> None:
        self._process, self._ref, self._commit = process, ref, commit
        self._plan_file, self._error_file, self._timeout_s = plan_file, error_file, timeout_s

    def result(self) -> BasePlan:
        try:
            code = self._process.wait(timeout=self._timeout_s)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            return BasePlan(self._ref, self._commit, None, f"the base preview did not finish within {self._timeout_s:.0f} s")
        errors = self._error_file.read_text(encoding="utf-8", errors="replace") if self._error_file.exists() else ""
        if code != 0:
            return BasePlan(self._ref, self._commit, None, _excerpt(errors) or f"exit status {code}, no error output")
        if not self._plan_file.exists():
            return BasePlan(self._ref, self._commit, None,
                            "the base's `python -m stacks preview --json` wrote no plan (an older command line?)")
        try:
            return BasePlan(self._ref, self._commit, load_plan(self._plan_file))
        except (OSError, ValueError, KeyError) as error:
            return BasePlan(self._ref, self._commit, None, f"the base plan could not be read: {error}")


@contextmanager
def base_preview(
    project_dir: str | Path,
    ref: str,
    stack: str,
    *,
    stack_outputs: Mapping[str, Path] | None = None,
    python: str = sys.executable,
    timeout_s: float = BASE_PREVIEW_TIMEOUT_S,
) -> Iterator[PendingBase]:
    """Check `ref` and start the offline preview of `stack` as the commit `ref` has it, in a temporary git
    worktree of the repository that holds `project_dir`; the worktree is removed on leaving the block."""
    root, relative, sha = _resolve(Path(project_dir), ref, stack)
    scratch = Path(tempfile.mkdtemp(prefix="stacks-base-"))
    tree = scratch / "tree"
    process: subprocess.Popen[bytes] | None = None
    try:
        added = _git(root, "worktree", "add", "--detach", "--quiet", str(tree), sha)
        if added.returncode != 0:
            raise BaseRefError(f"--base-ref {ref}: `git worktree add` failed: {added.stderr.strip()}")
        command = [python, "-m", "stacks", "preview", "--project-dir", str(relative), "--stack", stack,
                   "--json", str(scratch / "base.json")]
        for name, path in (stack_outputs or {}).items():
            command += ["--stack-outputs", f"{name}={Path(path).resolve()}"]
        with open(scratch / "stderr.txt", "wb") as errors:
            # cwd = the worktree: `-m stacks` imports the base's packages (sys.path[0] is the working directory).
            process = subprocess.Popen(command, cwd=tree, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=errors, env=dict(os.environ))
        yield PendingBase(process, ref, sha, scratch / "base.json", scratch / "stderr.txt", timeout_s)
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        if _git(root, "worktree", "remove", "--force", str(tree)).returncode != 0:
            shutil.rmtree(tree, ignore_errors=True)
            _git(root, "worktree", "prune")
        shutil.rmtree(scratch, ignore_errors=True)
