"""Azure Monitor: Log Analytics and Application Insights accept Entra ID only."""

from __future__ import annotations

from ._base import Resource, Rule, expect

WORKSPACE = "azure-native:operationalinsights:Workspace"
APP_INSIGHTS = "azure-native:applicationinsights:Component"


def local_auth_disabled(resource: Resource) -> list[str]:
    if resource.type == WORKSPACE:
        return expect(resource.inputs, "features.disableLocalAuth", True,
                      "set it to true so that ingestion and queries need Entra ID (no shared keys)")
    return expect(resource.inputs, "disableLocalAuth", True, "set it to true so that ingestion needs Entra ID (no instrumentation key)")


RULES = (
    Rule("monitor-local-auth-disabled", "Log Analytics and Application Insights accept Entra ID only.", "medium",
         ("MCSB Azure Monitor IM-1",), local_auth_disabled, frozenset({WORKSPACE, APP_INSIGHTS})),
)
