"""Reusable Azure platform components. They know nothing of environments: every value is an argument."""

from components._aliases import is_versioned_type_alias, register_versioned_alias_pruning
from components._tags import FINOPS_TAG_NAMES, finops_tags, merge_tags
from components.action_group import ActionGroup, ActionGroupArgs
from components.errors import InvalidArgumentError
from components.monitoring import PLATFORM_EVENT_TABLES, Monitoring, MonitoringArgs

__all__ = [
    "FINOPS_TAG_NAMES",
    "ActionGroup",
    "ActionGroupArgs",
    "PLATFORM_EVENT_TABLES",
    "InvalidArgumentError",
    "Monitoring",
    "MonitoringArgs",
    "finops_tags",
    "is_versioned_type_alias",
    "merge_tags",
    "register_versioned_alias_pruning",
]
