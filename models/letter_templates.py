"""Referral-letter templates: loading and checking the files in `resources/letters/`.

`index.yaml` says which institution kinds and case categories each template suits and
which facts it needs or suggests; `<lang>/<name>.yaml` holds its wording in ky, ru and en
(title, subject, salutation, paragraphs, the line before the list of services, optionally
its own heading of the facts, closing), and `<lang>/common.yaml` the words every letter in
that language shares (number and date lines, page numbers, fact labels, consent
statement, how dates and amounts are written). Texts use named placeholders such as
`{employer}` or `{reason}`; a paragraph may be given as `{when: <fact>, text: …}` to
appear only when that fact is disclosed. Every file is checked when loaded (unknown
placeholders, codes or keys, a language missing) and `LetterTemplateError` names the file.
`models.letters` fills a template in.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from models.errors import KomokError
from models.referral_facts import FACT_KEYS, FactWording
from models.vocab import default_vocabularies
from models.yaml_files import YamlFileProblem, read_yaml
from resources import RESOURCES_DIR
from translations import _, current_language

LETTERS_DIR = RESOURCES_DIR / "letters"
LETTER_LANGUAGES: tuple[str, ...] = ("ky", "ru", "en")
# Placeholders that are not facts about the client.
GENERAL_PLACEHOLDERS = ("organisation", "institution", "reason")
PLACEHOLDERS = frozenset(FACT_KEYS) | frozenset(GENERAL_PLACEHOLDERS)
COMMON_LABELS = (
    "subject_line",
    "number_line",
    "date_line",
    "no_number",
    "page",
    "facts_heading",
    "consent",
    "consent_override",
    "closing",
    "executor",
)
TEXT_KEYS = (
    "title", "subject", "salutation", "paragraphs", "services_intro", "facts_heading", "closing",
)  # fmt: skip


class LetterTemplateError(KomokError):
    """A letter template file is missing or invalid; the message names the file."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(
            _("Letter template {filename}: {problem}").format(filename=path, problem=problem)
        )


@dataclass(frozen=True)
class Paragraph:
    """One body paragraph; with `when`, shown only if that fact is disclosed."""

    text: str
    when: str | None = None


@dataclass(frozen=True)
class LetterText:
    """A template's wording in one language."""

    name: str
    language: str
    title: str
    subject: str
    salutation: str
    paragraphs: tuple[Paragraph, ...]
    services_intro: str
    closing: str
    facts_heading: str = ""  # "" = the language's common heading


@dataclass(frozen=True)
class TemplateInfo:
    """What a template suits and which facts it needs (the same in every language)."""

    name: str
    institution_kinds: tuple[str, ...]
    categories: tuple[str, ...]
    needs: tuple[str, ...]
    suggests: tuple[str, ...]


@dataclass(frozen=True)
class LetterCommon:
    """The words every letter in one language shares."""

    language: str
    labels: Mapping[str, str]
    fact_labels: Mapping[str, str]
    wording: FactWording


# --- loading ---------------------------------------------------------------------------


def _read(path: Path) -> Any:
    try:
        return read_yaml(path)
    except YamlFileProblem as exc:
        raise LetterTemplateError(path, str(exc)) from exc


def _text(path: Path, data: Mapping[str, Any], key: str, *, empty: bool = False) -> str:
    value = data.get(key, "" if empty else None)
    if value is None:
        value = ""
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise LetterTemplateError(path, _("“{key}” must be text").format(key=key))
    return value.strip()


def placeholders_in(text: str) -> set[str]:
    """The named placeholders of a text; ValueError for a malformed or unnamed one."""
    names = set()
    for _literal, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(name)
        names.add(name)
    return names


def _check_placeholders(path: Path, text: str) -> None:
    try:
        names = placeholders_in(text)
    except ValueError as exc:
        raise LetterTemplateError(
            path, _("malformed placeholder {{{name}}}").format(name=exc)
        ) from None
    unknown = sorted(names - PLACEHOLDERS)
    if unknown:
        raise LetterTemplateError(path, _("unknown placeholder {{{name}}}").format(name=unknown[0]))


