"""`python -m stacks`: the offline preview from the command line.

    python -m stacks preview --stack uat [--project-dir DIR] [--json FILE] [--markdown FILE] [--validate]
    python -m stacks validate --stack uat [--project-dir DIR]

Exit status: 0 on success; 1 when schema validation finds a problem (or the program itself fails, with its
traceback: a bug to fix, not a setting to change); 2 on a configuration or usage error (the messages, no
traceback).
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
    validate = commands.add_parser("validate", help="check every resource of the plan against its upstream schema")
    for command in (preview, validate):
        if command is validate:
            command.add_argument("--stack", required=True, help="stack name: dev, sit, uat or prod")
            command.add_argument("--project-dir", default=".", help="directory holding Pulumi.yaml (default: .)")
            command.add_argument("--stack-outputs", action="append", default=[], metavar="NAME=PLAN.json")
        command.add_argument(
            "--kubernetes-version",
            help="Kubernetes version for core-object schemas (default: the plan's AKS version, else 1.33)",
        )
    preview.add_argument("--validate", action="store_true", help="also validate the plan (as `validate` does)")
    return parser


def _kubernetes_version(plan: Plan, requested: str | None) -> str:
    if requested:
        return requested
    versions = sorted(
        str(r.inputs["kubernetesVersion"])
        for r in plan.of_type("azure-native:containerservice:ManagedCluster")
        if isinstance(r.inputs.get("kubernetesVersion"), str)
    )
    return ".".join(versions[0].split(".")[:2]) if versions else "1.33"


def validate(plan: Plan, requested_version: str | None, console: Console) -> bool:
    """Print one line per problem and a summary; True when there is no problem."""
    from schemacheck import validate_plan  # imported here: it loads the rule file only when asked

    report = validate_plan(plan.to_json(), kubernetes_version=_kubernetes_version(plan, requested_version))
    console.print("Schema validation:")
    for line in report.format_lines():
        console.print(f"  {line}", markup=False, soft_wrap=True)
    return not report.problems


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
    if args.validate:
        args.valid = validate(plan, args.kubernetes_version, console)
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
            if not getattr(args, "valid", True):
                return EXIT_FAILED
        elif args.command == "validate":
            plan = run_preview(args.project_dir, args.stack, stack_outputs=_stack_outputs(args.stack_outputs))
            if not validate(plan, args.kubernetes_version, console):
                return EXIT_FAILED
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
