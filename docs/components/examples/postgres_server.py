from sentimark_platform.components import PostgresServer

postgres = PostgresServer("postgres", {
    "resource_group_name": "rg-payments-dev-weu",
    "tenant_id": "11111111-1111-1111-1111-111111111111",
    "entra_admin": {"object_id": "33333333-3333-3333-3333-333333333333", "principal_name": "payments-admins"},
    "key_vault_name": "kv-payments-dev-weu",
    "sku_tier": "Burstable",
    "sku_name": "Standard_B1ms",
    "storage_size_gb": 32,
    "public_access": True,
    "firewall_rules": {"office": "203.0.113.0/24"},
    "databases": {"payments": {}},
})
# postgres.admin_password_secret_name is the Key Vault secret holding the administrator password.
