"""A container registry: Entra ID pulls only (no admin user, no anonymous pull), private on Premium."""

import re
from collections.abc import Mapping
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import containerregistry, network

from sentimark_platform.components._interfaces import (
    DiagnosticSettingsArgs,
    LockArgs,
    PrivateEndpointArgs,
    RoleAssignmentArgs,
    apply_diagnostic_settings,
    apply_lock,
    apply_private_endpoints,
    apply_role_assignments,
)
from sentimark_platform.components._naming import NAMING_RULES
from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["ContainerRegistry", "ContainerRegistryArgs"]

_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")


class ContainerRegistryArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group of the registry."""
    sku: str
    """Service tier, one of Basic, Standard, Premium. Private endpoints, disabled public access and zone redundancy need Premium."""
    location: NotRequired[pulumi.Input[str]]
    """Azure region; the resource group's unless given."""
    resource_name: NotRequired[str]
    """Azure name (5-50 letters and digits; globally unique, it becomes <name>.azurecr.io): use the naming
    helper with a suffix. Pulumi auto-names the registry unless given."""
    pull_principal_ids: NotRequired[Mapping[str, pulumi.Input[str]]]
    """Object ids of service principals / managed identities granted AcrPull, by key (e.g. {"aks-weu":
    cluster.kubelet_object_id}); the children are "<name>-ra-pull-<key>". Nobody can pull unless given."""
    private_endpoints: NotRequired[Mapping[str, PrivateEndpointArgs]]
    """Private endpoints (group id "registry") by key, Premium only; public network access is Disabled when
    any is given. Unless given, the registry is reached over its public endpoint with Entra ID auth."""
    zone_redundancy: NotRequired[bool]
    """Spread the registry over availability zones (Premium only, set at creation); off unless given."""
    role_assignments: NotRequired[Mapping[str, RoleAssignmentArgs]]
    """Further role assignments on the registry by key (e.g. AcrPush for the CI identity)."""
    diagnostic_settings: NotRequired[DiagnosticSettingsArgs]
    """Login and repository events and metrics to a workspace; none unless given."""
    protect: NotRequired[bool]
    """Pulumi `protect` on the registry (it holds every image the clusters pull); off unless given."""
    lock: NotRequired[LockArgs]
    """A management lock on the registry; none unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags; the stack's FinOps tags."""


class ContainerRegistry(pulumi.ComponentResource):
    """A registry without admin user or anonymous pull; AcrPull for the given principals."""

    name: pulumi.Output[str]
    """Azure name of the registry."""
    resource_id: pulumi.Output[str]
    """Resource id of the registry."""
    login_server: pulumi.Output[str]
    """Login server host name, `<name>.azurecr.io` (image references start with it)."""

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("ContainerRegistry", args, ContainerRegistryArgs, lambda: _rules(args))
        super().__init__("sentimark:index:ContainerRegistry", name, None, opts)
        tags = merge_tags(args.get("tags") or {}, None)
        private = bool(args.get("private_endpoints"))

        registry = containerregistry.Registry(
            f"{name}-cr",
            containerregistry.RegistryArgs(
                resource_group_name=args["resource_group_name"],
                location=args.get("location"),
                registry_name=args.get("resource_name"),
                sku=containerregistry.SkuArgs(name=args["sku"]),
                admin_user_enabled=False,
                anonymous_pull_enabled=False,
                public_network_access="Disabled" if private else "Enabled",
                network_rule_bypass_options="AzureServices",
                zone_redundancy="Enabled" if args.get("zone_redundancy") else "Disabled",
                tags=tags,
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=args.get("protect") or None),
        )

        self.private_endpoints: dict[str, network.PrivateEndpoint] = apply_private_endpoints(
            name,
            resource_id=registry.id,
            endpoints=args.get("private_endpoints"),
            default_group_id="registry",
            resource_group_name=args["resource_group_name"],
            location=args.get("location"),
            tags=tags,
            parent=self,
        )
        """Python only (the any-language schema references no other package's resources): the private endpoints
        by the keys of `private_endpoints`, empty without any, for a caller's DNS records, policies or diagnostics."""
        pulls: dict[str, RoleAssignmentArgs] = {
            f"pull-{key}": {
                "role": "AcrPull",
                "principal_id": principal,
                "principal_type": "ServicePrincipal",
                "description": f"Pull images ({key})",
            }
            for key, principal in (args.get("pull_principal_ids") or {}).items()
        }
        apply_role_assignments(
            name, scope_id=registry.id, assignments={**pulls, **(args.get("role_assignments") or {})}, parent=self
        )
        apply_diagnostic_settings(name, resource_id=registry.id, settings=args.get("diagnostic_settings"), parent=self)
        apply_lock(name, scope_id=registry.id, lock=args.get("lock"), parent=self)

        self.name = registry.name
        self.resource_id = registry.id
        self.login_server = registry.login_server
        self.register_outputs({"name": self.name, "resource_id": self.resource_id, "login_server": self.login_server})


def _rules(args: ContainerRegistryArgs) -> list[Rule]:
    sku = args.get("sku")
    premium = sku == "Premium"
    endpoints = args.get("private_endpoints") or {}
    return [
        ("resource_name", args.get("resource_name"),
         "resource_name" in args and not NAMING_RULES["container_registry"].check(args["resource_name"]),
         "use 5-50 letters and digits, no hyphens (build it with resource_name('container_registry', ...))"),
        ("private_endpoints", sorted(endpoints), bool(endpoints) and not premium,
         f"private endpoints need the Premium SKU (got {sku!r}): use sku 'Premium' or leave private_endpoints out"),
        ("zone_redundancy", True, bool(args.get("zone_redundancy")) and not premium,
         f"zone redundancy needs the Premium SKU (got {sku!r}): use sku 'Premium' or leave zone_redundancy out"),
        *[("pull_principal_ids", key, lambda v: not _KEY.match(v), "use keys of lower-case letters, digits and hyphens")
          for key in args.get("pull_principal_ids") or {}],
        *[(f"private_endpoints[{key!r}].group_id", endpoint.get("group_id", "registry"), lambda v: v != "registry",
           "use 'registry' or leave it out") for key, endpoint in endpoints.items()],
    ]
