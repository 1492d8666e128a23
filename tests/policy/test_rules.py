"""Every policy passes on a compliant resource and fails, with its message, on a non-compliant one."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sentimark_platform.policy import RULES, UNKNOWN, PolicyResult, Resource, evaluate_plan, evaluate_resources, rule

TAGS = {"environment": "prod", "owner": "team@example.com", "cost-center": "CC-1", "service": "svc", "managed-by": "pulumi"}
STACK = "urn:pulumi:prod::p::"


def res(type_: str, name: str = "r", inputs: dict[str, Any] | None = None, *, protect: bool = False,
        deps: tuple[str, ...] = ()) -> Resource:
    return Resource(urn=f"{STACK}{type_}::{name}", type=type_, name=name, inputs=inputs or {}, protect=protect,
                    dependencies=deps)


def run(name: str, resources: list[Resource], environment: str = "prod") -> list[PolicyResult]:
    return evaluate_resources(resources, environment=environment, rules=[rule(name)])


def failures(name: str, resources: list[Resource], environment: str = "prod") -> list[str]:
    return [r.message for r in run(name, resources, environment) if not r.passed]


# --- resource fixtures: compliant first, then a change that breaks one rule ---------------------------------

CLUSTER_T = "azure-native:containerservice:ManagedCluster"
POOL_T = "azure-native:containerservice:AgentPool"
CLUSTER = {
    "apiServerAccessProfile": {"enablePrivateCluster": True},
    "aadProfile": {"managed": True, "enableAzureRBAC": True},
    "enableRBAC": True,
    "disableLocalAccounts": True,
    "networkProfile": {"networkPolicy": "cilium"},
    "oidcIssuerProfile": {"enabled": True},
    "securityProfile": {"workloadIdentity": {"enabled": True}, "defender": {"securityMonitoring": {"enabled": True}},
                        "azureKeyVaultKms": {"enabled": True, "keyVaultNetworkAccess": "Private"},
                        "imageCleaner": {"enabled": True}},
    "addonProfiles": {"azurepolicy": {"enabled": True}, "omsagent": {"enabled": True}},
    "autoUpgradeProfile": {"upgradeChannel": "stable", "nodeOSUpgradeChannel": "SecurityPatch"},
    "agentPoolProfiles": [{"name": "system", "enableNodePublicIP": False, "enableEncryptionAtHost": True}],
    "tags": TAGS,
}
VAULT_T = "azure-native:keyvault:Vault"
VAULT = {"properties": {"enableSoftDelete": True, "enablePurgeProtection": True, "enableRbacAuthorization": True,
                        "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny"}}, "tags": TAGS}
SECRET_T = "azure-native:keyvault:Secret"
SECRET = {"secretName": "db", "properties": {"value": "[secret]", "contentType": "text/plain",
                                             "attributes": {"expires": 1893456000}}, "tags": TAGS}
KEY_T = "azure-native:keyvault:Key"
SERVER_T = "azure-native:dbforpostgresql:Server"
SERVER = {"serverName": "psql", "network": {"publicNetworkAccess": "Disabled"},
          "authConfig": {"activeDirectoryAuth": "Enabled", "passwordAuth": "Disabled"},
          "highAvailability": {"mode": "ZoneRedundant"}, "backup": {"backupRetentionDays": 35, "geoRedundantBackup": "Enabled"},
          "tags": TAGS}
CONFIG_T = "azure-native:dbforpostgresql:Configuration"
FIREWALL_T = "azure-native:dbforpostgresql:FirewallRule"
REDIS_T = "azure-native:redis:Redis"
AMR_T = "azure-native:redisenterprise:RedisEnterprise"
AMR_DB_T = "azure-native:redisenterprise:Database"
EVH_T = "azure-native:eventhub:Namespace"
RULESET_T = "azure-native:eventhub:NamespaceNetworkRuleSet"
ST_T = "azure-native:storage:StorageAccount"
ACCOUNT = {"enableHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False,
           "allowSharedKeyAccess": False, "networkRuleSet": {"defaultAction": "Deny"}, "tags": TAGS}
NS_T = "kubernetes:core/v1:Namespace"
ACR_T = "azure-native:containerregistry:Registry"
WS_T = "azure-native:operationalinsights:Workspace"
APPI_T = "azure-native:applicationinsights:Component"
DIAG_T = "azure-native:monitor:DiagnosticSetting"
LOCK_T = "azure-native:authorization:ManagementLockByScope"
RG_T = "azure-native:resources:ResourceGroup"
RA_T = "azure-native:authorization:RoleAssignment"
PA_T = "kubernetes:security.istio.io/v1:PeerAuthentication"


def changed(inputs: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A deep copy of `inputs` with `path` (a.b.c) set to `value` (None removes it)."""
    result = copy.deepcopy(inputs)
    node = result
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return result


