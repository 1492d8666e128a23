"""Typed settings of one platform stack: everything that differs between dev, sit, uat and prod.

The stack files (`Pulumi.<stack>.yaml`) hold these values under the project's namespace, in camelCase
(`sentimark-platform:aks: {tier: Standard, ...}`). They are validated here, once, before any resource is
registered; `stacks.config.load_settings` (through `stackconfig`) turns every problem into a message naming
the stack file, the key path, the value received and what is allowed.

Shape and range rules are pydantic field constraints; rules that relate two fields live in each model's
`_rules` method, so that a section with a problem still lets every other section report its own.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from sentimark_platform.components import DEFAULT_POD_CIDR, DEFAULT_SERVICE_CIDR, canary_steps_problem, support_problem
from sentimark_platform.stackconfig import SettingsModel

__all__ = [
    "AZURE_REGIONS",
    "AksSettings",
    "AlertSettings",
    "ApplicationSettings",
    "BudgetSettings",
    "ChartPin",
    "ChartSettings",
    "CiRunnerSettings",
    "ContainerRegistrySettings",
    "DataAccessSettings",
    "EventHubAccessSettings",
    "EventHubSettings",
    "EventHubsSettings",
    "IngressSettings",
    "IngressTlsSettings",
    "NetworkSettings",
    "PlatformAdminsSettings",
    "PlatformSettings",
    "PostgresSettings",
    "ProtectionSettings",
    "RedisSettings",
    "RegionSettings",
    "RoutingSettings",
    "SystemPoolSettings",
    "UserPoolSettings",
]

# Regions the platform is allowed to run in (data residency and price table coverage).
AZURE_REGIONS = (
    "westeurope",
    "northeurope",
    "swedencentral",
    "germanywestcentral",
    "francecentral",
    "uksouth",
    "eastus",
    "eastus2",
    "westus3",
)
AzureRegion = Literal[
    "westeurope",
    "northeurope",
    "swedencentral",
    "germanywestcentral",
    "francecentral",
    "uksouth",
    "eastus",
    "eastus2",
    "westus3",
]
Zone = Literal["1", "2", "3"]
EnvironmentName = Literal["dev", "sit", "uat", "prod"]
RESERVED_NAMESPACES = frozenset({
    # Kubernetes' own: `default` and the kube- prefix (kubernetes.io/docs/concepts/overview/working-with-objects/
    # namespaces, "Avoid creating namespaces with the prefix kube-").
    "default", "kube-system", "kube-public", "kube-node-lease",
    # AKS add-ons: Azure Policy's Gatekeeper, `az aks command invoke`, the application routing add-on.
    "gatekeeper-system", "aks-command", "app-routing-system",
    # The platform's own (ServiceMesh, GitOps, the analysis Prometheus).
    "istio-system", "istio-ingress", "argocd", "argo-rollouts", "monitoring",
})
"""Namespaces an application may not be named after: its AppNamespace would take over (or fight) one of them."""
_TAG_NAME_FORBIDDEN = set('<>%&\\?/')


def today() -> dt.date:
    """The day the settings are judged on (Kubernetes support dates); one function, so tests can fix it."""
    return dt.date.today()


def _cidr(value: str) -> str:
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise PydanticCustomError(
            "cidr", "an IPv4 CIDR block with no host bits set, e.g. 203.0.113.0/24"
        ) from None
    return value


def _unique(values: list[Any]) -> list[Any]:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        # Each entry becomes its own resource or role assignment: a repeat would register the same one twice.
        raise PydanticCustomError("unique", "each value once; repeated: {repeated}", {"repeated": ", ".join(repeated)})
    return values


Cidr = Annotated[str, AfterValidator(_cidr)]
# Patterns say [0-9], not \d: pydantic's regex engine takes \d as any Unicode digit ("١٢" would pass).
# RFC 5321 caps an address at 254 characters.
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")]
DnsLabel = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")]
SemVer = Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$")]
HostName = Annotated[str, Field(max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")]
HttpsUrl = Annotated[str, Field(pattern=r"^(https|oci)://[^\s]+$")]


class _Settings(SettingsModel):
    """camelCase keys, frozen, unknown keys refused; cross-field rules in `_rules` (see stackconfig)."""


class RegionSettings(_Settings):
    location: AzureRegion
    """Azure region; the first region of a stack is its primary."""
    address_space: Cidr
    """The region's virtual network, a /16 to /22 block that overlaps no other region's."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        prefix = ipaddress.ip_network(self.address_space).prefixlen
        if not 16 <= prefix <= 22:
            yield "addressSpace", self.address_space, "a block from /16 to /22 (room for node, endpoint and database subnets)"


