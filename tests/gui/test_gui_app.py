"""Starting the window: arguments, the no-display message, the PySide6 refcount guard."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

from callscope.gui import app
from callscope.gui.icons import app_icon, demo_capture, icon


def test_missing_display_gives_a_one_line_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    assert app.run(["--demo"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("callscope: no display found")
    assert "\n" not in err


def test_arguments() -> None:
    options = app.parse_args(["a.pcap", "b.pcapng.gz", "--demo", "--theme", "dark"])
    assert options.captures == ["a.pcap", "b.pcapng.gz"]
    assert options.demo and options.theme == "dark"
    assert app.parse_args([]).theme == "system"


def test_icons_and_demo_path_resolve(qapp: object) -> None:
    for name in ("open", "close", "zoom-in", "zoom-out", "reset", "export"):
        assert not icon(name).isNull(), name
    assert not app_icon().pixmap(64, 64).isNull()
    assert demo_capture().name == "demo.pcap"


def test_signals_do_not_exhaust_true(qapp: object) -> None:
    """5000 emits leave True's refcount standing: not leaked (6.11), or guarded (6.12.0)."""

    class Emitter(QObject):
        fired = Signal()

    emitter = Emitter()
    emitter.fired.connect(lambda: None)
    before = sys.getrefcount(True)
    for _ in range(5000):
        emitter.fired.emit()
    after = sys.getrefcount(True)
    assert after > 2**39 or after >= before - 10
