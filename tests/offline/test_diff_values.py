"""What a reviewer reads in the change list: old → new values, secrets never shown, destructive changes first."""

from __future__ import annotations

import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sentimark_platform.offline._masking import looks_secret_key, mask
from sentimark_platform.offline._replacement import url_parameters
from sentimark_platform.offline.diff import GITHUB_COMMENT_LIMIT, diff_markdown, diff_plans
from tests.offline.test_diff import P, plan, resource

AKS = "azure-native:containerservice:ManagedCluster"
VAULT = "azure-native:keyvault:Vault"


def one_change(urn_tail: str, old: dict[str, Any], new: dict[str, Any], **options: Any) -> str:
    return diff_markdown(diff_plans(plan(resource(urn_tail, old)), plan(resource(urn_tail, new, **options))))


def test_a_nested_change_shows_its_path_and_both_values() -> None:
    text = one_change(f"{VAULT}::kv", {"properties": {"networkAcls": {"defaultAction": "Allow", "bypass": "None"}}},
                      {"properties": {"networkAcls": {"defaultAction": "Deny", "bypass": "None"}}})
    assert '- `properties.networkAcls.defaultAction: "Allow" → "Deny"`' in text
    assert "bypass" not in text  # unchanged siblings are not listed


def test_values_set_or_removed_on_one_side_say_absent() -> None:
    text = one_change(f"{VAULT}::kv", {"tags": {"old": "x"}}, {"tags": {"new": 3}})
    assert '`tags.new: (absent) → 3`' in text and '`tags.old: "x" → (absent)`' in text


PLANTED = "planted-b1f0c"


def test_no_planted_secret_reaches_the_comment() -> None:
    base = plan(
        resource("azure-native:dbforpostgresql:Server::psql", {"administratorLoginPassword": "old-" + PLANTED}),
        resource("azure-native:keyvault:Secret::s", {"properties": {"value": "[secret]"}}),
        resource("kubernetes:core/v1:Secret::k", {"stringData": {"DB_HOST": "h"}}),
        resource("azure-native:web:WebApp::app", {}),
        resource("pulumi:providers:kubernetes::k8s", {"kubeconfig": "apiVersion: v1 # " + PLANTED}),
    )
    head = plan(
        resource("azure-native:dbforpostgresql:Server::psql", {"administratorLoginPassword": "new-" + PLANTED}),
        # A value that was a Pulumi secret in the base and is plain text now: still masked.
        resource("azure-native:keyvault:Secret::s", {"properties": {"value": PLANTED}}),
        resource("kubernetes:core/v1:Secret::k", {"stringData": {"DB_HOST": PLANTED}}),
        # A whole new object: secret keys inside it, and a connection string under an innocent key.
        resource("azure-native:web:WebApp::app", {"siteConfig": {"auth": {"clientSecret": PLANTED, "clientId": "cid"},
                                                                  "conn": f"Endpoint=sb://x/;SharedAccessKey={PLANTED}"}}),
        resource("pulumi:providers:kubernetes::k8s", {"kubeconfig": "apiVersion: v1 # other " + PLANTED}),
    )
    text = diff_markdown(diff_plans(base, head))
    assert PLANTED not in text
    assert "`administratorLoginPassword: [secret] → [secret]`" in text
    assert "`properties.value: [secret] → [secret]`" in text
    assert "`stringData.DB_HOST: [secret] → [secret]`" in text
    assert "`kubeconfig: [secret] → [secret]`" in text
    assert '"clientId":"cid"' in text and '"clientSecret":"[secret]"' in text and '"conn":"[secret]"' in text


def test_the_value_of_a_name_value_pair_with_a_secret_name_is_masked() -> None:
    deployment = "kubernetes:apps/v1:Deployment::api"

    def env(value: str) -> dict[str, Any]:
        return {"spec": {"env": [{"name": "DB_PASSWORD", "value": value}, {"name": "LOG_LEVEL", "value": value}]}}
    text = one_change(deployment, env("old-" + PLANTED), env("new-" + PLANTED))
    assert "`spec.env[0].value: [secret] → [secret]`" in text
    assert f'`spec.env[1].value: "old-{PLANTED}" → "new-{PLANTED}"`' in text  # LOG_LEVEL is no secret
    # Inside a whole object (a value set where there was none), and a bearer token under an innocent key.
    assert mask(env(PLANTED))["spec"]["env"] == [{"name": "DB_PASSWORD", "value": "[secret]"},
                                                {"name": "LOG_LEVEL", "value": PLANTED}]
    assert mask({"header": "Bearer " + "x" * 20}) == {"header": "[secret]"}