class NetworkSettings(_Settings):
    data_plane_access: Literal["public", "private"]
    """private: data services reachable only through private endpoints; public: firewall allow-lists."""
    authorized_ip_ranges: Annotated[list[Cidr], AfterValidator(_unique)] = Field(default_factory=list, max_length=200)
    """Who may reach the AKS API server and the public data plane (office and CI egress ranges)."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.data_plane_access == "public" and not self.authorized_ip_ranges:
            yield (
                "authorizedIpRanges",
                [],
                "at least one CIDR when dataPlaneAccess is public (an empty list would open it to the internet)",
            )


class SystemPoolSettings(_Settings):
    vm_size: str = Field(max_length=64, pattern=r"^Standard_[A-Za-z0-9_]+$")
    node_count: int = Field(ge=1, le=10)
    zones: Annotated[list[Zone], AfterValidator(_unique)] = Field(default_factory=list)
    os_disk_size_gb: int | None = Field(default=None, ge=30, le=2048)
    """Managed OS disk size; Azure's default (128 GB) unless given."""
    max_count: int | None = Field(default=None, ge=1, le=10)
    """Let the autoscaler grow the pool from nodeCount to this; a fixed size unless given."""
    critical_addons_only: bool = True
    """Taint the system pool CriticalAddonsOnly, keeping the platform's charts off it. Set false where the only
    user pool is Spot or may scale to zero (dev): istiod, the gateways and Argo then run on the system pool
    instead of staying Pending (their charts tolerate neither taint)."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.max_count is not None and self.max_count < self.node_count:
            yield "maxCount", self.max_count, f"at least nodeCount ({self.node_count}), or leave it out for a fixed size"


class UserPoolSettings(_Settings):
    vm_size: str = Field(max_length=64, pattern=r"^Standard_[A-Za-z0-9_]+$")
    min_count: int = Field(ge=0, le=100)
    max_count: int = Field(ge=1, le=100)
    zones: Annotated[list[Zone], AfterValidator(_unique)] = Field(default_factory=list)
    spot: bool = False

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.min_count > self.max_count:
            yield "minCount", self.min_count, f"no more than maxCount ({self.max_count})"


class EtcdEncryptionSettings(_Settings):
    """Kubernetes secrets in etcd encrypted with a key of the stack's vault (KMS), through API Server VNet
    Integration (a delegated subnet per region): components/aks, `kms`; docs/security.md."""

    rotate_after_days: int = Field(default=180, ge=7, le=730)
    """Key Vault makes a new key version this many days after the last; the next `pulumi up --refresh` hands it to
    AKS (AKS follows `keyId`, it does not follow rotations itself)."""
    expires_after_days: int = Field(default=400, ge=28, le=3650)
    """Each key version expires this many days after its creation: at least twice rotateAfterDays, since AKS keeps
    the version before the current one for reading (an expired key stops the API server)."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.expires_after_days < 2 * self.rotate_after_days:
            yield ("expiresAfterDays", self.expires_after_days,
                   f"at least twice rotateAfterDays ({2 * self.rotate_after_days}): AKS still reads the previous version")


