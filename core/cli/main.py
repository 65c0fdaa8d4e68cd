"""Dispatch ``callscope <command>``; each command module registers its own subparser.

A command module exposes ``register(subparsers) -> None``; the parser it adds sets
``func`` (``(args) -> int`` exit code) with ``set_defaults``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from callscope.core import __version__
from callscope.core.errors import CallScopeError

COMMAND_MODULES = (
    "callscope.core.cli.analyze",
    "callscope.core.cli.policy",
    "callscope.core.cli.audit",
    "callscope.core.cli.export",
    "callscope.core.cli.audio",
)
"""Modules that add subcommands; a module not written yet is skipped."""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every available subcommand."""
    parser = argparse.ArgumentParser(
        prog="callscope",
        description="Why does this call sound bad? RTP analysis from packet captures.",
    )
    parser.add_argument("--version", action="version", version=f"callscope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def command_names() -> set[str]:
    """Names of the subcommands this installation offers (``analyze``, ``audit``...)."""
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one CLI command; return its exit code. User errors print one line on stderr."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