# (policy, type, compliant inputs, non-compliant inputs, a fragment of the expected message)
RESOURCE_CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    ("aks-api-server-restricted", CLUSTER_T, CLUSTER,
     changed(CLUSTER, "apiServerAccessProfile", {"enablePrivateCluster": False}), "public to the whole internet"),
    ("aks-api-server-restricted", CLUSTER_T,
     changed(CLUSTER, "apiServerAccessProfile", {"authorizedIPRanges": ["203.0.113.0/24"]}),
     changed(CLUSTER, "apiServerAccessProfile", {"authorizedIPRanges": ["203.0.113.0/24", "0.0.0.0/0"]}), "admits every address"),
    ("aks-entra-rbac", CLUSTER_T, CLUSTER, changed(CLUSTER, "aadProfile.enableAzureRBAC", False),
     "aadProfile.enableAzureRBAC is false"),
    ("aks-local-accounts-disabled", CLUSTER_T, CLUSTER, changed(CLUSTER, "disableLocalAccounts", None),
     "disableLocalAccounts is absent"),
    ("aks-network-policy", CLUSTER_T, CLUSTER, changed(CLUSTER, "networkProfile.networkPolicy", "none"),
     'networkProfile.networkPolicy is "none"'),
    ("aks-workload-identity", CLUSTER_T, CLUSTER, changed(CLUSTER, "oidcIssuerProfile.enabled", False),
     "oidcIssuerProfile.enabled is false"),
    ("aks-defender", CLUSTER_T, CLUSTER, changed(CLUSTER, "securityProfile.defender", None), "Defender for Containers"),
    ("aks-azure-policy-addon", CLUSTER_T, changed(CLUSTER, "addonProfiles", {"azurePolicy": {"enabled": True}, "omsagent": {"enabled": True}}),
     changed(CLUSTER, "addonProfiles.azurepolicy", {"enabled": False}), "Azure Policy add-on"),
    ("aks-monitoring", CLUSTER_T, changed(CLUSTER, "addonProfiles.omsagent", None) | {"azureMonitorProfile": {"metrics": {"enabled": True}}},
     changed(CLUSTER, "addonProfiles.omsagent", None), "Container insights"),
    ("aks-auto-upgrade", CLUSTER_T, CLUSTER, changed(CLUSTER, "autoUpgradeProfile.nodeOSUpgradeChannel", "None"),
     'nodeOSUpgradeChannel is "None"'),
    ("aks-node-public-ip-disabled", POOL_T, {"agentPoolName": "apps", "enableNodePublicIP": False},
     {"agentPoolName": "apps", "enableNodePublicIP": True}, "node pool apps: enableNodePublicIP is true"),
    ("aks-host-encryption", CLUSTER_T, CLUSTER,
     changed(CLUSTER, "agentPoolProfiles", [{"name": "system", "enableEncryptionAtHost": False}]),
     "node pool system: enableEncryptionAtHost is false"),
    ("aks-image-cleaner", CLUSTER_T, CLUSTER, changed(CLUSTER, "securityProfile.imageCleaner", None), "Image Cleaner"),
    ("kv-recoverable", VAULT_T, VAULT, changed(VAULT, "properties.enablePurgeProtection", None),
     "properties.enablePurgeProtection is absent"),
    ("kv-recoverable", VAULT_T, VAULT, changed(VAULT, "properties.enableSoftDelete", False), "soft delete must stay on"),
    ("kv-rbac-authorization", VAULT_T, VAULT, changed(VAULT, "properties.enableRbacAuthorization", False),
     "properties.enableRbacAuthorization is false"),
    ("kv-network-restricted", VAULT_T, changed(VAULT, "properties.publicNetworkAccess", "Enabled"),
     changed(changed(VAULT, "properties.publicNetworkAccess", "Enabled"), "properties.networkAcls.defaultAction", "Allow"),
     'networkAcls.defaultAction is "Allow"'),
    ("kv-secret-expiry", SECRET_T, SECRET, changed(SECRET, "properties.attributes", {"enabled": True}),
     "secret db has no expiry date"),
    ("kv-secret-content-type", SECRET_T, SECRET, changed(SECRET, "properties.contentType", None),
     "secret db has no properties.contentType"),
    ("kv-key-strength", KEY_T, {"properties": {"kty": "RSA", "keySize": 3072}}, {"properties": {"kty": "RSA", "keySize": 1024}},
     "RSA key size is 1024"),
    ("pg-no-allow-all-firewall", FIREWALL_T, {"firewallRuleName": "office", "startIpAddress": "203.0.113.0", "endIpAddress": "203.0.113.255"},
     {"firewallRuleName": "azure", "startIpAddress": "0.0.0.0", "endIpAddress": "0.0.0.0"}, "every Azure service"),
    ("pg-no-allow-all-firewall", FIREWALL_T, {"firewallRuleName": "office", "startIpAddress": "203.0.113.0", "endIpAddress": "203.0.113.255"},
     {"firewallRuleName": "all", "startIpAddress": "0.0.0.0", "endIpAddress": "255.255.255.255"}, "admits 0.0.0.0-255.255.255.255"),
    ("pg-public-network-disabled", SERVER_T, SERVER, changed(SERVER, "network.publicNetworkAccess", "Enabled"),
     'network.publicNetworkAccess is "Enabled"'),
    ("pg-entra-authentication", SERVER_T, SERVER, changed(SERVER, "authConfig.activeDirectoryAuth", "Disabled"),
     'authConfig.activeDirectoryAuth is "Disabled"'),
    ("pg-password-auth-disabled", SERVER_T, SERVER, changed(SERVER, "authConfig.passwordAuth", "Enabled"),
     'authConfig.passwordAuth is "Enabled"'),
    ("pg-high-availability", SERVER_T, SERVER, changed(SERVER, "highAvailability.mode", "Disabled"),
     'highAvailability.mode is "Disabled"'),
    ("pg-backup-retention", SERVER_T, SERVER, changed(SERVER, "backup.backupRetentionDays", 7), "backup.backupRetentionDays is 7"),
    ("pg-geo-redundant-backup", SERVER_T, SERVER, changed(SERVER, "backup.geoRedundantBackup", "Disabled"),
     'backup.geoRedundantBackup is "Disabled"'),
    ("redis-non-ssl-port-disabled", REDIS_T, {"enableNonSslPort": False}, {"enableNonSslPort": True}, "enableNonSslPort is true"),
    ("redis-minimum-tls", REDIS_T, {"minimumTlsVersion": "1.2"}, {"minimumTlsVersion": "1.0"}, 'minimumTlsVersion is "1.0"'),
    ("redis-minimum-tls", AMR_T, {"minimumTlsVersion": "1.2", "tags": TAGS}, {"minimumTlsVersion": "1.1", "tags": TAGS},
     'minimumTlsVersion is "1.1"'),
    ("redis-encrypted-client-protocol", AMR_DB_T, {"clientProtocol": "Encrypted"}, {"clientProtocol": "Plaintext"},
     'clientProtocol is "Plaintext"'),
    ("redis-access-keys-disabled", AMR_DB_T, {"accessKeysAuthentication": "Disabled"}, {"accessKeysAuthentication": "Enabled"},
     'accessKeysAuthentication is "Enabled"'),
    ("redis-access-keys-disabled", REDIS_T, {"disableAccessKeyAuthentication": True}, {}, "disableAccessKeyAuthentication is absent"),
    ("redis-public-network-disabled", AMR_T, {"publicNetworkAccess": "Disabled", "tags": TAGS},
     {"publicNetworkAccess": "Enabled", "tags": TAGS}, 'publicNetworkAccess is "Enabled"'),
    ("evh-local-auth-disabled", EVH_T, {"disableLocalAuth": True}, {"disableLocalAuth": False}, "disableLocalAuth is false"),
    ("evh-minimum-tls", EVH_T, {"minimumTlsVersion": "1.2"}, {"minimumTlsVersion": "1.0"}, 'minimumTlsVersion is "1.0"'),
    ("st-https-only", ST_T, ACCOUNT, changed(ACCOUNT, "enableHttpsTrafficOnly", False), "enableHttpsTrafficOnly is false"),
    ("st-minimum-tls", ST_T, ACCOUNT, changed(ACCOUNT, "minimumTlsVersion", "TLS1_0"), 'minimumTlsVersion is "TLS1_0"'),
    ("st-no-public-blob-access", ST_T, ACCOUNT, changed(ACCOUNT, "allowBlobPublicAccess", True), "allowBlobPublicAccess is true"),
    ("st-no-shared-key", ST_T, ACCOUNT, changed(ACCOUNT, "allowSharedKeyAccess", None), "allowSharedKeyAccess is absent"),
    ("st-network-restricted", ST_T, ACCOUNT, changed(ACCOUNT, "networkRuleSet.defaultAction", "Allow"),
     'networkRuleSet.defaultAction is "Allow"'),
    ("st-container-private", "azure-native:storage:BlobContainer", {"publicAccess": "None"}, {"publicAccess": "Container"},
     'publicAccess is "Container"'),
    ("st-blob-soft-delete", "azure-native:storage:BlobServiceProperties",
     {"deleteRetentionPolicy": {"enabled": True, "days": 7}, "containerDeleteRetentionPolicy": {"enabled": True, "days": 7}},
     {"deleteRetentionPolicy": {"enabled": True, "days": 7}}, "containerDeleteRetentionPolicy.enabled is absent"),
    ("aks-kms-etcd-encryption", CLUSTER_T, CLUSTER, changed(CLUSTER, "securityProfile.azureKeyVaultKms", None),
     "securityProfile.azureKeyVaultKms.enabled is absent"),
    ("k8s-image-digest", "kubernetes:apps/v1:Deployment",
     {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "r.io/a:1@sha256:" + "0" * 64}]}}}},
     {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "r.io/a:1"}]}}}},
     "image(s) r.io/a:1 not pinned by digest"),
    ("ingress-source-restricted", "kubernetes:helm.sh/v3:Release",
     {"chart": "gateway", "values": {"service": {"annotations": {
         "service.beta.kubernetes.io/azure-allowed-ip-ranges": "203.0.113.0/24"}}}},
     {"chart": "gateway", "values": {"service": {"type": "LoadBalancer", "annotations": {}}}},
     "the public ingress gateway admits any source"),
    ("namespace-pod-security", NS_T,
     {"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "baseline",
                              "pod-security.kubernetes.io/audit": "restricted",
                              "pod-security.kubernetes.io/warn": "restricted"}}},
     {"metadata": {"labels": {"pod-security.kubernetes.io/audit": "baseline"}}},
     "label pod-security.kubernetes.io/enforce is absent"),
    ("acr-admin-disabled", ACR_T, {"adminUserEnabled": False}, {"adminUserEnabled": True}, "adminUserEnabled is true"),
    ("acr-anonymous-pull-disabled", ACR_T, {"anonymousPullEnabled": False}, {"anonymousPullEnabled": True},
     "anonymousPullEnabled is true"),
    ("acr-network-restricted", ACR_T, {"publicNetworkAccess": "Disabled"}, {"publicNetworkAccess": "Enabled"},
     'publicNetworkAccess is "Enabled" with no network rule set'),
    ("monitor-local-auth-disabled", WS_T, {"features": {"disableLocalAuth": True}}, {"features": {}},
     "features.disableLocalAuth is absent"),
    ("monitor-local-auth-disabled", APPI_T, {"disableLocalAuth": True}, {"disableLocalAuth": False}, "disableLocalAuth is false"),
    ("finops-tags", VAULT_T, VAULT, changed(VAULT, "tags", {"owner": "x"}),
     "tags lack environment, cost-center, service, managed-by"),
    ("finops-tags", "azure-native:eventhub:EventHub", {}, {"tags": {"environment": "prod"}}, "tags lack owner"),
    ("protect-stateful", SERVER_T, SERVER, SERVER, "is not protected"),
    ("afd-https-only", "azure-native:cdn:Route", {"forwardingProtocol": "HttpsOnly", "httpsRedirect": "Enabled"},
     {"forwardingProtocol": "MatchRequest", "httpsRedirect": "Enabled"}, 'forwardingProtocol is "MatchRequest"'),
    ("afd-https-only", "azure-native:cdn:Route", {"forwardingProtocol": "HttpsOnly", "supportedProtocols": ["Https"]},
     {"forwardingProtocol": "HttpsOnly", "httpsRedirect": "Disabled"}, "redirect HTTP to HTTPS"),
    ("afd-https-only", "azure-native:cdn:AFDOrigin", {"enforceCertificateNameCheck": True}, {"enforceCertificateNameCheck": False},
     "enforceCertificateNameCheck is false"),
    ("rbac-no-privileged-roles", RA_T,
     {"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d"},
     {"roleDefinitionId": "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"},
     "assigns Owner"),
    ("rbac-no-privileged-roles", RA_T,
     {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/f58310d9-a9f6-439a-9e8d-f62e7b41a168",
      "condition": "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (...))"},
     {"roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/f58310d9-a9f6-439a-9e8d-f62e7b41a168"},
     "Role Based Access Control Administrator without a condition"),
]