class AksSettings(_Settings):
    tier: Literal["Free", "Standard"]
    kubernetes_version: str = Field(pattern=r"^1\.[0-9]{2}$")
    private_cluster: bool
    upgrade_channel: Literal["none", "patch", "stable", "rapid", "node-image"]
    node_os_upgrade_channel: Literal["None", "Unmanaged", "NodeImage", "SecurityPatch"]
    network_policy: Literal["cilium", "azure"] = "cilium"
    max_pods_per_node: int = Field(default=110, ge=50, le=250)
    defender: bool
    system_pool: SystemPoolSettings
    user_pool: UserPoolSettings
    etcd_encryption: EtcdEncryptionSettings | None = None
    """KMS encryption of etcd with a rotating key of the stack's vault; off unless given. On a running cluster, read
    docs/security.md first (the bootstrap applied first, a restart after VNet integration)."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        # Past its end of life AKS creates no new cluster on a version (components/kubernetes_versions.json).
        problem = support_problem(self.kubernetes_version, today=today())
        if problem:
            yield "kubernetesVersion", self.kubernetes_version, problem


class CiRunnerSettings(_Settings):
    """The CI runners' network (bootstrap creates it: outputs runnerNetworkId and runnerEgressIp)."""

    network_id: str = Field(
        pattern=r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Network/virtualNetworks/[^/]+$"
    )
    """Resource id of the runners' hub VNet: each region's VNet peers with it, and a private cluster's DNS zone
    is linked to it, so that `pulumi up` on a runner reaches the API server."""
    address_space: Cidr
    """The hub VNet's block (must not overlap the stack's regions: Azure refuses to peer overlapping spaces)."""
    egress_ip_ranges: Annotated[list[Cidr], AfterValidator(_unique)] = Field(min_length=1, max_length=10)
    """The runners' public egress addresses (the NAT gateways' IPs, bootstrap outputs runnerEgressIp and, where
    pull requests preview this stack, pullRequestEgressIp): admitted by public API servers next to
    network.authorizedIpRanges."""

    @property
    def subscription_id(self) -> str:
        return self.network_id.split("/")[2]

    @property
    def resource_group_name(self) -> str:
        return self.network_id.split("/")[4]

    @property
    def network_name(self) -> str:
        return self.network_id.rsplit("/", 1)[-1]


