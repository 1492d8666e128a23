"""Supply Chain Finance platform (seed 004): one cluster per environment, isolated team namespaces.

Per stack: a resource group, a virtual network, Log Analytics, an AKS cluster with Istio and Argo Rollouts (the
platform's ServiceMesh) and Argo CD (the platform's GitOps: Entra ID sign-in, one Application per domain), and for
each business domain a namespace with a quota, container defaults, default-deny network policies (plus the calls
it is allowed to make), mutual TLS, and Kubernetes RBAC: the domain's Entra group gets a Role in its own namespace
only. The `dr` stack is the same platform in another region, scaled down to a warm standby; Argo CD redeploys the
workloads there from prod's Git revision. Where `cluster.etcdEncryption` is set, a private Key Vault holds the key
that encrypts the cluster's secrets in etcd (KMS), and the API server gets a subnet of its own to reach it.
"""

from __future__ import annotations

import ipaddress

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
from pulumi_azure_native import authorization, resources
from scf_settings import load_settings

from sentimark_platform.components import (
    AksCluster,
    AppNamespace,
    ChartPinArgs,
    GitOps,
    KeyVault,
    Monitoring,
    Network,
    ServiceMesh,
    finops_tags,
    region_code,
    register_versioned_alias_pruning,
    resource_name,
)

WORKLOAD = "scf"
SERVICE = "supply-chain-finance"
ISTIO = "https://istio-release.storage.googleapis.com/charts"
ARGO = "https://argoproj.github.io/argo-helm"
CHARTS = {
    "istio_base": {"repository": ISTIO, "version": "1.27.3"},
    "istiod": {"repository": ISTIO, "version": "1.27.3"},
    "istio_gateway": {"repository": ISTIO, "version": "1.27.3"},
    "argo_rollouts": {"repository": ARGO, "version": "2.40.5"},
}
"""Pinned charts, the same in every stack: bump them here, deliberately, and promote through the stacks."""
ARGO_CD: ChartPinArgs = {"repository": ARGO, "version": "9.1.0"}
"""The argo-cd chart (Argo CD v3.2.0, whose Entra ID sign-in through workload identity GitOps relies on)."""
ETCD_KEY = "aks-etcd"
"""The vault key AKS encrypts etcd with (cluster.etcdEncryption); the platform's stacks use the same name."""
VAULT_ZONE = "privatelink.vaultcore.azure.net"

# Kubernetes RBAC per access level. Secrets are never readable by people (workloads mount them); `edit`
# lets a team also run workloads by hand in dev and test; `view` is for stacks where only Argo CD deploys.
_READ = ["get", "list", "watch"]
_WRITE = [*_READ, "create", "update", "patch", "delete"]
ACCESS_RULES: dict[str, list[dict[str, list[str]]]] = {
    "view": [
        {"apiGroups": [""], "resources": ["pods", "pods/log", "services", "endpoints", "configmaps", "events",
                                          "persistentvolumeclaims"], "verbs": _READ},
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets", "statefulsets"], "verbs": _READ},
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": _READ},
        {"apiGroups": ["argoproj.io"], "resources": ["rollouts", "analysisruns"], "verbs": _READ},
    ],
    "edit": [
        {"apiGroups": [""], "resources": ["pods", "services", "configmaps", "persistentvolumeclaims"], "verbs": _WRITE},
        {"apiGroups": [""], "resources": ["pods/log", "endpoints", "events"], "verbs": _READ},
        {"apiGroups": ["apps"], "resources": ["deployments", "replicasets", "statefulsets"], "verbs": _WRITE},
        {"apiGroups": ["batch"], "resources": ["jobs", "cronjobs"], "verbs": _WRITE},
        {"apiGroups": ["argoproj.io"], "resources": ["rollouts", "analysisruns"], "verbs": _WRITE},
    ],
}

register_versioned_alias_pruning()
settings = load_settings()
env = settings.environment
code = region_code(settings.location)
tags = finops_tags(environment=env, owner=settings.owner, cost_center=settings.cost_center, service=SERVICE)
lock = {"lock": {"kind": "CanNotDelete"}} if settings.protection.lock_stateful else {}
client = authorization.get_client_config_output()
etcd = settings.cluster.etcd_encryption
# Nodes get half of the block (CNI overlay: pods are not in the VNet). With etcd encryption, the platform's layout for
# the rest: an eighth for private endpoints, one kept for a delegated database subnet, and the API server's subnet,
# the first /27 of the next eighth (AKS asks for a /28 at least, and more room to scale the API server:
# learn.microsoft.com/azure/aks/api-server-vnet-integration).
nodes_block, rest = ipaddress.IPv4Network(settings.address_space).subnets(prefixlen_diff=1)
endpoints_block, _database_block, spare_block, _ = rest.subnets(prefixlen_diff=2)
api_server_block = next(spare_block.subnets(new_prefix=27))


def name(kind: str) -> str:
    return resource_name(kind, workload=WORKLOAD, environment=env, region=code)