@pytest.mark.parametrize(("policy", "type_", "good", "bad", "message"), RESOURCE_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(RESOURCE_CASES)])
def test_resource_policy_passes_when_compliant_and_fails_with_its_message(
    policy: str, type_: str, good: dict[str, Any], bad: dict[str, Any], message: str
) -> None:
    protect = policy == "protect-stateful"
    compliant = run(policy, [res(type_, "good", good, protect=protect)])
    assert compliant and all(r.passed for r in compliant), compliant
    messages = failures(policy, [res(type_, "bad", bad)])
    assert len(messages) == 1 and message in messages[0], messages


def _server_with(parameters: dict[str, str]) -> list[Resource]:
    server = res(SERVER_T, "psql", SERVER)
    return [server] + [
        res(CONFIG_T, f"cfg-{name}", {"configurationName": name, "value": value, "serverName": "other"}, deps=(server.urn,))
        for name, value in parameters.items()
    ]


PG_PARAMETERS = {"require_secure_transport": "on", "log_checkpoints": "on", "connection_throttle.enable": "on",
                 "logfiles.retention_days": "7", "log_connections": "on", "log_disconnections": "on"}


@pytest.mark.parametrize(("policy", "parameter", "bad_value", "message"), [
    ("pg-secure-transport", "require_secure_transport", "off", 'require_secure_transport is "off"'),
    ("pg-secure-transport", "require_secure_transport", None, "require_secure_transport is not set by the program"),
    ("pg-log-checkpoints", "log_checkpoints", "off", 'log_checkpoints is "off"'),
    ("pg-log-connections", "log_connections", None, "log_connections is not set by the program"),
    ("pg-log-disconnections", "log_disconnections", "off", 'log_disconnections is "off"'),
    ("pg-connection-throttling", "connection_throttle.enable", "OFF", 'connection_throttle.enable is "OFF"'),
    ("pg-log-retention", "logfiles.retention_days", "3", 'logfiles.retention_days is "3"'),
])
def test_postgres_server_parameter_policies(policy: str, parameter: str, bad_value: str | None, message: str) -> None:
    assert all(r.passed for r in run(policy, _server_with(PG_PARAMETERS)))
    parameters = {k: v for k, v in PG_PARAMETERS.items() if k != parameter}
    if bad_value is not None:
        parameters[parameter] = bad_value
    (result,) = run(policy, _server_with(parameters))
    assert not result.passed and message in result.message
    assert result.urn == f"{STACK}{SERVER_T}::psql"


