"""Every message in the code has a reviewed ky and ru translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import translations
from translations import _, ngettext, pgettext, set_language

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]+(?::[^}]*)?\}")


def _code_messages() -> set[tuple[str | None, str]]:
    found = set()
    for folder in ("desktop", "models", "forms", "reports", "translations"):
        for _file, _line, message, _comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found.add((context, msgid))
    return found


def _catalog(lang: str):
    path = ROOT / "translations" / lang / "LC_MESSAGES" / "komok.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_every_message_translated_and_not_fuzzy(lang):
    catalog = _catalog(lang)
    problems = []
    for context, msgid in sorted(_code_messages(), key=lambda m: (m[0] or "", m[1])):
        entry = catalog.get(msgid, context=context)
        if entry is None:
            problems.append(f"missing: {msgid!r}")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        else:
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if not all(s.strip() for s in strings):
                problems.append(f"untranslated: {msgid!r}")
    assert not problems, f"{lang}: run `make translations` and translate:\n" + "\n".join(
        problems[:40]
    )


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_placeholders_match(lang):
    bad = []
    for entry in _catalog(lang):
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            if s and set(PLACEHOLDER.findall(s)) != wanted:
                bad.append(f"{ids[0]!r} -> {s!r}")
    assert not bad, "\n".join(bad)


def test_language_switch_changes_text():
    msg = "The disk is full. The last change was not saved; free some space and retry."
    set_language("en")
    english = _(msg)
    set_language("ru")
    russian = _(msg)
    set_language("ky")
    kyrgyz = _(msg)
    assert english == msg
    assert russian != msg and re.search("[а-яё]", russian)
    assert kyrgyz != msg and kyrgyz != russian


def test_helpers_and_unknown_language():
    set_language("ru")
    assert pgettext("unknown-context", "no such message") == "no such message"
    assert ngettext("{n} thing never said", "{n} things never said", 1) == "{n} thing never said"
    assert ngettext("{n} thing never said", "{n} things never said", 5) == "{n} things never said"
    with pytest.raises(ValueError):
        set_language("xx")
    translations.reset_cache()
    assert _("no such message, ever") == "no such message, ever"
