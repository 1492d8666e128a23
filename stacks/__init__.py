"""The stacks of this project: settings, composition and the command line (`python -m stacks`)."""

from stacks.config import SettingsError, StackSecrets, load_settings
from stacks.platform import build_platform
from stacks.settings import PlatformSettings

__all__ = ["PlatformSettings", "SettingsError", "StackSecrets", "build_platform", "load_settings"]