def test_postgres_parameters_match_their_server_by_name_when_no_dependency_says_so() -> None:
    server = res(SERVER_T, "psql", SERVER)
    config = res(CONFIG_T, "cfg", {"configurationName": "require_secure_transport", "value": "on", "serverName": "psql"})
    assert all(r.passed for r in run("pg-secure-transport", [server, config]))


def test_event_hubs_namespace_must_be_private_or_denied_by_its_rule_set() -> None:
    public = res(EVH_T, "ns", {"namespaceName": "ns", "publicNetworkAccess": "Enabled"})
    deny = res(RULESET_T, "rules", {"namespaceName": "ns", "defaultAction": "Deny", "publicNetworkAccess": "Enabled"}, deps=(public.urn,))
    allow = res(RULESET_T, "rules", {"namespaceName": "ns", "defaultAction": "Allow"}, deps=(public.urn,))
    private = res(EVH_T, "ns", {"namespaceName": "ns", "publicNetworkAccess": "Disabled"})
    assert all(r.passed for r in run("evh-network-restricted", [public, deny]))
    assert all(r.passed for r in run("evh-network-restricted", [private]))
    (result,) = run("evh-network-restricted", [public, allow])
    assert not result.passed and "no network rule set denies by default" in result.message and result.urn == public.urn


