"""canary-pipeline stack settings: one typed model, validated once, every problem reported at once.

Each key of `Pulumi.<stack>.yaml` under `canary-pipeline:` is a field below (camelCase in the file). A
problem is reported as `Pulumi.dev.yaml: canary-pipeline:canary.steps: got [...]; allowed: ...`, as a
`pulumi.RunError`: `pulumi up` prints it without a traceback and registers nothing.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sentimark_platform.stackconfig import SettingsModel, load_settings_model

__all__ = ["CanarySettings", "load_settings"]

NAMESPACE = "canary-pipeline"
DnsLabel = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")]
Duration = Annotated[str, Field(pattern=r"^\d+(s|m|h)$")]


class _Model(SettingsModel):
    """camelCase keys, frozen, unknown keys refused (stackconfig.SettingsModel)."""


class ApplicationSettings(_Model):
    name: DnsLabel
    """The Deployment (from GitOps) and Service name; its namespace has the same name."""
    port: int = Field(ge=1, le=65535)
    replicas: int = Field(ge=1, le=50)
    cpu_quota: str = Field(pattern=r"^\d+m?$")
    memory_quota: str = Field(pattern=r"^\d+(Mi|Gi)$")


class CanaryStepsSettings(_Model):
    steps: list[int] = Field(min_length=1, max_length=20)
    """Percent of traffic on the canary at each step (seed 002: 10, 25, 50, 75, 100)."""
    step_pause: Duration
    manual_promotion: bool
    """The first pause waits for a person (environments deployed behind a manual approval)."""
    header: str = Field(pattern=r"^[a-z0-9][-a-z0-9_]*$")
    """Requests with `<header>: always` reach the canary at any step."""
    mtls_mode: Literal["STRICT", "PERMISSIVE"]

    @model_validator(mode="after")
    def _progressive(self) -> CanaryStepsSettings:
        steps = self.steps
        if any(not 0 < s <= 100 for s in steps) or any(b <= a for a, b in itertools.pairwise(steps)) or steps[-1] != 100:
            raise ValueError(f"steps {steps} must be strictly increasing percentages that end at 100, e.g. [10, 25, 50, 75, 100]")
        return self


class AnalysisSettings(_Model):
    scrape_namespaces: list[DnsLabel] = Field(min_length=1, max_length=4)
    """The namespaces whose Prometheus servers scrape the pods (let in by the namespace's network policy): the
    platform's `canaryAnalysis.<region>.scrapeNamespaces` output, [kube-system, monitoring] for its four stacks
    (managed Prometheus' agents and the analysis Prometheus). The Prometheus the analysis queries is not a
    setting: it is read from the same output."""
    slo_percent: float = Field(gt=50, lt=100)
    critical_percent: int = Field(ge=1, le=100)
    rollback_percent: int = Field(ge=1, le=100)
    interval: Duration
    latency_p95_ms: int | None = Field(default=None, ge=1, le=600_000)
    """Most milliseconds the 95th-percentile request duration may reach; no latency check unless given."""

    @model_validator(mode="after")
    def _critical_before_rollback(self) -> AnalysisSettings:
        if self.critical_percent >= self.rollback_percent:
            raise ValueError(f"criticalPercent ({self.critical_percent}) must be below rollbackPercent ({self.rollback_percent})")
        return self


class CanarySettings(_Model):
    platform_stack: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    regions: list[Literal["weu", "neu", "sdc", "gwc", "frc", "uks"]] = Field(min_length=1, max_length=2)
    application: ApplicationSettings
    canary: CanaryStepsSettings
    analysis: AnalysisSettings

    @model_validator(mode="after")
    def _distinct_regions(self) -> CanarySettings:
        if len(set(self.regions)) != len(self.regions):
            raise ValueError(f"regions {self.regions} must be distinct")
        return self


def load_settings() -> CanarySettings:
    """The current stack's settings, validated once; raises stackconfig.SettingsError (a pulumi.RunError)
    listing every problem with the stack file, key path, value and what is allowed."""
    settings, _ = load_settings_model(CanarySettings, namespace=NAMESPACE)
    return settings
