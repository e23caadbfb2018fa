"""Controlled vocabularies: the code lists behind every pick-list, statistic and export.

Each vocabulary is a YAML file in `resources/vocab/` (categories, sexes, oblasts, statuses…)
with a stable snake_case `code` per item and labels in en, ru and ky. Data stores codes;
the UI and reports show labels. `load_vocabularies()` reads and validates the files and
`default_vocabularies()` caches the shipped set. No Qt here.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from models.errors import KomokError
from models.yaml_files import YamlFileProblem, read_yaml
from resources import RESOURCES_DIR
from translations import _

CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
REQUIRED_VOCABULARIES: tuple[str, ...] = (
    "category", "forced_labour_indicator", "sex", "age_band", "oblast", "country", "region",
    "sector", "assistance", "institution_kind", "case_status", "closure_reason",
    "referral_status", "risk_level", "event_kind", "role",
)  # fmt: skip


class VocabularyError(KomokError):
    """A vocabulary file is missing, unreadable or invalid; `.filename` names the file."""

    def __init__(self, filename: str | Path, problem: str) -> None:
        self.filename = str(filename)
        self.problem = problem
        message = _("Vocabulary file {filename}: {problem}")
        super().__init__(message.format(filename=filename, problem=problem))


class UnknownCode(KomokError, ValueError):
    """Data holds a code that its vocabulary does not list."""

    def __init__(self, vocabulary: str, code: object) -> None:
        self.vocabulary = vocabulary
        self.code = code
        message = _("Unknown code “{code}” in the list “{vocabulary}”.")
        super().__init__(message.format(code=code, vocabulary=vocabulary))


@dataclass(frozen=True)
class VocabItem:
    """One entry: its code, its labels by language and any extra fields (iso, htcds…)."""

    code: str
    labels: Mapping[str, str] = field(hash=False)
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def label(self, lang: str) -> str:
        """The label in `lang`, falling back to English."""
        return self.labels.get(lang) or self.labels["en"]


@dataclass(frozen=True)
class Vocabulary:
    """A named, ordered list of items, in the order the UI lists them."""

    name: str
    description: str
    items: tuple[VocabItem, ...]

    @functools.cached_property
    def _by_code(self) -> Mapping[str, VocabItem]:
        return {item.code: item for item in self.items}

    @property
    def codes(self) -> tuple[str, ...]:
        """All codes, in display order."""
        return tuple(item.code for item in self.items)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self._by_code

    def get(self, code: str) -> VocabItem | None:
        """The item for `code`, or None when the code is unknown."""
        return self._by_code.get(code) if isinstance(code, str) else None

    def require(self, code: str) -> VocabItem:
        """The item for `code`; raises UnknownCode when the code is not listed."""
        item = self.get(code)
        if item is None:
            raise UnknownCode(self.name, code)
        return item

    def label(self, code: str, lang: str) -> str:
        """The display label of `code` in `lang`; an unknown code is shown as ‹code›."""
        item = self.get(code)
        return item.label(lang) if item is not None else f"‹{code}›"

    def choices(self, lang: str) -> list[tuple[str, str]]:
        """(code, label) pairs for a pick-list, in display order."""
        return [(item.code, item.label(lang)) for item in self.items]

    def transitions(self, code: str) -> tuple[str, ...]:
        """The codes an item may move to (workflow vocabularies); empty when it has none."""
        return tuple(self.require(code).extra.get("transitions", ()))


class Vocabularies(Mapping[str, Vocabulary]):
    """All loaded vocabularies by name; iterating yields the names."""

    def __init__(self, vocabularies: Mapping[str, Vocabulary]) -> None:
        self._vocabularies = dict(vocabularies)

    def __getitem__(self, name: str) -> Vocabulary:
        try:
            return self._vocabularies[name]
        except KeyError:
            raise KeyError(_("Unknown vocabulary {name!r}").format(name=name)) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._vocabularies)

    def __len__(self) -> int:
        return len(self._vocabularies)

    @property
    def names(self) -> tuple[str, ...]:
        """The names of all loaded vocabularies."""
        return tuple(self._vocabularies)

    def require(self, name: str, code: str) -> VocabItem:
        """The item `code` of vocabulary `name`; UnknownCode when the code is not listed."""
        return self[name].require(code)


# --- file schema -------------------------------------------------------------------------

Code = Annotated[str, StringConstraints(strict=True, pattern=CODE_PATTERN)]
Label = Annotated[str, StringConstraints(strict=True, strip_whitespace=True, min_length=1)]


class _Labels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: Label
    ru: Label
    ky: Label


class _Item(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: Code
    labels: _Labels
    transitions: list[Code] | None = None


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Code
    description: Label
    items: Annotated[list[_Item], Field(min_length=1)]


def _freeze(value: Any) -> Any:
    """Make a YAML value immutable: lists become tuples, mappings read-only."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    return value


