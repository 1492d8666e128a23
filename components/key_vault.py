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

__all__ = ["KeyVault", "KeyVaultArgs", "KeyVaultKeyArgs", "KeyVaultPublicAccessArgs"]

_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")
_SECRET_NAME = re.compile(r"^[0-9a-zA-Z-]{1,127}$")
_KEY_NAME = _SECRET_NAME  # the same rule for key names (ARM schema pattern ^[a-zA-Z0-9-]{1,127}$)
_KEY_TYPES = ("RSA", "RSA-HSM")
_KEY_SIZES = (2048, 3072, 4096)
_KEY_OPERATIONS = ("encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey")
# Key rotation policy limits (learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation, "Key rotation
# policy"): a rotation at least 7 days after creation and at least 7 days before expiry; Key Vault refuses an
# expiry time under 28 days (KeyRotationPolicy.ExpiresIn, learn.microsoft.com/dotnet/api/
# azure.security.keyvault.keys.keyrotationpolicy).
_MIN_ROTATION_DAYS = 7
_MIN_EXPIRY_DAYS = 28
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


class KeyVaultKeyArgs(TypedDict):
    rotate_after_days: int
    """Key Vault makes a new version of the key this many days after the current one was created (rotation
    policy: action rotate, trigger timeAfterCreate P<n>D), at least 7 and at least 7 days before
    `expires_after_days`. A consumer pinned to a versioned key URI (AKS KMS) keeps using the old version until it
    is given the new one: see AksKmsArgs.key_id."""
    expires_after_days: int
    """Every version made by a rotation expires this many days after its creation (rotation policy
    attributes.expiryTime P<n>D), at least 28. Key Vault applies it to versions made by rotation, not to the
    first version (learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation). For AKS KMS give at
    least twice `rotate_after_days`: the cluster's version and the one before it must stay valid until the next
    rotation (learn.microsoft.com/azure/aks/use-kms-etcd-encryption, "Rotate existing keys")."""
    kty: NotRequired[str]
    """One of RSA, RSA-HSM; RSA (software-protected) unless given. RSA-HSM (HSM-protected) needs the premium
    `sku`."""
    size_bits: NotRequired[int]
    """RSA modulus length, one of 2048, 3072, 4096; 2048 unless given."""
    notify_before_expiry_days: NotRequired[int]
    """An Event Grid near-expiry event (action notify, trigger timeBeforeExpiry) this many days before each version
    expires, at least 7 and less than `expires_after_days`; no notification unless given."""
    operations: NotRequired[Sequence[str]]
    """Operations the key permits, from encrypt, decrypt, sign, verify, wrapKey, unwrapKey (AKS KMS needs encrypt
    and decrypt); every operation of the key type unless given."""


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
    keys: NotRequired[Mapping[str, KeyVaultKeyArgs]]
    """Keys by Azure key name (1-127 letters, digits, hyphens), each with a rotation policy; none unless given.
    Azure creates a key through ARM only once: later changes to its type, size or rotation policy do not reach an
    existing key (Keys - Create If Not Exist, learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist);
    change the policy with `az keyvault key rotation-policy update`, or add a key under a new name. Deleting a key
    that encrypts data (AKS etcd) makes that data unrecoverable: keep `purge_protection` on."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the vault and its `keys` (a delete or replacement needs an explicit unprotect); off
    unless given."""
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
        self.keys: dict[str, keyvault.Key] = {
            key_name: keyvault.Key(
                f"{name}-key-{key_name}",
                _key_args(key_name, spec, args["resource_group_name"], vault.name, self._tags),
                opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect") or None),
            )
            for key_name, spec in (args.get("keys") or {}).items()
        }
        """Python only (the any-language schema references no other package's resources): the keys by the names of
        `keys`, empty without keys."""
        self.key_ids: dict[str, pulumi.Output[str]] = {k: key.key_uri_with_version for k, key in self.keys.items()}
        """Python only: the versioned URI (https://<vault>.vault.azure.net/keys/<name>/<version>) of each key of
        `keys`, by key name, empty without keys. It is the version Pulumi last read: after Key Vault rotates a key,
        `pulumi up --refresh` (or `pulumi refresh`) reads the new one."""
        self.key_resource_ids: dict[str, pulumi.Output[str]] = {k: key.id for k, key in self.keys.items()}
        """Python only: the ARM resource id of each key of `keys`, by key name (the scope of a role assignment on
        one key), empty without keys."""
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


