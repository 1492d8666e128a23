"""What the offline engine answers in place of Azure, Kubernetes and the Pulumi service.

Every answer is derived from the resource's URN and inputs, so two runs of a stack give the same plan.
Outputs that downstream code reads (ids, principal ids, the OIDC issuer, a vault URI, a kubeconfig) have
realistic shapes, so that `apply` callbacks run on real values. An invoke without a mock is an error that
names the token: guessing would hide a call that a real `pulumi up` makes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks

from sentimark_platform.offline._arm_ids import SUBSCRIPTION_ID, arm_id
from sentimark_platform.offline.plan import SECRET

__all__ = ["SUBSCRIPTION_ID", "TENANT_ID", "OfflineMocks", "UnknownInvokeError"]

TENANT_ID = "11111111-1111-1111-1111-111111111111"
CLIENT_OBJECT_ID = "22222222-2222-2222-2222-222222222222"


class UnknownInvokeError(RuntimeError):
    """The program called a function the offline engine has no answer for."""


def stable_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _stable_text(seed: str, length: int, alphabet: str) -> str:
    out = ""
    counter = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out += "".join(alphabet[b % len(alphabet)] for b in digest)
        counter += 1
    return out[:length]


def _kubeconfig(cluster: str, resource_group: str) -> str:
    """A kubeconfig shaped like the one AKS returns for an Entra ID cluster with local accounts off."""
    server = f"https://{cluster}-{_stable_text(cluster, 8, 'abcdef0123456789')}.hcp.westeurope.azmk8s.io:443"
    user = f"clusterUser_{resource_group}_{cluster}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster,
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(b"offline-ca").decode(),
                },
            }
        ],
        "contexts": [{"name": cluster, "context": {"cluster": cluster, "user": user}}],
        "current-context": cluster,
        "users": [
            {
                "name": user,
                "user": {
                    "exec": {
                        "apiVersion": "client.authentication.k8s.io/v1beta1",
                        "command": "kubelogin",
                        "args": [
                            "get-token",
                            "--environment",
                            "AzurePublicCloud",
                            "--server-id",
                            "6dae42f8-4368-4678-94ff-3960e28e3630",
                            "--client-id",
                            "80faf920-1908-4b52-b5ef-a8e7bedfc67a",
                            "--tenant-id",
                            TENANT_ID,
                            "--login",
                            "devicecode",
                        ],
                        "interactiveMode": "IfAvailable",
                        "provideClusterInfo": False,
                    }
                },
            }
        ],
    }
    return json.dumps(config, indent=2)


def _list_credentials(args: MockCallArgs) -> dict[str, Any]:
    cluster = str(args.args.get("resourceName", "cluster"))
    group = str(args.args.get("resourceGroupName", "rg"))
    value = base64.b64encode(_kubeconfig(cluster, group).encode()).decode()
    return {"kubeconfigs": [{"name": "clusterUser", "value": value}]}


def _event_hub_keys(args: MockCallArgs) -> dict[str, Any]:
    namespace = str(args.args.get("namespaceName", "ns"))
    rule = str(args.args.get("authorizationRuleName", "rule"))
    hub = args.args.get("eventHubName")
    seed = f"{namespace}/{hub}/{rule}"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    keys = {which: _stable_text(f"{seed}/{which}", 43, alphabet) + "=" for which in ("primary", "secondary")}
    entity = f";EntityPath={hub}" if hub else ""

    def connection(key: str) -> str:
        return f"Endpoint=sb://{namespace}.servicebus.windows.net/;SharedAccessKeyName={rule};SharedAccessKey={key}{entity}"

    return {
        "keyName": rule,
        "primaryKey": keys["primary"],
        "secondaryKey": keys["secondary"],
        "primaryConnectionString": connection(keys["primary"]),
        "secondaryConnectionString": connection(keys["secondary"]),
    }


INVOKES: dict[str, Callable[[MockCallArgs], dict[str, Any]]] = {
    "azure-native:authorization:getClientConfig": lambda _: {
        "clientId": stable_uuid("client"),
        "objectId": CLIENT_OBJECT_ID,
        "subscriptionId": SUBSCRIPTION_ID,
        "tenantId": TENANT_ID,
    },
    "azure-native:containerservice:listManagedClusterUserCredentials": _list_credentials,
    "azure-native:containerservice:listManagedClusterAdminCredentials": _list_credentials,
    "azure-native:eventhub:listEventHubKeys": _event_hub_keys,
    "azure-native:eventhub:listNamespaceKeys": _event_hub_keys,
}
"""Every invoke the project's programs make. Add one here, with a realistic answer, when a program needs it."""