def test_secret_looking_keys() -> None:
    for key in ("password", "administratorLoginPassword", "clientSecret", "primaryKey", "sasToken", "connectionString",
                "primaryConnectionString", "kubeconfig", "kubeConfig", "privateKey", "keyData", "secrets", "apiKey"):
        assert looks_secret_key(key), key
    for key in ("secretName", "keyVaultId", "passwordAuth", "azureKeyvaultSecretsProvider", "enableSecretRotation",
                "tokenType", "keySource", "location", "keepers", "name", "istio.io/rev", "monkey"):
        assert not looks_secret_key(key), key


_SECRET_KEYS = st.sampled_from(["password", "clientSecret", "primaryKey", "sasToken", "connectionString", "kubeconfig"])
_PLAIN_KEYS = st.sampled_from(["sku", "properties", "tags", "settings", "name", "rules"])


def _with_secrets() -> st.SearchStrategy[Any]:
    """Nested inputs in which every value at or under a secret-looking key is a planted token."""
    planted = st.integers(0, 10**6).map(lambda n: f"PLANTED{n}")
    inside_secret = st.recursive(
        planted, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(_PLAIN_KEYS, c, max_size=3)), max_leaves=5
    )
    leaf = st.one_of(st.integers(), st.text(alphabet="abc", max_size=5))
    return st.recursive(
        leaf,
        lambda c: st.one_of(
            st.lists(c, max_size=3),
            st.builds(lambda plain, key, secret: {**plain, key: secret},
                      st.dictionaries(_PLAIN_KEYS, c, max_size=3), _SECRET_KEYS, inside_secret),
        ),
        max_leaves=12,
    )


@settings(max_examples=60, deadline=None)
@given(old=_with_secrets(), new=_with_secrets())
def test_values_under_secret_keys_never_show_whatever_the_shape(old: Any, new: Any) -> None:
    text = diff_markdown(diff_plans(plan(resource(f"{VAULT}::kv", {"properties": old})),
                                    plan(resource(f"{VAULT}::kv", {"properties": new}))))
    assert "PLANTED" not in text


def test_deletions_and_replacements_come_before_creations_and_updates() -> None:
    base = plan(
        resource(f"{VAULT}::updated", {"vaultName": "kv-1", "sku": "standard"}),
        resource(f"{VAULT}::replaced", {"vaultName": "kv-2"}),
        resource(f"{VAULT}::deleted", {"vaultName": "kv-3"}),
    )
    head = plan(
        resource(f"{VAULT}::updated", {"vaultName": "kv-1", "sku": "premium"}),
        resource(f"{VAULT}::replaced", {"vaultName": "kv-2b"}),
        resource(f"{VAULT}::created", {"vaultName": "kv-4"}),
    )
    text = diff_markdown(diff_plans(base, head))
    order = [text.index(s) for s in ("#### `-` To delete (1)", "`deleted (", "#### `+-` Predicted replacements (1)",
                                     "`replaced (", "#### `+` To create (1)", "`created (", "#### `~` To update (1)",
                                     "`updated (")]
    assert order == sorted(order)
    assert "**`-` 1 to delete, `+-` 1 to replace (predicted), `+` 1 to create, `~` 1 to update**" in text


def test_a_changed_resource_name_is_a_predicted_replacement_labelled_as_a_prediction() -> None:
    diff = diff_plans(plan(resource(f"{AKS}::aks", {"resourceName": "aks-a", "resourceGroupName": "rg", "sku": {"tier": "Free"}})),
                      plan(resource(f"{AKS}::aks", {"resourceName": "aks-b", "resourceGroupName": "rg", "sku": {"tier": "Free"}})))
    (change,) = diff.replacements
    assert [(v.path, v.replaces) for v in change.replacement_causes] == [("inputs.resourceName", "part of the Azure resource ID")]
    text = diff_markdown(diff)
    assert "#### `+-` Predicted replacements (1)" in text and "not Pulumi's verdict" in text
    assert ('- `aks (azure-native:containerservice:ManagedCluster)` — replaced because `resourceName` changes\n'
            '  - `resourceName: "aks-a" → "aks-b"` — **forces replacement** (part of the Azure resource ID)') in text


