"""A pulumi-azure-native quirk the components work around in one place."""

from __future__ import annotations

from typing import Any

import pulumi

__all__ = ["new_resource"]


def new_resource(cls: Any, name: str, args: Any, opts: pulumi.ResourceOptions | None = None) -> Any:
    """`cls(name, args, opts)` for a resource whose inputs include `resource_name` (ManagedCluster, AgentPool,
    UserAssignedIdentity, FederatedIdentityCredential, ...): the SDK's typed-args path passes it twice ("got
    multiple values for argument 'resource_name'", pulumi-azure-native#921, #1148, #1638, #3877), and its
    keyword form spells it `resource_name_`. Building the typed Args first still checks every keyword."""
    kwargs = dict(vars(args))
    if "resource_name" in kwargs:
        kwargs["resource_name_"] = kwargs.pop("resource_name")
    return cls(name, opts=opts, **kwargs)
