"""Look and language of the application: palette, style and translations."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from callscope.gui.icons import resource_path
from callscope.gui.theme import dark_palette, system_prefers_dark


def apply_theme(app: QApplication, theme: str = "system") -> None:
    """Fusion style with a light or dark palette; "system" follows the desktop and its changes."""
    app.setStyle("Fusion")

    def apply() -> None:
        dark = theme == "dark" or (theme == "system" and system_prefers_dark())
        app.setPalette(dark_palette() if dark else app.style().standardPalette())

    apply()
    if theme == "system":
        app.styleHints().colorSchemeChanged.connect(lambda _scheme: apply())


def install_translations(app: QApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Install Qt's own and CallScope's translations for ``locale`` when files exist.

    CallScope's are ``resources/i18n/callscope_<lang>.qm`` (built by pyside6-lrelease).
    """
    loc = locale or QLocale.system()
    installed: list[QTranslator] = []
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    candidates = (("qtbase", "_", qt_dir), ("callscope", "_", str(resource_path("i18n"))))
    for name, prefix, directory in candidates:
        translator = QTranslator(app)
        if translator.load(loc, name, prefix, directory):
            app.installTranslator(translator)
            installed.append(translator)
    return installed
