"""supply-chain-finance stack settings: one typed model, validated once, every problem reported at once.

Each key of `Pulumi.<stack>.yaml` under `supply-chain-finance:` is a field below (camelCase in the file). A
problem is reported as `Pulumi.prod.yaml: supply-chain-finance:namespaces.invoicing.cpuQuota: got ...;
allowed: ...`, as a `pulumi.RunError`: `pulumi up` prints it without a traceback and registers nothing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from sentimark_platform.stackconfig import SettingsModel, load_settings_model

__all__ = ["ScfSettings", "load_settings"]

NAMESPACE = "supply-chain-finance"


def _cidr(value: str) -> str:
    ipaddress.IPv4Network(value, strict=True)  # ValueError -> pydantic reports it at the key's path
    return value


def _inside_the_repository(value: str) -> str:
    if ".." in value.split("/"):
        raise ValueError("a folder inside the repository, without '..' (e.g. envs/prod)")
    return value


Cidr = Annotated[str, AfterValidator(_cidr)]
RepositoryPath = Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"),
                           AfterValidator(_inside_the_repository)]
DnsLabel = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")]
ObjectId = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
# https only and no user-info part: a token in the URL would sit in the plan and in every Application
# (the same rule as components/gitops.py, so that the file's path is named instead of the component's argument).
HttpsRepository = Annotated[str, Field(pattern=r"^https://[A-Za-z0-9.-]+(:\d+)?/[A-Za-z0-9._~%/-]+$")]
VmSize = Annotated[str, Field(pattern=r"^Standard_[A-Za-z0-9_]+$")]


class _Model(SettingsModel):
    """camelCase keys, frozen, unknown keys refused (stackconfig.SettingsModel)."""


class GroupSettings(_Model):
    object_id: ObjectId
    display_name: str = Field(min_length=1, max_length=120)


class PoolSettings(_Model):
    vm_size: VmSize
    min_nodes: int = Field(ge=0, le=100)
    max_nodes: int = Field(ge=1, le=100)

    @model_validator(mode="after")
    def _min_below_max(self) -> PoolSettings:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"minNodes ({self.min_nodes}) must not exceed maxNodes ({self.max_nodes})")
        return self


class EtcdEncryptionSettings(_Model):
    """KMS etcd encryption: Kubernetes secrets in etcd encrypted with a rotating RSA key of a private vault the stack
    creates for it, which the API server reaches through API Server VNet Integration
    (learn.microsoft.com/azure/aks/use-kms-etcd-encryption)."""

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


class ClusterSettings(_Model):
    tier: Literal["Free", "Standard"]
    kubernetes_version: str = Field(pattern=r"^1\.\d{2}$")
    private_cluster: bool
    defender: bool
    zones: list[Literal["1", "2", "3"]] = Field(default_factory=list)
    system_vm_size: VmSize
    system_nodes: int = Field(ge=1, le=5)
    user_pool: PoolSettings
    etcd_encryption: EtcdEncryptionSettings | None
    """KMS etcd encryption, or null for none (secrets in etcd then rest under Azure's platform keys only). When set, the
    stack adds a private vault holding the key (a private endpoint in snet-pe) and the API server's subnet
    snet-apiserver."""


class NamespaceSettings(_Model):
    cpu_quota: str = Field(pattern=r"^\d+m?$")
    memory_quota: str = Field(pattern=r"^\d+(Mi|Gi)$")
    team: GroupSettings
    """The Entra group that works in this namespace (a Kubernetes RoleBinding, and cluster sign-in)."""
    access: Literal["edit", "view"]
    """edit: besides Argo CD, the team may run workloads by hand (dev, test); view: only Argo CD changes
    workloads, people read."""
    talks_to: list[DnsLabel] = Field(default_factory=list)
    """Other namespaces its pods call (their own policy must let them in)."""


class MeshSettings(_Model):
    mtls_mode: Literal["STRICT", "PERMISSIVE"]
    """Mesh-wide and per-namespace mutual TLS; STRICT refuses plain-text traffic between pods."""


class SsoSettings(_Model):
    client_id: ObjectId
    """Application (client) id of this environment's Entra app registration for Argo CD sign-in; a person creates
    it and its federated credential once (docs/gitops.md in the platform repository). No client secret."""
    admin_groups: list[ObjectId] = Field(min_length=1)
    """Object ids of the Entra groups whose members administer Argo CD (sync, rollback); Argo CD's local admin is
    disabled, so nobody else signs in with a role."""


class GitOpsSettings(_Model):
    repository: HttpsRepository
    """The Git repository with the domains' manifests, https://... without credentials (a public repository: the
    example gives Argo CD no repository credentials)."""
    revision: str = Field(pattern=r"^[A-Za-z0-9._/+][A-Za-z0-9._/+-]{0,254}$")
    """Branch, tag or commit this environment follows (e.g. main, release/prod, v1.4.2)."""
    path: RepositoryPath
    """This environment's folder in the repository; each namespace's manifests are in `<path>/<namespace>`."""
    auto_sync: bool
    """Argo CD syncs automatically (prune, self-heal) where nobody approves deployments by hand; otherwise a
    person starts every sync."""
    sso: SsoSettings


class ProtectionSettings(_Model):
    lock_stateful: bool
    """A CanNotDelete lock on the log workspace and, with etcd encryption, on the vault holding the key."""
    protect_stateful: bool
    """Pulumi `protect` on them (and on the key): `pulumi destroy` and replacements refuse to delete them."""


class ScfSettings(_Model):
    environment: Literal["dev", "test", "staging", "prod", "dr"]
    platform_environment: Literal["dev", "sit", "uat", "prod"]
    """The platform's environment class this stack is judged as (exported as `environment`)."""
    owner: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    cost_center: str = Field(pattern=r"^CC-\d{4,6}$")
    location: Literal["westeurope", "northeurope", "swedencentral", "germanywestcentral", "francecentral", "uksouth"]
    address_space: Cidr
    authorized_ip_ranges: list[Cidr] = Field(max_length=200)
    admins: GroupSettings
    cluster: ClusterSettings
    mesh: MeshSettings
    gitops: GitOpsSettings
    namespaces: dict[DnsLabel, NamespaceSettings] = Field(min_length=1)
    log_retention_days: int = Field(ge=30, le=730)
    protection: ProtectionSettings

    @model_validator(mode="after")
    def _consistent(self) -> ScfSettings:
        prefix = ipaddress.IPv4Network(self.address_space).prefixlen
        if not 16 <= prefix <= 22:
            raise ValueError(f"addressSpace {self.address_space} must be a /16 to /22 block")
        if not self.cluster.private_cluster and not self.authorized_ip_ranges:
            raise ValueError("authorizedIpRanges must list at least one range while the API server is public")
        if self.cluster.private_cluster and self.authorized_ip_ranges:
            raise ValueError("authorizedIpRanges must be empty for a private cluster (there is no public endpoint)")
        unknown = sorted({t for ns in self.namespaces.values() for t in ns.talks_to} - set(self.namespaces))
        if unknown:
            raise ValueError(f"talksTo names namespaces this stack does not have: {unknown}")
        return self


def load_settings() -> ScfSettings:
    """The current stack's settings, validated once; raises stackconfig.SettingsError (a pulumi.RunError)
    listing every problem with the stack file, key path, value and what is allowed."""
    settings, _ = load_settings_model(ScfSettings, namespace=NAMESPACE, stack_field="environment")
    return settings