def _key_args(
    key_name: str, spec: KeyVaultKeyArgs, resource_group_name: pulumi.Input[str], vault_name: pulumi.Input[str],
    tags: Mapping[str, str],
) -> keyvault.KeyArgs:
    """A key with its rotation policy, in the ARM shape of Microsoft.KeyVault/vaults/keys (rotationPolicy:
    attributes.expiryTime and lifetimeActions, durations in ISO 8601; learn.microsoft.com/azure/key-vault/keys/
    how-to-configure-key-rotation, "Configure key rotation with ARM template")."""
    actions = [
        keyvault.LifetimeActionArgs(
            action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.ROTATE),
            trigger=keyvault.TriggerArgs(time_after_create=f"P{spec['rotate_after_days']}D"),
        )
    ]
    if "notify_before_expiry_days" in spec:
        actions.append(
            keyvault.LifetimeActionArgs(
                action=keyvault.ActionArgs(type=keyvault.KeyRotationPolicyActionType.NOTIFY),
                trigger=keyvault.TriggerArgs(time_before_expiry=f"P{spec['notify_before_expiry_days']}D"),
            )
        )
    operations = list(spec.get("operations") or [])
    return keyvault.KeyArgs(
        resource_group_name=resource_group_name,
        vault_name=vault_name,
        key_name=key_name,
        properties=keyvault.KeyPropertiesArgs(
            kty=keyvault.JsonWebKeyType(spec.get("kty", "RSA")),
            key_size=spec.get("size_bits", 2048),
            key_ops=[keyvault.JsonWebKeyOperation(op) for op in operations] or None,
            rotation_policy=keyvault.RotationPolicyArgs(
                attributes=keyvault.KeyRotationPolicyAttributesArgs(expiry_time=f"P{spec['expires_after_days']}D"),
                lifetime_actions=actions,
            ),
        ),
        tags=dict(tags) or None,
    )


def _key_rules(key_name: str, spec: KeyVaultKeyArgs, sku: str) -> list[Rule]:
    """One key's rows (a function per key, so that each row's predicate sees its own key's values)."""
    where = f"keys[{key_name!r}]"
    rotate, expires = spec["rotate_after_days"], spec["expires_after_days"]
    return [
        (where, key_name, lambda v: not _KEY_NAME.match(v), "name keys with 1-127 letters, digits and hyphens (Key Vault's rule)"),
        (f"{where}.kty", spec.get("kty", "RSA"), lambda v: v not in _KEY_TYPES, f"use one of {', '.join(_KEY_TYPES)}"),
        (f"{where}.kty", spec.get("kty", "RSA"), lambda v: v == "RSA-HSM" and sku != "premium",
         f"HSM-protected keys need a premium vault (sku is {sku!r}): set sku 'premium' or use kty 'RSA'"),
        (f"{where}.size_bits", spec.get("size_bits", 2048), lambda v: v not in _KEY_SIZES,
         f"use one of {', '.join(map(str, _KEY_SIZES))}"),
        (f"{where}.rotate_after_days", rotate, lambda v: v < _MIN_ROTATION_DAYS,
         f"rotate at least {_MIN_ROTATION_DAYS} days after creation (Key Vault's minimum)"),
        (f"{where}.expires_after_days", expires, lambda v: v < _MIN_EXPIRY_DAYS,
         f"give at least {_MIN_EXPIRY_DAYS} days (Key Vault's minimum expiry time)"),
        (f"{where}.rotate_after_days", rotate, lambda v: v > expires - _MIN_ROTATION_DAYS,
         f"rotate at least {_MIN_ROTATION_DAYS} days before the version expires (expires_after_days is "
         f"{expires}): give at most {expires - _MIN_ROTATION_DAYS}, or a later expiry"),
        (f"{where}.notify_before_expiry_days", spec.get("notify_before_expiry_days"),
         lambda v: v is not None and not _MIN_ROTATION_DAYS <= v < expires,
         f"give {_MIN_ROTATION_DAYS} or more days, fewer than expires_after_days ({expires})"),
        (f"{where}.operations", spec.get("operations"), lambda v: v is not None and not v,
         "list at least one operation, or leave operations out to permit all of the key type's"),
        *((f"{where}.operations", op, lambda v: v not in _KEY_OPERATIONS, f"use operations from {', '.join(_KEY_OPERATIONS)}")
          for op in spec.get("operations") or []),
    ]


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
    sku = args.get("sku", "standard")
    for key_name, spec in (args.get("keys") or {}).items():
        rows += _key_rules(key_name, spec, sku)
    return rows
