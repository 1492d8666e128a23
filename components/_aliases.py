"""Drop azure-native's aliases to its old API-version types before the SDK computes them.

Every azure-native v3 resource carries dozens of aliases such as
`azure-native:network/v20230201:VirtualNetwork` (60 on a VirtualNetwork), and the Python SDK turns each
into a URN with Output machinery inside `Resource.__init__`: about 20 ms and 0.6 MB per resource, most of
a preview's time (measured in DESIGN.md). They matter only to a stack that still holds resources created
under explicit API-version types (the v1/v2 SDKs). A transformation runs before aliases are collapsed, so
removing them there saves the work. Aliases a program wrote itself (a rename, a new parent) are kept.
"""

from __future__ import annotations

import re

import pulumi

__all__ = ["is_versioned_type_alias", "register_versioned_alias_pruning"]

_VERSIONED = re.compile(r"^azure-native:(?P<module>[a-zA-Z0-9]+)/v\d{8}(preview)?:(?P<kind>\w+)$")


def is_versioned_type_alias(alias: object, resource_type: str) -> bool:
    """True for an SDK-generated alias to the same type under an explicit API version, and nothing else.

    The version may sit under another module when Azure moved the type (`privatedns:PrivateZone` carries
    `network/v20200601:PrivateZone`); unversioned module-move aliases (`network:PrivateZone`) are kept."""
    if not isinstance(alias, pulumi.Alias):
        return False
    if not isinstance(alias.type_, str) or any(
        value is not ... and value is not None
        for value in (alias.name, alias.parent, alias.stack, alias.project)
    ):
        return False
    match = _VERSIONED.match(alias.type_)
    if match is None:
        return False
    return match["kind"] == resource_type.rsplit(":", 1)[-1]


def _prune(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
    aliases = args.opts.aliases
    if not args.type_.startswith("azure-native:") or not aliases:
        return None
    kept = [a for a in aliases if not is_versioned_type_alias(a, args.type_)]
    if len(kept) == len(aliases):
        return None
    opts = args.opts._copy()
    opts.aliases = kept or None
    return pulumi.ResourceTransformationResult(props=args.props, opts=opts)


def register_versioned_alias_pruning() -> None:
    """Install the pruning for every resource the program registers from now on (call it first)."""
    pulumi.runtime.register_stack_transformation(_prune)