# Types whose own name input is not `<type>Name` (the rest follow that pattern).
_NAME_INPUTS = {
    "ManagedCluster": "resourceName",
    "UserAssignedIdentity": "resourceName",
    "Component": "resourceName",
    "StorageAccount": "accountName",
    "RedisEnterprise": "clusterName",
    "Grafana": "workspaceName",
    "ManagementLockByScope": "lockName",
    "ManagementLockAtResourceLevel": "lockName",
    "FederatedIdentityCredential": "federatedIdentityCredentialResourceName",
    "Redis": "name",
    "DiagnosticSetting": "name",
    "Server": "serverName",
    "AFDCustomDomain": "customDomainName",
    "AFDEndpoint": "endpointName",
    "AFDOrigin": "originName",
    "AFDOriginGroup": "originGroupName",
}


def _cloud_name(typ: str, inputs: Mapping[str, Any], name: str) -> str:
    """The Azure name: the type's own name input where the program set one, else the Pulumi name.

    (Pulumi would add a random suffix to an auto-name; offline the bare name keeps plans stable.)
    """
    kind = typ.rsplit(":", 1)[-1]
    for key in (f"{kind[0].lower()}{kind[1:]}Name", _NAME_INPUTS.get(kind)):
        value = inputs.get(key) if key else None
        if isinstance(value, str):
            return value
    return name


def _azure_outputs(typ: str, urn: str, inputs: Mapping[str, Any], cloud_name: str) -> dict[str, Any]:
    """Outputs that Azure computes and programs read, by type."""
    outputs: dict[str, Any] = {}
    identity = inputs.get("identity")
    if isinstance(identity, Mapping):
        answer = dict(identity)
        if "SystemAssigned" in str(identity.get("type", "")):
            answer.update({"principalId": stable_uuid(urn, "principal"), "tenantId": TENANT_ID})
        assigned = identity.get("userAssignedIdentities")
        if isinstance(assigned, list):
            # Inputs list the identities' ids; Azure answers with a map keyed by id.
            answer["userAssignedIdentities"] = {
                i: {"clientId": stable_uuid(i, "client"), "principalId": stable_uuid(i, "principal")} for i in assigned
            }
        outputs["identity"] = answer
    if typ == "azure-native:containerservice:ManagedCluster":
        location = inputs.get("location", "westeurope")
        outputs.update(
            {
                "fqdn": f"{cloud_name}.hcp.{location}.azmk8s.io",
                "privateFQDN": f"{cloud_name}.privatelink.{location}.azmk8s.io",
                "nodeResourceGroup": inputs.get("nodeResourceGroup", f"MC_{cloud_name}"),
                "oidcIssuerProfile": {
                    **(inputs.get("oidcIssuerProfile") or {}),
                    "issuerURL": f"https://{location}.oic.prod-aks.azure.com/{TENANT_ID}/{stable_uuid(urn, 'oidc')}/",
                },
                "identityProfile": {
                    "kubeletidentity": {
                        "clientId": stable_uuid(urn, "kubelet-client"),
                        "objectId": stable_uuid(urn, "kubelet-object"),
                        "resourceId": f"/subscriptions/{SUBSCRIPTION_ID}/resourceGroups/MC_{cloud_name}/providers/"
                        f"Microsoft.ManagedIdentity/userAssignedIdentities/{cloud_name}-agentpool",
                    }
                },
            }
        )
    elif typ == "azure-native:managedidentity:UserAssignedIdentity":
        outputs.update(
            {
                "clientId": stable_uuid(urn, "client"),
                "principalId": stable_uuid(urn, "principal"),
                "tenantId": TENANT_ID,
            }
        )
    elif typ == "azure-native:redisenterprise:RedisEnterprise":
        outputs["hostName"] = f"{cloud_name}.{inputs.get('location', 'westeurope')}.redis.azure.net"
    elif typ == "azure-native:dbforpostgresql:Server":
        outputs["fullyQualifiedDomainName"] = f"{cloud_name}.postgres.database.azure.com"
    elif typ == "azure-native:eventhub:Namespace":
        outputs["serviceBusEndpoint"] = f"https://{cloud_name}.servicebus.windows.net:443/"
    elif typ == "azure-native:cdn:Profile":
        outputs["frontDoorId"] = stable_uuid(urn, "front-door-id")
    elif typ == "azure-native:cdn:AFDCustomDomain":
        outputs["validationProperties"] = {"validationToken": _stable_text(urn, 32, "abcdefghijklmnopqrstuvwxyz0123456789")}
    elif typ == "azure-native:cdn:AFDEndpoint":
        outputs["hostName"] = f"{cloud_name}-{_stable_text(urn, 16, 'abcdefghij0123456789')}.z01.azurefd.net"
    elif typ == "azure-native:containerregistry:Registry":
        outputs["loginServer"] = f"{cloud_name}.azurecr.io"
    elif typ == "azure-native:keyvault:Vault":
        properties = dict(inputs.get("properties") or {})
        properties["vaultUri"] = f"https://{cloud_name}.vault.azure.net/"
        outputs["properties"] = properties
    elif typ == "azure-native:keyvault:Key":
        # A key's URI names its vault; the version is 32 hex characters (what AKS KMS wants in `keyId`).
        key_uri = f"https://{inputs.get('vaultName', 'vault')}.vault.azure.net/keys/{cloud_name}"
        outputs["keyUri"] = key_uri
        outputs["keyUriWithVersion"] = f"{key_uri}/{_stable_text(urn, 32, '0123456789abcdef')}"
    elif typ == "azure-native:keyvault:Secret":
        vault = inputs.get("vaultName", "vault")
        outputs["properties"] = {
            **(inputs.get("properties") or {}),
            "secretUri": f"https://{vault}.vault.azure.net/secrets/{cloud_name}",
        }
    return outputs


