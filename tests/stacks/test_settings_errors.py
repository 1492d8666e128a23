"""Every invalid setting is reported precisely (file, key path, value, allowed) before any registration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentimark_platform.offline import run_preview
from stacks import SettingsError

NS = "sentimark-platform"


def _uat() -> dict[str, Any]:
    data = yaml.safe_load((Path(__file__).resolve().parents[2] / "Pulumi.uat.yaml").read_text())["config"]
    return {k.split(":", 1)[1]: v for k, v in data.items()}


def _with(section: str, **changes: Any) -> dict[str, Any]:
    value = _uat()[section]
    for dotted, new in changes.items():
        target = value
        *parents, leaf = dotted.split(".")
        for p in parents:
            target = target[p]
        target[leaf] = new
    return {section: value}


# (what is wrong, config overrides, expected problem line)
CASES = [
    (
        "an AKS tier Azure does not offer",
        _with("aks", tier="Gold"),
        f"Pulumi.uat.yaml: {NS}:aks.tier: got \"Gold\"; allowed: one of 'Free' or 'Standard'",
    ),
    (
        "a user pool whose minimum exceeds its maximum",
        _with("aks", **{"userPool.minCount": 8}),
        f"Pulumi.uat.yaml: {NS}:aks.userPool.minCount: got 8; allowed: no more than maxCount (6)",
    ),
    (
        "backup retention below Azure's 7 days",
        _with("postgres", backupRetentionDays=3),
        f"Pulumi.uat.yaml: {NS}:postgres.backupRetentionDays: got 3; allowed: a number >= 7",
    ),
    (
        "high availability on the Burstable tier",
        _with("postgres", tier="Burstable", skuName="Standard_B2s"),
        f"Pulumi.uat.yaml: {NS}:postgres.highAvailability: got true; allowed: false on the Burstable tier "
        "(choose GeneralPurpose for zone-redundant HA)",
    ),
    (
        "an authorized range that is not a CIDR",
        {"network": {"dataPlaneAccess": "private", "authorizedIpRanges": ["10.0.0.300/24"]}},
        f"Pulumi.uat.yaml: {NS}:network.authorizedIpRanges[0]: got \"10.0.0.300/24\"; allowed: an IPv4 CIDR block "
        "with no host bits set, e.g. 203.0.113.0/24",
    ),
    (
        "canary steps that do not end at 100",
        _with("routing", canarySteps=[10, 25, 50]),
        f"Pulumi.uat.yaml: {NS}:routing.canarySteps: got [10, 25, 50]; allowed: strictly increasing percentages "
        "from 1 to 100 that end at 100, e.g. [10, 25, 50, 75, 100]",
    ),
    (
        "a misspelled key",
        _with("aks", **{"systemPool.zone": ["1"]}),
        f"Pulumi.uat.yaml: {NS}:aks.systemPool.zone: got [\"1\"]; allowed: no such key; known keys here: "
        "criticalAddonsOnly, maxCount, nodeCount, osDiskSizeGb, vmSize, zones",
    ),
    (
        "an unknown top-level key",
        {"colour": "blue"},
        f"Pulumi.uat.yaml: {NS}:colour: got \"blue\"; allowed: no such key; known keys here: aks, alerts, "
        "applications, budget, charts, ciRunners, containerRegistry, costCenter, deploymentApproval, dropVersionedAliases, environment, "
        "eventHubs, gitops, ingress, monitoring, network, owner, platformAdmins, postgres, protection, redis, regions, routing, tags, "
        "uniqueNameSeed",
    ),
    (
        "a missing required section",
        {"budget": None},
        f"Pulumi.uat.yaml: {NS}:budget: got (not set); allowed: a value (this key is required)",
    ),
    (
        "a budget start date that is not the first of a month",
        _with("budget", startDate="2026-12-15"),
        f"Pulumi.uat.yaml: {NS}:budget.startDate: got \"2026-12-15\"; allowed: the first day of a month, e.g. 2026-12-01",
    ),
    (
        "a Kubernetes version written as a YAML number",
        _with("aks", kubernetesVersion=1.33),
        f"Pulumi.uat.yaml: {NS}:aks.kubernetesVersion: got 1.33; allowed: text (quote it in YAML: \"1.33\", not 1.33)",
    ),
    (
        "a region outside the allowed list",
        {"regions": [{"location": "mars-north", "addressSpace": "10.30.0.0/16"}]},
        f"Pulumi.uat.yaml: {NS}:regions[0].location: got \"mars-north\"; allowed: one of 'westeurope', "
        "'northeurope', 'swedencentral', 'germanywestcentral', 'francecentral', 'uksouth', 'eastus', 'eastus2' or 'westus3'",
    ),
    (
        "two regions with overlapping address spaces",
        {
            "regions": [
                {"location": "westeurope", "addressSpace": "10.30.0.0/16"},
                {"location": "northeurope", "addressSpace": "10.30.128.0/17"},
            ]
        },
        f"Pulumi.uat.yaml: {NS}:regions: got [\"10.30.0.0/16\", \"10.30.128.0/17\"]; allowed: address spaces that do not overlap",
    ),
    (
        "a private cluster behind a public data plane",
        {"network": {"dataPlaneAccess": "public", "authorizedIpRanges": ["203.0.113.0/24"]},
         "aks": {k: v for k, v in _uat()["aks"].items() if k != "etcdEncryption"}},
        f"Pulumi.uat.yaml: {NS}:network.dataPlaneAccess: got \"public\"; allowed: private when aks.privateCluster is true "
        "(a private cluster behind public data services defeats it)",
    ),
    (
        "etcd encryption without a private data plane",
        {"network": {"dataPlaneAccess": "public", "authorizedIpRanges": ["203.0.113.0/24"]},
         "aks": {**_uat()["aks"], "privateCluster": False}},
        f"Pulumi.uat.yaml: {NS}:aks.etcdEncryption: got \"set\"; allowed: network.dataPlaneAccess private as well: AKS "
        "reaches the vault's key through a private endpoint (API Server VNet Integration), and the vault's firewall "
        "refuses its public calls (learn.microsoft.com/azure/aks/use-kms-etcd-encryption)",
    ),
    (
        "a public gateway without Front Door and no ranges to admit",
        {"ingress": {"loadBalancer": "public"}},
        f"Pulumi.uat.yaml: {NS}:network.authorizedIpRanges: got []; allowed: at least one CIDR when "
        "ingress.loadBalancer is public without frontDoor: the gateway admits only these ranges (or put Front Door in "
        "front, or make it internal)",
    ),
    (
        "an IPv6 range where the platform takes IPv4",
        _with("network", authorizedIpRanges=["2001:db8::/32"]),
        f"Pulumi.uat.yaml: {NS}:network.authorizedIpRanges[0]: got \"2001:db8::/32\"; allowed: an IPv4 CIDR block with "
        "no host bits set, e.g. 203.0.113.0/24",
    ),
    (
        "an etcd key that expires before two rotations",
        _with("aks", **{"etcdEncryption.expiresAfterDays": 300}),
        f"Pulumi.uat.yaml: {NS}:aks.etcdEncryption.expiresAfterDays: got 300; allowed: at least twice rotateAfterDays "
        "(360): AKS still reads the previous version",
    ),
    (
        "an environment that does not match the stack",
        {"environment": "prod"},
        f"Pulumi.uat.yaml: {NS}:environment: got \"prod\"; allowed: \"uat\", the name of the stack this file configures",
    ),
    (
        "a user pool size that is not a number",
        _with("aks", **{"userPool.maxCount": "lots"}),
        f"Pulumi.uat.yaml: {NS}:aks.userPool.maxCount: got \"lots\"; allowed: a whole number",
    ),
    (
        "an error-budget threshold above the rollback threshold",
        _with("routing", errorBudgetCriticalPercent=97),
        f"Pulumi.uat.yaml: {NS}:routing.errorBudgetCriticalPercent: got 97; allowed: less than errorBudgetRollbackPercent (95)",
    ),
    (
        "Front Door without a certificate for the gateways",
        {"ingress": {"loadBalancer": "public", "frontDoor": True}},
        f"Pulumi.uat.yaml: {NS}:ingress.tls: got null; allowed: a hostName and certificateName when frontDoor is true "
        "(Front Door forwards HTTPS only, to a gateway presenting a publicly trusted certificate for that host)",
    ),
    (
        "an ingress host name that is a URL",
        {"ingress": {"loadBalancer": "internal", "tls": {"hostName": "https://api.example.com",
                                                         "certificateName": "api"}}},
        f"Pulumi.uat.yaml: {NS}:ingress.tls.hostName: got \"https://api.example.com\"; allowed: text matching "
        "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$",
    ),
    (
        "an application that reads an event hub the stack does not declare",
        _with("applications", **{"data-acquisition.dataAccess": {"eventHubs": {"send": ["market-data", "trades"]}}}),
        f"Pulumi.uat.yaml: {NS}:applications.data-acquisition.dataAccess.eventHubs.send: got [\"trades\"]; allowed: "
        "event hubs declared under eventHubs.hubs (enabled): ['market-data', 'sentiment-events']",
    ),
    (
        "a public application without a host name to serve it at",
        _with("applications", **{"sentimark-api.public": True, "sentimark-api.canary": True}),
        f"Pulumi.uat.yaml: {NS}:applications.sentimark-api.public: got true; allowed: false unless ingress.tls gives "
        "the host name to serve it at",
    ),
    # Issue 18 deliverable 5: inputs that used to be accepted.
    (
        "a count written in Arabic-Indic digits",
        _with("aks", kubernetesVersion="1.\u0663\u0666"),
        # Shown escaped: the digits that look like 36 are not ASCII.
        f"Pulumi.uat.yaml: {NS}:aks.kubernetesVersion: got \"1.\\u0663\\u0666\"; allowed: text matching ^1\\.[0-9]{{2}}$",
    ),
    (
        "the same database twice (one server database each)",
        _with("postgres", databases=["sentimark", "sentimark"]),
        f"Pulumi.uat.yaml: {NS}:postgres.databases: got [\"sentimark\", \"sentimark\"]; allowed: each value once; "
        "repeated: sentimark",
    ),
    (
        "an application named after a platform namespace",
        {"applications": {**_uat()["applications"], "argocd": {"cpuQuota": "1", "memoryQuota": "1Gi", "canary": False}}},
        f"Pulumi.uat.yaml: {NS}:applications.argocd: got \"argocd\"; allowed: an application name that is no "
        "Kubernetes, AKS or platform namespace (aks-command, app-routing-system, argo-rollouts, argocd, default, "
        "gatekeeper-system, istio-ingress, istio-system, kube-node-lease, kube-public, kube-system, monitoring): "
        "the application's namespace is named after it",
    ),
    (
        "a region inside the clusters' service range",
        {"regions": [{"location": "westeurope", "addressSpace": "10.0.0.0/20"}]},
        f"Pulumi.uat.yaml: {NS}:regions.addressSpace: got \"10.0.0.0/20\"; allowed: a block that does not overlap "
        "the clusters' service range 10.0.0.0/16: AKS refuses a node subnet inside it "
        "(learn.microsoft.com/azure/aks/azure-cni-overlay)",
    ),
    (
        "secrets that would expire before they are written",
        _with("protection", secretsExpireOn="2020-01-01"),
        f"Pulumi.uat.yaml: {NS}:protection.secretsExpireOn: got \"2020-01-01\"; allowed: a date after today "
        f"({dt.date.today().isoformat()}): a secret written with a past expiry is unusable at once, and a later date "
        "is how the credentials rotate",
    ),
    (
        "a tag name Azure refuses",
        {"tags": {"cost/centre": "x"}},
        f"Pulumi.uat.yaml: {NS}:tags.cost/centre: got \"cost/centre\"; allowed: a tag name of 1 to 512 characters "
        "without < > % & \\ ? /",
    ),
    (
        "a GitOps repository URL with a token in it (never echoed)",
        _with("gitops", repository="https://x-access-token:ghp_0123456789abcdef@github.com/sentimark/gitops"),
        f"Pulumi.uat.yaml: {NS}:gitops.repository: got \"https://(credentials not shown)@github.com/sentimark/gitops\"; "
        "allowed: text matching ^https://[A-Za-z0-9.-]+(:[0-9]+)?/[A-Za-z0-9._~%/-]+$",
    ),
    (
        "an e-mail address longer than any mailbox",
        _with("alerts", emails=["a" * 250 + "@example.com"]),
        f"Pulumi.uat.yaml: {NS}:alerts.emails[0]: got \"{'a' * 250}@example.com\"; allowed: String should have at "
        "most 254 characters",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_setting_is_reported_precisely_and_registers_nothing(overrides: dict[str, Any], expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        run_preview(Path(__file__).resolve().parents[2], "uat", config=overrides)
    assert [str(p) for p in caught.value.problems] == [expected]
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]


def test_all_problems_are_reported_at_once() -> None:
    overrides = {**_with("aks", tier="Gold"), **_with("postgres", backupRetentionDays=99), "colour": "blue"}
    with pytest.raises(SettingsError) as caught:
        run_preview(Path(__file__).resolve().parents[2], "uat", config=overrides)
    paths = sorted(p.path for p in caught.value.problems)
    assert paths == [f"{NS}:aks.tier", f"{NS}:colour", f"{NS}:postgres.backupRetentionDays"]


def test_a_secret_key_in_plaintext_is_refused_without_echoing_it() -> None:
    with pytest.raises(SettingsError) as caught:
        run_preview(Path(__file__).resolve().parents[2], "uat", config={"alertWebhookUrl": "https://hooks.example/T0/XYZ-TOKEN"})
    (problem,) = caught.value.problems
    assert problem.path == f"{NS}:alertWebhookUrl"
    assert "pulumi config set --secret alertWebhookUrl" in problem.allowed
    assert "XYZ-TOKEN" not in str(caught.value)


def _refused(config: dict[str, Any] | None = None, secrets: dict[str, str] | None = None) -> SettingsError:
    with pytest.raises(SettingsError) as caught:
        run_preview(Path(__file__).resolve().parents[2], "uat", config=config, secrets=secrets)
    assert caught.value.offline_registered == []  # type: ignore[attr-defined]
    return caught.value


PROVIDERS = "azure, azure-native, azuread, command, kubernetes, pulumi, random, tls"


@pytest.mark.parametrize("prefix", ["sentimark-platfom", "Sentimark-Platform"])
def test_a_misspelt_project_prefix_is_refused_with_the_key_it_meant(prefix: str) -> None:
    # The program sees the runtime's config, whatever wrote it (here an override, past the offline loader's check).
    error = _refused({f"{prefix}:owner": "someone@sentimark.example"})
    assert [str(p) for p in error.problems] == [
        f"Pulumi.uat.yaml: {prefix}:owner: got a key in the namespace \"{prefix}\"; allowed: keys of this project "
        f"({NS}:<key>) or of a provider the program configures ({PROVIDERS}); did you mean {NS}:owner?"
    ]
    assert "someone@" not in str(error)


def test_a_key_in_a_namespace_nobody_reads_is_refused_and_provider_keys_are_not() -> None:
    error = _refused({"platform:owner": "x", "azure-nativ:location": "westeurope", "azure-native:location": "westeurope"})
    assert [str(p) for p in error.problems] == [
        f"Pulumi.uat.yaml: azure-nativ:location: got a key in the namespace \"azure-nativ\"; allowed: keys of this "
        f"project ({NS}:<key>) or of a provider the program configures ({PROVIDERS}); did you mean azure-native:location?",
        f"Pulumi.uat.yaml: platform:owner: got a key in the namespace \"platform\"; allowed: keys of this project "
        f"({NS}:<key>) or of a provider the program configures ({PROVIDERS})",
    ]


def test_an_encrypted_value_under_a_setting_that_is_not_secret_is_refused_unseen() -> None:
    # The engine hands the program secrets decrypted; validating `owner` would have echoed it as "got ...".
    error = _refused(secrets={"owner": "hunter2@sentimark.example"})
    assert [str(p) for p in error.problems] == [
        f"Pulumi.uat.yaml: {NS}:owner: got an encrypted value (not shown); allowed: a plain value: owner is not a "
        "secret setting, set it with `pulumi config set owner <value>`, without --secret (encrypted settings here: "
        "alertWebhookUrl)"
    ]
    assert "hunter2" not in str(error)


def test_an_encrypted_value_under_a_misspelt_or_unknown_key_is_refused_unseen() -> None:
    error = _refused(secrets={"alertWebhookUrll": "https://hooks.example/T0/hunter2", "postgresPassword": "hunter2"})
    assert [str(p) for p in error.problems] == [
        f"Pulumi.uat.yaml: {NS}:alertWebhookUrll: got an encrypted value (not shown); allowed: an encrypted value only "
        "under alertWebhookUrl; did you mean alertWebhookUrl?",
        f"Pulumi.uat.yaml: {NS}:postgresPassword: got an encrypted value (not shown); allowed: no such key; known keys "
        "here: aks, alerts, applications, budget, charts, ciRunners, containerRegistry, costCenter, deploymentApproval, "
        "dropVersionedAliases, environment, eventHubs, gitops, ingress, monitoring, network, owner, platformAdmins, "
        "postgres, protection, redis, regions, routing, tags, uniqueNameSeed",
    ]
    assert "hunter2" not in str(error)


@pytest.mark.parametrize("overrides", [
    {"postgresPasword": "hunter2"},  # a misspelling looks_secret_key alone would not catch
    {"postgresPassword": "hunter2"},
    _with("postgres", adminPasswrd="hunter2"),
    _with("aks", **{"userPool.clientSecert": "hunter2"}),
], ids=["top-level misspelt", "top-level", "nested misspelt", "deep misspelt"])
def test_a_password_under_an_unknown_key_is_never_echoed(overrides: dict[str, Any]) -> None:
    error = _refused(overrides)
    (problem,) = error.problems
    assert problem.got == "(not shown)" and problem.allowed.startswith("no such key")
    assert "hunter2" not in str(error)
