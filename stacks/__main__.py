"""`python -m stacks`: the library's command line (`sentimark`), run from this repository."""

import gc
import sys

# Off before the imports too: they build most of what a preview keeps alive (see sentimark_platform.cli.run).
gc.disable()

from sentimark_platform.cli import run  # noqa: E402

sys.exit(run(prog="python -m stacks"))
