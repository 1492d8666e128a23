"""The Pulumi program: validate this stack's settings, build the platform, export its outputs."""

import pulumi

from stacks import build_platform, load_settings

settings, secrets = load_settings()
for name, value in build_platform(settings, secrets).items():
    pulumi.export(name, value)
