"""The stacks of this project: settings and composition (`python -m stacks` runs the library's command line)."""

from stacks.config import SettingsError, StackSecrets, load_settings
from stacks.platform import build_platform
from stacks.settings import PlatformSettings

__all__ = ["PlatformSettings", "SettingsError", "StackSecrets", "build_platform", "load_settings"]
