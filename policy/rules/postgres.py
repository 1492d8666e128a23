"""PostgreSQL Flexible Server: CIS Azure 4.3 and the Microsoft cloud security benchmark baseline."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from ._base import Finding, Resource, Rule, lookup, resource_label, shown

SERVER = "azure-native:dbforpostgresql:Server"
CONFIGURATION = "azure-native:dbforpostgresql:Configuration"
FIREWALL_RULE = "azure-native:dbforpostgresql:FirewallRule"
_SERVERS = frozenset({SERVER})


def _parameters(server: Resource, resources: Sequence[Resource]) -> dict[str, str]:
    """The server parameters the plan sets on `server` (Configurations depending on it or naming it)."""
    server_name = server.inputs.get("serverName")
    values: dict[str, str] = {}
    for resource in resources:
        if resource.type != CONFIGURATION:
            continue
        if server.urn in resource.dependencies or (server_name and resource.inputs.get("serverName") == server_name):
            name = str(resource.inputs.get("configurationName", resource.name))
            values[name] = str(resource.inputs.get("value", "")).strip()
    return values


def _servers(resources: Sequence[Resource]) -> Iterator[tuple[Resource, dict[str, str]]]:
    for server in resources:
        if server.type == SERVER:
            yield server, _parameters(server, resources)


def _parameter_rule(parameter: str, wanted: str, why: str) -> Callable[[Sequence[Resource]], list[Finding]]:
    def check(resources: Sequence[Resource]) -> list[Finding]:
        findings = []
        for server, parameters in _servers(resources):
            value = parameters.get(parameter)
            if value is None or value.lower() != wanted:
                got = "not set by the program" if value is None else f'"{value}"'
                findings.append(Finding(server.urn, f"{resource_label(server.urn)}: server parameter {parameter} is {got}; "
                                                    f"set it to {wanted} with a dbforpostgresql Configuration ({why})"))
        return findings

    return check


def log_retention(resources: Sequence[Resource]) -> list[Finding]:
    findings = []
    for server, parameters in _servers(resources):
        value = parameters.get("logfiles.retention_days")
        if value is None or not value.isdigit() or int(value) <= 3:
            got = "not set by the program" if value is None else f'"{value}"'
            findings.append(Finding(server.urn, f"{resource_label(server.urn)}: server parameter logfiles.retention_days is {got}; "
                                                "keep server logs for more than 3 days (4 to 7)"))
    return findings


def no_allow_all_firewall_rule(resource: Resource) -> list[str]:
    start = lookup(resource.inputs, "startIpAddress")
    end = lookup(resource.inputs, "endIpAddress")
    if start != "0.0.0.0":
        return []
    if end == "0.0.0.0":
        return [f"firewall rule {resource.inputs.get('firewallRuleName', resource.name)} (0.0.0.0) admits every Azure service of "
                "every tenant; remove it and use private access or specific ranges"]
    return [f"firewall rule {resource.inputs.get('firewallRuleName', resource.name)} admits 0.0.0.0-{end}; list specific ranges"]


def high_availability(resource: Resource) -> list[str]:
    mode = lookup(resource.inputs, "highAvailability.mode")
    if mode in ("ZoneRedundant", "SameZone"):
        return []
    return [f"highAvailability.mode is {shown(mode)}; use ZoneRedundant (or SameZone where the region has no zones)"]


def backup_retention(resource: Resource) -> list[str]:
    days = lookup(resource.inputs, "backup.backupRetentionDays")
    if isinstance(days, int) and days >= 14:
        return []
    return [f"backup.backupRetentionDays is {shown(days)}; keep at least 14 days of backups"]


def geo_redundant_backup(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "backup.geoRedundantBackup")
    if value == "Enabled":
        return []
    return [f"backup.geoRedundantBackup is {shown(value)}; enable it (it can only be chosen when the server is created)"]


def password_auth_disabled(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "authConfig.passwordAuth")
    if value == "Disabled":
        return []
    return [f"authConfig.passwordAuth is {shown(value)}; turn password sign-in off (Entra ID only: no standing "
            "administrator password to leak)"]


def public_network_disabled(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "network.publicNetworkAccess")
    if value == "Disabled":
        return []
    return [f"network.publicNetworkAccess is {shown(value)}; use VNet integration or a private endpoint with public access Disabled"]


def entra_authentication(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "authConfig.activeDirectoryAuth")
    if value == "Enabled":
        return []
    return [f"authConfig.activeDirectoryAuth is {shown(value)}; enable Entra ID authentication"]


_PRODUCTION = frozenset({"uat", "prod"})

RULES = (
    Rule("pg-secure-transport", "PostgreSQL requires TLS (require_secure_transport on).", "high",
         ("CIS Azure 4.3.1", "MCSB PostgreSQL DP-3"),
         _parameter_rule("require_secure_transport", "on", "clients must use TLS"), scope="stack"),
    Rule("pg-log-checkpoints", "PostgreSQL logs checkpoints.", "low", ("CIS Azure 4.3.2",),
         _parameter_rule("log_checkpoints", "on", "checkpoints appear in the server logs"), scope="stack"),
    Rule("pg-log-connections", "PostgreSQL logs connections.", "low", ("CIS Azure 4.3.3",),
         _parameter_rule("log_connections", "on", "who connected, and from where, in the server logs"), scope="stack"),
    Rule("pg-log-disconnections", "PostgreSQL logs disconnections.", "low", ("CIS Azure 4.3.4",),
         _parameter_rule("log_disconnections", "on", "how long each session lasted, in the server logs"), scope="stack"),
    Rule("pg-connection-throttling", "PostgreSQL throttles connections after failed logins.", "low", ("CIS Azure 4.3.5",),
         _parameter_rule("connection_throttle.enable", "on", "slows down password guessing"), scope="stack"),
    Rule("pg-log-retention", "PostgreSQL keeps server logs for more than 3 days.", "low", ("CIS Azure 4.3.6",),
         log_retention, scope="stack"),
    Rule("pg-no-allow-all-firewall", "No PostgreSQL firewall rule admits all of Azure or the internet (0.0.0.0).", "high",
         ("CIS Azure 4.3.7", "MCSB PostgreSQL NS-2"), no_allow_all_firewall_rule, frozenset({FIREWALL_RULE})),
    Rule("pg-public-network-disabled", "PostgreSQL has no public endpoint.", "high",
         ("MCSB PostgreSQL NS-2",), public_network_disabled, _SERVERS),
    Rule("pg-entra-authentication", "PostgreSQL accepts Entra ID authentication.", "medium",
         ("MCSB PostgreSQL IM-1",), entra_authentication, _SERVERS),
    Rule("pg-high-availability", "PostgreSQL runs with a standby (zone-redundant HA) in uat and prod.", "medium",
         ("MCSB PostgreSQL BR-1", "platform design: uat/prod HA"), high_availability, _SERVERS, environments=_PRODUCTION),
    Rule("pg-backup-retention", "PostgreSQL keeps at least 14 days of backups in uat and prod.", "medium",
         ("MCSB PostgreSQL BR-1", "platform design"), backup_retention, _SERVERS, environments=_PRODUCTION),
    Rule("pg-geo-redundant-backup", "PostgreSQL backups are geo-redundant in uat and prod.", "medium",
         ("MCSB PostgreSQL BR-2", "platform design: restore after a region loss"), geo_redundant_backup, _SERVERS,
         environments=_PRODUCTION),
    Rule("pg-password-auth-disabled", "PostgreSQL accepts Entra ID sign-in only in uat and prod.", "high",
         ("MCSB PostgreSQL IM-1", "MCSB PostgreSQL PA-7"), password_auth_disabled, _SERVERS, environments=_PRODUCTION),
)