def test_diagnostic_settings_cover_every_supported_resource() -> None:
    vault = res(VAULT_T, "kv", VAULT)
    registry = res(ACR_T, "cr", {})
    diag = res(DIAG_T, "kv-diag", {"workspaceId": "/subscriptions/s/w", "logs": [{"categoryGroup": "audit", "enabled": True}]},
               deps=(vault.urn,))
    empty = res(DIAG_T, "cr-diag", {"workspaceId": "/subscriptions/s/w", "logs": []}, deps=(registry.urn,))
    results = run("diagnostic-settings", [vault, registry, diag])
    assert [(r.urn, r.passed) for r in results] == [(registry.urn, False)]
    assert "Registry::cr has no diagnostic setting" in results[0].message
    (result,) = run("diagnostic-settings", [registry, empty])
    assert not result.passed and "enable no log category" in result.message
    assert all(r.passed for r in run("diagnostic-settings", [vault, diag]))


def test_locks_cover_stateful_resources_directly_or_through_their_resource_group() -> None:
    group = res(RG_T, "rg", {"resourceGroupName": "rg"})
    vault = res(VAULT_T, "kv", VAULT | {"resourceGroupName": "rg"}, deps=(group.urn,))
    server = res(SERVER_T, "psql", SERVER | {"resourceGroupName": "rg"}, deps=(group.urn,))
    vault_lock = res(LOCK_T, "kv-lock", {"level": "CanNotDelete"}, deps=(vault.urn,))
    group_lock = res(LOCK_T, "rg-lock", {"level": "CanNotDelete"}, deps=(group.urn,))
    results = run("locks-on-stateful", [group, vault, server, vault_lock])
    assert [(r.urn, r.passed) for r in results] == [(server.urn, False)]
    assert "has no CanNotDelete lock" in results[0].message
    assert all(r.passed for r in run("locks-on-stateful", [group, vault, server, group_lock]))


