"""The platform, composed: settings in, components wired, outputs out. Read it top to bottom.

Environment differences arrive in `settings`; nothing here branches on the environment's name.
"""

from __future__ import annotations

from typing import Any

from pulumi_azure_native import resources

from components import ActionGroup, Monitoring, finops_tags, register_versioned_alias_pruning
from stacks.config import StackSecrets
from stacks.settings import PlatformSettings

__all__ = ["build_platform"]

SERVICE = "sentimark-platform"

# Short region codes for resource names (Cloud Adoption Framework style).
REGION_CODES = {
    "westeurope": "weu",
    "northeurope": "neu",
    "swedencentral": "sdc",
    "germanywestcentral": "gwc",
    "francecentral": "frc",
    "uksouth": "uks",
    "eastus": "eus",
    "eastus2": "eus2",
    "westus3": "wus3",
}


def build_platform(settings: PlatformSettings, secrets: StackSecrets) -> dict[str, Any]:
    """Register the stack's resources; return its outputs."""
    if settings.drop_versioned_aliases:
        register_versioned_alias_pruning()
    env = settings.environment
    tags = finops_tags(
        environment=env,
        owner=settings.owner,
        cost_center=settings.cost_center,
        service=SERVICE,
        extra=settings.tags,
    )

    groups = {}
    for region in settings.regions:
        code = REGION_CODES[region.location]
        groups[region.location] = resources.ResourceGroup(
            f"rg-{code}",
            resources.ResourceGroupArgs(
                resource_group_name=f"rg-sentimark-{env}-{code}",
                location=region.location,
                tags=tags,
            ),
        )
    primary = groups[settings.regions[0].location]

    monitoring = Monitoring(
        "monitoring",
        {
            "resource_group_name": primary.name,
            "location": settings.regions[0].location,
            "retention_days": settings.monitoring.log_retention_days,
            "workspace_name": f"log-sentimark-{env}-{REGION_CODES[settings.regions[0].location]}",
            "application_insights_name": f"appi-sentimark-{env}-{REGION_CODES[settings.regions[0].location]}",
            "lock": {"kind": "CanNotDelete"} if settings.protection.lock_stateful else None,
            "tags": tags,
        },
    )

    alerts = ActionGroup(
        "alerts",
        {
            "resource_group_name": primary.name,
            "short_name": f"smk-{env}",
            "emails": settings.alerts.emails,
            "webhook_url": secrets.alert_webhook_url,
            "tags": tags,
        },
    )

    return {
        "environment": env,
        "regions": [r.location for r in settings.regions],
        "resourceGroups": {location: g.name for location, g in groups.items()},
        "actionGroupId": alerts.resource_id,
        "logAnalyticsWorkspaceId": monitoring.workspace_id,
    }
