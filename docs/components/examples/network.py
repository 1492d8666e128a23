from sentimark_platform.components import Network

network = Network("net", {
    "resource_group_name": "rg-payments-dev-weu",
    "address_space": ["10.20.0.0/16"],
    "subnets": {
        "snet-aks": {"address_prefix": "10.20.0.0/20"},
        "snet-pe": {"address_prefix": "10.20.16.0/24"},
        "snet-psql": {"address_prefix": "10.20.17.0/24", "delegation": "Microsoft.DBforPostgreSQL/flexibleServers"},
    },
})
# network.subnet_ids["snet-aks"] and network.private_dns_zone_ids[...] feed the other components.
