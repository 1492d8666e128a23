"""What every part of the composition shares: the validated settings, the stack's tags, lock and naming, and the
foundation every area builds on (each region's resource group and network). Built once, by `build_foundation`,
then handed to the `build_<area>` functions of stacks/platform.py, which return what later areas need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulumi_azure_native import resources

from sentimark_platform.components import (
    ActionGroup,
    DiagnosticSettingsArgs,
    LockArgs,
    Monitoring,
    Network,
    PrivateEndpointArgs,
    region_code,
    resource_name,
    stable_suffix,
)
from stacks.config import StackSecrets
from stacks.settings import PlatformSettings, RegionSettings

__all__ = ["SERVICE", "WORKLOAD", "Observability", "PlatformContext"]

SERVICE = "sentimark-platform"
WORKLOAD = "smk"


@dataclass(frozen=True)
class PlatformContext:
    """The settings and what every area of the platform builds on."""

    settings: PlatformSettings
    secrets: StackSecrets
    tags: dict[str, str]
    """FinOps tags (and the settings' extra tags) for every taggable resource."""
    lock: LockArgs | None
    """CanNotDelete on stateful resources where the settings ask for it."""
    client: Any
    """The deploying identity's client configuration (tenant, subscription), an Output."""
    groups: dict[str, resources.ResourceGroup]
    """Resource group per region code."""
    networks: dict[str, Network]
    """Virtual network per region code."""
    aks_zones: dict[str, str]
    """Private DNS zone of each private cluster's API server, per region code (none for public clusters)."""

    @property
    def env(self) -> str:
        return self.settings.environment

    @property
    def private(self) -> bool:
        """Data services are reached through private endpoints only."""
        return self.settings.network.data_plane_access == "private"

    @property
    def primary(self) -> RegionSettings:
        """The first region: the shared services (monitoring, vault, registry, data services) live here."""
        return self.settings.regions[0]

    @property
    def code(self) -> str:
        """The primary region's code (weu, neu, ...)."""
        return region_code(self.primary.location)

    @property
    def rg(self) -> resources.ResourceGroup:
        return self.groups[self.code]

    @property
    def net(self) -> Network:
        return self.networks[self.code]

    @property
    def postgres_dns_zone(self) -> str:
        return f"{WORKLOAD}-{self.env}.private.postgres.database.azure.com"

    def name(self, kind: str, code: str, *, unique: bool = False) -> str:
        """The naming convention's name of a `kind` of resource in region `code` (globally unique ones seeded)."""
        suffix = stable_suffix(self.settings.unique_name_seed, self.env) if unique else None
        return resource_name(kind, workload=WORKLOAD, environment=self.env, region=code, suffix=suffix)

    def endpoint(self, zone: str) -> dict[str, PrivateEndpointArgs] | None:
        """A private endpoint in the primary region's endpoint subnet, registered in `zone`; None when the data
        plane is public."""
        if not self.private:
            return None
        return {self.code: {"subnet_id": self.net.subnet_ids["snet-pe"],
                            "private_dns_zone_ids": [self.net.private_dns_zone_ids[zone]]}}


@dataclass(frozen=True)
class Observability:
    """Where alerts go and where logs and metrics land: what every later area sends its diagnostics to."""

    alerts: ActionGroup
    """The stack's action group."""
    monitoring: Monitoring
    diagnostics: DiagnosticSettingsArgs
    """Diagnostic settings to the stack's Log Analytics workspace."""
