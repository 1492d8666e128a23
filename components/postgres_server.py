"""Azure Database for PostgreSQL Flexible Server: private or allow-listed, Entra + vaulted password, HA on request."""

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_random as random
from pulumi_azure_native import dbforpostgresql as pg

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    IsoDate,
    LockArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_role_assignments,
    expiry_datetime,
    write_vault_secret,
)
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = [
    "PostgresDatabaseArgs",
    "PostgresEntraAdminArgs",
    "PostgresMaintenanceWindowArgs",
    "PostgresServer",
    "PostgresServerArgs",
    "firewall_rules_for",
]

_COMPONENT = "PostgresServer"
_SECRET_NAME = re.compile(r"^[A-Za-z0-9-]{1,127}$")
_LOGIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_RESERVED_LOGINS = {"azure_superuser", "azure_pg_admin", "admin", "administrator", "root", "guest", "public"}
# Azure accepts any non-alphanumeric; these are also safe inside libpq URIs and shell-quoted strings.
_PASSWORD_SPECIALS = "!#%*-_=+?"


class PostgresEntraAdminArgs(TypedDict):
    object_id: pulumi.Input[str]
    """Object id of the Entra ID group that administers the server."""
    principal_name: pulumi.Input[str]
    """Display name of that group (the PostgreSQL role name Azure creates for it)."""


class PostgresDatabaseArgs(TypedDict):
    collation: NotRequired[str]
    """en_US.utf8 unless given (charset is always UTF8)."""


class PostgresMaintenanceWindowArgs(TypedDict):
    day_of_week: int
    """0 (Sunday) to 6 (Saturday)."""
    start_hour: int
    """0 to 23, UTC."""
    start_minute: NotRequired[int]
    """0 unless given."""


class PostgresServerArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the server."""
    tenant_id: pulumi.Input[str]
    """Entra ID tenant for Entra authentication."""
    entra_admin: PostgresEntraAdminArgs
    """The Entra ID group that administers the server (principal type Group)."""
    key_vault_name: pulumi.Input[str]
    """Key Vault that receives the administrator password (the caller's vault; RBAC-enabled)."""
    sku_tier: str
    """Compute tier, one of Burstable, GeneralPurpose, MemoryOptimized."""
    sku_name: str
    """Compute size, e.g. Standard_B1ms or Standard_D4ds_v5."""
    storage_size_gb: int
    """Provisioned storage in GB (32 to 32767)."""
    key_vault_resource_group_name: NotRequired[pulumi.Input[str]]
    """The server's resource group unless given."""
    resource_name: NotRequired[str]
    """Azure name of the server; Pulumi auto-names it from the component name unless given."""
    location: NotRequired[pulumi.Input[str]]
    """The resource group's location unless given."""
    version: NotRequired[str]
    """Major version, one of "13", "14", "15", "16", "17"; PostgreSQL 16 unless given."""
    storage_auto_grow: NotRequired[bool]
    """Storage grows automatically near full unless set to False."""
    high_availability: NotRequired[bool]
    """Zone-redundant HA (standby in another zone) when True; no standby unless given. Not on Burstable."""
    availability_zone: NotRequired[str]
    """Azure picks the primary zone unless given; later drift of the zone (failover) is ignored."""
    backup_retention_days: NotRequired[int]
    """7 unless given; 7 to 35."""
    geo_redundant_backup: NotRequired[bool]
    """Backups stay in the region unless True (fixed at creation: changing it replaces the server)."""
    public_access: NotRequired[bool]
    """Private access (VNet integration) unless True. Public access admits only `firewall_rules`."""
    delegated_subnet_id: NotRequired[pulumi.Input[str]]
    """Subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers; required for private access."""
    private_dns_zone_id: NotRequired[pulumi.Input[str]]
    """Private DNS zone (privatelink.postgres.database.azure.com) linked to the VNet; required for private access."""
    firewall_rules: NotRequired[Mapping[str, str]]
    """Public access only: rule name -> IPv4 address, CIDR (10.0.0.0/24) or range (1.2.3.4-1.2.3.9).
    No rule (nobody can connect) unless given. The 0.0.0.0 "all Azure services" rule is refused."""
    password_auth: NotRequired[bool]
    """Password authentication on, with a generated administrator password in the Key Vault, unless False
    (then Entra ID only). Turning it off on a running server updates it in place: the server keeps its login (the
    password in the vault stays valid for no sign-in) and the component stops managing the password."""
    administrator_login: NotRequired[str]
    """pgadmin unless given (fixed for the server's lifetime)."""
    admin_password_secret_name: NotRequired[str]
    """Key Vault secret name of the administrator password; f"{name}-pg-admin-password" unless given."""
    log_retention_days: NotRequired[int]
    """Server log files kept 7 days unless given; 4 to 7 (logfiles.retention_days)."""
    server_parameters: NotRequired[Mapping[str, str]]
    """Extra server parameters (user-override), applied after the secure ones and winning over them."""
    databases: NotRequired[Mapping[str, PostgresDatabaseArgs]]
    """Databases by name (UTF8). None unless given."""
    maintenance_window: NotRequired[PostgresMaintenanceWindowArgs]
    """System-managed window unless given."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """No diagnostic setting unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Control-plane role assignments on the server; none unless given."""
    lock: NotRequired[LockArgs]
    """No management lock unless given."""
    secret_expires_on: NotRequired[IsoDate]
    """Expiry date (ISO, e.g. 2026-12-31; a `datetime.date` in Python) of every Key Vault secret this component writes (rotate before it); no expiry unless given. A new date also regenerates the administrator password: that is how it is rotated."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the server (a delete needs an explicit unprotect) when True; off unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags; the stack's FinOps tags."""


class PostgresServer(pulumi.ComponentResource):
    """A PostgreSQL Flexible Server with secure server parameters, databases and an Entra admin group."""

    resource_id: pulumi.Output[str]
    """Resource id of the server."""
    name: pulumi.Output[str]
    """Azure name of the server."""
    fqdn: pulumi.Output[str]
    """Host name clients connect to (`<name>.postgres.database.azure.com`)."""
    administrator_login: str | None
    """The administrator login (None without password auth)."""
    admin_password_secret_name: str | None
    """Name of the Key Vault secret holding the administrator password (None without password auth)."""

    def __init__(self, name: str, args: PostgresServerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("PostgresServer", args, PostgresServerArgs, lambda: _rules(args))
        super().__init__("sentimark:index:PostgresServer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = merge_tags(args.get("tags") or {}, None)
        rg = args["resource_group_name"]
        ha = bool(args.get("high_availability", False))
        password_auth = args.get("password_auth", True)
        login = args.get("administrator_login", "pgadmin") if password_auth else None
        secret_name = args.get("admin_password_secret_name", f"{name}-pg-admin-password") if password_auth else None

        password = None
        if password_auth:
            password = random.RandomPassword(
                f"{name}-pwd",
                random.RandomPasswordArgs(
                    length=40, special=True, override_special=_PASSWORD_SPECIALS,
                    min_lower=2, min_upper=2, min_numeric=2, min_special=2,
                    # A new expiry date is a rotation: a new password, written to the vault with that date.
                    keepers={"expiresOn": str(args["secret_expires_on"])} if args.get("secret_expires_on") else None,
                ),
                opts=child,
            )

        # Azure swaps primary and standby zones on failover; without this every preview after one shows drift.
        # Marked secret here too: the engine honours RandomPassword's additional_secret_outputs, the offline
        # engine does not, and the plan must never hold the value.
        admin_password: pulumi.Output[str] | None = (
            pulumi.Output.secret(cast(Any, password.result)) if password is not None else None
        )
        ignore = ["availabilityZone", "highAvailability.standbyAvailabilityZone"] if ha else []
        if not password_auth:
            # A server created with password sign-in keeps its administrator login for life (ARM: "cannot be changed
            # for the rest of the life of a server"), and pulumi-azure-native replaces a server whose login input
            # goes away (pulumi/pulumi-azure-native#3869). Turning passwords off must therefore leave the login
            # inputs alone: ignored, they are never compared, and a new server is simply created without them.
            ignore += ["administratorLogin", "administratorLoginPassword"]
        server = pg.Server(
            f"{name}-psql",
            pg.ServerArgs(
                resource_group_name=rg,
                server_name=args.get("resource_name"),
                location=args.get("location"),
                version=args.get("version", "16"),
                sku=pg.SkuArgs(name=args["sku_name"], tier=args["sku_tier"]),
                storage=pg.StorageArgs(
                    storage_size_gb=args["storage_size_gb"],
                    auto_grow="Enabled" if args.get("storage_auto_grow", True) else "Disabled",
                ),
                availability_zone=args.get("availability_zone"),
                high_availability=pg.HighAvailabilityArgs(mode="ZoneRedundant" if ha else "Disabled"),
                backup=pg.BackupArgs(
                    backup_retention_days=args.get("backup_retention_days", 7),
                    geo_redundant_backup="Enabled" if args.get("geo_redundant_backup", False) else "Disabled",
                ),
                network=_network(args),
                auth_config=pg.AuthConfigArgs(
                    active_directory_auth="Enabled",
                    password_auth="Enabled" if password_auth else "Disabled",
                    tenant_id=args["tenant_id"],
                ),
                administrator_login=login,
                administrator_login_password=admin_password,
                maintenance_window=_maintenance(args.get("maintenance_window")),
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=args.get("protect") or None,
                ignore_changes=ignore,
                additional_secret_outputs=["administratorLoginPassword"],
            ),
        )

        if admin_password is not None and secret_name is not None:
            write_vault_secret(
                f"{name}-admin",
                vault_name=args["key_vault_name"],
                resource_group_name=args.get("key_vault_resource_group_name", rg),
                secret_name=secret_name,
                value=admin_password,
                content_type="text/plain",
                expires_on=expiry_datetime(args.get("secret_expires_on")),
                tags=tags,
                parent=self,
            )

        # A flexible server accepts one change at a time (ServerIsBusy otherwise: azurerm #28298,
        # Azure/ResourceModules #3324), so every child waits for the previous one.
        previous: pulumi.Resource = server

        def next_in_line() -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=self, depends_on=[previous])

        entra = args["entra_admin"]
        previous = pg.Administrator(
            f"{name}-entra-admin",
            pg.AdministratorArgs(
                resource_group_name=rg, server_name=server.name, object_id=entra["object_id"],
                principal_name=entra["principal_name"], principal_type="Group", tenant_id=args["tenant_id"],
            ),
            opts=next_in_line(),
        )
        for parameter, value in _parameters(args).items():
            previous = pg.Configuration(
                f"{name}-cfg-{parameter}",
                pg.ConfigurationArgs(resource_group_name=rg, server_name=server.name, configuration_name=parameter,
                                     source="user-override", value=value),
                opts=next_in_line(),
            )
        for rule, (start, end) in _firewall_ranges(args.get("firewall_rules") or {}).items():
            previous = pg.FirewallRule(
                f"{name}-fw-{rule}",
                pg.FirewallRuleArgs(resource_group_name=rg, server_name=server.name, firewall_rule_name=rule,
                                    start_ip_address=start, end_ip_address=end),
                opts=next_in_line(),
            )
        for db, db_args in (args.get("databases") or {}).items():
            previous = pg.Database(
                f"{name}-db-{db}",
                pg.DatabaseArgs(resource_group_name=rg, server_name=server.name, database_name=db,
                                charset="UTF8", collation=db_args.get("collation", "en_US.utf8")),
                opts=next_in_line(),
            )

        apply_diagnostic_settings(name, resource_id=server.id,
                                  settings=args.get("diagnostic_settings"), parent=self)
        apply_role_assignments(name, scope_id=server.id,
                               assignments=args.get("role_assignments"), parent=self)
        apply_lock(name, scope_id=server.id, lock=args.get("lock"), parent=self)

        self.resource_id = server.id
        self.name = server.name
        self.fqdn = server.fully_qualified_domain_name
        self.administrator_login = login
        self.admin_password_secret_name = secret_name
        self.register_outputs({
            "resource_id": self.resource_id,
            "name": self.name,
            "fqdn": self.fqdn,
            "administrator_login": login,
            "admin_password_secret_name": secret_name,
        })


def _network(args: PostgresServerArgs) -> pg.NetworkArgs:
    if args.get("public_access", False):
        return pg.NetworkArgs(public_network_access="Enabled")
    return pg.NetworkArgs(
        delegated_subnet_resource_id=args.get("delegated_subnet_id"),
        private_dns_zone_arm_resource_id=args.get("private_dns_zone_id"),
        public_network_access="Disabled",
    )


def _maintenance(window: PostgresMaintenanceWindowArgs | None) -> pg.MaintenanceWindowArgs:
    if window is None:
        return pg.MaintenanceWindowArgs(custom_window="Disabled")
    return pg.MaintenanceWindowArgs(custom_window="Enabled", day_of_week=window["day_of_week"],
                                    start_hour=window["start_hour"], start_minute=window.get("start_minute", 0))


def _parameters(args: PostgresServerArgs) -> dict[str, str]:
    # Connection logging for the audit trail (who connected, from where, for how long): the server's logs reach the
    # workspace through the PostgreSQLLogs diagnostic category. Both are dynamic server parameters
    # (learn.microsoft.com/azure/postgresql/flexible-server/concepts-server-parameters).
    secure = {
        "require_secure_transport": "on",
        "log_checkpoints": "on",
        "log_connections": "on",
        "log_disconnections": "on",
        "connection_throttle.enable": "on",
        "logfiles.retention_days": str(args.get("log_retention_days", 7)),
    }
    return {**secure, **(args.get("server_parameters") or {})}


def firewall_rules_for(ranges: Sequence[str]) -> dict[str, str]:
    """`firewall_rules` for these addresses, CIDRs or ranges, each rule named after what it admits
    (`allow-203-0-113-0-24`): removing one range removes its rule only, where names by list position
    (`allow-0`, `allow-1`) would rename, and so replace, every rule after it."""
    return {"allow-" + value.strip().replace(".", "-").replace("/", "-"): value for value in ranges}


def _firewall_range(value: str) -> tuple[str, str]:
    """(start, end) of an IPv4 address, CIDR or 'a-b' range; ValueError if it is none of them."""
    if "-" in value:
        start, end = (ipaddress.IPv4Address(part.strip()) for part in value.split("-", 1))
        if int(end) < int(start):
            raise ValueError(value)
        return str(start), str(end)
    network = ipaddress.IPv4Network(value.strip(), strict=False)
    return str(network.network_address), str(network.broadcast_address)


def _firewall_ranges(rules: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    return {name: _firewall_range(value) for name, value in rules.items()}


def _bad_firewall_rule(rules: Mapping[str, str]) -> tuple[str, str] | None:
    for rule, value in rules.items():
        try:
            start, _ = _firewall_range(value)
        except ValueError:
            return rule, value
        if start == "0.0.0.0":
            return rule, value
    return None


def _rules(args: PostgresServerArgs) -> list[Rule]:
    """Rules: (argument, value, is it bad?, how to fix). The first bad one raises."""
    public = args.get("public_access", False)
    rules_in = args.get("firewall_rules") or {}
    bad_rule = _bad_firewall_rule(rules_in)
    retention = args.get("backup_retention_days", 7)
    log_days = args.get("log_retention_days", 7)
    window = args.get("maintenance_window")
    login = args.get("administrator_login", "pgadmin")
    secret = args.get("admin_password_secret_name")
    bad_db = next((d for d in (args.get("databases") or {}) if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]{0,62}", d)), None)
    rules: list[Rule] = [
        ("high_availability", True, bool(args.get("high_availability")) and args["sku_tier"] == "Burstable",
         "zone-redundant HA is not available on the Burstable tier; use GeneralPurpose or MemoryOptimized"),
        ("backup_retention_days", retention, not isinstance(retention, int) or not 7 <= retention <= 35,
         "give 7 to 35 days (Azure's range)"),
        ("log_retention_days", log_days, not isinstance(log_days, int) or not 4 <= log_days <= 7,
         "give 4 to 7 days (logfiles.retention_days allows 1-7; fewer than 4 fails the CIS benchmark)"),
        ("storage_size_gb", args["storage_size_gb"], not 32 <= args["storage_size_gb"] <= 32767,
         "give 32 to 32767 GB"),
        ("delegated_subnet_id", args.get("delegated_subnet_id"), not public and args.get("delegated_subnet_id") is None,
         "private access needs the id of a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers "
         "(or set public_access True with firewall_rules)"),
        ("private_dns_zone_id", args.get("private_dns_zone_id"), not public and args.get("private_dns_zone_id") is None,
         "private access needs the id of the privatelink.postgres.database.azure.com private DNS zone "
         "(or set public_access True with firewall_rules)"),
        ("firewall_rules", dict(rules_in), not public and bool(rules_in),
         "firewall rules apply only to public access; set public_access True or drop them"),
        ("firewall_rules", bad_rule[1] if bad_rule else None,
         bad_rule is not None and bad_rule[1].strip().startswith("0.0.0.0"),
         f"rule {bad_rule[0] if bad_rule else ''!r}: 0.0.0.0 admits every Azure tenant's services; "
         "list the caller's own addresses instead"),
        ("firewall_rules", bad_rule[1] if bad_rule else None, bad_rule is not None,
         f"rule {bad_rule[0] if bad_rule else ''!r}: give an IPv4 address, CIDR or start-end range"),
        ("maintenance_window", window, window is not None and not (
            0 <= window["day_of_week"] <= 6 and 0 <= window["start_hour"] <= 23
            and 0 <= window.get("start_minute", 0) <= 59),
         "give day_of_week 0-6 (Sunday=0), start_hour 0-23 and start_minute 0-59"),
        ("administrator_login", login, not _LOGIN.match(login) or login in _RESERVED_LOGINS or login.startswith("pg_"),
         "use lower-case letters, digits and _ (not admin, root, azure_*, pg_* or another reserved name)"),
        ("admin_password_secret_name", secret, secret is not None and not _SECRET_NAME.match(secret),
         "use 1 to 127 letters, digits and dashes (Key Vault's rule)"),
        ("databases", bad_db, bad_db is not None, "name databases with letters, digits, _ and - (max 63)"),
    ]
    return rules
