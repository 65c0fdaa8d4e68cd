"""Dispatch ``callscope <command>``; each command module registers its own subparser.

A command module exposes ``register(subparsers) -> None``; the parser it adds sets
``func`` (``(args) -> int`` exit code) with ``set_defaults``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from callscope.core import __version__
from callscope.core.errors import CallScopeError

COMMANDS: dict[str, str] = {
    "analyze": "callscope.core.cli.analyze",
    "policy": "callscope.core.cli.policy",
    "audit": "callscope.core.cli.audit",
    "export-scrubbed": "callscope.core.cli.export",
    "audio": "callscope.core.cli.audio",
}
"""Subcommand → the module that registers it. Only the chosen command's module is
imported (start-up time); ``--help`` imports them all."""

COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))


def numpy_runtime_defaults() -> None:
    """Settings numpy reads at import, unless the user chose otherwise; call before that.

    - One BLAS thread: CallScope never multiplies matrices, yet OpenBLAS starts a spinning
      thread per core at import (~75 ms of CPU per start, and per ``--jobs`` worker).
    - No transparent huge pages for large arrays: the kernel's compaction for them cost
      ~1 s of system time on a 10 M-packet capture (6.5-7.5 s -> 5.4-6.1 s end to end,
      3 runs each), and nothing measurable at 1 M.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand, or only the one named ``only``."""
    parser = argparse.ArgumentParser(
        prog="callscope",
        description="Why does this call sound bad? RTP analysis from packet captures.",
    )
    parser.add_argument("--version", action="version", version=f"callscope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    modules = (COMMANDS[only],) if only in COMMANDS else COMMAND_MODULES
    for name in modules:
        importlib.import_module(name).register(sub)
    return parser


def command_names() -> set[str]:
    """Names of the subcommands (``analyze``, ``audit``...), without importing them."""
    return set(COMMANDS)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; return its exit code. User errors print one line on stderr."""
    numpy_runtime_defaults()
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list[0] if args_list else None)
    args = parser.parse_args(args_list)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        code: int = args.func(args)
    except CallScopeError as exc:
        print(f"callscope: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("callscope: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
