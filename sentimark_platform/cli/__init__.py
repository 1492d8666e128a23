"""The `sentimark` command line (`python -m stacks` in the platform's repository): preview, validate, report,
cost-diff and diagram over any Pulumi Python project, offline. It knows nothing of the platform's stacks: it
runs the project's own program on the recording mock engine."""

from sentimark_platform.cli._commands import main, run

__all__ = ["main", "run"]
