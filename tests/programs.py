"""Write a tiny Pulumi project and preview it offline: how component tests run their programs."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sentimark_platform.offline import Plan, run_preview

__all__ = ["preview_program", "refusal", "with_changes"]


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


def refusal(run: Callable[[], object], component: str, *, at_most_registered: int | None = 1) -> Exception:
    """Run a preview that a component must refuse: the InvalidArgumentError, once checked that nothing of the
    component was registered (and at most `at_most_registered` resources in all: the test program's own)."""
    with pytest.raises(Exception) as excinfo:
        run()
    assert type(excinfo.value).__name__ == "InvalidArgumentError"
    registered = excinfo.value.offline_registered  # type: ignore[attr-defined]
    assert [u for u in registered if component in u] == []
    if at_most_registered is not None:
        assert len(registered) <= at_most_registered
    return excinfo.value
