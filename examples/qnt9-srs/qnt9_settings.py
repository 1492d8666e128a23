"""QNT9-SRS stack settings: one typed model, validated once, every problem reported at once.

Each key of `Pulumi.<stack>.yaml` under `qnt9-srs:` is a field below (camelCase in the file). A problem is
reported as `Pulumi.dev.yaml: qnt9-srs:aks.maxNodes: got 9; allowed: ...`, as a `pulumi.RunError`, so that
`pulumi up` prints it without a traceback and registers nothing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from sentimark_platform.stackconfig import SettingsModel, load_settings_model

__all__ = ["Qnt9Settings", "load_settings"]

NAMESPACE = "qnt9-srs"


def _cidr(value: str) -> str:
    ipaddress.IPv4Network(value, strict=True)  # ValueError -> pydantic reports it at the key's path
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
VmSize = Annotated[str, Field(pattern=r"^Standard_[A-Za-z0-9_]+$")]


class _Model(SettingsModel):
    """camelCase keys, frozen, unknown keys refused (stackconfig.SettingsModel)."""


class AdminsSettings(_Model):
    object_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    display_name: str = Field(min_length=1, max_length=120)


class EtcdEncryptionSettings(_Model):
    """KMS etcd encryption: Kubernetes secrets in etcd encrypted with a rotating RSA key of the stack's vault, which
    the API server reaches privately (learn.microsoft.com/azure/aks/use-kms-etcd-encryption)."""

    rotate_after_days: int = Field(ge=7, le=730)
    """Key Vault makes a new version of the key this many days after the last (its rotation policy). AKS keeps the
    version it was given until `pulumi up --refresh` hands it the new one (README.md, "KMS etcd encryption")."""
    expires_after_days: int = Field(ge=28, le=3650)
    """Each version expires this many days after its creation. AKS still reads the version before the current one,
    so at least twice rotateAfterDays; an expired key stops the API server from reading secrets."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.expires_after_days < 2 * self.rotate_after_days:
            yield ("expiresAfterDays", self.expires_after_days,
                   f"at least twice rotateAfterDays ({2 * self.rotate_after_days}): AKS still reads the version before "
                   "the current one, which must not expire before the next rotation")


class AksSettings(_Model):
    tier: Literal["Free", "Standard"]
    kubernetes_version: str = Field(pattern=r"^1\.\d{2}$")
    private_cluster: bool
    node_vm_size: VmSize
    """One size for both pools (seed 003: Standard_B2s in dev; D2s-class where production-like)."""
    system_nodes: int = Field(ge=1, le=3)
    min_nodes: int = Field(ge=1, le=5)
    """The autoscaled user pool, 1 to 5 nodes (seed 003)."""
    max_nodes: int = Field(ge=1, le=5)
    zones: list[Literal["1", "2", "3"]] = Field(default_factory=list)
    defender: bool
    """Microsoft Defender for Containers (billed per vCore by the subscription's Defender plan)."""
    etcd_encryption: EtcdEncryptionSettings | None
    """KMS etcd encryption with a key of the stack's vault, or null for none (secrets in etcd then rest under Azure's
    platform keys only). Needs dataPlane private: the vault must refuse public traffic, and AKS reaches it through
    API Server VNet Integration (the subnet snet-apiserver)."""

    @model_validator(mode="after")
    def _min_below_max(self) -> AksSettings:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"minNodes ({self.min_nodes}) must not exceed maxNodes ({self.max_nodes})")
        return self


class PostgresSettings(_Model):
    tier: Literal["Burstable", "GeneralPurpose"]
    sku_name: VmSize
    storage_gb: Literal[32, 64, 128, 256, 512]
    high_availability: bool
    backup_retention_days: int = Field(ge=7, le=35)
    geo_redundant_backup: bool
    password_auth: bool = True
    """Password sign-in beside Entra ID (an administrator password in the vault); false: Entra ID only, as the
    platform's baseline asks in production (policy pg-password-auth-disabled)."""

    @model_validator(mode="after")
    def _ha_needs_general_purpose(self) -> PostgresSettings:
        if self.high_availability and self.tier == "Burstable":
            raise ValueError("highAvailability needs tier GeneralPurpose (Burstable has no standby)")
        return self


class ProtectionSettings(_Model):
    lock_stateful: bool
    """CanNotDelete locks on the database, the vault and the log workspace."""
    protect_stateful: bool
    """Pulumi `protect` on them: `pulumi destroy` and replacements refuse to delete them."""
    secrets_expire_on: dt.date
    """Expiry of the database administrator password in the vault; a later date rotates it."""


class Qnt9Settings(_Model):
    environment: Literal["dev", "staging", "prd"]
    platform_environment: Literal["dev", "sit", "uat", "prod"]
    """The platform's environment class this stack is judged as: the platform's policy pack reads it from the
    exported `environment` and enforces its baseline (mandatory in uat and prod, advisory in dev and sit)."""
    owner: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    cost_center: str = Field(pattern=r"^CC-\d{4,6}$")
    location: Literal["westeurope", "northeurope", "swedencentral", "germanywestcentral", "francecentral", "uksouth"]
    address_space: Cidr
    authorized_ip_ranges: list[Cidr] = Field(max_length=200)
    data_plane: Literal["public", "private"]
    admins: AdminsSettings
    aks: AksSettings
    postgres: PostgresSettings
    registry_sku: Literal["Basic", "Standard", "Premium"]
    log_retention_days: int = Field(ge=30, le=730)
    protection: ProtectionSettings

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.aks.etcd_encryption is not None and self.data_plane != "private":
            # Azure's KMS plugin is refused by a vault firewall limited to IP ranges, the only public vault this
            # program makes (learn.microsoft.com/azure/aks/use-kms-etcd-encryption, "Limitations").
            yield ("aks.etcdEncryption", self.aks.etcd_encryption.model_dump(by_alias=True),
                   f"null while dataPlane is {self.data_plane}, or dataPlane private: AKS reaches the key only in a "
                   "private vault (its KMS plugin is refused by a vault firewall limited to IP ranges)")

    @model_validator(mode="after")
    def _reachable_but_not_open(self) -> Qnt9Settings:
        prefix = ipaddress.IPv4Network(self.address_space).prefixlen
        if not 16 <= prefix <= 22:
            raise ValueError(f"addressSpace {self.address_space} must be a /16 to /22 block")
        if (self.data_plane == "public" or not self.aks.private_cluster) and not self.authorized_ip_ranges:
            raise ValueError("authorizedIpRanges must list at least one range while the API server or the data plane is "
                             "public (an empty list would open them to the internet)")
        if self.data_plane == "private" and self.registry_sku != "Premium":
            raise ValueError("registrySku must be Premium when dataPlane is private (only Premium takes a private endpoint)")
        return self


def load_settings() -> Qnt9Settings:
    """The current stack's settings, validated once; raises stackconfig.SettingsError (a pulumi.RunError)
    listing every problem with the stack file, key path, value and what is allowed."""
    settings, _ = load_settings_model(Qnt9Settings, namespace=NAMESPACE, stack_field="environment")
    return settings