class PostgresSettings(_Settings):
    enabled: bool = True
    version: Literal["14", "15", "16", "17"] = "16"
    tier: Literal["Burstable", "GeneralPurpose", "MemoryOptimized"]
    sku_name: str = Field(pattern=r"^Standard_[A-Za-z0-9_]+$")
    storage_gb: Literal[32, 64, 128, 256, 512, 1024, 2048, 4096]
    backup_retention_days: int = Field(ge=7, le=35)
    geo_redundant_backup: bool = False
    high_availability: bool = False
    databases: Annotated[list[DnsLabel], AfterValidator(_unique)] = Field(default_factory=list, max_length=50)
    password_auth: bool = True
    """Password sign-in beside Entra ID, with a generated administrator password in Key Vault. Turn it off where
    production data lives: only Entra identities (the platform admins' group, workload identities) then connect,
    and no standing password exists to leak."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.high_availability and self.tier == "Burstable":
            yield "highAvailability", True, "false on the Burstable tier (choose GeneralPurpose for zone-redundant HA)"


class RedisSettings(_Settings):
    enabled: bool = True
    sku: Literal[
        "Balanced_B0",
        "Balanced_B1",
        "Balanced_B3",
        "Balanced_B5",
        "Balanced_B10",
        "MemoryOptimized_M10",
        "MemoryOptimized_M20",
        "ComputeOptimized_X3",
        "ComputeOptimized_X5",
    ]
    """Azure Managed Redis SKU (classic Azure Cache for Redis is being retired)."""
    high_availability: bool


class EventHubSettings(_Settings):
    partitions: int = Field(ge=1, le=100)
    retention_hours: int = Field(ge=1, le=2160)
    consumer_groups: Annotated[list[DnsLabel], AfterValidator(_unique)] = Field(default_factory=list, max_length=20)


class EventHubsSettings(_Settings):
    enabled: bool = True
    sku: Literal["Basic", "Standard", "Premium"]
    capacity: int = Field(ge=1, le=40)
    zone_redundant: bool = False
    hubs: dict[DnsLabel, EventHubSettings] = Field(default_factory=dict)


class ContainerRegistrySettings(_Settings):
    sku: Literal["Basic", "Standard", "Premium"]
    """Premium is required for private endpoints (a private data plane)."""
    # No zone-redundancy setting: Azure makes every registry zone-redundant in regions with availability zones,
    # every SKU, new and existing, even where the API still reports zoneRedundancy Disabled; flipping the property
    # on an existing registry would ask for a replacement (learn.microsoft.com/azure/container-registry/zone-redundancy).


class ProtectionSettings(_Settings):
    lock_stateful: bool
    """CanNotDelete locks on stateful resources (databases, vaults, caches, namespaces, the AKS clusters and the
    monitoring workspaces)."""
    protect_stateful: bool
    """Pulumi `protect` on stateful resources (the same, and the container registry): `pulumi destroy` refuses to
    delete them."""
    secrets_expire_on: dt.date
    """Expiry of the credentials the platform writes to Key Vault. Writing a later date rotates them: the
    PostgreSQL administrator password is regenerated and every secret gets the new expiry."""


class BudgetSettings(_Settings):
    amount_usd_per_month: int = Field(gt=0, le=1_000_000)
    start_date: dt.date
    """First day of a month; Azure refuses to change it after creation."""
    contact_emails: Annotated[list[Email], AfterValidator(_unique)] = Field(min_length=1, max_length=50)

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.start_date.day != 1:
            yield "startDate", self.start_date.isoformat(), "the first day of a month, e.g. 2026-12-01"


class AlertSettings(_Settings):
    emails: Annotated[list[Email], AfterValidator(_unique)] = Field(min_length=1, max_length=50)


class ChartPin(_Settings):
    repository: HttpsUrl
    version: SemVer


class ChartSettings(_Settings):
    istio_base: ChartPin
    istiod: ChartPin
    istio_gateway: ChartPin
    argo_cd: ChartPin
    argo_rollouts: ChartPin
    kube_prometheus_stack: ChartPin | None = None
    """Only for stacks that choose in-cluster monitoring."""
    prometheus: ChartPin | None = None
    """The prometheus-community `prometheus` chart of the small Prometheus kept for canary analysis: needed by
    stacks on managed Prometheus with a canary application (the Rollouts controller cannot query the Azure
    Monitor workspace; components/mesh/component.py says why), refused elsewhere."""


STEPS_FIX = "strictly increasing percentages from 1 to 100 that end at 100, e.g. [10, 25, 50, 75, 100]"


class RoutingSettings(_Settings):
    canary_steps: list[int] = Field(min_length=1, max_length=20)
    """Percent of traffic on the canary at each step; increasing, ending at 100 (seed 002)."""
    mtls_mode: Literal["PERMISSIVE", "STRICT"]
    slo_percent: float = Field(default=99.9, gt=50, lt=100)
    """Success-rate objective the error budget is measured against (seed 002)."""
    error_budget_critical_percent: int = Field(ge=1, le=100)
    """Error-budget consumption at which a canary pauses for a person and the CanaryAnalysisCritical alert fires
    (seed 002: 80)."""
    error_budget_rollback_percent: int = Field(ge=1, le=100)
    """Error-budget consumption at which a canary is aborted and all traffic returns to stable (seed 002: 95)."""
    latency_p95_ms: int | None = Field(default=None, ge=1, le=600_000)
    """Most milliseconds a canary's 95th-percentile request duration may reach (two windows above it abort the
    rollout); no latency check unless given."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if canary_steps_problem(self.canary_steps):
            yield "canarySteps", self.canary_steps, STEPS_FIX
        if self.error_budget_critical_percent >= self.error_budget_rollback_percent:
            yield (
                "errorBudgetCriticalPercent",
                self.error_budget_critical_percent,
                f"less than errorBudgetRollbackPercent ({self.error_budget_rollback_percent})",
            )


class EventHubAccessSettings(_Settings):
    send: Annotated[list[DnsLabel], AfterValidator(_unique)] = Field(default_factory=list)
    """Event hubs the application publishes to (Azure Event Hubs Data Sender on each hub)."""
    receive: Annotated[list[DnsLabel], AfterValidator(_unique)] = Field(default_factory=list)
    """Event hubs the application consumes (Azure Event Hubs Data Receiver on each hub)."""