def _peer(name: str, namespace: str, mode: str, **spec: Any) -> Resource:
    return res(PA_T, name, {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                            "metadata": {"name": name, "namespace": namespace}, "spec": {"mtls": {"mode": mode}, **spec}})


def test_istio_mtls_is_strict_mesh_wide_and_never_weakened() -> None:
    istiod = res("kubernetes:helm.sh/v3:Release", "istiod", {"chart": "istiod"})
    mesh = _peer("default", "istio-system", "STRICT")
    assert all(r.passed for r in run("istio-mtls-strict", [istiod, mesh, _peer("app", "apps", "UNSET")]))
    messages = [r.message for r in run("istio-mtls-strict", [istiod, _peer("default", "istio-system", "PERMISSIVE")])]
    assert any("spec.mtls.mode is PERMISSIVE" in m for m in messages)
    assert any("0 mesh-wide PeerAuthentication(s) in istio-system set mtls.mode STRICT for 1 istiod" in m for m in messages)
    second = res("kubernetes:helm.sh/v3:Release", "istiod-2", {"chart": "istiod"})
    assert [r.urn for r in run("istio-mtls-strict", [istiod, second, mesh]) if not r.passed] == [istiod.urn, second.urn]
    port = _peer("db", "apps", "STRICT", portLevelMtls={"5432": {"mode": "DISABLE"}})
    assert ["port 5432 mTLS mode is DISABLE" in m for m in failures("istio-mtls-strict", [mesh, port])] == [True]


