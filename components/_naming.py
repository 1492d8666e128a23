"""Azure resource names in the Cloud Adoption Framework style, checked against each type's rules.

`resource_name("key_vault", workload="sentimark", environment="uat", region="weu")` gives
`kv-sentimark-uat-weu`. Kinds whose names are global DNS labels (Key Vault, registry, storage, PostgreSQL,
Managed Redis, Event Hubs namespace) should get a stable suffix: a `pulumi_random.RandomString` (lower
case letters and digits) through `unique_resource_name`, or a deterministic `stable_suffix(...)`.

A name that cannot satisfy its kind's rule is an `InvalidArgumentError` naming the kind, the value, the
limit and the fix; a name is never truncated silently (a truncated name collides or changes meaning).
Pure functions, so they are tested without the Pulumi runtime; only `unique_resource_name` touches Outputs.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pulumi

from sentimark_platform.components.errors import InvalidArgumentError

__all__ = [
    "NAMING_RULES",
    "REGION_CODES",
    "NamingRule",
    "region_code",
    "resource_name",
    "stable_suffix",
    "unique_resource_name",
]

REGION_CODES: dict[str, str] = {
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
"""Azure location -> short code used in names."""

_PART = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SUFFIX = re.compile(r"^[a-z0-9]{1,8}$")
_COMPONENT = "naming"


@dataclass(frozen=True)
class NamingRule:
    """One resource type's naming rule (Azure's documented limits; the ARM schema pattern where it has one)."""

    abbreviation: str
    min_length: int
    max_length: int
    pattern: str
    """Full-match regular expression on top of the length limits."""
    hyphens: bool = True
    """False: parts are concatenated without separators (and hyphens inside parts are dropped)."""
    globally_unique: bool = False
    """The name is a global DNS label: give it a suffix (`unique_resource_name`)."""

    def check(self, name: str) -> bool:
        return self.min_length <= len(name) <= self.max_length and re.fullmatch(self.pattern, name) is not None


_ALNUM_HYPHEN = r"[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?"
_NETWORK = r"[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9_])?"

# Sources: learn.microsoft.com "Naming rules and restrictions for Azure resources" and the ARM schemas in
# schemacheck/rules.json (name patterns of the API versions pulumi-azure-native 3.29 uses).
NAMING_RULES: dict[str, NamingRule] = {
    "resource_group": NamingRule("rg", 1, 90, r"[-\w.()]*[-\w()]"),
    "virtual_network": NamingRule("vnet", 2, 64, _NETWORK),
    "subnet": NamingRule("snet", 1, 80, _NETWORK),
    "network_security_group": NamingRule("nsg", 1, 80, _NETWORK),
    "private_endpoint": NamingRule("pe", 2, 64, _NETWORK),
    "user_assigned_identity": NamingRule("id", 3, 128, r"[a-zA-Z0-9][a-zA-Z0-9_-]*"),
    "kubernetes_cluster": NamingRule("aks", 1, 63, r"[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?"),
    # Letters, digits, hyphens; starts with a letter, ends with a letter or digit, no "--".
    "key_vault": NamingRule("kv", 3, 24, r"[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]", globally_unique=True),
    "container_registry": NamingRule("cr", 5, 50, r"[a-zA-Z0-9]+", hyphens=False, globally_unique=True),
    "storage_account": NamingRule("st", 3, 24, r"[a-z0-9]+", hyphens=False, globally_unique=True),
    "postgresql_server": NamingRule("psql", 3, 63, r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", globally_unique=True),
    "managed_redis": NamingRule("amr", 1, 60, r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", globally_unique=True),
    # Starts with a letter, ends with a letter or digit; Azure also refuses the endings -sb and -mgmt.
    "eventhubs_namespace": NamingRule(
        "evhns", 6, 50, r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9](?<!-sb)(?<!-mgmt)", globally_unique=True
    ),
    "eventhub": NamingRule("evh", 1, 256, r"[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?"),
    "log_analytics_workspace": NamingRule("log", 4, 63, _ALNUM_HYPHEN),
    "application_insights": NamingRule("appi", 1, 260, r"[a-zA-Z0-9]([a-zA-Z0-9._()-]*[a-zA-Z0-9_()-])?"),
    "monitor_workspace": NamingRule("amw", 4, 44, _ALNUM_HYPHEN),
    "managed_grafana": NamingRule("amg", 2, 23, r"[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]"),
    "action_group": NamingRule("ag", 1, 260, _ALNUM_HYPHEN),
    "front_door": NamingRule("afd", 1, 260, _ALNUM_HYPHEN),
    "application_gateway": NamingRule("agw", 1, 80, _NETWORK),
}
"""Kind -> rule. Kinds are spelled out; the abbreviation is what appears in the name."""


def region_code(location: str) -> str:
    """The short code of an Azure location (`westeurope` -> `weu`)."""
    try:
        return REGION_CODES[location]
    except KeyError:
        raise InvalidArgumentError(
            _COMPONENT, "location", location, f"use one of {', '.join(sorted(REGION_CODES))} or add its code to REGION_CODES"
        ) from None


def stable_suffix(*seed: str, length: int = 5) -> str:
    """A deterministic suffix of lower-case letters and digits (base 36 of a SHA-256 of the seed parts).

    Same seed, same suffix: use something stable and unique to the deployment (subscription id, stack)."""
    if not 1 <= length <= 8:
        raise InvalidArgumentError(_COMPONENT, "length", length, "use a suffix length from 1 to 8")
    number = int.from_bytes(hashlib.sha256("/".join(seed).encode()).digest(), "big")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(length):
        number, rest = divmod(number, 36)
        out.append(digits[rest])
    return "".join(out)


def resource_name(
    kind: str,
    *,
    workload: str,
    environment: str,
    region: str,
    instance: str | None = None,
    suffix: str | None = None,
) -> str:
    """`<abbr>-<workload>-<environment>-<region>[-<instance>][-<suffix>]` (no hyphens where the kind forbids them).

    Parts are lower-case letters and digits, optionally joined by single hyphens; `region` is a short code
    (`region_code("westeurope")`). Raises InvalidArgumentError when a part is malformed or the name breaks
    the kind's rule; never returns a name Azure would refuse.
    """
    rule = NAMING_RULES.get(kind)
    if rule is None:
        raise InvalidArgumentError(_COMPONENT, "kind", kind, f"use one of {', '.join(sorted(NAMING_RULES))}")
    parts = {"workload": workload, "environment": environment, "region": region}
    if instance is not None:
        parts["instance"] = instance
    for argument, value in parts.items():
        if not isinstance(value, str) or not _PART.match(value):
            raise InvalidArgumentError(
                _COMPONENT, argument, value, "use lower-case letters and digits, optionally joined by single hyphens"
            )
    if suffix is not None and not _SUFFIX.match(suffix):
        raise InvalidArgumentError(_COMPONENT, "suffix", suffix, "use 1 to 8 lower-case letters and digits")

    pieces = [rule.abbreviation, *parts.values(), *([suffix] if suffix is not None else [])]
    name = "-".join(pieces) if rule.hyphens else "".join(piece.replace("-", "") for piece in pieces)

    if len(name) > rule.max_length:
        spare = rule.max_length - (len(name) - len(workload.replace("-", "") if not rule.hyphens else workload))
        fix = (
            f"use a workload name of at most {spare} characters"
            if spare >= 1
            else "shorten the environment, instance or suffix: even a one-character workload does not fit"
        )
        raise InvalidArgumentError(
            _COMPONENT,
            "workload",
            workload,
            f"the {kind} name {name!r} has {len(name)} characters, more than the {rule.max_length} allowed; {fix}",
        )
    if not rule.check(name):
        raise InvalidArgumentError(
            _COMPONENT,
            "workload",
            workload,
            f"the {kind} name {name!r} breaks the rule {rule.min_length}-{rule.max_length} characters "
            f"matching {rule.pattern!r}; choose other name parts",
        )
    return name


def unique_resource_name(
    kind: str,
    *,
    workload: str,
    environment: str,
    region: str,
    suffix: pulumi.Input[str],
    instance: str | None = None,
    suffix_length: int = 5,
) -> pulumi.Output[str]:
    """`resource_name(...)` with a suffix that may be an Output (e.g. `RandomString(...).result`).

    The name is first checked with a placeholder suffix of `suffix_length` characters, so that a name that
    cannot fit fails when the program runs, not inside an apply during `pulumi up`.
    """
    if not isinstance(suffix, str):
        resource_name(kind, workload=workload, environment=environment, region=region, instance=instance,
                      suffix="0" * suffix_length)
    return pulumi.Output.from_input(suffix).apply(
        lambda value: resource_name(
            kind, workload=workload, environment=environment, region=region, instance=instance, suffix=value
        )
    )