def _codes(path: Path, data: Mapping, key: str, allowed: Iterable[str]) -> tuple[str, ...]:
    value = data.get(key) or []
    allowed = set(allowed)
    if not isinstance(value, list) or any(v not in allowed for v in value):
        raise LetterTemplateError(path, _("“{key}” lists an unknown code").format(key=key))
    return tuple(value)


def _load_info(path: Path, item: Any) -> TemplateInfo:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
        raise LetterTemplateError(path, _("each template needs a name"))
    vocab = default_vocabularies()
    return TemplateInfo(
        name=item["name"],
        institution_kinds=_codes(path, item, "institution_kinds", vocab["institution_kind"].codes),
        categories=_codes(path, item, "categories", vocab["category"].codes),
        needs=_codes(path, item, "needs", FACT_KEYS),
        suggests=_codes(path, item, "suggests", FACT_KEYS),
    )


def _load_text(path: Path, name: str, lang: str) -> LetterText:
    data = _read(path)
    if not isinstance(data, dict):
        raise LetterTemplateError(path, _("is not a mapping"))
    unknown = sorted(set(data) - set(TEXT_KEYS))
    if unknown:
        raise LetterTemplateError(path, _("unknown key “{key}”").format(key=unknown[0]))
    paragraphs = []
    raw = data.get("paragraphs")
    if not isinstance(raw, list) or not raw:
        raise LetterTemplateError(path, _("“{key}” must be a list").format(key="paragraphs"))
    for item in raw:
        if isinstance(item, str) and item.strip():
            paragraphs.append(Paragraph(" ".join(item.split())))
        elif (
            isinstance(item, dict)
            and set(item) == {"when", "text"}
            and item["when"] in FACT_KEYS
            and isinstance(item["text"], str)
            and item["text"].strip()
        ):
            paragraphs.append(Paragraph(" ".join(item["text"].split()), item["when"]))
        else:
            raise LetterTemplateError(path, _("a paragraph must be text or {when, text}"))
    text = LetterText(
        name=name,
        language=lang,
        title=_text(path, data, "title"),
        subject=_text(path, data, "subject"),
        salutation=_text(path, data, "salutation", empty=True),
        paragraphs=tuple(paragraphs),
        services_intro=_text(path, data, "services_intro", empty=True),
        closing=_text(path, data, "closing", empty=True),
        facts_heading=_text(path, data, "facts_heading", empty=True),
    )
    for part in (text.subject, text.salutation, *(p.text for p in text.paragraphs)):
        _check_placeholders(path, part)
    for part in (text.title, text.services_intro, text.closing, text.facts_heading):
        if placeholders_in(part):
            raise LetterTemplateError(
                path, _("the title, closing and services line take no placeholders")
            )
    return text


def _load_common(path: Path, lang: str) -> LetterCommon:
    data = _read(path)
    if not isinstance(data, dict):
        raise LetterTemplateError(path, _("is not a mapping"))
    labels = {key: _text(path, data, key) for key in COMMON_LABELS}
    facts = data.get("facts")
    if not isinstance(facts, dict) or any(
        not isinstance(facts.get(k), str) or not facts[k].strip() for k in FACT_KEYS
    ):
        raise LetterTemplateError(path, _("“facts” needs a label for every fact"))
    words = data.get("wording")
    try:
        months = tuple(words.get("months") or ())
        if months and len(months) != 12:
            raise ValueError
        wording = FactWording(
            language=lang,
            date_format=str(words["date_format"]),
            months=months,
            birth_year=str(words["birth_year"]),
            money=str(words["money"]),
            currencies=MappingProxyType(dict(words.get("currencies") or {})),
            period=MappingProxyType(dict(words["period"])),
            unpaid_wages=str(words["unpaid_wages"]),
        )
        if "other" not in wording.period:
            raise ValueError
    except (AttributeError, KeyError, TypeError, ValueError):
        raise LetterTemplateError(path, _("“wording” is incomplete")) from None
    return LetterCommon(lang, MappingProxyType(labels), MappingProxyType(dict(facts)), wording)


