"""What a fresh environment subscription must have registered before the platform stacks can deploy into it.

Kept as data: the lists are the contract between the stacks (which resource types they create) and the
bootstrap (which registers them); tests/bootstrap checks that every namespace in the four stacks' plans is
listed here.

Why a script and not a resource: pulumi-azure-native has no resource for provider registration
(pulumi/pulumi-azure-native#3479), and `features.SubscriptionFeatureRegistration` fails on create
(pulumi/pulumi-azure-native#1722). So each environment subscription gets one `resources.AzureCliScript`
(an ARM deployment script: Azure runs it in a container instance with a user-assigned identity) that runs
`az provider register` and `az feature register`. Deployment scripts: learn.microsoft.com/azure/
azure-resource-manager/templates/deployment-script-template; REST API version 2023-08-01.
"""

from __future__ import annotations

import hashlib

__all__ = [
    "AZ_CLI_VERSION",
    "REGISTRAR_ACTIONS",
    "REGISTRATION_SCRIPT",
    "REQUIRED_FEATURES",
    "REQUIRED_PROVIDERS",
    "STATE_SUBSCRIPTION_PROVIDERS",
    "script_fingerprint",
]

REQUIRED_PROVIDERS: tuple[str, ...] = (
    "Microsoft.AlertsManagement",  # Prometheus rule groups
    "Microsoft.Cache",  # Azure Managed Redis (redisEnterprise)
    "Microsoft.Cdn",  # Front Door
    "Microsoft.Compute",  # AKS node VMs; the EncryptionAtHost feature lives here
    "Microsoft.Consumption",  # budgets
    "Microsoft.ContainerRegistry",
    "Microsoft.ContainerService",  # AKS
    "Microsoft.Dashboard",  # Managed Grafana
    "Microsoft.DBforPostgreSQL",
    "Microsoft.EventHub",
    "Microsoft.Insights",  # diagnostic settings, metric alerts, action groups, data collection rules
    "Microsoft.KeyVault",
    "Microsoft.KubernetesConfiguration",  # AKS extensions
    "Microsoft.ManagedIdentity",  # workload identities and their federated credentials
    "Microsoft.Monitor",  # Azure Monitor workspace (managed Prometheus)
    "Microsoft.Network",
    "Microsoft.OperationalInsights",  # Log Analytics
    "Microsoft.OperationsManagement",  # Container Insights solution (AKS monitoring add-on)
    "Microsoft.PolicyInsights",  # the AKS azurepolicy add-on
    "Microsoft.Storage",  # Event Hubs capture, AKS CSI drivers
)
"""Resource providers every environment subscription registers (namespaces, as `az provider register -n`)."""

REQUIRED_FEATURES: tuple[str, ...] = ("Microsoft.Compute/EncryptionAtHost",)
"""Preview features as `Namespace/FeatureName`: every AKS pool runs with encryption at host, which Azure refuses
until the subscription has registered this feature (learn.microsoft.com/azure/aks/enable-host-encryption)."""

STATE_SUBSCRIPTION_PROVIDERS: tuple[str, ...] = (
    "GitHub.Network",  # the runners' network settings (docs.github.com: configuring private networking)
    "Microsoft.ContainerInstance",  # where the registration scripts run
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
    "Microsoft.Storage",  # the state account, and the registration scripts' own storage
)
"""Providers of the bootstrap's own subscription. They must be registered before `pulumi up` of the bootstrap
(the registration scripts cannot run without Microsoft.ContainerInstance), so README step 0 registers them by
hand."""

REGISTRAR_ACTIONS: tuple[str, ...] = (
    "*/register/action",
    "Microsoft.Features/*",
    # `az provider register --wait` and `az provider show` read the provider's registration state.
    "Microsoft.Resources/subscriptions/providers/read",
)
"""The custom role of the registration identity: register providers and features, read their state; nothing
else (no resource can be created, read or changed with it)."""

AZ_CLI_VERSION = "2.67.0"
"""The Azure CLI image of the deployment scripts (mcr.microsoft.com/azure-cli:<version>)."""

REGISTRATION_SCRIPT = """\
#!/bin/bash
# Registers the providers and features that the platform stacks use in one subscription.
# Inputs (environment variables): SUBSCRIPTION_ID, PROVIDERS (space-separated namespaces),
# FEATURES (space-separated Namespace/FeatureName). The deployment script service has logged in with the
# script's user-assigned identity.
set -euo pipefail

# A just-created role assignment can take a few minutes to reach Azure Resource Manager: retry.
retry() {
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    "$@" && return 0
    echo "attempt $attempt of 10 failed: $*" >&2
    sleep 30
  done
  return 1
}

# Start every registration first (Azure registers them in parallel), then wait for each one.
for namespace in $PROVIDERS; do
  retry az provider register --subscription "$SUBSCRIPTION_ID" --namespace "$namespace"
done
for namespace in $PROVIDERS; do
  retry az provider register --subscription "$SUBSCRIPTION_ID" --namespace "$namespace" --wait
done

for feature in $FEATURES; do
  namespace="${feature%%/*}"
  name="${feature#*/}"
  retry az feature register --subscription "$SUBSCRIPTION_ID" --namespace "$namespace" --name "$name" --output none
  state=""
  for attempt in $(seq 1 60); do
    state=$(az feature show --subscription "$SUBSCRIPTION_ID" --namespace "$namespace" --name "$name" \\
      --query properties.state --output tsv)
    [ "$state" = "Registered" ] && break
    sleep 20
  done
  if [ "$state" != "Registered" ]; then
    echo "feature $feature is still '$state' after 20 minutes" >&2
    exit 1
  fi
  # A registered feature reaches the resource provider only when the provider is registered again
  # (learn.microsoft.com/azure/azure-resource-manager/management/preview-features).
  retry az provider register --subscription "$SUBSCRIPTION_ID" --namespace "$namespace" --wait
done

echo "registered: $PROVIDERS $FEATURES"
"""


def script_fingerprint(*parts: str) -> str:
    """A stable tag for `forceUpdateTag`: Azure runs a deployment script again only when its properties change,
    and this makes the reason explicit (script, providers or features changed)."""
    return hashlib.sha256("\n".join((REGISTRATION_SCRIPT, *parts)).encode()).hexdigest()[:16]
