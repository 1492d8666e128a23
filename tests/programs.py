"""Write a tiny Pulumi project and preview it offline: how component tests run their programs."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from offline import Plan, run_preview

__all__ = ["preview_program", "with_changes"]


def preview_program(directory: Path, program: str, *, stack_config: str = "config: {}\n") -> Plan:
    """Preview `program` (the text of a `__main__.py`) as stack `dev` of a project named `t` in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text("name: t\nruntime: python\n")
    (directory / "Pulumi.dev.yaml").write_text(stack_config)
    (directory / "__main__.py").write_text(program)
    return run_preview(directory, "dev")


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of component arguments with keys replaced, or removed where the new value is None."""
    args = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return args
