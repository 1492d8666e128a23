"""Canary routing for the CI/CD pipeline's application (seed 002), on the platform's existing clusters.

The platform stack owns the clusters and the mesh: its ServiceMesh installs Istio (with the CRDs) and Argo
Rollouts on every cluster, so this project installs neither (`crds_ready=[]`). It reads each cluster's
kubeconfig from the platform stack's `kubeconfigs` output (a secret, and kept secret here) and its name
from `clusters`, then adds per region: the application's namespace with quota, network policy and mTLS,
and CanaryRouting with an Argo Rollouts canary over the Istio routes, guarded by a success-rate (and latency)
analysis on the Prometheus the platform keeps for canary analysis (its `canaryAnalysis` output).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from canary_settings import load_settings

from sentimark_platform.components import AppNamespace, CanaryAnalysisArgs, CanaryRouting

settings = load_settings()
platform = pulumi.StackReference("platform", stack_name=settings.platform_stack)


REQUIRED_OUTPUTS = ("clusters", "kubeconfigs", "canaryAnalysis")


def _required(outputs: Mapping[str, Any] | None) -> bool:
    """Checks at once that every output this project reads is a map, so one error names all that are missing,
    whichever the engine resolves first. It reads the outputs unsecreted but returns no value of them."""
    outputs = outputs if isinstance(outputs, Mapping) else {}
    missing = [name for name in REQUIRED_OUTPUTS if not isinstance(outputs.get(name), Mapping)]
    if missing:
        raise pulumi.RunError(
            f"platform stack {settings.platform_stack} exports no {', '.join(map(repr, missing))} (a map from region "
            "code to value); this project needs a platform version that exports it (README.md, 'What the platform "
            "exports')")
    return True


# Unsecreted only for the check: each value below comes from get_output, which keeps its own secretness (a
# secret `kubeconfigs` must not make `clusters` secret through the whole outputs map).
outputs_checked = pulumi.Output.unsecret(platform.outputs).apply(_required)


def per_region(output: str, code: str) -> pulumi.Output[Any]:
    """One region's entry of a platform output keyed by region code, with an error that says what is missing."""

    def pick(checked_and_values: list[Any]) -> Any:
        values = checked_and_values[1]
        if code not in values:
            raise pulumi.RunError(
                f"platform stack {settings.platform_stack} has no {output!r} entry for region {code!r} (it has: "
                f"{', '.join(sorted(values)) or 'none'}); deploy to one of those or add the region to the platform stack")
        return values[code]

    return pulumi.Output.all(outputs_checked, platform.get_output(output)).apply(pick)


def analysis_address(code: str) -> pulumi.Output[str]:
    """The Prometheus query URL the platform's Rollouts controller uses in this region, after checking that this
    project's namespace admits the platform's scrapers (or the analysis would see no data at all)."""

    def address(entry: Mapping[str, Any]) -> str:
        value = entry.get("prometheusAddress") if isinstance(entry, Mapping) else None
        if not isinstance(value, str) or not value:
            raise pulumi.RunError(
                f"platform stack {settings.platform_stack} has no Prometheus for canary analysis in region {code!r} "
                "(canaryAnalysis.<region>.prometheusAddress is empty): give the platform a canary application, or "
                "monitoring.prometheus in-cluster, so that it installs one")
        scrapers = entry.get("scrapeNamespaces")
        if isinstance(scrapers, list) and sorted(scrapers) != sorted(analysis.scrape_namespaces):
            raise pulumi.RunError(
                f"canary-pipeline:analysis.scrapeNamespaces is {analysis.scrape_namespaces}, but the platform's "
                f"Prometheus servers in region {code!r} scrape from {scrapers} (canaryAnalysis.{code}.scrapeNamespaces): "
                "set analysis.scrapeNamespaces to that list, or the namespace's network policy keeps them out and "
                "every analysis sees no data")
        return value

    return per_region("canaryAnalysis", code).apply(address)


app, canary, analysis = settings.application, settings.canary, settings.analysis
for code in settings.regions:
    provider = k8s.Provider(
        f"k8s-{code}",
        # Secret in the platform stack, and secret here even if a backend reports it otherwise.
        kubeconfig=pulumi.Output.secret(per_region("kubeconfigs", code)),
        # A rotated credential changes the kubeconfig, not the cluster: no replacement of what runs on it.
        cluster_identifier=per_region("clusters", code),
        enable_server_side_apply=True,
    )
    namespace = AppNamespace(
        f"app-{code}",
        {
            "provider": provider,
            "application": app.name,
            "cpu_quota": app.cpu_quota,
            "memory_quota": app.memory_quota,
            "monitoring_namespaces": analysis.scrape_namespaces,
            "mtls_mode": canary.mtls_mode,
            "crds_ready": [],  # Istio's CRDs come with the platform's ServiceMesh
        },
    )
    analysis_args: CanaryAnalysisArgs = {
        "prometheus_address": analysis_address(code),
        "slo_percent": analysis.slo_percent,
        "critical_percent": analysis.critical_percent,
        "rollback_percent": analysis.rollback_percent,
        "interval": analysis.interval,
    }
    if analysis.latency_p95_ms is not None:
        analysis_args["latency_p95_ms"] = analysis.latency_p95_ms
    routing = CanaryRouting(
        f"canary-{code}",
        {
            "provider": provider,
            "crds_ready": [],  # Istio and Argo Rollouts were installed by the platform stack
            "namespace": namespace.namespace,
            "service": app.name,
            "port": app.port,
            "steps": canary.steps,
            "header_route": {"name": canary.header, "value": "always"},
            "rollout": {
                "deployment": app.name,
                "replicas": app.replicas,
                "step_pause": canary.step_pause,
                "manual_promotion": canary.manual_promotion,
                "analysis": analysis_args,
            },
        },
        opts=pulumi.ResourceOptions(depends_on=[namespace]),
    )
    pulumi.export(f"rollout-{code}", routing.rollout_name)
    pulumi.export(f"host-{code}", routing.host)