class LetterLibrary:
    """The loaded templates in every letter language, and the shared words."""

    def __init__(
        self,
        infos: Iterable[TemplateInfo],
        texts: Mapping[tuple[str, str], LetterText],
        commons: Mapping[str, LetterCommon],
    ) -> None:
        self._infos = {info.name: info for info in infos}
        self._texts = dict(texts)
        self._commons = dict(commons)

    @property
    def names(self) -> tuple[str, ...]:
        """Template names in the order of `index.yaml`."""
        return tuple(self._infos)

    def info(self, name: str) -> TemplateInfo:
        """What template `name` suits; KeyError if there is no such template."""
        return self._infos[name]

    def text(self, name: str, language: str) -> LetterText:
        """Template `name`'s wording in `language`."""
        return self._texts[(name, language)]

    def common(self, language: str) -> LetterCommon:
        """The shared words of letters in `language`."""
        return self._commons[language]

    def title(self, name: str, language: str) -> str:
        """The template's title in `language` (for pick-lists)."""
        return self.text(name, language).title

    def choose(self, categories: Iterable[str], institution_kind: str | None) -> str:
        """The template that best suits a case's categories and the institution's kind."""
        cats = set(categories)

        def score(name: str) -> int:
            info = self._infos[name]
            kind = 2 if institution_kind in info.institution_kinds else 0
            return kind + (1 if cats & set(info.categories) else 0)

        return max(self.names, key=lambda n: (score(n), -self.names.index(n)))

    def used_facts(self, name: str, language: str) -> set[str]:
        """Facts the template's text always states (not counting conditional paragraphs)."""
        text = self.text(name, language)
        parts = [text.subject, text.salutation, *(p.text for p in text.paragraphs if not p.when)]
        return set().union(*(placeholders_in(p) for p in parts)) & set(FACT_KEYS)

    def preselected(self, name: str, language: str, available: Iterable[str]) -> list[str]:
        """The facts ticked at first: only what the letter needs and the case records."""
        info = self.info(name)
        wanted = set(info.needs) | set(info.suggests) | self.used_facts(name, language)
        have = set(available)
        return [key for key in FACT_KEYS if key in wanted and key in have]


def load_letter_library(directory: Path | None = None) -> LetterLibrary:
    """Load and check every template in every letter language (LetterTemplateError if not)."""
    root = Path(directory) if directory is not None else LETTERS_DIR
    index_path = root / "index.yaml"
    index = _read(index_path)
    items = index.get("templates") if isinstance(index, dict) else None
    if not isinstance(items, list) or not items:
        raise LetterTemplateError(index_path, _("there is no list of templates"))
    infos = [_load_info(index_path, item) for item in items]
    names = [info.name for info in infos]
    if len(set(names)) != len(names):
        raise LetterTemplateError(index_path, _("a template is listed twice"))
    commons, texts = {}, {}
    for lang in LETTER_LANGUAGES:
        commons[lang] = _load_common(root / lang / "common.yaml", lang)
        for name in names:
            path = root / lang / f"{name}.yaml"
            if not path.is_file():
                raise LetterTemplateError(path, _("is missing"))
            texts[(name, lang)] = _load_text(path, name, lang)
        extra = {p.stem for p in (root / lang).glob("*.yaml")} - set(names) - {"common"}
        if extra:
            raise LetterTemplateError(
                root / lang / f"{sorted(extra)[0]}.yaml", _("is not listed in index.yaml")
            )
    return LetterLibrary(infos, texts, commons)


@functools.cache
def default_letters() -> LetterLibrary:
    """The shipped letter templates (loaded once per process)."""
    return load_letter_library()


def fact_label(key: str, language: str | None = None) -> str:
    """The label of a fact in a language (the interface language by default)."""
    lang = language or current_language()
    return default_letters().common(lang if lang in LETTER_LANGUAGES else "en").fact_labels[key]
