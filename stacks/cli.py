"""`python -m stacks`: the offline preview from the command line.

    python -m stacks preview --stack uat [--project-dir DIR] [--json FILE] [--markdown FILE]

Exit status: 0 on success, 2 on a configuration or usage error (the messages, no traceback), 1 when the
program itself fails (with its traceback: that is a bug to fix, not a setting to change).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pulumi
from rich.console import Console

from offline import Plan, ProjectError, load_plan, run_preview
from offline.report import print_tree, to_markdown

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stacks", description="Offline previews of Pulumi stacks.")
    commands = parser.add_subparsers(dest="command", required=True)
    preview = commands.add_parser("preview", help="run the program offline and show what it would register")
    preview.add_argument("--stack", required=True, help="stack name: dev, sit, uat or prod")
    preview.add_argument("--project-dir", default=".", help="directory holding Pulumi.yaml (default: .)")
    preview.add_argument("--json", type=Path, help="write the plan JSON here")
    preview.add_argument("--markdown", type=Path, help="write a pull-request comment here")
    preview.add_argument(
        "--stack-outputs",
        action="append",
        default=[],
        metavar="NAME=PLAN.json",
        help="outputs of a stack this program references (its plan JSON); repeatable",
    )
    return parser


def _stack_outputs(pairs: list[str]) -> dict[str, dict[str, Any]]:
    outputs = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise ProjectError(f"--stack-outputs got {pair!r}; write it as org/project/stack=path/to/plan.json")
        outputs[name] = load_plan(path).outputs
    return outputs


def preview(args: argparse.Namespace, console: Console) -> Plan:
    plan = run_preview(args.project_dir, args.stack, stack_outputs=_stack_outputs(args.stack_outputs))
    print_tree(plan, console)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(plan.dumps(), encoding="utf-8")
        console.print(f"plan written to {args.json}")
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(to_markdown(plan), encoding="utf-8")
        console.print(f"pull-request comment written to {args.markdown}")
    return plan


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(highlight=False)
    try:
        if args.command == "preview":
            preview(args, console)
    except (pulumi.RunError, ProjectError) as error:
        # A user's mistake in settings or arguments: the message says what and how to fix it.
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    except (OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_CONFIG
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
