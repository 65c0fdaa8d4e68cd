"""``python -m callscope.gui``: the window (same as ``callscope`` without a subcommand)."""

import sys

from callscope.gui.app import run

sys.exit(run(sys.argv[1:]))
