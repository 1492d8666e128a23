"""Provider and feature registration in every environment subscription (the lists: _subscriptions.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

import pulumi
from pulumi_azure_native import authorization, resources

from bootstrap._identities import assignment, grant, user_assigned_identity
from bootstrap._subscriptions import (
    AZ_CLI_VERSION,
    REGISTRAR_ACTIONS,
    REGISTRATION_SCRIPT,
    REQUIRED_FEATURES,
    REQUIRED_PROVIDERS,
    script_fingerprint,
)

__all__ = ["register_subscriptions"]


def register_subscriptions(subscriptions: Mapping[str, str], *, state_subscription: pulumi.Input[str], location: str,
                           group: resources.ResourceGroup, tags: Mapping[str, str],
                           suffix: str) -> dict[str, resources.AzureCliScript]:
    """The `registrar` identity, a custom role that can only register providers and features, that role on each
    environment subscription, and one deployment script `register-<env>` per subscription run by `registrar`."""
    registrar = user_assigned_identity("registrar", location=location, group=group, tags=tags)
    home = pulumi.Output.concat("/subscriptions/", state_subscription)
    scopes = [f"/subscriptions/{s}" for s in subscriptions.values()]
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sentimark-bootstrap/{suffix}/registrar"))
    role = authorization.RoleDefinition("registrar-role", authorization.RoleDefinitionArgs(
        # A custom role lives at one of its assignable scopes: the bootstrap's own subscription, which does not
        # change when environments are added or removed (a changed scope would replace the role under its
        # assignments). It is assigned in the environment subscriptions only.
        scope=home,
        role_definition_id=guid,
        role_name=f"Sentimark provider registrar ({suffix})",
        description="Registers resource providers and preview features (bootstrap's registration scripts); nothing else.",
        role_type="CustomRole",
        permissions=[authorization.PermissionArgs(actions=list(REGISTRAR_ACTIONS))],
        assignable_scopes=[home, *scopes],
    ))
    providers, features = " ".join(REQUIRED_PROVIDERS), " ".join(REQUIRED_FEATURES)
    scripts = {}
    for environment, subscription in subscriptions.items():
        scope = f"/subscriptions/{subscription}"
        granted = grant(f"registrar-{environment}", scope=scope, parent=registrar, depends_on=[role], assignments={
            "register": assignment(guid, registrar.principal_id,
                                   description="Provider and feature registration for the platform stacks."),
        })["register"]
        scripts[environment] = resources.AzureCliScript(f"register-{environment}", resources.AzureCliScriptArgs(
            resource_group_name=group.name,
            script_name=f"ds-smk-shared-register-{environment}",
            kind="AzureCLI",
            location=location,
            az_cli_version=AZ_CLI_VERSION,
            identity=resources.ManagedServiceIdentityArgs(type="UserAssigned", user_assigned_identities=[registrar.id]),
            script_content=REGISTRATION_SCRIPT,
            environment_variables=[
                resources.EnvironmentVariableArgs(name="SUBSCRIPTION_ID", value=subscription),
                resources.EnvironmentVariableArgs(name="PROVIDERS", value=providers),
                resources.EnvironmentVariableArgs(name="FEATURES", value=features),
            ],
            # Azure runs a deployment script again only when a property changes; the fingerprint changes with
            # the script and the lists, so a new provider or feature is registered on the next `pulumi up`.
            force_update_tag=script_fingerprint(subscription, providers, features),
            timeout="PT1H",
            retention_interval="P1D",
            # The container instance and storage Azure creates for the run are removed when it succeeds and kept
            # for a day when it fails, with its logs.
            cleanup_preference="OnSuccess",
            tags=dict(tags),
        ), opts=pulumi.ResourceOptions(depends_on=[granted]))
    return scripts
