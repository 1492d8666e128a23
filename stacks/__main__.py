import gc
import sys

# A command runs for a few seconds and then exits: the cyclic collector would only walk, again and again, the
# hundreds of thousands of objects the preview keeps alive until exit (the first collection after a program run
# alone took about 0.2 s of a prod preview). Reference counting still frees what dies.
gc.disable()

from stacks.cli import main  # noqa: E402  (imports run with the collector off too)

code = main()
# Without this the interpreter's final collection walks every object still alive at exit (about 0.85 s of a
# prod preview, measured by bench/bench_stacks.py).
gc.freeze()
sys.exit(code)
