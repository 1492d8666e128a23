"""The offline preview engine: runs a Pulumi Python project in-process on a recording mock engine."""

from offline.engine import SecretLeakError, run_preview
from offline.mocks import UnknownInvokeError
from offline.plan import SECRET, UNKNOWN, Plan, PlannedResource, load_plan
from offline.project import ProjectError

__all__ = [
    "SECRET",
    "UNKNOWN",
    "Plan",
    "PlannedResource",
    "ProjectError",
    "SecretLeakError",
    "UnknownInvokeError",
    "load_plan",
    "run_preview",
]