class DataAccessSettings(_Settings):
    """What an application's workload identity may use; nothing unless listed (least privilege)."""

    redis: bool = False
    """Entra data access to Azure Managed Redis, and its connection info mounted from Key Vault."""
    event_hubs: EventHubAccessSettings = Field(default_factory=EventHubAccessSettings)


class ApplicationSettings(_Settings):
    cpu_quota: str = Field(pattern=r"^[0-9]+m?$")
    memory_quota: str = Field(pattern=r"^[0-9]+(Mi|Gi)$")
    canary: bool = True
    """Released progressively (Istio routes shifted by an Argo Rollouts canary under analysis), the default. Turn
    it off only for an application that serves no requests to analyse (e.g. a queue worker): it then rolls out as
    a plain Deployment."""
    canary_steps: list[int] | None = Field(default=None, min_length=1, max_length=20)
    """This application's canary steps; routing.canarySteps unless given."""
    port: int = Field(default=8080, ge=1, le=65535)
    """The service port the mesh routes to."""
    replicas: int = Field(default=2, ge=1, le=50)
    data_access: DataAccessSettings = Field(default_factory=DataAccessSettings)
    """The data services this application uses; none unless given."""
    public: bool = False
    """Served at ingress.tls.hostName through the regional ingress gateways (and Front Door where it is on);
    mesh-internal only unless true. At most one application, and it needs canary: true (its routes)."""


class IngressTlsSettings(_Settings):
    host_name: HostName
    """Public DNS name the ingress gateways serve over HTTPS (and Front Door sends as the origin host header)."""
    certificate_name: str = Field(pattern=r"^[A-Za-z0-9-]{1,127}$")
    """Key Vault certificate for hostName from a publicly trusted CA, imported into the platform's vault by
    the team that owns the domain's certificates (see docs/runbooks/ingress-certificate.md)."""


CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


class WafSettings(_Settings):
    """Front Door's Web Application Firewall (Premium): Microsoft's default and bot-manager rule sets, a rate limit
    per client and the blocks below (components/front_door.py, FrontDoorWafArgs)."""

    mode: Literal["Prevention", "Detection"] = "Prevention"
    """Prevention blocks what the rules match; Detection only logs it (while tuning a new rule set)."""
    rate_limit_per_minute: int = Field(ge=1, le=1_000_000)
    """Requests one client address may send per minute before the rest of that minute is blocked."""
    blocked_ip_ranges: Annotated[list[Cidr], AfterValidator(_unique)] = Field(default_factory=list, max_length=600)
    blocked_countries: Annotated[list[CountryCode], AfterValidator(_unique)] = Field(default_factory=list,
                                                                                      max_length=200)
    """ISO 3166-1 alpha-2 codes (e.g. KP)."""
    default_rule_set_version: Literal["2.1", "2.2"] = "2.1"