def test_every_rule_has_a_case_in_this_file() -> None:
    stack_tested = {"pg-secure-transport", "pg-log-checkpoints", "pg-connection-throttling", "pg-log-retention",
                    "pg-log-connections", "pg-log-disconnections",
                    "evh-network-restricted", "diagnostic-settings", "locks-on-stateful", "istio-mtls-strict",
                    "frontdoor-waf-prevention",  # tests/policy/test_frontdoor_waf.py
                    "activity-log-exported"}
    tested = {c[0] for c in RESOURCE_CASES} | stack_tested
    assert {r.name for r in RULES} == tested
    assert len(RULES) >= 30


def test_unknown_values_are_left_for_the_update_not_judged() -> None:
    vault = res(VAULT_T, "kv", changed(VAULT, "properties.enableRbacAuthorization", UNKNOWN))
    (result,) = run("kv-rbac-authorization", [vault])
    assert result.passed and "properties.enableRbacAuthorization is unknown until the update" in result.message


@pytest.mark.parametrize(("environment", "enforcement"), [("dev", "advisory"), ("sit", "advisory"), ("uat", "mandatory"),
                                                         ("prod", "mandatory")])
def test_enforcement_follows_the_environment(environment: str, enforcement: str) -> None:
    (result,) = run("kv-rbac-authorization", [res(VAULT_T, "kv", changed(VAULT, "properties.enableRbacAuthorization", False))],
                    environment)
    assert result.enforcement == enforcement and result.blocking == (enforcement == "mandatory")


def test_production_only_rules_are_not_evaluated_elsewhere() -> None:
    unprotected = res(SERVER_T, "psql", changed(SERVER, "highAvailability.mode", "Disabled"))
    assert run("protect-stateful", [unprotected], "uat") == []
    assert run("pg-geo-redundant-backup", [unprotected], "sit") == []
    assert run("pg-high-availability", [unprotected], "dev") == []
    assert [r.passed for r in run("pg-high-availability", [unprotected], "uat")] == [False]


def test_an_unknown_environment_is_refused() -> None:
    with pytest.raises(ValueError, match="environment 'production' is not one of dev, sit, uat, prod"):
        evaluate_plan({"resources": []}, environment="production")


def test_providers_and_components_are_not_judged() -> None:
    plan = {"resources": [
        {"urn": f"{STACK}pulumi:providers:azure-native::default", "type": "pulumi:providers:azure-native", "inputs": {},
         "custom": True},
        {"urn": f"{STACK}sentimark:index:KeyVault::vault", "type": "sentimark:index:KeyVault", "inputs": {}, "custom": False},
    ]}
    assert all(r.urn is None for r in evaluate_plan(plan, environment="prod"))  # only stack-level passes


def test_the_activity_log_must_reach_a_workspace_with_every_category() -> None:
    exported = res("azure-native:monitor:SubscriptionDiagnosticSetting", "activity",
                   {"name": "activity-log", "workspaceId": "/subscriptions/s/resourceGroups/rg/providers/"
                    "Microsoft.OperationalInsights/workspaces/log",
                    "logs": [{"categoryGroup": "allLogs", "enabled": True}]})
    partial = res("azure-native:monitor:SubscriptionDiagnosticSetting", "activity",
                  {"name": "activity-log", "workspaceId": "/subscriptions/s/x",
                   "logs": [{"category": "Administrative", "enabled": True}]})
    workspace = res(WS_T, "log", {"workspaceName": "log", "features": {"disableLocalAuth": True}})
    assert all(r.passed for r in run("activity-log-exported", [workspace, exported]))
    assert all(r.passed for r in run("activity-log-exported", []))  # no workspace of its own: nowhere to send it
    for resources in ([workspace], [workspace, partial]):
        (result,) = run("activity-log-exported", resources)
        assert not result.passed and "activity_log_setting_name" in result.message
