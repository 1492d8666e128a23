"""What runs on each cluster: the mesh and GitOps releases, application namespaces with their guardrails,
canary routing, and one workload identity per application.

Called by `stacks.platform.build_platform` once per region; everything goes through that region's
cluster's Kubernetes provider.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from sentimark_platform.components import (
    AksCluster,
    AppNamespace,
    CanaryAnalysisArgs,
    CanaryRouting,
    CanaryRoutingArgs,
    ChartPinArgs,
    GitOps,
    GitOpsArgs,
    IngressCertificate,
    IngressGatewayArgs,
    ServiceMesh,
    ServiceMeshArgs,
    ServiceMeshChartsArgs,
    WorkloadIdentity,
    WorkloadIdentityArgs,
    stable_suffix,
)
from stacks._context import from_settings, same_names
from stacks.settings import ChartPin, PlatformSettings

__all__ = ["ClusterLayer", "build_cluster_layer", "gateway_dns_label"]

INGRESS_TLS_SECRET = "ingress-tls"
HEALTH_PATH = "/healthz/ready"
"""What Front Door probes (its default) and the gateways answer themselves."""


@dataclass(frozen=True)
class ClusterLayer:
    mesh: ServiceMesh
    gitops: GitOps
    """Argo CD and the applications' Argo CD Applications."""
    identities: dict[str, WorkloadIdentity]
    """Per application: the identity its pods use (federated with this cluster's service account)."""


def gateway_dns_label(settings: PlatformSettings, code: str) -> str:
    """The public gateway's DNS label (`<label>.<region>.cloudapp.azure.com`, unique per region across Azure),
    seeded like the platform's other globally unique names so that a fork does not collide with us."""
    return f"smk-{settings.environment}-{code}-{stable_suffix(settings.unique_name_seed, settings.environment)}"


def _pin(pin: ChartPin) -> ChartPinArgs:
    return {"repository": pin.repository, "version": pin.version}


