"""Redis: Azure Managed Redis (redisenterprise) and the classic Azure Cache for Redis (being retired)."""

from __future__ import annotations

from ._base import Resource, Rule, expect, lookup, shown

CLASSIC = "azure-native:redis:Redis"
MANAGED = "azure-native:redisenterprise:RedisEnterprise"
MANAGED_DATABASE = "azure-native:redisenterprise:Database"


def classic_non_ssl_port_disabled(resource: Resource) -> list[str]:
    if lookup(resource.inputs, "enableNonSslPort") is True:
        return ["enableNonSslPort is true; close the plain-text port 6379 (TLS on 6380 only)"]
    return []


def minimum_tls(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "minimumTlsVersion")
    if value in ("1.2", "1.3"):
        return []
    if value is None and resource.type == MANAGED:
        return []  # Azure Managed Redis refuses TLS 1.0 and 1.1 whatever is sent; 1.2 is its floor
    return [f"minimumTlsVersion is {shown(value)}; set 1.2"]


def encrypted_client_protocol(resource: Resource) -> list[str]:
    return expect(resource.inputs, "clientProtocol", "Encrypted", "clients must connect with TLS (clientProtocol Encrypted)")


def access_keys_disabled(resource: Resource) -> list[str]:
    if resource.type == MANAGED_DATABASE:
        return expect(resource.inputs, "accessKeysAuthentication", "Disabled",
                      "authenticate with Entra ID and turn access keys off (accessKeysAuthentication Disabled)")
    value = lookup(resource.inputs, "disableAccessKeyAuthentication")
    if value is True:
        return []
    return [f"disableAccessKeyAuthentication is {shown(value)}; authenticate with Entra ID and turn access keys off"]


def public_network_disabled(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "publicNetworkAccess")
    if value == "Disabled":
        return []
    return [f"publicNetworkAccess is {shown(value)}; reach Redis through a private endpoint (publicNetworkAccess Disabled)"]


RULES = (
    Rule("redis-non-ssl-port-disabled", "Azure Cache for Redis has its plain-text port closed.", "high",
         ("MCSB Redis DP-3",), classic_non_ssl_port_disabled, frozenset({CLASSIC})),
    Rule("redis-minimum-tls", "Redis requires TLS 1.2 or later.", "high", ("MCSB Redis DP-3",),
         minimum_tls, frozenset({CLASSIC, MANAGED})),
    Rule("redis-encrypted-client-protocol", "Azure Managed Redis databases accept TLS connections only.", "high",
         ("MCSB Redis DP-3",), encrypted_client_protocol, frozenset({MANAGED_DATABASE})),
    Rule("redis-access-keys-disabled", "Redis access keys are off; clients use Entra ID.", "medium",
         ("MCSB Redis IM-1",), access_keys_disabled, frozenset({CLASSIC, MANAGED_DATABASE})),
    Rule("redis-public-network-disabled", "Redis has no public endpoint.", "high", ("MCSB Redis NS-2",),
         public_network_disabled, frozenset({CLASSIC, MANAGED})),
)
