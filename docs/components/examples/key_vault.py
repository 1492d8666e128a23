from sentimark_platform.components import KeyVault

vault = KeyVault("kv", {
    "resource_group_name": "rg-payments-dev-weu",
    "tenant_id": "11111111-1111-1111-1111-111111111111",
    "soft_delete_retention_days": 7,
    # Without this, public network access is disabled: give `private_endpoints` instead.
    "public_network_access": {"allowed_ip_ranges": ["203.0.113.0/24"]},
    "role_assignments": {
        "api": {"role": "Key Vault Secrets User", "principal_id": "22222222-2222-2222-2222-222222222222",
                "principal_type": "ServicePrincipal"},
    },
})