def build_cluster_layer(
    code: str,
    cluster: AksCluster,
    settings: PlatformSettings,
    *,
    resource_group_name: pulumi.Input[str],
    location: str,
    key_vault_id: pulumi.Input[str],
    key_vault_name: pulumi.Input[str],
    tenant_id: pulumi.Input[str],
    vault_objects: dict[str, list[str]],
    front_door_id: pulumi.Input[str] | None,
    tags: dict[str, str],
) -> ClusterLayer:
    """The Kubernetes layer of one region's cluster."""
    provider = cluster.kubernetes_provider
    charts, routing, ingress = settings.charts, settings.routing, settings.ingress
    automatic = settings.deployment_approval == "automatic"
    tls = ingress.tls
    chart_pins: ServiceMeshChartsArgs = {
        "istio_base": _pin(charts.istio_base),
        "istiod": _pin(charts.istiod),
        "istio_gateway": _pin(charts.istio_gateway),
        "argo_rollouts": _pin(charts.argo_rollouts),
    }
    if charts.kube_prometheus_stack:
        chart_pins["kube_prometheus_stack"] = _pin(charts.kube_prometheus_stack)
    if charts.prometheus:
        chart_pins["prometheus"] = _pin(charts.prometheus)
    gateway: IngressGatewayArgs = {"load_balancer": ingress.load_balancer}
    if ingress.load_balancer == "public":
        gateway["dns_label"] = gateway_dns_label(settings, code)
    if ingress.front_door:
        # Only Front Door reaches the gateway...
        gateway["allowed_service_tags"] = ["AzureFrontDoor.Backend"]
    elif ingress.load_balancer == "public":
        # A public gateway without Front Door answers only the ranges the stack trusts (issue 19: not any source).
        gateway["allowed_ip_ranges"] = settings.network.authorized_ip_ranges
    if front_door_id is not None:
        # ...and of those, only our profile (the service tag admits every Front Door).
        gateway["front_door_id"] = front_door_id
    if tls:
        # HTTPS for the host on the shared Gateway, with the certificate synced below.
        gateway["hosts"] = [tls.host_name]
        gateway["tls_credential_name"] = INGRESS_TLS_SECRET
        gateway["health_path"] = HEALTH_PATH
    mesh_args: ServiceMeshArgs = {
        "provider": provider,
        "charts": chart_pins,
        "high_availability": settings.aks.tier == "Standard",
        "ingress_gateway": gateway,
    }
    if routing.mtls_mode == "STRICT":
        # STRICT everywhere when the environment asks, not only in the application namespaces.
        mesh_args["mesh_mtls_mode"] = "STRICT"
    if settings.monitoring.prometheus == "in-cluster":
        mesh_args["in_cluster_prometheus"] = {}
    else:
        # The sidecars' request metrics in the Azure Monitor workspace (Grafana, alerts).
        mesh_args["managed_prometheus"] = True
        if settings.canary_applications:
            # The Rollouts controller cannot query the workspace: canary analysis gets its own small Prometheus.
            mesh_args["analysis_prometheus"] = {}
    with from_settings({"mesh_mtls_mode": "routing.mtlsMode", "ingress_gateway.allowed_ip_ranges": "network.authorizedIpRanges"},
                       sections={"charts": "charts"}):
        mesh = ServiceMesh(f"mesh-{code}", mesh_args)
    if tls:
        IngressCertificate(
            f"ingress-tls-{code}",
            {
                "provider": provider,
                "resource_group_name": resource_group_name,
                "location": location,
                "oidc_issuer_url": cluster.oidc_issuer_url,
                "key_vault_id": key_vault_id,
                "key_vault_name": key_vault_name,
                "tenant_id": tenant_id,
                "certificate_name": tls.certificate_name,
                "namespace": mesh.ingress_gateway_namespace,
                "secret_name": INGRESS_TLS_SECRET,
                "tags": tags,
            },
            opts=pulumi.ResourceOptions(depends_on=[mesh.ingress_namespace_resource]),
        )

    identities: dict[str, WorkloadIdentity] = {}
    namespaces: list[AppNamespace] = []
    for app, spec in settings.applications.items():
        with from_settings({**same_names(f"applications.{app}", "cpu_quota", "memory_quota"),
                            "application": "applications", "mtls_mode": "routing.mtlsMode"}):
            namespace = AppNamespace(
                f"app-{code}-{app}",
                {
                    "provider": provider,
                    "application": app,
                    "cpu_quota": spec.cpu_quota,
                    "memory_quota": spec.memory_quota,
                    "monitoring_namespaces": mesh.scrape_namespaces,
                    "mtls_mode": routing.mtls_mode,
                    "crds_ready": mesh.crds_ready,
                },
            )
        namespaces.append(namespace)
        # The vault secrets this application mounts. Each secret's owner grants reading it alone (Redis, its
        # connection info, to the identities with data access): never the whole vault, which also holds the
        # PostgreSQL administrator password.
        objects = vault_objects.get(app, [])
        identity_args: WorkloadIdentityArgs = {
            "resource_group_name": resource_group_name,
            "location": location,
            "oidc_issuer_url": cluster.oidc_issuer_url,
            "federated_credentials": {app: {"namespace": namespace.namespace, "service_account": app}},
            "kubernetes_provider": provider,
            "tags": tags,
        }
        if objects:
            identity_args["secret_provider_class"] = {
                "name": f"{app}-vault",
                "namespace": namespace.namespace,
                "key_vault_name": key_vault_name,
                "tenant_id": tenant_id,
                "objects": [{"object_name": o, "object_type": "secret"} for o in objects],
            }
        identities[app] = WorkloadIdentity(
            f"wi-{code}-{app}", identity_args, opts=pulumi.ResourceOptions(depends_on=[namespace])
        )
        if spec.canary:
            routes: CanaryRoutingArgs = {
                "provider": provider,
                # A public application's routes come after the gateway's health route: Istio merges one
                # host's routes from several VirtualServices oldest first.
                "crds_ready": [*mesh.crds_ready, *(mesh.shared_gateway_ready if spec.public else [])],
                "namespace": namespace.namespace,
                "service": app,
                "port": spec.port,
                "steps": spec.canary_steps or routing.canary_steps,
                "header_route": {"name": "x-canary", "value": "always"},
            }
            if spec.public and tls and mesh.shared_gateway:
                routes["hosts"] = [tls.host_name]
                routes["gateways"] = [mesh.shared_gateway]
                routes["gateway_health_path"] = HEALTH_PATH
            # Every canary application is released by an Argo Rollouts canary, analysed on the in-cluster
            # Prometheus (kube-prometheus-stack, or the analysis Prometheus next to managed Prometheus).
            if mesh.prometheus_address:
                analysis: CanaryAnalysisArgs = {
                    "prometheus_address": mesh.prometheus_address,
                    "slo_percent": routing.slo_percent,
                    "critical_percent": routing.error_budget_critical_percent,
                    "rollback_percent": routing.error_budget_rollback_percent,
                    # Where changes deploy on merge, a quiet canary (no requests in a window) passes; where a
                    # person approves, it pauses for them.
                    "no_traffic_passes": automatic,
                }
                if routing.latency_p95_ms is not None:
                    analysis["latency_p95_ms"] = routing.latency_p95_ms
                routes["rollout"] = {
                    "deployment": app,
                    "replicas": spec.replicas,
                    "manual_promotion": not automatic,
                    "analysis": analysis,
                }
            with from_settings({
                "steps": f"applications.{app}.canarySteps" if spec.canary_steps else "routing.canarySteps",
                "port": f"applications.{app}.port", "rollout.replicas": f"applications.{app}.replicas",
                "hosts": "ingress.tls.hostName",
                **{f"rollout.analysis.{a}": f"routing.{k}" for a, k in (
                    ("slo_percent", "sloPercent"), ("latency_p95_ms", "latencyP95Ms"),
                    ("critical_percent", "errorBudgetCriticalPercent"),
                    ("rollback_percent", "errorBudgetRollbackPercent"))},
            }):
                CanaryRouting(f"canary-{code}-{app}", routes, opts=pulumi.ResourceOptions(depends_on=[namespace]))
    gitops = _gitops(code, cluster, settings, provider=provider, namespaces=namespaces,
                     resource_group_name=resource_group_name, location=location, key_vault_id=key_vault_id,
                     key_vault_name=key_vault_name, tenant_id=tenant_id, tags=tags)
    return ClusterLayer(mesh=mesh, gitops=gitops, identities=identities)


