"""The offline preview engine: runs a Pulumi Python project in-process on a recording mock engine."""

from sentimark_platform.offline.engine import SecretLeakError, run_preview
from sentimark_platform.offline.mocks import UnknownInvokeError
from sentimark_platform.offline.plan import SECRET, UNKNOWN, Plan, PlannedResource, load_plan
from sentimark_platform.offline.project import ProjectError

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