def test_what_forces_a_replacement_and_what_does_not() -> None:
    cases = [
        (f"{VAULT}::kv", {"location": "westeurope"}, {"location": "northeurope"}, True),
        (f"{VAULT}::kv", {"properties": {"sku": {"name": "standard"}}}, {"properties": {"sku": {"name": "premium"}}}, False),
        (f"{VAULT}::kv", {"resourceGroupName": "rg-a"}, {"resourceGroupName": "rg-b"}, True),
        ("azure-native:containerservice:AgentPool::np", {"agentPoolName": "apps"}, {"agentPoolName": "apps2"}, True),
        ("azure-native:authorization:RoleAssignment::ra", {"scope": "/a"}, {"scope": "/b"}, True),
        ("kubernetes:core/v1:Namespace::ns", {"metadata": {"name": "a"}}, {"metadata": {"name": "b"}}, True),
        ("kubernetes:core/v1:ConfigMap::cm", {"metadata": {"name": "a", "namespace": "x"}},
         {"metadata": {"name": "a", "namespace": "y"}}, True),
        ("kubernetes:core/v1:Namespace::ns", {"metadata": {"name": "a", "labels": {"x": "1"}}},
         {"metadata": {"name": "a", "labels": {"x": "2"}}}, False),
        ("kubernetes:helm.sh/v3:Release::r", {"namespace": "a", "version": "1"}, {"namespace": "b", "version": "1"}, True),
        ("kubernetes:helm.sh/v3:Release::r", {"version": "1"}, {"version": "2"}, False),
        ("random:index/randomPassword:RandomPassword::p", {"keepers": {"e": "1"}}, {"keepers": {"e": "2"}}, True),
        ("pulumi:providers:kubernetes::k8s", {"clusterIdentifier": "/a"}, {"clusterIdentifier": "/b"}, True),
        ("pulumi:providers:kubernetes::k8s", {"enableServerSideApply": "true"}, {"enableServerSideApply": "false"}, False),
    ]
    for tail, old, new, replaces in cases:
        (change,) = diff_plans(plan(resource(tail, old)), plan(resource(tail, new))).changed
        assert change.replaces is replaces, (tail, old, new)


def test_an_ignored_change_never_forces_a_replacement_and_says_it_is_not_applied() -> None:
    diff = diff_plans(plan(resource(f"{AKS}::aks", {"location": "westeurope", "kubernetesVersion": "1.33"})),
                      plan(resource(f"{AKS}::aks", {"location": "northeurope", "kubernetesVersion": "1.34"},
                                    ignoreChanges=["location", "kubernetesVersion"])))
    assert not diff.replacements
    assert '`location: "westeurope" → "northeurope"` (under `ignoreChanges`: not applied)' in diff_markdown(diff)


def test_the_url_parameters_come_from_the_installed_sdk() -> None:
    assert url_parameters(AKS) == {"resourceGroupName", "resourceName"}
    assert url_parameters("azure-native:containerservice:AgentPool") == {"agentPoolName", "resourceGroupName", "resourceName"}
    assert "scope" in (url_parameters("azure-native:authorization:RoleAssignment") or ())
    assert url_parameters("azure-native:nosuchmodule:Thing") is None


def test_a_resource_under_a_new_parent_is_paired_with_its_old_urn() -> None:
    old = resource(f"{VAULT}::kv", {"resourceGroupName": "rg", "vaultName": "kv-x"}, protect=True)
    new = resource(f"sentimark:index:KeyVault${VAULT}::kv", {"resourceGroupName": "rg", "vaultName": "kv-x"})
    diff = diff_plans(plan(old), plan(new))
    (move,) = diff.moved
    assert (move.old_urn, move.new_urn, move.same_object, move.protected) == (old["urn"], new["urn"], True, True)
    assert not diff.deletions and not diff.creations
    text = diff_markdown(diff)
    assert ("- `kv (azure-native:keyvault:Vault)`: new URN `sentimark:index:KeyVault$azure-native:keyvault:Vault::kv`, "
            "was `azure-native:keyvault:Vault::kv`; Pulumi shows `-` delete and `+` create unless `aliases=` maps the "
            "old URN") in text
    assert "**both name the same cloud object**" in text and "#### `-` To delete" not in text


