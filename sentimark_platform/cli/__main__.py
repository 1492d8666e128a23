"""`python -m sentimark_platform.cli`: the `sentimark` command where no console script is on the PATH."""

import sys

from sentimark_platform.cli import run

sys.exit(run(prog="python -m sentimark_platform.cli"))
