"""An Azure Monitor action group: who is told when an alert or a budget threshold fires."""

import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
from pulumi_azure_native import monitor

from sentimark_platform.components._tags import merge_tags
from sentimark_platform.components._validation import Rule, check_arguments

__all__ = ["ActionGroup", "ActionGroupArgs"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")


class ActionGroupArgs(TypedDict):
    resource_group_name: pulumi.Input[str]
    """Resource group that holds the action group (action groups are global resources)."""
    short_name: str
    """Up to 12 characters; shown in e-mails and SMS."""
    emails: Sequence[str]
    """E-mail receivers, at least one. Each uses the common alert schema."""
    webhook_url: NotRequired[pulumi.Input[str] | None]
    """An https endpoint that also receives every notification; pass it as a secret (it embeds a token).
    No webhook receiver unless given."""
    tags: NotRequired[Mapping[str, str]]
    """Tags; the stack's FinOps tags."""


class ActionGroup(pulumi.ComponentResource):
    """An action group with e-mail receivers and an optional webhook."""

    resource_id: pulumi.Output[str]
    """Resource id of the action group (for alert rules and budgets)."""
    name: pulumi.Output[str]
    """Azure name of the action group."""

    def __init__(self, name: str, args: ActionGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_arguments("ActionGroup", args, ActionGroupArgs, lambda: _rules(args))
        super().__init__("sentimark:index:ActionGroup", name, None, opts)
        webhook = args.get("webhook_url")
        group = monitor.ActionGroup(
            f"{name}-ag",
            monitor.ActionGroupInitArgs(
                resource_group_name=args["resource_group_name"],
                location="Global",
                enabled=True,
                group_short_name=args["short_name"],
                email_receivers=[
                    monitor.MicrosoftCommonEmailReceiverArgs(
                        name=re.sub(r"[^A-Za-z0-9-]", "-", address), email_address=address, use_common_alert_schema=True
                    )
                    for address in args["emails"]
                ],
                webhook_receivers=(
                    [monitor.WebhookReceiverArgs(name="webhook", service_uri=webhook, use_common_alert_schema=True)]
                    if webhook is not None
                    else None
                ),
                tags=merge_tags(args.get("tags") or {}, None),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.resource_id = group.id
        self.name = group.name
        self.register_outputs({"resource_id": self.resource_id, "name": self.name})


def _rules(args: ActionGroupArgs) -> list[Rule]:
    short, emails = args["short_name"], list(args["emails"])
    return [
        ("short_name", short, lambda v: not 1 <= len(v) <= 12, "use 1 to 12 characters (Azure's limit)"),
        ("emails", emails, not emails, "give at least one e-mail receiver"),
        *[("emails", address, lambda v: not _EMAIL.match(v), "give an e-mail address such as oncall@example.com")
          for address in emails],
    ]
