"""Pulumi.main.yaml of the bootstrap, validated in one place: every problem at once, nothing registered."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

import pulumi

from sentimark_platform.components import REGION_CODES, region_code

__all__ = [
    "DEFAULT_RUNNER_ADDRESS_SPACE",
    "ENVIRONMENTS",
    "GITHUB_HOSTED_NETWORK_REGIONS",
    "PRIVATE_PREVIEWS",
    "RunnerSettings",
    "Settings",
    "load_settings",
]

ENVIRONMENTS = ("dev", "sit", "uat", "prod")
PRIVATE_PREVIEWS = ("uat", "prod")
"""Environments whose secrets and clusters stay out of pull requests (approvals guard them)."""
DEFAULT_PREVIEW_ENVIRONMENTS = ("dev", "sit")
DEFAULT_RUNNER_ADDRESS_SPACE = "10.100.0.0/24"
DEFAULT_PULL_REQUEST_ADDRESS_SPACE = "10.101.0.0/24"
"""Outside the stacks' blocks (10.10/16, 10.20/16, 10.30/16, 10.40/16, 10.41/16): peered VNets must not
overlap. 251 usable addresses: GitHub advises the runners' maximum concurrency plus 30%."""

GITHUB_HOSTED_NETWORK_REGIONS = frozenset({
    "australiaeast", "brazilsouth", "canadacentral", "canadaeast", "centralus", "eastasia", "eastus", "eastus2",
    "francecentral", "germanywestcentral", "japaneast", "koreacentral", "northcentralus", "northeurope",
    "norwayeast", "southcentralus", "southeastasia", "southindia", "swedencentral", "switzerlandnorth", "uksouth",
    "westus", "westus2", "westus3",
})
"""Regions where GitHub-hosted runners can join an Azure VNet (docs.github.com: "Troubleshooting Azure private
network configurations for GitHub-hosted runners in your organization", Supported regions). West Europe is
not one of them."""

_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_DIGITS = re.compile(r"^[0-9]{1,20}$")
_NON_PUBLIC = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8")
)
_PRIVATE = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


@dataclass(frozen=True)
class RunnerSettings:
    address_space: str
    """The hub VNet's block; its one subnet is the whole block."""
    pull_request_address_space: str
    """The pull-request runners' VNet block: a network of its own, peered with nothing, so that pull-request code
    never reaches uat's or prod's private addresses (dev and sit, which pull requests preview, are public)."""
    github_business_id: str
    """The GitHub organization's database id (`businessId` of GitHub.Network/networkSettings)."""
    location: str
    """Azure region of the hub network: one GitHub supports for private networking."""


@dataclass(frozen=True)
class Settings:
    repository: str
    location: str
    owner: str
    cost_center: str
    subscriptions: dict[str, str]
    """Environment -> subscription id, in deployment order."""
    allowed_ip_ranges: tuple[str, ...]
    admin_group_object_id: str | None
    diagnostics_workspace_id: str | None
    """Log Analytics workspace for the vault's and the state blobs' audit logs; none unless configured."""
    runners: RunnerSettings
    pull_request_previews: tuple[str, ...]
    """Environments whose real `pulumi preview` runs on pull requests (never uat or prod)."""


def _public_range(value: str) -> bool:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return isinstance(network, ipaddress.IPv4Network) and not any(network.overlaps(r) for r in _NON_PUBLIC)


def _runner_problems(raw: Any, default_location: str) -> tuple[list[str], RunnerSettings | None]:
    if not isinstance(raw, dict):
        return [f"runners: got {raw!r}; give {{addressSpace: {DEFAULT_RUNNER_ADDRESS_SPACE}, githubBusinessId: "
                "\"<the organization's databaseId>\"}} (see README: the GitHub GraphQL query)"], None
    keys = ("addressSpace", "pullRequestAddressSpace", "githubBusinessId", "location")
    problems = [f"runners.{key}: unknown key; use {', '.join(keys)}" for key in raw if key not in keys]
    spaces: list[ipaddress.IPv4Network] = []
    for key, default in (("addressSpace", DEFAULT_RUNNER_ADDRESS_SPACE),
                         ("pullRequestAddressSpace", DEFAULT_PULL_REQUEST_ADDRESS_SPACE)):
        space = raw.get(key, default)
        try:
            network = ipaddress.ip_network(str(space), strict=True)
            if not isinstance(network, ipaddress.IPv4Network) or not any(network.subnet_of(p) for p in _PRIVATE):
                problems.append(f"runners.{key}: got {space!r}; use a private IPv4 block (10/8, 172.16/12 or "
                                "192.168/16) that no stack's VNet uses")
            elif not 16 <= network.prefixlen <= 27:
                problems.append(f"runners.{key}: got {space!r}; use a block from /16 to /27 (Azure's smallest "
                                "subnet is /29, GitHub advises room for the runners' concurrency plus 30%)")
            else:
                spaces.append(network)
        except ValueError:
            problems.append(f"runners.{key}: got {space!r}; give an IPv4 CIDR with its network address, such as "
                            f"{default}")
    if len(spaces) == 2 and spaces[0].overlaps(spaces[1]):
        problems.append(f"runners.pullRequestAddressSpace: got {str(spaces[1])!r}; use a block that does not overlap "
                        f"runners.addressSpace ({spaces[0]})")
    business = raw.get("githubBusinessId")
    if isinstance(business, int) and not isinstance(business, bool):
        business = str(business)
    if not isinstance(business, str) or not _DIGITS.match(business):
        problems.append(f"runners.githubBusinessId: got {business!r}; give the GitHub organization's databaseId "
                        "(digits, from the GraphQL query `organization(login: ...) { databaseId }`)")
    location = raw.get("location", default_location)
    if location not in GITHUB_HOSTED_NETWORK_REGIONS:
        problems.append(f"runners.location: got {location!r}; GitHub-hosted runners join Azure VNets only in "
                        f"{', '.join(sorted(GITHUB_HOSTED_NETWORK_REGIONS))} (e.g. northeurope next to westeurope)")
    elif location not in REGION_CODES:
        problems.append(f"runners.location: got {location!r}; add its short code to components._naming.REGION_CODES "
                        f"or use one of {', '.join(sorted(GITHUB_HOSTED_NETWORK_REGIONS & REGION_CODES.keys()))}")
    if problems:
        return problems, None
    return [], RunnerSettings(address_space=str(spaces[0]), pull_request_address_space=str(spaces[1]),
                              github_business_id=str(business), location=str(location))