def _gitops(
    code: str,
    cluster: AksCluster,
    settings: PlatformSettings,
    *,
    provider: pulumi.ProviderResource,
    namespaces: list[AppNamespace],
    resource_group_name: pulumi.Input[str],
    location: str,
    key_vault_id: pulumi.Input[str],
    key_vault_name: pulumi.Input[str],
    tenant_id: pulumi.Input[str],
    tags: dict[str, str],
) -> GitOps:
    """Argo CD with one Application per application, from the environment's folder of the GitOps repository."""
    gitops = settings.gitops
    args: GitOpsArgs = {
        "provider": provider,
        "chart": _pin(settings.charts.argo_cd),
        "tenant_id": tenant_id,
        "sso": {"client_id": gitops.sso.client_id, "admin_groups": gitops.sso.admin_groups,
                "readonly_groups": gitops.sso.readonly_groups},
        "project": f"sentimark-{settings.environment}",
        "repository": {"url": gitops.repository, "revision": gitops.revision},
        "applications": {app: {"path": f"{gitops.path}/{app}"} for app in settings.applications},
        # Seed 002: environments that deploy on merge sync automatically, with prune and self-heal.
        "auto_sync": settings.deployment_approval == "automatic",
        "url": gitops.url,
        "high_availability": settings.aks.tier == "Standard",
        "namespaces_ready": list(namespaces),
        "tags": tags,
    }
    credentials = gitops.credentials
    if credentials is not None:
        args["repository"]["credentials"] = {
            "github_app_id": credentials.github_app_id,
            "github_app_installation_id": credentials.github_app_installation_id,
            "private_key_secret_name": credentials.private_key_secret,
            "key_vault_id": key_vault_id,
            "key_vault_name": key_vault_name,
            "resource_group_name": resource_group_name,
            "oidc_issuer_url": cluster.oidc_issuer_url,
            "location": location,
            "url_secret_name": f"gitops-repository-url-{code}",
        }
    # The repository reader's SecretProviderClass needs the cluster's Key Vault add-on (its CRD).
    with from_settings({"chart": "charts.argoCd", "repository.url": "gitops.repository",
                        "repository.revision": "gitops.revision", "applications": "gitops.path", "url": "gitops.url",
                        "repository.credentials.github_app_id": "gitops.credentials.githubAppId",
                        "repository.credentials.github_app_installation_id": "gitops.credentials.githubAppInstallationId",
                        "repository.credentials.private_key_secret_name": "gitops.credentials.privateKeySecret"},
                       sections={"sso": "gitops.sso"}):
        return GitOps(f"gitops-{code}", args, opts=pulumi.ResourceOptions(depends_on=[cluster]))