group = resources.ResourceGroup(
    "rg", resources.ResourceGroupArgs(resource_group_name=name("resource_group"), location=settings.location, tags=tags)
)
network = Network(
    "net",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "resource_name": name("virtual_network"),
        "address_space": [settings.address_space],
        "subnets": {
            "snet-aks": {"address_prefix": str(nodes_block)},
            # The vault's private endpoint, and the API server's load balancer, from which KMS reaches the vault (its
            # NSG keeps Azure's default rules, which allow the VNet's own traffic to port 443).
            **({"snet-pe": {"address_prefix": str(endpoints_block)},
                "snet-apiserver": {"address_prefix": str(api_server_block),
                                   "delegation": "Microsoft.ContainerService/managedClusters"}} if etcd else {}),
        },
        "tags": tags,
    },
)
monitoring = Monitoring(
    "monitoring",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "retention_days": settings.log_retention_days,
        "workspace_name": name("log_analytics_workspace"),
        "application_insights_name": name("application_insights"),
        # The subscription's activity log beside the project's logs, one setting per stack.
        "activity_log_setting_name": f"activity-log-{WORKLOAD}-{env}",
        "event_tables": {},
        **lock,
        "protect": settings.protection.protect_stateful,
        "tags": tags,
    },
)
# Only for etcd encryption, and before the cluster, which takes its key (and its roles on the vault) at creation.
# Private: public access disabled; reached from this network through a private endpoint with the privatelink zone,
# and from the API server through the private link AKS makes from snet-apiserver (KMS network access Private). RBAC
# authorization and purge protection are the component's defaults; the cluster's identity gets the only roles.
vault: KeyVault | None = None
if etcd is not None:
    vault = KeyVault(
        "vault",
        {
            "resource_group_name": group.name,
            "location": settings.location,
            "tenant_id": client.tenant_id,
            # Purge protection keeps a deleted vault's name for 90 days: a random suffix lets the stack be re-created.
            "resource_name": random.RandomString(
                "vault-name-suffix", random.RandomStringArgs(length=5, upper=False, special=False)
            ).result.apply(lambda suffix: resource_name("key_vault", workload=WORKLOAD, environment=env, region=code,
                                                        suffix=suffix)),
            "private_endpoints": {code: {"subnet_id": network.subnet_ids["snet-pe"],
                                         "private_dns_zone_ids": [network.private_dns_zone_ids[VAULT_ZONE]]}},
            # Key Vault rotates the key and its versions expire; AKS needs encrypt and decrypt only. No near-expiry
            # notification: nothing here subscribes to Key Vault's Event Grid events.
            "keys": {ETCD_KEY: {"rotate_after_days": etcd.rotate_after_days, "expires_after_days": etcd.expires_after_days,
                                "operations": ["encrypt", "decrypt"]}},
            "diagnostic_settings": {"workspace_id": monitoring.workspace_id, "category_groups": ["audit"]},
            **lock,
            "protect": settings.protection.protect_stateful,
            "tags": tags,
        },
    )
spec = settings.cluster
cluster = AksCluster(
    "aks",
    {
        "resource_group_name": group.name,
        "location": settings.location,
        "resource_name": name("kubernetes_cluster"),
        "tier": spec.tier,
        "kubernetes_version": spec.kubernetes_version,
        "private_cluster": spec.private_cluster,
        "node_subnet_id": network.subnet_ids["snet-aks"],
        **({} if spec.private_cluster else {"api_server_authorized_ip_ranges": settings.authorized_ip_ranges}),
        "admin_group_object_ids": [settings.admins.object_id],
        "tenant_id": client.tenant_id,
        "system_pool": {"vm_size": spec.system_vm_size, "node_count": spec.system_nodes, "zones": spec.zones},
        "user_pools": {
            "apps": {"vm_size": spec.user_pool.vm_size, "min_count": spec.user_pool.min_nodes,
                     "max_count": spec.user_pool.max_nodes, "zones": spec.zones},
        },
        "log_analytics_workspace_id": monitoring.workspace_id,
        "defender": spec.defender,
        "diagnostic_settings": {"workspace_id": monitoring.workspace_id, "category_groups": ["audit"]},
        # etcd is state of record too: locked and protected with the workspace and the vault.
        **lock,
        "protect": settings.protection.protect_stateful,
        # KMS with Private access: AKS links the API server to the vault privately from snet-apiserver, and the
        # component grants the control plane's identity the vault and subnet roles before the cluster is created.
        **({"api_server_subnet_id": network.subnet_ids["snet-apiserver"],
            "kms": {"key_id": vault.key_ids[ETCD_KEY], "key_vault_id": vault.resource_id}} if vault else {}),
        # Signing in needs the cluster user role; what a team may do inside is the Kubernetes RBAC below.
        "role_assignments": {
            f"{ns}-team": {"role": "Azure Kubernetes Service Cluster User Role", "principal_id": ns_spec.team.object_id,
                           "principal_type": "Group", "description": f"{ns_spec.team.display_name} signs in to work in {ns}"}
            for ns, ns_spec in settings.namespaces.items()
        },
        "tags": tags,
    },
)
# Container Insights with managed-identity auth collects only once a rule and its association exist.
monitoring.add_container_insights(
    {"aks": {"resource_id": cluster.resource_id, "location": settings.location, "private": spec.private_cluster}}
)
provider = cluster.kubernetes_provider
mesh = ServiceMesh(
    "mesh",
    {
        "provider": provider,
        "mesh_mtls_mode": settings.mesh.mtls_mode,
        "charts": CHARTS,  # type: ignore[typeddict-item]
        "high_availability": spec.tier == "Standard",
    },
)