def _preview_problems(raw: Any, subscriptions: dict[str, str]) -> tuple[list[str], tuple[str, ...]]:
    if raw is None:
        return [], tuple(e for e in DEFAULT_PREVIEW_ENVIRONMENTS if e in subscriptions)
    if not isinstance(raw, list) or not all(isinstance(e, str) for e in raw):
        return [f"pullRequestPreviews: got {raw!r}; list environment names, e.g. [dev, sit]"], ()
    problems = []
    for environment in raw:
        if environment in PRIVATE_PREVIEWS:
            problems.append(f"pullRequestPreviews: got {environment!r}; uat and prod stay out of pull requests (their "
                            "secrets and clusters are reached only after an approval): remove it, their real preview "
                            "runs in the approved deploy job")
        elif environment not in ENVIRONMENTS:
            problems.append(f"pullRequestPreviews: got {environment!r}; use dev and/or sit")
        elif subscriptions and environment not in subscriptions:
            problems.append(f"pullRequestPreviews: got {environment!r}, which has no entry under environments; "
                            "add its subscription or remove it")
    return problems, tuple(e for e in ENVIRONMENTS if e in raw)


def _object(config: pulumi.Config, key: str) -> Any:
    """The value of an object or list key; a plain string that is not JSON comes back as that string, so that
    the caller reports it like any other wrong value (`get_object` would raise on it)."""
    try:
        return config.get_object(key)
    except pulumi.ConfigTypeError:
        return config.get(key)


def load_settings(config: pulumi.Config) -> Settings:
    """Every problem of Pulumi.<stack>.yaml at once, as one RunError (no resource is registered)."""
    problems = []
    repository = config.get("repository") or ""
    if not _REPOSITORY.match(repository):
        problems.append(f"repository: got {repository!r}; give the GitHub repository as <org>/<repo>")
    location = config.get("location") or ""
    try:
        region_code(location)
    except ValueError:
        problems.append(f"location: got {location!r}; use an Azure region with a short code in components._naming.REGION_CODES")
    environments = config.get_object("environments") or {}
    subscriptions: dict[str, str] = {}
    environment_problems = []
    for environment, entry in environments.items() if isinstance(environments, dict) else ():
        subscription = entry.get("subscriptionId") if isinstance(entry, dict) else None
        if environment not in ENVIRONMENTS:
            environment_problems.append(f"environments.{environment}: not one of {', '.join(ENVIRONMENTS)}")
        elif not isinstance(subscription, str) or not _GUID.match(subscription):
            environment_problems.append(f"environments.{environment}.subscriptionId: got {subscription!r}; give the subscription's GUID")
    if not environment_problems and isinstance(environments, dict):
        subscriptions = {e: environments[e]["subscriptionId"] for e in ENVIRONMENTS if e in environments}
    problems += environment_problems
    if not environments:
        problems.append("environments: empty; map each environment (dev, sit, uat, prod) to {subscriptionId: ...}")
    ranges = config.get_object("allowedIpRanges") or []
    if not isinstance(ranges, list) or not ranges:
        problems.append("allowedIpRanges: empty; list the public IPv4 ranges of the operators who run the bootstrap "
                        "and `pulumi` by hand (the state account and the vault deny everything else; the CI runners "
                        "come in through their subnet)")
        ranges = []
    problems += [f"allowedIpRanges: {r!r} is not a public IPv4 address or CIDR" for r in ranges if not _public_range(str(r))]
    admin_group = config.get("adminGroupObjectId")
    if admin_group is not None and not _GUID.match(admin_group):
        problems.append(f"adminGroupObjectId: got {admin_group!r}; give the Entra group's object id")
    workspace = config.get("diagnosticsWorkspaceId")
    if workspace is not None and not workspace.lower().startswith("/subscriptions/"):
        problems.append(f"diagnosticsWorkspaceId: got {workspace!r}; give the workspace's resource id (/subscriptions/...)")
    for key in ("owner", "costCenter"):
        if not config.get(key):
            problems.append(f"{key}: missing; it becomes the FinOps tag of every resource")
    runner_problems, runners = _runner_problems(_object(config, "runners"), location)
    problems += runner_problems
    preview_problems, previews = _preview_problems(_object(config, "pullRequestPreviews"), subscriptions)
    problems += preview_problems
    if problems or runners is None:
        raise pulumi.RunError(f"{len(problems)} bootstrap configuration problem(s); no resource was registered:\n  - "
                              + "\n  - ".join(problems))
    return Settings(
        repository=repository,
        location=location,
        owner=config.require("owner"),
        cost_center=config.require("costCenter"),
        subscriptions=subscriptions,
        allowed_ip_ranges=tuple(str(r) for r in ranges),
        admin_group_object_id=admin_group,
        diagnostics_workspace_id=workspace,
        runners=runners,
        pull_request_previews=previews,
    )