class IngressSettings(_Settings):
    load_balancer: Literal["public", "internal"]
    """public: the ingress gateway gets a public IP; internal: only the VNet reaches it."""
    front_door: bool = False
    """Azure Front Door in front of the regional gateways (health probes, failover between regions)."""
    tls: IngressTlsSettings | None = None
    """HTTPS on the ingress gateways for one host, with a Key Vault certificate; without it the gateways serve no
    host (applications stay mesh-internal)."""
    waf: WafSettings | None = None
    """A WAF policy on Front Door, which then runs on the Premium tier (about $330 a month instead of $35, WAF rules
    included); none unless given. Moving a live Standard profile to Premium: upgrade it in place first
    (docs/security.md), or Pulumi replaces it."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if self.waf is not None and not self.front_door:
            yield "waf", "set", "frontDoor: true as well (the WAF runs on Front Door), or leave waf out"
        if self.front_door and self.load_balancer != "public":
            yield "frontDoor", True, "false unless loadBalancer is public (Standard Front Door reaches public origins only)"
        if self.front_door and self.tls is None:
            yield ("tls", None, "a hostName and certificateName when frontDoor is true (Front Door forwards HTTPS "
                   "only, to a gateway presenting a publicly trusted certificate for that host)")


class MonitoringSettings(_Settings):
    log_retention_days: int = Field(ge=30, le=730)
    prometheus: Literal["managed", "in-cluster"] = "managed"
    grafana: bool = True
    """Azure Managed Grafana (Standard, about $80/month) on the Azure Monitor workspace."""


Guid = Annotated[str, Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]


class GitOpsSsoSettings(_Settings):
    client_id: Guid
    """Client id of the environment's Entra app registration for Argo CD sign-in (docs/gitops.md creates it and
    its federated credential; no client secret)."""
    admin_groups: Annotated[list[Guid], AfterValidator(_unique)] = Field(min_length=1, max_length=20)
    """Entra groups whose members administer Argo CD (sync, rollback)."""
    readonly_groups: Annotated[list[Guid], AfterValidator(_unique)] = Field(default_factory=list, max_length=20)
    """Entra groups whose members may look; none unless given."""


class GitOpsCredentialsSettings(_Settings):
    github_app_id: int = Field(ge=1)
    github_app_installation_id: int = Field(ge=1)
    private_key_secret: str = Field(pattern=r"^[A-Za-z0-9-]{1,127}$")
    """Key Vault secret (in the platform's vault) with the GitHub App's private key, put there by a person before
    the first `pulumi up` with these settings (docs/gitops.md); only its name is in the plan."""


class GitOpsSettings(_Settings):
    repository: str = Field(max_length=2048, pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~%/-]+$")
    """The Git repository holding the applications' manifests (seed 002: "GitOps Repository: ArgoCD Apps"), over
    https, with no credentials in the URL (they would be in the plan)."""
    revision: str = Field(pattern=r"^[A-Za-z0-9._/+-]{1,255}$")
    """Branch, tag or commit this environment follows."""
    path: str = Field(pattern=r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$")
    """This environment's folder in the repository; each application's manifests are in `<path>/<application>`."""
    url: str = Field(default="https://localhost:8080", max_length=2048,
                     pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-])?$")
    """Argo CD's address as people open it (the sign-in redirect); the port-forward address unless given."""
    sso: GitOpsSsoSettings
    credentials: GitOpsCredentialsSettings | None = None
    """A GitHub App for a private repository; none for a public one."""

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        if ".." in self.path.split("/"):
            yield "path", self.path, "a folder inside the repository (no '..')"


class PlatformAdminsSettings(_Settings):
    object_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    """Object id of the Entra group that administers the platform (AKS, PostgreSQL, Grafana)."""
    display_name: str = Field(min_length=1, max_length=120)


class PlatformSettings(_Settings):
    """Every top-level key of `sentimark-platform:` in a stack file."""

    environment: EnvironmentName
    owner: Email
    cost_center: str = Field(pattern=r"^CC-[0-9]{4,6}$")
    regions: list[RegionSettings] = Field(min_length=1, max_length=2)
    platform_admins: PlatformAdminsSettings
    network: NetworkSettings
    ci_runners: CiRunnerSettings
    """Where `pulumi preview/up` runs in CI: the stack gives those runners a network path to its API servers."""
    aks: AksSettings
    postgres: PostgresSettings
    redis: RedisSettings
    event_hubs: EventHubsSettings
    container_registry: ContainerRegistrySettings
    monitoring: MonitoringSettings
    protection: ProtectionSettings
    budget: BudgetSettings
    alerts: AlertSettings
    charts: ChartSettings
    routing: RoutingSettings
    applications: dict[DnsLabel, ApplicationSettings] = Field(min_length=1)
    ingress: IngressSettings
    deployment_approval: Literal["automatic", "manual"]
    """automatic: Argo CD syncs on every commit (prune, self-heal) and canaries promote themselves; manual: a person
    starts each sync and the first canary step waits for them."""
    gitops: GitOpsSettings
    """Argo CD: the repository and revision this environment follows, sign-in and roles."""
    unique_name_seed: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,62}$")
    """Seeds the suffix of globally unique names (Key Vault, registry, PostgreSQL, Redis, Event Hubs). Give a
    fork of this repository its own value, or its names collide with ours."""
    tags: dict[str, str] = Field(default_factory=dict)
    """Extra tags on every taggable resource; the FinOps tags win over these."""
    drop_versioned_aliases: bool = True
    """Drop azure-native's aliases to old API-version types before the SDK computes them (4-6x faster
    previews). Turn off only for a stack that still holds resources created through explicit API-version
    types of the v1/v2 SDKs."""

    @property
    def canary_applications(self) -> list[str]:
        """The applications released progressively (canary: true), sorted."""
        return sorted(app for app, spec in self.applications.items() if spec.canary)

    def _rules(self) -> Iterator[tuple[str, object, str]]:
        locations = [r.location for r in self.regions]
        if len(set(locations)) != len(locations):
            yield "regions", locations, "distinct regions"
        spaces = [ipaddress.ip_network(r.address_space) for r in self.regions]
        for i, a in enumerate(spaces):
            for b in spaces[i + 1 :]:
                if a.overlaps(b):
                    yield "regions", [str(a), str(b)], "address spaces that do not overlap"
        runners = ipaddress.ip_network(self.ci_runners.address_space)
        for space in spaces:
            if runners.overlaps(space):
                yield ("ciRunners.addressSpace", self.ci_runners.address_space,
                       f"a block that does not overlap the regions' address spaces ({space} overlaps it): "
                       "Azure refuses to peer overlapping networks")
        if self.event_hubs.enabled and self.event_hubs.sku == "Basic" and self.network.data_plane_access == "public":
            yield ("eventHubs.sku", "Basic",
                   "Standard or Premium when network.dataPlaneAccess is public: the Basic tier takes no IP firewall "
                   "rules, so its allow-list could not be applied (learn.microsoft.com/azure/event-hubs/"
                   "event-hubs-ip-filtering)")
        if self.aks.private_cluster and self.network.data_plane_access == "public":
            yield (
                "network.dataPlaneAccess",
                "public",
                "private when aks.privateCluster is true (a private cluster behind public data services defeats it)",
            )
        open_gateway = self.ingress.load_balancer == "public" and not self.ingress.front_door
        if (self.aks.private_cluster and self.network.data_plane_access == "private" and not open_gateway
                and self.network.authorized_ip_ranges):
            yield (
                "network.authorizedIpRanges",
                self.network.authorized_ip_ranges,
                "an empty list when aks.privateCluster is true and dataPlaneAccess is private: nothing public is left "
                "for the ranges to restrict, and a setting that cannot apply is refused rather than ignored",
            )
        if open_gateway and not self.network.authorized_ip_ranges:
            yield (
                "network.authorizedIpRanges",
                [],
                "at least one CIDR when ingress.loadBalancer is public without frontDoor: the gateway admits only these "
                "ranges (or put Front Door in front, or make it internal)",
            )
        if not self.aks.private_cluster and not self.network.authorized_ip_ranges:
            yield (
                "network.authorizedIpRanges",
                [],
                "at least one CIDR when aks.privateCluster is false (the API server would be open to the internet)",
            )
        if self.aks.etcd_encryption is not None and self.network.data_plane_access != "private":
            yield ("aks.etcdEncryption", "set",
                   "network.dataPlaneAccess private as well: AKS reaches the vault's key through a private endpoint "
                   "(API Server VNet Integration), and the vault's firewall refuses its public calls "
                   "(learn.microsoft.com/azure/aks/use-kms-etcd-encryption)")
        if self.network.data_plane_access == "private" and self.container_registry.sku != "Premium":
            yield (
                "containerRegistry.sku",
                self.container_registry.sku,
                "Premium when network.dataPlaneAccess is private (only Premium registries take private endpoints)",
            )
        if self.monitoring.prometheus == "in-cluster" and self.charts.kube_prometheus_stack is None:
            yield "charts.kubePrometheusStack", None, "a chart pin when monitoring.prometheus is in-cluster"
        canaries = self.canary_applications
        if self.monitoring.prometheus == "managed" and canaries and self.charts.prometheus is None:
            yield ("charts.prometheus", None,
                   f"a pin of the prometheus-community prometheus chart: the canary applications {canaries} are "
                   "analysed on the small in-cluster Prometheus kept for that (managed Prometheus cannot be queried by "
                   "the Rollouts controller)")
        if self.routing.latency_p95_ms is not None and not canaries:
            yield ("routing.latencyP95Ms", self.routing.latency_p95_ms,
                   "no latency limit unless an application has canary: true (only canary analysis reads it)")
        if self.charts.prometheus is not None and (self.monitoring.prometheus != "managed" or not canaries):
            yield ("charts.prometheus", self.charts.prometheus.version,
                   "no pin: the analysis Prometheus is installed only with monitoring.prometheus managed and at least "
                   "one canary application (in-cluster Prometheus answers analysis itself)")
        for app, spec in self.applications.items():
            if spec.canary_steps is None:
                continue
            if not spec.canary:
                yield (f"applications.{app}.canarySteps", spec.canary_steps,
                       "no steps unless canary is true (an application without a canary has nothing to step)")
            elif canary_steps_problem(spec.canary_steps):
                yield f"applications.{app}.canarySteps", spec.canary_steps, STEPS_FIX
        for app, spec in self.applications.items():
            access = spec.data_access
            if access.redis and not self.redis.enabled:
                yield f"applications.{app}.dataAccess.redis", True, "false unless redis.enabled is true"
            for direction, hubs in (("send", access.event_hubs.send), ("receive", access.event_hubs.receive)):
                unknown = [h for h in hubs if not self.event_hubs.enabled or h not in self.event_hubs.hubs]
                if unknown:
                    yield (f"applications.{app}.dataAccess.eventHubs.{direction}", unknown,
                           f"event hubs declared under eventHubs.hubs (enabled): {sorted(self.event_hubs.hubs)}")
        public = sorted(app for app, spec in self.applications.items() if spec.public)
        if len(public) > 1:
            yield "applications", public, "public: true on one application at most (it takes every path of ingress.tls.hostName)"
        for app in public:
            if self.ingress.tls is None:
                yield f"applications.{app}.public", True, "false unless ingress.tls gives the host name to serve it at"
            if not self.applications[app].canary:
                yield (f"applications.{app}.public", True,
                       "false unless canary is true (the public routes are the canary routes' VirtualService)")
        for app in sorted(set(self.applications) & RESERVED_NAMESPACES):
            yield (f"applications.{app}", app, "an application name that is no Kubernetes, AKS or platform namespace "
                   f"({', '.join(sorted(RESERVED_NAMESPACES))}): the application's namespace is named after it")
        for region in self.regions:
            for what, cluster_range in (("pod", DEFAULT_POD_CIDR), ("service", DEFAULT_SERVICE_CIDR)):
                if ipaddress.ip_network(region.address_space).overlaps(ipaddress.ip_network(cluster_range)):
                    yield ("regions.addressSpace", region.address_space,
                           f"a block that does not overlap the clusters' {what} range {cluster_range}: AKS refuses a "
                           "node subnet inside it (learn.microsoft.com/azure/aks/azure-cni-overlay)")
        if self.protection.secrets_expire_on <= today():
            yield ("protection.secretsExpireOn", self.protection.secrets_expire_on.isoformat(),
                   f"a date after today ({today().isoformat()}): a secret written with a past expiry is unusable at once, "
                   "and a later date is how the credentials rotate")
        # Azure's tag limits (learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations):
        # names up to 512 characters without < > % & \ ? /, values up to 256, at most 50 tags per resource.
        for name, value in self.tags.items():
            if not name or len(name) > 512 or set(name) & _TAG_NAME_FORBIDDEN:
                yield (f"tags.{name}", name, "a tag name of 1 to 512 characters without < > % & \\ ? /")
            if len(value) > 256:
                yield (f"tags.{name}", f"{len(value)} characters", "a tag value of at most 256 characters")
        if len(self.tags) + 5 > 50:
            yield ("tags", f"{len(self.tags)} tags", "at most 45 tags: Azure takes 50 per resource, and the platform adds 5")
        overlaps = {"environment", "owner", "cost-center", "service", "managed-by"} & set(self.tags)
        if overlaps:
            yield "tags", sorted(overlaps), "no FinOps tag names (they are set from environment, owner and costCenter)"
