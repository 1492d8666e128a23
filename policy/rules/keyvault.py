"""Key Vault: CIS Azure section 8 and the Microsoft cloud security benchmark Key Vault baseline."""

from __future__ import annotations

from ._base import Resource, Rule, lookup, shown

VAULT = "azure-native:keyvault:Vault"
SECRET_TYPE = "azure-native:keyvault:Secret"
KEY = "azure-native:keyvault:Key"


def recoverable(resource: Resource) -> list[str]:
    messages = []
    # enableSoftDelete defaults to true and can no longer be turned off; only an explicit false is wrong.
    if lookup(resource.inputs, "properties.enableSoftDelete") is False:
        messages.append("properties.enableSoftDelete is false; soft delete must stay on")
    if lookup(resource.inputs, "properties.enablePurgeProtection") is not True:
        messages.append(
            f"properties.enablePurgeProtection is {shown(lookup(resource.inputs, 'properties.enablePurgeProtection'))}; "
            "set it to true so that deleted keys and secrets cannot be purged before the retention ends"
        )
    return messages


def rbac_authorization(resource: Resource) -> list[str]:
    value = lookup(resource.inputs, "properties.enableRbacAuthorization")
    if value is True:
        return []
    return [f"properties.enableRbacAuthorization is {shown(value)}; use Azure RBAC instead of access policies"]


def network_restricted(resource: Resource) -> list[str]:
    if lookup(resource.inputs, "properties.publicNetworkAccess") == "Disabled":
        return []
    if lookup(resource.inputs, "properties.networkAcls.defaultAction") == "Deny":
        return []
    return [
        "the vault accepts traffic from every network (publicNetworkAccess is not Disabled and "
        f"networkAcls.defaultAction is {shown(lookup(resource.inputs, 'properties.networkAcls.defaultAction'))}); "
        "use a private endpoint with publicNetworkAccess Disabled, or networkAcls.defaultAction Deny with IP rules"
    ]


def secret_expiry(resource: Resource) -> list[str]:
    # The SDK spells the attribute `expires` (ARM's `exp`); accept either.
    attributes = lookup(resource.inputs, "properties.attributes") or {}
    if attributes.get("expires") is not None or attributes.get("exp") is not None:
        return []
    return [
        f"secret {resource.inputs.get('secretName', resource.name)} has no expiry date (properties.attributes.expires); "
        "set one and rotate the secret before it (write_vault_secret(expires_on=...))"
    ]


def secret_content_type(resource: Resource) -> list[str]:
    if lookup(resource.inputs, "properties.contentType"):
        return []
    return [f"secret {resource.inputs.get('secretName', resource.name)} has no properties.contentType; say what the value is (e.g. text/plain, application/json)"]


def key_strength(resource: Resource) -> list[str]:
    kty = lookup(resource.inputs, "properties.kty")
    if kty in ("RSA", "RSA-HSM"):
        size = lookup(resource.inputs, "properties.keySize")
        if size is None or size < 2048:
            return [f"RSA key size is {shown(size)}; use 2048, 3072 or 4096 bits"]
        return []
    if kty in ("EC", "EC-HSM"):
        curve = lookup(resource.inputs, "properties.curveName")
        if curve in ("P-256", "P-384", "P-521", "P-256K"):
            return []
        return [f"EC curve is {shown(curve)}; use P-256, P-384 or P-521"]
    return [f"properties.kty is {shown(kty)}; use RSA (2048 bits or more) or EC"]


RULES = (
    Rule("kv-recoverable", "Key Vaults keep soft delete and have purge protection.", "high",
         ("CIS Azure 8.5", "MCSB Key Vault DP-8"), recoverable, frozenset({VAULT})),
    Rule("kv-rbac-authorization", "Key Vaults authorize data access with Azure RBAC.", "medium",
         ("CIS Azure 8.6", "MCSB Key Vault PA-7"), rbac_authorization, frozenset({VAULT})),
    Rule("kv-network-restricted", "Key Vaults are private or deny traffic by default.", "high",
         ("CIS Azure 8.7", "MCSB Key Vault NS-2"), network_restricted, frozenset({VAULT})),
    Rule("kv-secret-expiry", "Key Vault secrets have an expiry date.", "medium",
         ("CIS Azure 8.3", "CIS Azure 8.4", "MCSB Key Vault DP-6"), secret_expiry, frozenset({SECRET_TYPE})),
    Rule("kv-secret-content-type", "Key Vault secrets say what they hold (content type).", "low",
         ("Defender for Cloud: secrets should have content type set",), secret_content_type, frozenset({SECRET_TYPE})),
    Rule("kv-key-strength", "Key Vault keys are RSA of 2048 bits or more, or NIST elliptic curves.", "medium",
         ("MCSB Key Vault DP-6",), key_strength, frozenset({KEY})),
)