namespaces: list[AppNamespace] = []
callers: dict[str, list[str]] = {ns: [] for ns in settings.namespaces}
for ns, ns_spec in settings.namespaces.items():
    for callee in ns_spec.talks_to:
        callers[callee].append(ns)
for ns, ns_spec in settings.namespaces.items():
    namespace = AppNamespace(
        f"ns-{ns}",
        {
            "provider": provider,
            "application": ns,
            "cpu_quota": ns_spec.cpu_quota,
            "memory_quota": ns_spec.memory_quota,
            **({"egress_to_namespaces": ns_spec.talks_to} if ns_spec.talks_to else {}),
            **({"ingress_from_namespaces": sorted(callers[ns])} if callers[ns] else {}),
            "mtls_mode": settings.mesh.mtls_mode,
            "crds_ready": mesh.crds_ready,
        },
    )
    namespaces.append(namespace)
    inside = pulumi.ResourceOptions(provider=provider, depends_on=[namespace])
    role = k8s.rbac.v1.Role(
        f"rbac-{ns}-role",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=f"team-{ns_spec.access}", namespace=ns,
                                            labels={"app.kubernetes.io/part-of": ns}),
        rules=[k8s.rbac.v1.PolicyRuleArgs(api_groups=r["apiGroups"], resources=r["resources"], verbs=r["verbs"])
               for r in ACCESS_RULES[ns_spec.access]],
        opts=inside,
    )
    k8s.rbac.v1.RoleBinding(
        f"rbac-{ns}-binding",
        metadata=k8s.meta.v1.ObjectMetaArgs(name=f"team-{ns_spec.access}", namespace=ns,
                                            labels={"app.kubernetes.io/part-of": ns},
                                            annotations={"sentimark.io/group": ns_spec.team.display_name}),
        role_ref=k8s.rbac.v1.RoleRefArgs(api_group="rbac.authorization.k8s.io", kind="Role", name=f"team-{ns_spec.access}"),
        # With Entra ID, a group subject is the group's object id.
        subjects=[k8s.rbac.v1.SubjectArgs(kind="Group", name=ns_spec.team.object_id, api_group="rbac.authorization.k8s.io")],
        opts=pulumi.ResourceOptions(provider=provider, depends_on=[namespace, role]),
    )

# Argo CD deploys every domain, in every stack: dev and test sync on their own (the README's table), and a
# domain with `edit` access only lets its team add workloads by hand besides what Git declares. Self-heal
# reverts hand edits to what Argo CD manages; prune deletes only resources that carry the Application's
# tracking annotation (argocd.argoproj.io/tracking-id, the default in 3.x), so hand-made ones stay
# (argo-cd docs/user-guide/auto_sync.md and resource_tracking.md, https://argo-cd.readthedocs.io/en/release-3.3/).
# Staging, prod and dr wait for a person to start each sync. An Application per `view` namespace only would
# leave dev and test (all `edit`) without any, and `autoSync: true` would mean nothing.
gitops_settings = settings.gitops
gitops = GitOps(
    "gitops",
    {
        "provider": provider,
        "chart": ARGO_CD,
        "tenant_id": client.tenant_id,
        "sso": {"client_id": gitops_settings.sso.client_id, "admin_groups": gitops_settings.sso.admin_groups},
        "project": f"{WORKLOAD}-{env}",
        # A public repository: no credentials. A private one needs GitOps' repository.credentials (a GitHub
        # App whose key is in a Key Vault), which this example does not create.
        "repository": {"url": gitops_settings.repository, "revision": gitops_settings.revision},
        "applications": {ns: {"path": f"{gitops_settings.path}/{ns}"} for ns in settings.namespaces},
        "auto_sync": gitops_settings.auto_sync,
        "high_availability": spec.tier == "Standard",
        # The first sync finds each namespace with its quota, policies and mTLS already in place.
        "namespaces_ready": namespaces,
    },
)

# The platform's policy pack judges a stack by its exported `environment` (dev, sit, uat or prod).
pulumi.export("environment", settings.platform_environment)
pulumi.export("location", settings.location)
pulumi.export("clusterName", cluster.name)
pulumi.export("namespaces", sorted(settings.namespaces))
pulumi.export("argocdProject", gitops.project_name)