def _random_outputs(typ: str, urn: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    kind = typ.rsplit(":", 1)[-1]
    length = int(inputs.get("length", 16) or 16)
    if kind in ("RandomPassword", "RandomString"):
        alphabet = "abcdefghijklmnopqrstuvwxyz"
        if inputs.get("upper", True):
            alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if inputs.get("numeric", True):
            alphabet += "0123456789"
        return {"result": _stable_text(urn, length, alphabet)}
    if kind == "RandomId":
        raw = hashlib.sha256(urn.encode()).digest()[: int(inputs.get("byteLength", 4) or 4)]
        return {"hex": raw.hex(), "b64Url": base64.urlsafe_b64encode(raw).decode().rstrip("="), "dec": str(int(raw.hex(), 16))}
    if kind == "RandomUuid":
        return {"result": stable_uuid(urn)}
    if kind == "RandomInteger":
        return {"result": inputs.get("min", 0)}
    if kind == "RandomPet":
        return {"id": "offline-" + _stable_text(urn, 6, "abcdefghijklmnopqrstuvwxyz")}
    return {}


class OfflineMocks(Mocks):
    """Deterministic answers for resources and invokes; `stack_outputs` feeds StackReferences."""

    def __init__(self, stack_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.stack_outputs = dict(stack_outputs or {})

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        handler = INVOKES.get(args.token)
        if handler is None:
            known = ", ".join(sorted(INVOKES))
            raise UnknownInvokeError(
                f"the offline engine has no mock for invoke {args.token!r}; known invokes: {known}. "
                "Add a realistic answer to offline/mocks.py INVOKES."
            )
        return handler(args), []

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        return self.new_resource_at(args.name, args)

    def new_resource_at(self, urn: str, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """Like `new_resource`, seeded by the URN so that equal names under different parents differ."""
        typ, inputs = args.typ, args.inputs
        if typ == "pulumi:pulumi:StackReference":
            referenced = str(inputs.get("name", args.name))
            if referenced not in self.stack_outputs:
                raise UnknownInvokeError(
                    f"the program references stack {referenced!r} but no outputs were supplied for it; "
                    f"pass --stack-outputs {referenced}=<plan.json of that stack>"
                )
            outputs = dict(self.stack_outputs[referenced])
            # A plan records secret outputs as "[secret]": hand them to the program as secrets again.
            secret_names = sorted(k for k, v in outputs.items() if SECRET in json.dumps(v))
            return referenced, {"name": referenced, "outputs": outputs, "secretOutputNames": secret_names}
        state: dict[str, Any] = dict(inputs)
        if typ.startswith("azure-native:"):
            cloud_name = _cloud_name(typ, inputs, args.name)
            resource_id = arm_id(typ, inputs, cloud_name)
            state.update({"name": cloud_name, "azureApiVersion": "offline"})
            state.update(_azure_outputs(typ, urn, inputs, cloud_name))
            return resource_id, state
        if typ.startswith("random:"):
            state.update(_random_outputs(typ, urn, inputs))
            return f"{args.name}-id", state
        return f"{args.name}-id", state
