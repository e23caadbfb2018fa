"""Gettext for Komok: the `_`, `N_`, `ngettext`, `pgettext` helpers and the active language.

Catalogs live in `translations/<lang>/LC_MESSAGES/komok.po` for ky, ru and en. They are
compiled to `.mo` by `make translations` (or `python -m translations.compile`); when a
`.mo` is missing or older than its `.po`, the `.po` is compiled in memory, so a fresh
checkout always shows its translations.

Module-level strings are marked with `N_()` and translated with `_()` when drawn, so a
language switch takes effect on the next repaint.
"""

from __future__ import annotations

import gettext
import io
import threading
from pathlib import Path

DOMAIN = "komok"
LANGUAGES: tuple[str, ...] = ("ky", "ru", "en")
DEFAULT_LANGUAGE = "ky"
CATALOG_DIR = Path(__file__).resolve().parent

_lock = threading.Lock()
_cache: dict[str, gettext.NullTranslations] = {}
_state = {"language": DEFAULT_LANGUAGE}


def _compile_po(po_path: Path) -> gettext.GNUTranslations:
    """Compile a .po file in memory into a translations object."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=po_path.parent.parent.name, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def translations_for(language: str) -> gettext.NullTranslations:
    """The catalog for `language` (a NullTranslations for an unknown language)."""
    with _lock:
        if language in _cache:
            return _cache[language]
        base = CATALOG_DIR / language / "LC_MESSAGES"
        po, mo = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
        trans: gettext.NullTranslations
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as fh:
                trans = gettext.GNUTranslations(fh)
        elif po.exists():
            trans = _compile_po(po)
        else:
            trans = gettext.NullTranslations()
        _cache[language] = trans
        return trans


def set_language(language: str) -> None:
    """Choose the interface language (one of LANGUAGES)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language: {language!r}")
    _state["language"] = language


def current_language() -> str:
    """The interface language now in force."""
    return _state["language"]


def reset_cache() -> None:
    """Forget loaded catalogs (after `make translations` in a running process, or in tests)."""
    with _lock:
        _cache.clear()


def _(message: str) -> str:
    """Translate `message` into the interface language."""
    return translations_for(current_language()).gettext(message)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it now."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count, using the language's plural rules."""
    return translations_for(current_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """Translate `message` in a context that tells homonyms apart."""
    return translations_for(current_language()).pgettext(context, message)


def gettext_in(language: str, message: str) -> str:
    """Translate `message` into a given language (a letter's language, not the interface's)."""
    return translations_for(language).gettext(message)


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "_",
    "current_language",
    "gettext_in",
    "ngettext",
    "pgettext",
    "reset_cache",
    "set_language",
    "translations_for",
]