def _describe(error: ValidationError, data: Any) -> str:
    """A short English account of a pydantic error: where in the file, and what is wrong."""
    parts = []
    for err in error.errors()[:3]:
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc) or "top level"
        if loc[:1] == ["items"] and len(loc) > 1 and isinstance(loc[1], int):
            item = data["items"][loc[1]]
            code = item.get("code") if isinstance(item, dict) else None
            where = f"item {loc[1] + 1}" + (f" ({code})" if code is not None else "")
            where += "".join(f".{p}" for p in loc[2:])
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def _load_file(path: Path) -> Vocabulary:
    """Read and check one vocabulary file."""
    try:
        data = read_yaml(path)
    except YamlFileProblem as exc:
        raise VocabularyError(path, str(exc)) from exc
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise VocabularyError(path, _describe(exc, data)) from exc
    if parsed.name != path.stem:
        problem = _("name {name!r} does not match the file name").format(name=parsed.name)
        raise VocabularyError(path, problem)
    codes = [item.code for item in parsed.items]
    items = []
    for item in parsed.items:
        if codes.count(item.code) > 1:
            problem = _("code {code!r} is listed twice").format(code=item.code)
            raise VocabularyError(path, problem)
        extra = dict(item.model_extra or {})
        if item.transitions is not None:
            extra["transitions"] = item.transitions
        for target in item.transitions or ():
            if target not in codes:
                problem = _("item {code!r} has a transition to unknown code {target!r}")
                raise VocabularyError(path, problem.format(code=item.code, target=target))
        labels = MappingProxyType(item.labels.model_dump())
        items.append(VocabItem(item.code, labels, _freeze(extra)))
    return Vocabulary(parsed.name, parsed.description, tuple(items))


def load_vocabularies(directory: Path | None = None) -> Vocabularies:
    """Load and validate every `*.yaml` vocabulary in `directory` (default: the shipped set).

    Raises VocabularyError for a missing required file, unreadable or malformed YAML, or
    any invalid content (bad or duplicate codes, empty labels, dangling references).
    """
    directory = Path(directory) if directory is not None else RESOURCES_DIR / "vocab"
    for name in REQUIRED_VOCABULARIES:
        if not (directory / f"{name}.yaml").is_file():
            raise VocabularyError(directory / f"{name}.yaml", _("the file is missing"))
    loaded = {path.stem: _load_file(path) for path in sorted(directory.glob("*.yaml"))}
    ordered = {name: loaded.pop(name) for name in REQUIRED_VOCABULARIES} | loaded
    countries = ordered["country"]
    for item in ordered["region"].items:
        if item.extra.get("country") not in countries:
            problem = _("region {code!r} has unknown country {country!r}")
            country = item.extra.get("country")
            raise VocabularyError(
                directory / "region.yaml", problem.format(code=item.code, country=country)
            )
    return Vocabularies(ordered)


@functools.lru_cache(maxsize=1)
def default_vocabularies() -> Vocabularies:
    """The shipped vocabularies, loaded once per process."""
    return load_vocabularies()
