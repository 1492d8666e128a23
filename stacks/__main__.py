import gc
import sys

from stacks.cli import main

code = main()
# Hundreds of thousands of objects are alive at exit; without this the interpreter's final collection
# walks them all (about 0.85 s of a prod preview, measured by bench/bench_stacks.py).
gc.freeze()
sys.exit(code)
