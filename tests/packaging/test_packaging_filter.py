"""packaging/bundle_filter.py: which Qt plugins and libraries leave the bundle."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]


def load_filter() -> ModuleType:
    # packaging/ is not a package: its name would shadow the PyPI "packaging" library.
    spec = importlib.util.spec_from_file_location(
        "bundle_filter", REPO / "packaging" / "bundle_filter.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bf = load_filter()


def test_dropped_plugins_are_the_gtk_theme_and_embedded_platforms_only() -> None:
    plugins = "PySide6/Qt/plugins/"
    assert bf.is_dropped_plugin(plugins + "platformthemes/libqgtk3.so")
    assert bf.is_dropped_plugin(plugins + "platforms/libqeglfs.so")
    assert bf.is_dropped_plugin("PySide6\\plugins\\tls\\qopensslbackend.dll")
    kept_plugins = (
        "platforms/libqxcb.so", "platforms/libqwayland.so", "platforms/libqoffscreen.so",
        "platforms/qwindows.dll", "platforms/libqcocoa.dylib", "iconengines/libqsvgicon.so",
        "imageformats/libqsvg.so", "platformthemes/libqxdgdesktopportal.so",
    )  # fmt: skip
    for kept in kept_plugins:
        assert not bf.is_dropped_plugin(plugins + kept), kept
    assert not bf.is_dropped_plugin("libqgtk3.so")  # not under a plugins folder


def test_host_libraries_only_at_the_top_level_on_linux() -> None:
    assert bf.is_host_library("libportaudio.so.2", "linux")
    assert bf.is_host_library("libfontconfig.so.1", "linux")
    assert not bf.is_host_library("libportaudio.so.2", "darwin")
    assert not bf.is_host_library("av.libs/libasound-c7818c60.so.2.0.0", "linux")
    assert not bf.is_host_library("libQt6Core.so.6", "linux")


def test_trim_removes_what_only_dropped_binaries_needed() -> None:
    graph = {
        "/q/gtk3.so": ["/s/cairo.so", "/s/png.so"],
        "/s/cairo.so": ["/s/pixman.so", "/s/png.so"],
        "/q/qsvg.so": ["/q/svg.so", "/s/png.so"],
        "/q/svg.so": [], "/s/pixman.so": [], "/s/png.so": [],
    }  # fmt: skip
    binaries = [
        ("plugins/platformthemes/gtk3.so", "/q/gtk3.so", "BINARY"),
        ("cairo.so", "/s/cairo.so", "BINARY"),
        ("pixman.so", "/s/pixman.so", "BINARY"),
        ("png.so", "/s/png.so", "BINARY"),
        ("plugins/imageformats/qsvg.so", "/q/qsvg.so", "BINARY"),
        ("svg.so", "/q/svg.so", "BINARY"),
    ]
    kept, removed = bf.trim(binaries, lambda d: d.endswith("gtk3.so"), lambda s: graph[s])
    assert {d for d, _, _ in removed} == {"plugins/platformthemes/gtk3.so", "cairo.so", "pixman.so"}
    assert {d for d, _, _ in kept} == {"png.so", "plugins/imageformats/qsvg.so", "svg.so"}


def test_a_library_needed_only_through_a_dropped_one_goes_too() -> None:
    graph = {"/a/gui.so": ["/s/fontconfig.so"], "/s/fontconfig.so": ["/s/expat.so"],
             "/s/expat.so": []}  # fmt: skip
    binaries = [(Path(s).name, s, "BINARY") for s in graph]
    kept, _ = bf.trim(binaries, lambda d: d == "fontconfig.so", lambda s: graph[s])
    assert [d for d, _, _ in kept] == ["gui.so"]


def test_links_to_removed_files_are_dropped() -> None:
    removed = [("PySide6/Qt/lib/libQt6Pdf.so.6", "/x/libQt6Pdf.so.6", "BINARY")]
    datas = [
        ("libQt6Pdf.so.6", "PySide6/Qt/lib/libQt6Pdf.so.6", "SYMLINK"),
        ("libQt6Gui.so.6", "PySide6/Qt/lib/libQt6Gui.so.6", "SYMLINK"),
        ("PySide6/Qt/lib/libQt6Pdf.so", "libQt6Pdf.so.6", "SYMLINK"),
        ("callscope/resources/demo.pcap", "/src/demo.pcap", "DATA"),
    ]
    kept = bf.drop_links_to(datas, removed)
    assert [d for d, _, _ in kept] == ["libQt6Gui.so.6", "callscope/resources/demo.pcap"]
