"""The interface language on the Qt side: remember it, apply it, install Qt's own translator.

Komok's texts go through gettext (`translations`); Qt's standard dialogs and buttons
(OK, Cancel, file dialogs) are translated by Qt's `qtbase` catalog, installed here as in
Picard. Qt ships no Kyrgyz catalog, so Kyrgyz falls back to Russian for those buttons,
which Kyrgyz-speaking users read, rather than to English.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QSettings, QTranslator

from translations import DEFAULT_LANGUAGE, LANGUAGES, current_language, set_language

LANGUAGE_KEY = "interface/language"
# Each language in its own name: a person who cannot read the current one finds theirs.
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}
QT_FALLBACK = {"ky": "ru"}
QT_TRANSLATOR_NAME = "komok-qtbase"


def saved_language() -> str:
    """The interface language remembered in QSettings (Kyrgyz until one is chosen)."""
    value = QSettings().value(LANGUAGE_KEY, DEFAULT_LANGUAGE)
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


class InterfaceLanguage:
    """Switches Komok's and Qt's languages together and remembers the choice."""

    def __init__(self, app: QCoreApplication) -> None:
        self._app = app

    @property
    def language(self) -> str:
        """The language in force."""
        return current_language()

    def apply(self, language: str, *, remember: bool = True) -> None:
        """Use `language` for all new text; callers then retranslate what is on screen."""
        set_language(language)
        QLocale.setDefault(QLocale(language))
        self._install_qt_translator(language)
        if remember:
            QSettings().setValue(LANGUAGE_KEY, language)

    def _install_qt_translator(self, language: str) -> None:
        # The installed translator is a named child of the application, so any instance
        # of this class finds and replaces it: there is only ever one.
        for old in self._app.findChildren(QTranslator, QT_TRANSLATOR_NAME):
            self._app.removeTranslator(old)
            old.setParent(None)
            old.deleteLater()
        folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for candidate in (language, QT_FALLBACK.get(language)):
            if candidate is None or candidate == "en":
                return  # Qt's own texts are English already
            translator = QTranslator(self._app)
            translator.setObjectName(QT_TRANSLATOR_NAME)
            if translator.load(f"qtbase_{candidate}", folder):
                self._app.installTranslator(translator)
                return
            translator.setParent(None)
            translator.deleteLater()
