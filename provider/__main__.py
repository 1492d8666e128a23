"""Entry point of the `sentimark` Pulumi plugin (see PulumiPlugin.yaml): serves the any-language components.

The Pulumi CLI runs this file with the plugin's Python when a consumer runs `pulumi package add` or deploys a
program that uses the package; it passes the engine's address as the first argument. This is what
`pulumi.provider.experimental.component_provider_host(ANY_LANGUAGE, name="sentimark", version=...)` does, with
the provider class that keeps integer inputs integers (see provider/__init__.py).
"""

import sys
from pathlib import Path

# Run as a script (`python provider/__main__.py`), sys.path holds provider/ only: the packages live beside it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pulumi.provider import main as serve

from provider import new_provider


def main(argv: list[str]) -> None:
    serve(new_provider(), argv)


if __name__ == "__main__":
    main(sys.argv[1:])
