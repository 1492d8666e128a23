"""What every part of the composition shares: the validated settings, the stack's tags, lock and naming, and the
foundation every area builds on (each region's resource group and network). Built once, by `build_foundation`,
then handed to the `build_<area>` functions of stacks/platform.py, which return what later areas need.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import resources

from sentimark_platform.components import (
    ActionGroup,
    DiagnosticSettingsArgs,
    InvalidArgumentError,
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

__all__ = ["SERVICE", "WORKLOAD", "Observability", "PlatformContext", "from_settings", "same_names"]

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


def _camel(path: str) -> str:
    """A component argument path in the settings' spelling: `system_pool.vm_size` as `systemPool.vmSize`, a map key
    `['api']` as `.api` (the settings' maps are keyed by name)."""
    path = re.sub(r"\['([^']*)'\]", r".\1", path)
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), path)


def same_names(section: str, *arguments: str) -> dict[str, str]:
    """Sources for arguments named as their settings are, under `section` (`tier` is `aks.tier`)."""
    return {argument: f"{section}.{_camel(argument)}" for argument in arguments}


def _stack_key(keys: Mapping[str, str], sections: Mapping[str, str], argument: str) -> str | None:
    matches = [p for p in (*keys, *sections) if argument == p or argument.startswith((f"{p}.", f"{p}["))]
    if not matches:
        return None
    prefix = max(matches, key=len)
    key = keys[prefix] if prefix in keys else sections[prefix] + _camel(argument[len(prefix):])
    return f"{pulumi.get_project()}:{key} in Pulumi.{pulumi.get_stack()}.yaml"


@contextmanager
def from_settings(keys: Mapping[str, str] | None = None, *, sections: Mapping[str, str] | None = None) -> Iterator[None]:
    """Around a component built from settings: its InvalidArgumentError names, after each fix, the stack-file key
    the argument came from, so that someone who only edits stack files knows what to change (issue 18).

    `keys` maps a component argument (and whatever lies beneath it) to the one setting it is built from
    (`{"address_space": "regions[0].addressSpace"}`); `sections` maps the start of an argument path to a settings
    section of the same shape, the rest following in the settings' spelling (`{"system_pool": "aks.systemPool"}`
    names `system_pool.vm_size` as `aks.systemPool.vmSize`). The longest match wins; an argument the composition
    derives is named as the component's alone."""
    try:
        yield
    except InvalidArgumentError as error:
        raise error.with_sources(lambda argument: _stack_key(keys or {}, sections or {}, argument)) from None
