"""The command line: offline previews, validation and pull-request reports for any Pulumi Python project.

    sentimark preview --stack uat [--project-dir DIR] [--json FILE] [--markdown FILE] [--validate]
    sentimark validate --stack uat [--project-dir DIR]
    sentimark report --stack uat [--base-ref REF | --base BASE_PLAN.json] --markdown FILE
    sentimark cost-diff BASE.json HEAD.json
    sentimark cost-diff --base-ref REF --stack uat [--project-dir DIR]
    sentimark diagram --stack prod [--project-dir DIR] [--output FILE]

`sentimark` is the console script the wheel installs; in the platform's repository `python -m stacks` is the same
command with the same flags.

Exit status: 0 on success; 1 when validation finds a schema problem or a mandatory policy violation (or the
program itself fails, with its traceback: a bug to fix, not a setting to change); 2 on a configuration or
usage error (the messages, no traceback), including a component argument another team's program got wrong.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
from pathlib import Path
from typing import Any

import pulumi
from rich.console import Console

from sentimark_platform.cli._sections import (
    Section,
    cost_section,
    deployability_section,
    policy_section,
    schema_section,
)
from sentimark_platform.offline import Plan, ProjectError, load_plan, run_preview
from sentimark_platform.offline._baseref import BasePlan, base_preview
from sentimark_platform.offline.report import MARKDOWN_BUDGET, print_tree, to_markdown

__all__ = ["main", "run"]

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Offline previews of Pulumi stacks.")
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program offline and show what it would register")
    validate = commands.add_parser("validate", help="check the plan against upstream schemas and the policy pack")
    report = commands.add_parser("report", help="the pull-request comment: changes against a base plan, policies, cost")
    for command in (preview, validate, report):
        command.add_argument("--stack", required=True, help="stack name: dev, sit, uat or prod")
        command.add_argument("--project-dir", default=".", help="directory holding Pulumi.yaml (default: .)")
        command.add_argument(
            "--stack-outputs",
            action="append",
            default=[],
            metavar="NAME=PLAN.json",
            help="outputs of a stack this program references (its plan JSON); repeatable",
        )
        command.add_argument(
            "--kubernetes-version",
            help="Kubernetes version for core-object schemas (default: the plan's AKS version, else 1.33)",
        )
    preview.add_argument("--json", type=Path, help="write the plan JSON here")
    preview.add_argument("--markdown", type=Path, help="write a pull-request comment here")
    preview.add_argument("--validate", action="store_true", help="also validate the plan (as `validate` does)")
    base = report.add_mutually_exclusive_group()
    base.add_argument("--base-ref", metavar="REF",
                      help="git branch, tag or commit to compare with (e.g. origin/main): its plan is previewed offline "
                           "from a temporary worktree, with its own code")
    base.add_argument("--base", type=Path, help="plan JSON of the base branch (no change list without it or --base-ref)")
    report.add_argument("--markdown", type=Path, required=True, help="write the comment here")
    report.add_argument("--json", type=Path, help="also write the head plan JSON here")
    diagram = commands.add_parser("diagram", help="a Mermaid picture of the stack: components, main resources, regions")
    diagram.add_argument("--stack", required=True, help="stack name: dev, sit, uat or prod")
    diagram.add_argument("--project-dir", default=".", help="directory holding Pulumi.yaml (default: .)")
    diagram.add_argument("--stack-outputs", action="append", default=[], metavar="NAME=PLAN.json")
    diagram.add_argument("--output", type=Path, help="write the Mermaid text here instead of printing it")
    cost_diff = commands.add_parser("cost-diff", help="monthly cost delta between two plans (Markdown): two plan files, or --base-ref")
    cost_diff.add_argument("base", type=Path, nargs="?", help="plan JSON of the base (e.g. the target branch)")
    cost_diff.add_argument("head", type=Path, nargs="?", help="plan JSON of the change")
    cost_diff.add_argument("--base-ref", metavar="REF",
                           help="instead of the two files: preview --stack at this git ref (e.g. origin/main) and here")
    cost_diff.add_argument("--stack", help="stack name, with --base-ref")
    cost_diff.add_argument("--project-dir", default=".", help="directory holding Pulumi.yaml, with --base-ref (default: .)")
    return parser


def _stack_output_files(pairs: list[str]) -> dict[str, Path]:
    """`--stack-outputs NAME=PLAN.json` pairs as {stack reference name: plan file} (the base preview loads them)."""
    files = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise ProjectError(f"--stack-outputs got {pair!r}; write it as org/project/stack=path/to/plan.json")
        files[name] = Path(path)
    return files


def _stack_outputs(pairs: list[str]) -> dict[str, dict[str, Any]]:
    return {name: load_plan(path).outputs for name, path in _stack_output_files(pairs).items()}


def _preview(args: argparse.Namespace) -> Plan:
    return run_preview(args.project_dir, args.stack, stack_outputs=_stack_outputs(args.stack_outputs))


def _write(path: Path, text: str, what: str, console: Console) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    console.print(f"{what} written to {path}")


def _show(section: Section, console: Console) -> None:
    for line in section.lines:
        console.print(line, markup=False, soft_wrap=True)


def preview(args: argparse.Namespace, console: Console) -> int:
    plan = _preview(args)
    print_tree(plan, console)
    sections = [cost_section(plan), policy_section(plan)]
    if args.validate:
        sections.append(schema_section(plan, args.kubernetes_version))
        sections.append(deployability_section(plan, args.project_dir))
    for section in sections:
        _show(section, console)
    if args.json:
        _write(args.json, plan.dumps(), "plan", console)
    if args.markdown:
        _write(args.markdown, to_markdown(plan, extra_sections=[s.markdown for s in sections]), "pull-request comment", console)
    return EXIT_FAILED if args.validate and any(s.blocking for s in sections) else EXIT_OK


def validate(args: argparse.Namespace, console: Console) -> int:
    plan = _preview(args)
    sections = [schema_section(plan, args.kubernetes_version), policy_section(plan),
                deployability_section(plan, args.project_dir)]
    for section in sections:
        _show(section, console)
    return EXIT_FAILED if any(s.blocking for s in sections) else EXIT_OK


def _base_failure(base: BasePlan, heading: str) -> str:
    """The report's change section when the base program could not be previewed: why, from its own output."""
    reason = (base.failure or "no error output").replace("```", "'''")
    return (f"{heading}\n\n> [!WARNING]\n> The base could not be previewed offline, so this report lists no "
            "changes; the sections below describe this branch only. The base's error output began:\n\n"
            f"```text\n{reason}\n```\n")


