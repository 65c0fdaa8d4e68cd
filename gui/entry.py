"""The ``callscope`` console entry point: CLI subcommands, or the window.

``callscope analyze ...`` (and every other subcommand) runs the core CLI without
importing Qt; ``callscope``, ``callscope CAPTURE...`` and ``callscope --demo`` open
the window.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Route to the CLI when the first argument is a subcommand, else to the GUI."""
    args = list(sys.argv[1:] if argv is None else argv)
    from callscope.core.cli.main import command_names, numpy_runtime_defaults
    from callscope.core.cli.main import main as cli_main

    numpy_runtime_defaults()

    if args and (args[0] in command_names() or args[0] in ("-h", "--help", "--version")):
        return cli_main(args)
    from callscope.gui.app import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
