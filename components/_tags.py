"""Tags: the FinOps set on every taggable resource, shared tags first and specific ones winning."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["FINOPS_TAG_NAMES", "finops_tags", "merge_tags"]

FINOPS_TAG_NAMES = ("environment", "owner", "cost-center", "service", "managed-by")
"""Tags that cost reports group by; every taggable resource carries all of them."""


def finops_tags(
    *,
    environment: str,
    owner: str,
    cost_center: str,
    service: str,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The FinOps tags, on top of `extra` (the FinOps values win over a same-named extra tag)."""
    return merge_tags(
        extra or {},
        {
            "environment": environment,
            "owner": owner,
            "cost-center": cost_center,
            "service": service,
            "managed-by": "pulumi",
        },
    )


def merge_tags(shared: Mapping[str, str], specific: Mapping[str, str] | None) -> dict[str, str]:
    """`{**shared, **specific}`: a component's own tags win over the stack's shared ones."""
    return {**shared, **(specific or {})}