def report(args: argparse.Namespace, console: Console) -> int:
    from sentimark_platform.offline.diff import diff_markdown, diff_plans

    heading = "### Changes against the base branch"
    base_failure = None
    if args.base_ref:
        with base_preview(args.project_dir, args.base_ref, args.stack,
                          stack_outputs=_stack_output_files(args.stack_outputs)) as pending:
            plan = _preview(args)  # the head runs while the base previews in its worktree
            fetched = pending.result()
        base, heading = fetched.plan, f"### Changes against `{fetched.label}`"
        if base is None:
            base_failure = _base_failure(fetched, heading)
            print(f"warning: the base {fetched.label} could not be previewed:\n{fetched.failure}", file=sys.stderr)
    else:
        plan = _preview(args)
        base = load_plan(args.base) if args.base else None
    # Budgets per part keep the whole comment under GitHub's 65,536-character limit.
    parts = [f"## `{plan.project}` stack `{plan.stack}` (previewed offline)"]
    if base is not None:
        parts.append(diff_markdown(diff_plans(base.to_json(), plan.to_json()), max_chars=25_000, heading=heading))
    elif base_failure is not None:
        parts.append(base_failure)
    parts.append(policy_section(plan, max_chars=12_000).markdown)
    parts.append(cost_section(plan, base).markdown)
    parts.append(schema_section(plan, args.kubernetes_version).markdown)
    # What would fail on `pulumi up` though the plan is valid: the reason a validate step went red, on the PR.
    parts.append(deployability_section(plan, args.project_dir).markdown)
    parts.append(_folded_diagram(plan))
    text = "\n\n".join(parts) + "\n"
    if len(text) > MARKDOWN_BUDGET:
        text = text[: MARKDOWN_BUDGET - 200] + "\n\n… (truncated to stay under GitHub's comment size limit)\n"
    _write(args.markdown, text, "report", console)
    if args.json:
        _write(args.json, plan.dumps(), "plan", console)
    return EXIT_OK


