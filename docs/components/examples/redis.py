from sentimark_platform.components import Redis

cache = Redis("redis", {
    "resource_group_name": "rg-payments-dev-weu",
    "key_vault_name": "kv-payments-dev-weu",
    "public_network_access": True,
    "data_access": {"api": "22222222-2222-2222-2222-222222222222"},
})
# cache.connection_secret_name is the Key Vault secret with host, port and auth mode (no keys).