def test_protected_resources_at_risk_are_called_out_above_everything() -> None:
    base = plan(resource(f"{VAULT}::gone", {"vaultName": "kv-1"}, protect=True),
                resource(f"{VAULT}::moved", {"location": "westeurope"}),
                resource(f"{VAULT}::fine", {"sku": "a"}, protect=True))
    head = plan(resource(f"{VAULT}::moved", {"location": "northeurope"}, protect=True),
                resource(f"{VAULT}::fine", {"sku": "b"}, protect=True))
    diff = diff_plans(base, head)
    assert diff.protected_at_risk() == [(P + f"{VAULT}::gone", "delete"), (P + f"{VAULT}::moved", "replace")]
    text = diff_markdown(diff)
    callout = text.index("> [!CAUTION]")
    assert callout < text.index("#### `-` To delete")
    assert "**2 protected resource(s) would be deleted or replaced:**" in text
    assert "`gone (azure-native:keyvault:Vault)` — **protected**: Pulumi refuses to delete it" in text


def test_long_values_are_shortened_with_a_marker_and_keep_what_differs() -> None:
    prefix = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-smk-prod-weu/providers/"
              "Microsoft.Network/privateEndpoints/pe-smk-prod-weu-vault/privateDnsZoneGroups/default/vaults/")
    text = one_change("azure-native:monitor:DiagnosticSetting::d", {"resourceUri": prefix + "kv-smk-prod-aaaaa", "x": "y" * 400},
                      {"resourceUri": prefix + "kv-smk-prod-bbbbb", "x": "z" * 400})
    line = next(line for line in text.splitlines() if "`resourceUri:" in line)
    assert "same chars]…" in line and "kv-smk-prod-aaaaa" in line and "kv-smk-prod-bbbbb" in line
    long_line = next(line for line in text.splitlines() if "`x:" in line)
    assert re.search(r"…\[\d+ chars\]…", long_line) and len(long_line) < 400


def test_many_long_changed_values_stay_under_githubs_comment_limit() -> None:
    def inputs(mark: str) -> dict[str, Any]:
        return {f"setting{i}": mark * 500 for i in range(40)}

    base = plan(*(resource(f"{VAULT}::kv-{i}", inputs("a")) for i in range(400)))
    head = plan(*(resource(f"{VAULT}::kv-{i}", inputs("b")) for i in range(400)))
    text = diff_markdown(diff_plans(base, head), max_chars=25_000)
    assert len(text) <= 25_000 < GITHUB_COMMENT_LIMIT
    assert "… and 25 more changed values (see the plan JSON)" in text
    assert re.search(r"… and \d+ more resource changes not shown", text)
    assert text.count("<details>") == text.count("</details>")


def test_a_failing_base_is_quoted_by_the_end_of_its_traceback_with_credentials_masked() -> None:
    from sentimark_platform.offline._baseref import _excerpt

    frames = [f'  File "m{i}.py", line {i}, in f' for i in range(30)]
    errors = "\n".join(["warning: slow", "Traceback (most recent call last):", *frames,
                        f"ValueError: bad conn Endpoint=sb://x/;SharedAccessKey={PLANTED}"])
    text = _excerpt(errors)
    assert text.splitlines()[:3] == ["warning: slow", "Traceback (most recent call last):", "…"]
    assert 'File "m29.py"' in text and 'File "m5.py"' not in text
    assert PLANTED not in text and text.endswith("[secret]")


def test_two_stacks_are_compared_resource_by_resource() -> None:
    uat = plan(resource(f"{VAULT}::kv", {"sku": "standard"}, dependencies=[P + "rg"]))
    prod = {**plan(), "stack": "prod", "resources": [
        {**resource(f"{VAULT}::kv", {"sku": "premium"}, dependencies=[P + "rg"]),
         "urn": P.replace(":uat::", ":prod::") + f"{VAULT}::kv", "dependencies": [P.replace(":uat::", ":prod::") + "rg"]},
    ]}
    diff = diff_plans(uat, prod)
    assert not diff.added and not diff.removed and [c.paths for c in diff.changed] == [("inputs.sku",)]
