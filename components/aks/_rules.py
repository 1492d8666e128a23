"""AksCluster's argument rules, as a table: each row is (argument, value, is_bad, fix)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sentimark_platform.components._validation import Rule, ipv4_network
from sentimark_platform.components.aks.args import DEFAULT_KMS_NETWORK_ACCESS, AksClusterArgs, AksKmsArgs

__all__ = ["rules"]

_COMPONENT = "AksCluster"
_MIN_MAX_PODS = 50
_POOL_NAME = re.compile(r"^[a-z][a-z0-9]{0,11}$")
_TAINT = re.compile(r"^[A-Za-z0-9./_-]+=[A-Za-z0-9._-]*:(NoSchedule|PreferNoSchedule|NoExecute)$")
_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
_UTC_OFFSET = re.compile(r"^[+-](0[0-9]|1[0-4]):[0-5][0-9]$")
_DNS_PREFIX = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,52}[A-Za-z0-9])?$")
_AKS_ZONE = re.compile(r"^([a-z0-9-]{1,32}\.)?privatelink\.[a-z0-9]+\.azmk8s\.io$")
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_KMS_NETWORK_ACCESS = ("Private", "Public")
# A versioned Key Vault key identifier: the vault's host, /keys/<name>/<version> (32 hex digits); AKS takes no
# versionless id (azure-cli acs/_validators.py validate_azure_keyvault_kms_key_id wants exactly four segments).
_VERSIONED_KEY_ID = re.compile(
    r"^https://(?P<vault>[A-Za-z0-9-]{3,24})\.vault\.(azure\.net|azure\.cn|usgovcloudapi\.net)(:443)?"
    r"/keys/[A-Za-z0-9-]{1,127}/[0-9a-fA-F]{32}$"
)
_VAULT_ID = re.compile(r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/(?P<vault>[^/]+)$",
                       re.IGNORECASE)
_SUBNET_ID = re.compile(r"^(?P<vnet>/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/"
                        r"virtualNetworks/[^/]+)/subnets/[^/]+$", re.IGNORECASE)


def _vnet(subnet_id: object) -> str | None:
    match = _SUBNET_ID.match(subnet_id) if isinstance(subnet_id, str) else None
    return match["vnet"].lower() if match else None


def _kms_rules(args: AksClusterArgs, kms: AksKmsArgs) -> list[Rule]:
    """KMS with a Key Vault key (learn.microsoft.com/azure/aks/use-kms-etcd-encryption)."""
    access = kms.get("network_access", DEFAULT_KMS_NETWORK_ACCESS)
    key_id, vault_id = kms["key_id"], kms["key_vault_id"]
    key_match = _VERSIONED_KEY_ID.match(key_id) if isinstance(key_id, str) else None
    vault_match = _VAULT_ID.match(vault_id) if isinstance(vault_id, str) else None
    return [
        ("kms.network_access", access, lambda v: v not in _KMS_NETWORK_ACCESS, f"use one of {', '.join(_KMS_NETWORK_ACCESS)}"),
        ("kms.key_id", key_id, lambda v: not _VERSIONED_KEY_ID.match(v),
         "give the versioned key URI, https://<vault>.vault.azure.net/keys/<name>/<version> (a KeyVault's "
         "key_ids[<name>]): AKS takes no key id without its version"),
        ("kms.key_vault_id", vault_id, lambda v: not _VAULT_ID.match(v),
         "give the vault's resource id, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.KeyVault/vaults/<name> "
         "(a KeyVault's resource_id)"),
        ("kms.key_vault_id", vault_id,
         bool(key_match and vault_match and key_match["vault"].lower() != vault_match["vault"].lower()),
         f"give the vault that holds kms.key_id (vault {key_match['vault'] if key_match else '?'!r})"),
        ("api_server_subnet_id", args.get("api_server_subnet_id"), lambda v: access == "Private" and v is None,
         "a private key vault is reached from the API server through API Server VNet Integration: give "
         "api_server_subnet_id (a /28 or larger subnet delegated to Microsoft.ContainerService/managedClusters), "
         "or set kms.network_access 'Public' for a vault open to all networks"),
    ]


def _api_server_subnet_rules(args: AksClusterArgs) -> list[Rule]:
    """API Server VNet Integration (learn.microsoft.com/azure/aks/api-server-vnet-integration)."""
    subnet = args.get("api_server_subnet_id")
    nodes = args.get("node_subnet_id")
    if subnet is None:
        return []
    return [
        ("api_server_subnet_id", subnet, lambda v: _vnet(v) is None,
         "give a subnet resource id, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/"
         "virtualNetworks/<vnet>/subnets/<subnet>"),
        ("node_subnet_id", nodes, lambda v: v is None,
         "the API server subnet is a subnet of the nodes' virtual network: give node_subnet_id too"),
        ("api_server_subnet_id", subnet, lambda v: isinstance(nodes, str) and v.lower() == nodes.lower(),
         "give a subnet of its own, delegated to Microsoft.ContainerService/managedClusters (nodes cannot share it)"),
        ("api_server_subnet_id", subnet, lambda v: _vnet(nodes) is not None and _vnet(v) != _vnet(nodes),
         "give a subnet of the nodes' virtual network (the one of node_subnet_id)"),
    ]


def rules(args: AksClusterArgs) -> list[Rule]:
    """(argument, value, is_bad, fix) rows: the AksCluster rules beside its field checks (components/_validation.py)."""
    system = args["system_pool"]
    private = args.get("private_cluster", True)
    ranges = list(args.get("api_server_authorized_ip_ranges") or [])
    rows: list[Rule] = [
        ("system_pool.name", system.get("name", "system"), lambda v: not _POOL_NAME.match(v),
         "use 1-12 lowercase letters and digits, starting with a letter"),
        ("system_pool.node_count", system["node_count"], lambda v: v < 1, "give at least 1 system node (3 for production)"),
        ("system_pool.max_count", system.get("max_count"), lambda v: v is not None and v < system["node_count"],
         "give a maximum of at least system_pool.node_count, or leave it out for a fixed size"),
        ("system_pool.max_pods", system.get("max_pods", 110), lambda v: v < _MIN_MAX_PODS,
         f"give at least {_MIN_MAX_PODS} (system add-ons alone need dozens of pods per node)"),
        ("node_subnet_id", args.get("node_subnet_id"), lambda v: private and v is None,
         "a private cluster needs the node subnet id (its API server endpoint goes there); give node_subnet_id "
         "or set private_cluster False with api_server_authorized_ip_ranges"),
        ("api_server_authorized_ip_ranges", ranges, lambda v: private and bool(v) and not args.get("allow_open_api_server"),
         "a private cluster's API server has no public endpoint to restrict; leave the ranges out"),
        ("api_server_authorized_ip_ranges", ranges, lambda v: not private and not v and not args.get("allow_open_api_server"),
         "a public API server needs authorized IPv4 ranges such as ['203.0.113.0/24'], "
         "or set allow_open_api_server True to accept an API server open to the internet"),
        *(("api_server_authorized_ip_ranges", r, lambda v: ipv4_network(v) is None,
           "give IPv4 CIDRs in network form, such as '203.0.113.0/24' or '198.51.100.7/32'") for r in ranges),
        *((a, args.get(a), lambda v: v is not None and ipv4_network(v) is None, "give an IPv4 CIDR such as '10.244.0.0/16'")
          for a in ("pod_cidr", "service_cidr")),
        ("dns_service_ip", args.get("dns_service_ip"), lambda v: "service_cidr" in args and v is None,
         "give the cluster DNS address inside service_cidr (e.g. its .10) when setting service_cidr"),
        ("dns_prefix", args.get("dns_prefix"), lambda v: v is not None and not _DNS_PREFIX.match(v),
         "use 1-54 letters, digits and hyphens, starting and ending with a letter or digit"),
        ("defender", args.get("defender", False), lambda v: v and args.get("log_analytics_workspace_id") is None,
         "Defender reports to a Log Analytics workspace: give log_analytics_workspace_id"),
        ("private_dns_zone_id", args.get("private_dns_zone_id"), lambda v: v is not None and not private,
         "a private DNS zone is for a private API server: leave it out, or set private_cluster True"),
        ("private_dns_zone_id", args.get("private_dns_zone_id"),
         lambda v: isinstance(v, str) and not _AKS_ZONE.match(v.rsplit("/", 1)[-1]),
         "give the id of a zone named privatelink.<region>.azmk8s.io or <subzone>.privatelink.<region>.azmk8s.io "
         "(AKS refuses other names)"),
        ("managed_identities", args.get("managed_identities"),
         lambda v: v is not None and args.get("private_dns_zone_id") is not None,
         "with private_dns_zone_id the component creates the control plane's identity and grants it the zone; "
         "leave managed_identities out"),
        ("managed_identities", args.get("managed_identities"),
         lambda v: v is not None and (args.get("kms") is not None or args.get("api_server_subnet_id") is not None),
         "with kms or api_server_subnet_id the component creates the control plane's identity and grants it the "
         "vault and subnet roles before the cluster exists; leave managed_identities out"),
        ("managed_identities.user_assigned_resource_ids",
         (args.get("managed_identities") or {}).get("user_assigned_resource_ids"), lambda v: v is not None and len(v) > 1,
         "AKS takes exactly one user-assigned control-plane identity"),
    ]
    kms = args.get("kms")
    rows += _api_server_subnet_rules(args) + (_kms_rules(args, kms) if kms is not None else [])
    windows = (("upgrade_window", args.get("upgrade_window")), ("node_os_upgrade_window", args.get("node_os_upgrade_window")))
    for window_arg, window in windows:
        if window is not None:
            rows += [
                (f"{window_arg}.day_of_week", window["day_of_week"], lambda v: v not in _DAYS, f"use one of {', '.join(_DAYS)}"),
                (f"{window_arg}.start_time", window["start_time"], lambda v: not _HH_MM.match(v), 'use "HH:mm", e.g. "02:00"'),
                (f"{window_arg}.duration_hours", window.get("duration_hours", 4), lambda v: not 4 <= v <= 24,
                 "give 4 to 24 hours (Azure's limits)"),
                (f"{window_arg}.utc_offset", window.get("utc_offset", "+00:00"), lambda v: not _UTC_OFFSET.match(v),
                 'use "+HH:mm" or "-HH:mm", e.g. "+01:00"'),
            ]
    for key, pool in (args.get("user_pools") or {}).items():
        where = f"user_pools[{key!r}]"
        rows += [
            (where, key, lambda v: not _POOL_NAME.match(v) or v == system.get("name", "system"),
             "name user pools with 1-12 lowercase letters and digits, starting with a letter, unlike the system pool"),
            (f"{where}.min_count", pool["min_count"], lambda v: v < 0, "give 0 or more"),
            (f"{where}.max_count", pool["max_count"], _below(max(pool["min_count"], 1)),
             f"give a maximum of at least min_count ({pool['min_count']}) and at least 1"),
            (f"{where}.max_pods", pool.get("max_pods", 110), lambda v: v < _MIN_MAX_PODS, f"give at least {_MIN_MAX_PODS}"),
            *((f"{where}.taints", t, lambda v: not _TAINT.match(v), 'use "key=value:NoSchedule|PreferNoSchedule|NoExecute"')
              for t in pool.get("taints") or []),
        ]
    return rows


def _below(minimum: int) -> Callable[[Any], bool]:
    return lambda v: v < minimum


