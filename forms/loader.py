"""Reading the form files: the shipped `forms/*.yaml`, plus an organisation's own.

`load_forms()` reads and checks every form file and returns a `FormSet`: the intake form
and the details forms (combined, in `order`, into one `details` form whose sections
appear by category). An organisation changes its forms without touching code: files in
its forms folder (`KOMOK_FORMS_DIR`, else `<data folder>/forms` when it exists) replace
shipped files of the same name or add new ones. `default_forms()` returns the set in
force, read again only when a file changed.

A wrong file raises `FormError` naming the file and where in it the problem is.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from forms.schema import CORE_FIELDS, Condition, FieldDef, Form, Section, Text3
from models.errors import KomokError
from models.vocab import default_vocabularies
from models.yaml_files import YamlFileProblem, read_yaml
from translations import _

FORMS_DIR = Path(__file__).resolve().parent
FORMS_DIR_ENV = "KOMOK_FORMS_DIR"
INTAKE_REQUIRED = ("categories", "consent_store")
DETAILS_NAME = "details"
DETAILS_TITLE = Text3(en="Case details", ru="Подробности дела", ky="Иштин чоо-жайы")


class FormError(KomokError):
    """A form file is unreadable or wrong; `.filename` names it, `.problem` says where."""

    def __init__(self, filename: str | Path, problem: str) -> None:
        self.filename = str(filename)
        self.problem = problem
        message = _("Form file {filename}: {problem}")
        super().__init__(message.format(filename=filename, problem=problem))


@dataclass(frozen=True)
class FormSet:
    """The forms in force: the intake and the details forms (each with its file)."""

    intake: Form
    details_forms: tuple[Form, ...]
    files: dict[str, Path] = field(default_factory=dict, compare=False)

    @functools.cached_property
    def details(self) -> Form:
        """All details forms as one form (sections in form order), for the Details tab."""
        sections = [s for form in self.details_forms for s in form.sections]
        return Form(name=DETAILS_NAME, kind="details", title=DETAILS_TITLE, sections=sections)

    def sections_for(self, categories: Iterable[str]) -> list[Section]:
        """The details sections that apply to a case with these categories, in order.

        A section without a category condition always applies. (Conditions on other
        fields are decided live by the form view and by `forms.values.applicable_fields`.)
        """
        codes = set(categories)
        return [
            s
            for s in self.details.sections
            if s.when is None or s.when.categories is None or codes & set(s.when.categories)
        ]

    def field(self, key: str) -> FieldDef | None:
        """The field `key` of the details forms, else of the intake (None if unknown)."""
        return self.details.field(key) or self.intake.field(key)


def _where(loc: Sequence[Any], data: Any) -> str:
    """A readable place in a form file: `section 2 (client), field 1 (family_name).type`."""
    parts: list[str] = []
    node = data
    i = 0
    loc = list(loc)
    while i < len(loc):
        part = loc[i]
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if part in ("sections", "fields", "options") and isinstance(nxt, int):
            node = node.get(part) if isinstance(node, dict) else None
            node = node[nxt] if isinstance(node, list) and nxt < len(node) else None
            key = node.get("key", node.get("code")) if isinstance(node, dict) else None
            noun = {"sections": "section", "fields": "field", "options": "option"}[part]
            parts.append(f"{noun} {nxt + 1}" + (f" ({key})" if key is not None else ""))
            i += 2
            continue
        node = node.get(part) if isinstance(node, dict) else None
        parts.append(str(part))
        i += 1
    text = ""
    for part in parts:
        if not text:
            text = part
        elif part.split(" ")[0] in ("section", "field", "option"):
            text += ", " + part
        else:
            text += "." + part
    return text or "top level"


def _describe(error: ValidationError, data: Any) -> str:
    problems = []
    for err in error.errors()[:3]:
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        msg = err["msg"].removeprefix("Value error, ")
        problems.append(f"{_where(loc, data)}: {msg}")
    return "; ".join(problems)


def load_form_file(path: Path) -> Form:
    """Read and check one form file on its own (references to other files are checked by
    `load_forms`)."""
    try:
        data = read_yaml(path)
    except YamlFileProblem as exc:
        raise FormError(path, str(exc)) from exc
    try:
        form = Form.model_validate(data)
    except ValidationError as exc:
        raise FormError(path, _describe(exc, data)) from exc
    if form.name != path.stem:
        problem = _("name {name!r} does not match the file name").format(name=form.name)
        raise FormError(path, problem)
    _check_form(path, form)
    return form


# --- checks across fields and files ----------------------------------------------------------


def _check_form(path: Path, form: Form) -> None:
    vocabularies = default_vocabularies()
    categories = vocabularies["category"]
    seen: dict[str, str] = {}
    section_keys: set[str] = set()
    for section in form.sections:
        if section.key in section_keys:
            raise FormError(path, _("section {key!r} is listed twice").format(key=section.key))
        section_keys.add(section.key)
        for fdef in section.fields:
            for key in fdef.storage_keys:
                if key in seen:
                    problem = _("field key {key!r} is used twice").format(key=key)
                    raise FormError(path, problem)
                seen[key] = fdef.key
            where = f"{section.key}.{fdef.key}"
            if fdef.vocab is not None and fdef.vocab not in vocabularies:
                problem = _("{where}: unknown vocabulary {vocab!r}")
                raise FormError(path, problem.format(where=where, vocab=fdef.vocab))
            _check_core(path, form, fdef, where)
    for section in form.sections:
        _check_condition(path, section.when, section.key, categories)
        for fdef in section.fields:
            _check_condition(path, fdef.when, f"{section.key}.{fdef.key}", categories)
    if form.kind == "intake":
        for key in INTAKE_REQUIRED:
            fdef = form.field(key)
            if fdef is None or not fdef.required or fdef.when is not None:
                problem = _("the intake must have the field {key!r}, required and always shown")
                raise FormError(path, problem.format(key=key))
        if form.field("given_name") is None and form.field("family_name") is None:
            raise FormError(path, _("the intake must ask for the client's name"))


def _check_core(path: Path, form: Form, fdef: FieldDef, where: str) -> None:
    core = CORE_FIELDS.get(fdef.key)
    if core is None:
        return
    if fdef.type not in core.types or (core.vocab is not None and fdef.vocab != core.vocab):
        wanted = core.types[0] + (f" (vocab: {core.vocab})" if core.vocab else "")
        problem = _("{where}: the field {key!r} is a column of type {wanted}")
        raise FormError(path, problem.format(where=where, key=fdef.key, wanted=wanted))
    if form.kind == "details" and not core.details_form:
        problem = _("{where}: {key!r} can only be entered at intake")
        raise FormError(path, problem.format(where=where, key=fdef.key))


def _check_condition(path: Path, when: Condition | None, where: str, categories) -> None:
    if when is None:
        return
    for code in when.categories or ():
        if code not in categories:
            problem = _("{where}: unknown category {code!r} in the condition")
            raise FormError(path, problem.format(where=where, code=code))


def _check_references(path_of: dict[str, Path], form: Form) -> None:
    """Conditions and filters must name fields of the same (combined) form."""
    vocabularies = default_vocabularies()
    for section in form.sections:
        targets = [(section.when, section.key, None)] + [
            (f.when, f"{section.key}.{f.key}", f) for f in section.fields
        ]
        for when, where, fdef in targets:
            path = path_of.get(section.key, Path(form.name))
            if when is not None and when.field is not None:
                other = form.field(when.field)
                if other is None or (fdef is not None and other.key == fdef.key):
                    problem = _("{where}: the condition names unknown field {key!r}")
                    raise FormError(path, problem.format(where=where, key=when.field))
            if fdef is not None and fdef.filter_by is not None:
                other = form.field(fdef.filter_by)
                vocab = vocabularies[fdef.vocab] if fdef.vocab else None
                if (
                    other is None
                    or other.vocab is None
                    or vocab is None
                    or not any(other.vocab in item.extra for item in vocab.items)
                ):
                    problem = _("{where}: cannot filter by {key!r}")
                    raise FormError(path, problem.format(where=where, key=fdef.filter_by))


def forms_overlay_dir() -> Path | None:
    """The organisation's forms folder: KOMOK_FORMS_DIR, else `<data folder>/forms` if it
    exists; None when there is none."""
    override = os.environ.get(FORMS_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from models.vault import data_dir

    folder = data_dir() / "forms"
    return folder if folder.is_dir() else None


def _form_files(directory: Path | None, shipped: bool) -> dict[str, Path]:
    files: dict[str, Path] = {}
    if shipped:
        files.update({p.stem: p for p in sorted(FORMS_DIR.glob("*.yaml"))})
    if directory is not None:
        if not Path(directory).is_dir():
            raise FormError(directory, _("the forms folder does not exist"))
        files.update({p.stem: p for p in sorted(Path(directory).glob("*.yaml"))})
    return files


def load_forms(directory: Path | None = None, *, shipped: bool = True) -> FormSet:
    """Read and check the form files: the shipped ones (unless `shipped=False`), replaced
    or added to by the `*.yaml` files in `directory` (same file name replaces).

    Raises FormError for unreadable or invalid YAML, an unknown vocabulary or category, a
    column declared with the wrong type, a key used twice, or a dangling reference.
    """
    files = _form_files(directory, shipped)
    forms = [load_form_file(path) for path in files.values()]
    intakes = [f for f in forms if f.kind == "intake"]
    if len(intakes) != 1:
        where = directory or FORMS_DIR
        raise FormError(where, _("there must be exactly one intake form"))
    details = tuple(
        sorted((f for f in forms if f.kind == "details"), key=lambda f: (f.order, f.name))
    )
    path_of_section: dict[str, Path] = {}
    owner_of_key: dict[str, str] = {}
    for form in details:
        for section in form.sections:
            if section.key in path_of_section:
                problem = _("section {key!r} is also in another form file").format(key=section.key)
                raise FormError(files[form.name], problem)
            path_of_section[section.key] = files[form.name]
            for fdef in section.fields:
                for key in fdef.storage_keys:
                    if key in owner_of_key:
                        problem = _("field key {key!r} is also in the form {other!r}")
                        raise FormError(
                            files[form.name], problem.format(key=key, other=owner_of_key[key])
                        )
                    owner_of_key[key] = form.name
    formset = FormSet(intakes[0], details, files=dict(files))
    _check_references(path_of_section, formset.details)
    _check_references({s.key: files[intakes[0].name] for s in intakes[0].sections}, intakes[0])
    for fdef in intakes[0].all_fields():
        other = formset.details.field(fdef.key)
        if other is not None and (other.type, other.vocab) != (fdef.type, fdef.vocab):
            problem = _("the field {key!r} has another type in the details forms")
            raise FormError(files[intakes[0].name], problem.format(key=fdef.key))
    return formset


@functools.lru_cache(maxsize=4)
def _cached(directory: str | None, stamp: tuple) -> FormSet:
    return load_forms(Path(directory) if directory else None)


def default_forms() -> FormSet:
    """The forms in force (shipped plus the organisation's folder), re-read after a change."""
    directory = forms_overlay_dir()
    files = _form_files(directory, True) if directory is None or directory.is_dir() else {}
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in files.values()))
    return _cached(str(directory) if directory else None, stamp)
