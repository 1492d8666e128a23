"""A Key Vault: RBAC only, soft delete and purge protection, private by default, audited."""

import datetime as dt
import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import keyvault, network

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    LockArgs,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_private_endpoints,
    apply_role_assignments,
    write_vault_secret,
)
from sentimark_platform.components._naming import NAMING_RULES
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments
from sentimark_platform.components.errors import InvalidArgumentError

__all__ = ["KeyVault", "KeyVaultArgs", "KeyVaultPublicAccessArgs"]

_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_SECRET_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
# Ranges that never arrive at a public endpoint: RFC 1918, shared (CGNAT), loopback, link-local, "this network".
_NON_PUBLIC = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8")
)


class KeyVaultPublicAccessArgs(TypedDict):
    allowed_ip_ranges: Sequence[str]
    """Public IPv4 addresses or CIDRs allowed through the firewall; everything else stays denied."""
    allowed_subnet_ids: NotRequired[Sequence[pulumi.Input[str]]]
    """Subnets (with a Microsoft.KeyVault service endpoint) allowed through the firewall: traffic from them carries
    private addresses that no IP rule matches; none unless given."""


class KeyVaultArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the vault."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant that authenticates requests to the vault."""
    location: NotRequired[pulumi.Input[str]]
    """Azure region; the resource group's unless given."""
    resource_name: NotRequired[pulumi.Input[str]]
    """Azure name (3-24 letters, digits, hyphens; globally unique): use the naming helper with a suffix.
    With purge protection a deleted vault's name stays reserved for the retention period
    (learn.microsoft.com/azure/key-vault/general/soft-delete-overview), so a stack that must be destroyed and
    created again needs a suffix that changes with each creation (a pulumi_random.RandomString result, checked
    once known). Pulumi auto-names the vault from the component name unless given."""
    sku: NotRequired[str]
    """One of standard, premium; standard unless given (premium adds HSM-backed keys)."""
    soft_delete_retention_days: NotRequired[int]
    """Days a deleted vault or secret stays recoverable, 7-90; 90 unless given (cannot change after creation)."""
    purge_protection: NotRequired[bool]
    """On unless given: nobody can purge a deleted vault or secret before the retention ends. Once on, Azure
    never lets it be turned off."""
    public_network_access: NotRequired[KeyVaultPublicAccessArgs]
    """Open the public endpoint to the listed IP ranges only (firewall default action stays Deny). Unless
    given, public network access is Disabled and the vault is reached through `private_endpoints`."""
    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints (group id "vault") by key; none unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """RBAC role assignments on the vault by key (e.g. "Key Vault Secrets User" for a workload identity)."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """AuditEvent logs (category group "audit" or "allLogs") and metrics to a workspace; none unless given."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the vault (a delete or replacement needs an explicit unprotect); off unless given."""
    lock: NotRequired[LockArgs]
    """A management lock on the vault; none unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags; the stack's FinOps tags."""