def cost_diff(args: argparse.Namespace, console: Console) -> int:
    """Two plan files, or `--base-ref REF --stack S`: both plans previewed offline (the base from its worktree)."""
    from sentimark_platform import costs

    if args.base_ref is None:
        if args.base is None or args.head is None or args.stack is not None:
            raise ProjectError("cost-diff takes two plan files (BASE.json HEAD.json), or --base-ref REF --stack STACK; "
                               f"got base={args.base}, head={args.head}, --stack={args.stack}")
        console.print(costs.cost_diff(load_plan(args.base), load_plan(args.head)), markup=False, soft_wrap=True)
        return EXIT_OK
    if args.base is not None or args.stack is None:
        files = [str(p) for p in (args.base, args.head) if p is not None]
        raise ProjectError(f"cost-diff --base-ref {args.base_ref} computes both plans: give --stack STACK and no plan "
                           f"files; got files {files or 'none'}, --stack={args.stack}")
    with base_preview(args.project_dir, args.base_ref, args.stack) as pending:
        head = run_preview(args.project_dir, args.stack)  # runs while the base previews in its worktree
        fetched = pending.result()
    if fetched.plan is None:
        print(f"error: the base {fetched.label} could not be previewed, so there is no cost delta:\n{fetched.failure}",
              file=sys.stderr)
        return EXIT_FAILED
    console.print(costs.cost_diff(fetched.plan, head), markup=False, soft_wrap=True)
    return EXIT_OK


def _folded_diagram(plan: Plan) -> str:
    from sentimark_platform.offline.diagram import to_mermaid

    return f"<details><summary>Architecture diagram</summary>\n\n```mermaid\n{to_mermaid(plan)}```\n\n</details>"


def diagram(args: argparse.Namespace, console: Console) -> int:
    from sentimark_platform.offline.diagram import to_mermaid

    text = to_mermaid(_preview(args))
    if args.output:
        _write(args.output, text, "diagram", console)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def main(argv: list[str] | None = None, *, prog: str = "sentimark") -> int:
    """Runs one command; returns the exit status (argparse exits 2 itself on a usage error)."""
    args = _parser(prog).parse_args(argv)
    console = Console(highlight=False)
    try:
        command = {"preview": preview, "validate": validate, "report": report, "diagram": diagram,
                   "cost-diff": cost_diff}[args.command]
        return command(args, console)
    except (pulumi.RunError, ProjectError) as error:
        # A user's mistake in settings or arguments: the message says what and how to fix it.
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG


def run(prog: str = "sentimark") -> int:
    """The console script: `main` with the cyclic collector off. A command runs for a few seconds and then exits,
    so the collector would only walk, again and again, the hundreds of thousands of objects a preview keeps alive
    (the first collection after a program run alone took about 0.2 s of a prod preview); reference counting still
    frees what dies. Freezing before exit spares the interpreter's final walk (about 0.85 s of a prod preview,
    measured by bench/bench_stacks.py)."""
    gc.disable()
    code = main(prog=prog)
    gc.freeze()
    return code
