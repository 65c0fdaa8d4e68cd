"""Frozen-app entry script: runs ``callscope.gui.entry:main`` (the ``callscope`` console script).

``freeze_support`` lets ``callscope analyze --jobs N`` start worker processes from the
frozen executable on Windows and macOS (spawn), where a child re-runs this script.
"""

import multiprocessing
import sys

from callscope.gui.entry import main

if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
