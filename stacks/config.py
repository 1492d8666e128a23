"""Load and validate this project's stack settings once, with `stackconfig` (every problem at once).

The platform's one secret setting is the alert webhook; `environment` must equal the stack's name.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from sentimark_platform.stackconfig import ConfigProblem, SettingsError, load_settings_model
from stacks.settings import PlatformSettings

__all__ = ["SECRET_KEYS", "ConfigProblem", "SettingsError", "StackSecrets", "load_settings"]

SECRET_KEYS: dict[str, str] = {
    "alertWebhookUrl": "an https URL that receives alert notifications (it embeds a token)",
}
"""Top-level keys that must be set with `pulumi config set --secret`, with what each holds."""


@dataclass(frozen=True)
class StackSecrets:
    """Secret settings, as secret Outputs: they never pass through validation or error messages."""

    alert_webhook_url: pulumi.Output[str] | None


def load_settings(namespace: str | None = None, stack: str | None = None) -> tuple[PlatformSettings, StackSecrets]:
    """Validate the current stack's configuration; raise SettingsError listing every problem."""
    settings, secrets = load_settings_model(
        PlatformSettings, secret_keys=SECRET_KEYS, stack_field="environment", namespace=namespace, stack=stack
    )
    return settings, StackSecrets(alert_webhook_url=secrets["alertWebhookUrl"])