class KeyVault(pulumi.ComponentResource):
    """An RBAC-authorised Key Vault, private unless explicitly opened to IP ranges."""

    name: pulumi.Output[str]
    """Azure name of the vault."""
    resource_id: pulumi.Output[str]
    """Resource id of the vault (the scope of its role assignments)."""
    vault_uri: pulumi.Output[str]
    """The vault's URI, `https://<name>.vault.azure.net/`."""

    def __init__(self, name: str, args: KeyVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("KeyVault", args, KeyVaultArgs, lambda: _rules(args))
        super().__init__("sentimark:index:KeyVault", name, None, opts)
        self._component_name = name
        self._resource_group_name = args["resource_group_name"]
        self._tags = merge_tags(args.get("tags") or {}, None)
        public = args.get("public_network_access")

        vault = keyvault.Vault(
            f"{name}-kv",
            keyvault.VaultArgs(
                resource_group_name=args["resource_group_name"],
                location=args.get("location"),
                vault_name=args.get("resource_name"),
                properties=keyvault.VaultPropertiesArgs(
                    tenant_id=args["tenant_id"],
                    sku=keyvault.SkuArgs(family="A", name=keyvault.SkuName(args.get("sku", "standard"))),
                    enable_rbac_authorization=True,
                    enable_soft_delete=True,
                    soft_delete_retention_in_days=args.get("soft_delete_retention_days", 90),
                    # Azure refuses `false` here; leaving it out is the only way to not enable it.
                    enable_purge_protection=True if args.get("purge_protection", True) else None,
                    enabled_for_deployment=False,
                    enabled_for_disk_encryption=False,
                    enabled_for_template_deployment=False,
                    public_network_access="Enabled" if public is not None else "Disabled",
                    network_acls=keyvault.NetworkRuleSetArgs(
                        default_action="Deny",
                        bypass="AzureServices",
                        ip_rules=(
                            [keyvault.IPRuleArgs(value=r) for r in public["allowed_ip_ranges"]] if public else None
                        ),
                        virtual_network_rules=(
                            [keyvault.VirtualNetworkRuleArgs(id=s) for s in public.get("allowed_subnet_ids") or []]
                            if public and public.get("allowed_subnet_ids") else None
                        ),
                    ),
                ),
                tags=self._tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect") or None),
        )

        self.private_endpoints: dict[str, network.PrivateEndpoint] = apply_private_endpoints(
            name,
            resource_id=vault.id,
            endpoints=args.get("private_endpoints"),
            default_group_id="vault",
            resource_group_name=args["resource_group_name"],
            location=args.get("location"),
            tags=self._tags,
            parent=self,
        )
        """Python only (the any-language schema references no other package's resources): the private endpoints
        by the keys of `private_endpoints`, empty without any, for a caller's DNS records, policies or diagnostics."""
        apply_role_assignments(name, scope_id=vault.id, assignments=args.get("role_assignments"), parent=self)
        apply_diagnostic_settings(name, resource_id=vault.id, settings=args.get("diagnostic_settings"), parent=self)
        apply_lock(name, scope_id=vault.id, lock=args.get("lock"), parent=self)

        self.name = vault.name
        self.resource_id = vault.id
        self.vault_uri = vault.properties.apply(lambda p: p.vault_uri)
        self.register_outputs({"name": self.name, "resource_id": self.resource_id, "vault_uri": self.vault_uri})

    def write_secret(
        self,
        key: str,
        *,
        secret_name: str,
        value: pulumi.Input[str],
        content_type: str,
        expires_on: dt.datetime | None = None,
    ) -> keyvault.Secret:
        """Store a secret in this vault (through `write_vault_secret`: the value stays secret); the Pulumi
        child is named "<component>-<key>-secret". Return the Secret; expose only `secret_name` onwards."""
        if not _SECRET_NAME.match(secret_name):
            raise InvalidArgumentError(
                "KeyVault", "secret_name", secret_name, "use 1-127 letters, digits and hyphens (Key Vault's rule)"
            )
        return write_vault_secret(
            f"{self._component_name}-{key}",
            vault_name=self.name,
            resource_group_name=self._resource_group_name,
            secret_name=secret_name,
            value=value,
            content_type=content_type,
            expires_on=expires_on,
            tags=self._tags,
            parent=self,
        )


def _public_ip_range(value: object) -> bool:
    try:
        network = ipaddress.ip_network(str(value), strict=True)
    except ValueError:
        return False
    return isinstance(network, ipaddress.IPv4Network) and not any(network.overlaps(r) for r in _NON_PUBLIC)


def _rules(args: KeyVaultArgs) -> list[Rule]:
    retention = args.get("soft_delete_retention_days", 90)
    public = args.get("public_network_access")
    tenant = args["tenant_id"]
    rule = NAMING_RULES["key_vault"]
    name = args.get("resource_name")  # an Output (a random suffix) is checked once known, by Azure
    checks: list[tuple[bool, str, object, str]] = [
        # (is wrong, argument, value, fix)
        (isinstance(retention, bool) or not isinstance(retention, int) or not 7 <= retention <= 90,
         "soft_delete_retention_days", retention, "use a whole number of days from 7 to 90 (Azure's range)"),
        (isinstance(tenant, str) and not _GUID.match(tenant), "tenant_id", tenant, "give the tenant's GUID"),
        (isinstance(name, str) and not rule.check(name), "resource_name", name,
         "use 3-24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no '--' "
         "(build it with resource_name('key_vault', ...))"),
        (public is not None and not public.get("allowed_ip_ranges"), "public_network_access", public,
         "list at least one allowed IP range, or leave public_network_access out to keep the vault private"),
    ]
    rows: list[Rule] = [(argument, value, is_wrong, fix) for is_wrong, argument, value, fix in checks]
    rows += [("public_network_access.allowed_ip_ranges", value, lambda v: not _public_ip_range(v),
              "give public IPv4 addresses or CIDRs such as 203.0.113.0/24 (private ranges never reach the public endpoint)")
             for value in (public["allowed_ip_ranges"] if public else [])]
    rows += [(f"private_endpoints[{key!r}].group_id", endpoint.get("group_id", "vault"), lambda v: v != "vault",
              "use 'vault' or leave it out") for key, endpoint in (args.get("private_endpoints") or {}).items()]
    return rows
