"""Start the window: ``callscope``, ``callscope CAPTURE...``, ``callscope --demo``.

Creates the QApplication, follows the system's light/dark colour scheme, installs
translations when present and opens the requested captures (or, with none, the
captures of the last session).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from callscope.core import __version__

DISPLAY_HINT = (
    "callscope: no display found (DISPLAY/WAYLAND_DISPLAY unset); run it on a desktop, "
    "use xvfb-run, or use the command line: callscope analyze CAPTURE"
)


def parse_args(args: Sequence[str]) -> argparse.Namespace:
    """The window's own options (the CLI subcommands are routed elsewhere)."""
    parser = argparse.ArgumentParser(
        prog="callscope",
        description="Open captures in the CallScope window (subcommands: callscope --help).",
    )
    parser.add_argument("captures", nargs="*", metavar="CAPTURE", help="pcap/pcapng(.gz) files")
    parser.add_argument("--demo", action="store_true", help="open the bundled demo capture")
    parser.add_argument(
        "--theme", choices=("system", "light", "dark"), default="system",
        help="colour scheme (default: follow the system)",
    )  # fmt: skip
    parser.add_argument(
        "--no-session", action="store_true", help="do not reopen the last session's captures"
    )
    parser.add_argument(
        "--screenshot", metavar="PNG",
        help="save a picture of the window once the captures are loaded, then quit",
    )  # fmt: skip
    return parser.parse_args(list(args))


def display_available() -> bool:
    """False on Linux/BSD with no X11/Wayland display and no QT_QPA_PLATFORM override."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return True
    env = os.environ
    return bool(env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def run(args: Sequence[str]) -> int:
    """Run the window until it closes; returns the process exit code."""
    options = parse_args(args)
    if not display_available():
        print(DISPLAY_HINT, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from callscope.gui import settings
    from callscope.gui.icons import app_icon, demo_capture
    from callscope.gui.main_window import MainWindow
    from callscope.gui.style import apply_theme, install_translations
    from callscope.gui.workers import collect_garbage_on_gui_thread

    QApplication.setOrganizationName(settings.ORGANIZATION)
    QApplication.setApplicationName(settings.APPLICATION)
    QApplication.setApplicationVersion(__version__)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(["callscope"])
    collect_garbage_on_gui_thread()
    app.setWindowIcon(app_icon())
    install_translations(app)
    apply_theme(app, options.theme)

    window = MainWindow()
    paths = list(options.captures)
    if options.demo:
        demo = demo_capture()
        if not demo.is_file():
            print(f"callscope: demo capture missing: {demo}", file=sys.stderr)
            return 1
        paths.insert(0, str(demo))
    window.show()
    window.privacy.startup()
    if paths:
        window.open_paths(paths)
    elif not options.no_session:
        window.reopen_session()
    if options.screenshot:
        from callscope.gui.screenshot import grab_when_loaded

        grab_when_loaded(window, options.screenshot)
    code = int(app.exec())
    from callscope.gui.content.spectrogram_controller import wait_for_background_work

    wait_for_background_work()
    # Destroy the widgets while the QApplication still exists: letting the interpreter
    # collect both in arbitrary order at exit crashes PySide6 (bool_dealloc abort).
    window.deleteLater()
    del window
    gc.collect()
    return code


def main() -> int:
    """``python -m callscope.gui.app [options]``."""
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
