"""Form files: the schema check, conditions, value cleaning and storage (no database).

Broken files must fail with the file and the place in it named; the shipped forms must
load; values are checked per field type, required only where their section applies.
"""

from __future__ import annotations

import shutil
import textwrap
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.loader import FORMS_DIR, FormError, default_forms, load_forms
from forms.values import (
    applicable_fields,
    clean_field,
    clean_values,
    from_storage,
    to_storage,
)
from models.errors import ValidationFailed
from models.vocab import default_vocabularies

CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯңөүҢӨҮ"
LATIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.fixture(scope="module")
def forms():
    return load_forms()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def only(folder: Path, *names: str) -> Path:
    """A forms folder with copies of some shipped files."""
    folder.mkdir(exist_ok=True)
    for name in names:
        shutil.copy(FORMS_DIR / f"{name}.yaml", folder / f"{name}.yaml")
    return folder


# --- the shipped forms ---------------------------------------------------------------------


def test_shipped_forms_load_with_three_languages(forms):
    assert forms.intake.name == "intake"
    names = [f.name for f in forms.details_forms]
    assert names[0] == "case_details"
    assert {"unpaid_wages", "forced_labour", "entry_ban"} <= set(names)
    for form in (forms.intake, *forms.details_forms):
        for section in form.sections:
            assert section.title.en and section.title.ru and section.title.ky
            for fdef in section.fields:
                assert fdef.label.ru != fdef.label.en or fdef.label.en.isupper()
                assert fdef.label.ky


def test_intake_is_short(forms):
    """Who, where from, where now, what problem, consents — a phone call's worth."""
    keys = [f.key for f in forms.intake.all_fields()]
    assert [s.key for s in forms.intake.sections] == [
        "client", "origin", "location", "problem", "consents",
    ]  # fmt: skip
    assert len(keys) <= 18
    assert {"given_name", "phones", "oblast", "destination_country", "categories",
            "consent_store"} <= set(keys)  # fmt: skip


@pytest.mark.parametrize(
    ("categories", "section"),
    [
        (["forced_labour"], "forced_labour"),
        (["trafficking"], "forced_labour"),
        (["unpaid_wages"], "unpaid_wages"),
        (["entry_ban"], "entry_ban"),
        (["lost_documents"], "documents"),
        (["detention"], "detention"),
    ],
)
def test_sections_follow_categories(forms, categories, section):
    shown = [s.key for s in forms.sections_for(categories)]
    assert section in shown
    assert "problem" in shown and "work_stay" in shown  # always there
    others = [s.key for s in forms.sections_for(["other"])]
    assert section not in others


def test_indicator_checklist_uses_the_ilo_vocabulary(forms):
    fdef = forms.details.field("forced_labour_indicators")
    assert fdef.vocab == "forced_labour_indicator"
    assert len(default_vocabularies()["forced_labour_indicator"].codes) == 11


def test_retention_keeps_the_statistical_detail_keys(forms):
    """The anonymizer keeps these keys; the forms must still write them."""
    from models.retention import STATISTICAL_DETAILS

    keys = {k for f in forms.details.all_fields() for k in f.storage_keys}
    assert set(STATISTICAL_DETAILS) <= keys


# --- broken files --------------------------------------------------------------------------

GOOD_EXTRA = """\
    name: extra
    kind: details
    order: 90
    title: {en: Extra, ru: Доп, ky: Кошумча}
    sections:
      - key: extra
        title: {en: Extra, ru: Доп, ky: Кошумча}
        fields:
          - key: %s
            type: %s
            label: {en: Thing, ru: Вещь, ky: Нерсе}
"""


def test_an_added_file_adds_a_details_section(tmp_path):
    folder = only(tmp_path / "f")
    write(folder, "extra", GOOD_EXTRA % ("shoe_size", "number"))
    loaded = load_forms(folder)
    assert loaded.details.field("shoe_size").type == "number"
    assert loaded.details.field("shoe_size").core is None
    assert loaded.intake.name == "intake"  # shipped files stay


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: extra\nkind: details\n  bad: [indent\n", "line"),
        (GOOD_EXTRA % ("shoe_size", "colour"), "field 1 (shoe_size).type"),
        (GOOD_EXTRA % ("Shoe Size", "text"), "field 1"),
        (GOOD_EXTRA % ("entry_date", "text"), "entry_date"),
        (GOOD_EXTRA % ("family_name", "text"), "intake"),
        ((GOOD_EXTRA % ("x", "choice")), "vocab"),
        ((GOOD_EXTRA % ("x", "text")).replace("name: extra", "name: other"), "file name"),
        ((GOOD_EXTRA % ("x", "text")).replace("label: {en: Thing", "labl: {en: Thing"), "label"),
        ((GOOD_EXTRA % ("x", "text")) + "            vocab: nope\n", "vocab"),
        ((GOOD_EXTRA % ("summary", "text")), "summary"),
        ((GOOD_EXTRA % ("x", "text")).replace("kind: details", "kind: detail"), "kind"),
        ((GOOD_EXTRA % ("x", "text")) + "            when: {field: nothing}\n", "nothing"),
        ((GOOD_EXTRA % ("x", "text")) + "            when: {categories: [nope]}\n", "nope"),
        ((GOOD_EXTRA % ("x", "text")) + "            key: y\n", "duplicate key"),
    ],
)
def test_broken_files_name_the_file_and_place(tmp_path, text, expected):
    folder = only(tmp_path / "f")
    write(folder, "extra", text)
    with pytest.raises(FormError) as caught:
        load_forms(folder)
    assert caught.value.filename.endswith("extra.yaml")
    assert expected in caught.value.problem
    assert "extra.yaml" in str(caught.value)


def test_the_intake_must_keep_consent_and_categories(tmp_path):
    folder = only(tmp_path / "f")
    text = (FORMS_DIR / "intake.yaml").read_text(encoding="utf-8")
    text = text.replace("key: consent_store", "key: consent_store_x")
    (folder / "intake.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(FormError, match="consent_store"):
        load_forms(folder)


def test_a_missing_forms_folder_is_an_error(tmp_path):
    with pytest.raises(FormError, match="does not exist"):
        load_forms(tmp_path / "nowhere")


def test_default_forms_reads_the_organisation_folder(tmp_path, monkeypatch):
    folder = only(tmp_path / "org")
    monkeypatch.setenv("KOMOK_FORMS_DIR", str(folder))
    assert default_forms().details.field("shoe_size") is None
    write(folder, "extra", GOOD_EXTRA % ("shoe_size", "number"))
    assert default_forms().details.field("shoe_size") is not None  # re-read after a change
    monkeypatch.delenv("KOMOK_FORMS_DIR")
    assert default_forms().details.field("shoe_size") is None


# --- values --------------------------------------------------------------------------------


def test_required_fields_and_unknown_keys(forms):
    with pytest.raises(ValidationFailed) as caught:
        clean_values(forms.intake, {"given_name": "  ", "nonsense": 1})
    errors = caught.value.field_errors
    assert set(errors) == {"given_name", "categories", "consent_store", "nonsense"}
    assert "given name" in errors["given_name"]  # the form's own wording
    assert "consent" in errors["consent_store"]


def test_conditional_fields_apply_only_when_their_condition_holds(forms):
    form = forms.details
    base = {"categories": ["unpaid_wages"], "unpaid_amount": {"amount": 10, "currency": "RUB"}}
    keys = {f.key for f in applicable_fields(form, base)}
    assert "unpaid_months" in keys and "complaint_where" not in keys
    assert "forced_labour_indicators" not in keys
    keys = {f.key for f in applicable_fields(form, {**base, "complained_before": True})}
    assert "complaint_where" in keys
    # a required field in a section that does not apply is not required
    cleaned = clean_values(form, {"categories": ["other"]})
    assert "unpaid_amount" not in cleaned
    with pytest.raises(ValidationFailed) as caught:
        clean_values(form, {"categories": ["unpaid_wages"]})
    assert set(caught.value.field_errors) == {"unpaid_amount"}


def test_a_field_condition_on_categories(forms):
    lost = {f.key for f in applicable_fields(forms.details, {"categories": ["lost_documents"]})}
    held = {f.key for f in applicable_fields(forms.details, {"categories": ["documents_withheld"]})}
    assert "document_lost_date" in lost and "documents_held_by" not in lost
    assert "documents_held_by" in held and "document_lost_date" not in held


def test_context_categories_for_a_form_without_the_field(forms):
    form = forms.details.model_copy(
        update={"sections": [s for s in forms.details.sections if s.key != "problem"]}
    )
    keys = {f.key for f in applicable_fields(form, {}, {"categories": ["entry_ban"]})}
    assert "ban_until" in keys and "unpaid_amount" not in keys


def test_region_must_be_in_the_chosen_country(forms):
    values = {"categories": ["other"], "destination_country": "kz", "destination_region": "moscow"}
    with pytest.raises(ValidationFailed) as caught:
        clean_values(forms.details, values)
    assert set(caught.value.field_errors) == {"destination_region"}
    values["destination_region"] = "almaty"
    assert clean_values(forms.details, values)["destination_region"] == "almaty"


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("unpaid_amount", {"amount": "12.345", "currency": "RUB"}, "decimal"),
        ("unpaid_amount", {"amount": "-5", "currency": "RUB"}, "at least"),
        ("unpaid_amount", {"amount": "100", "currency": None}, "currency"),
        ("unpaid_amount", {"amount": "100", "currency": "XXX"}, "XXX"),
        ("unpaid_amount", {"amount": "abc", "currency": "RUB"}, "number"),
        ("unpaid_months", "2.5", "whole"),
        ("unpaid_months", 500, "at most"),
        ("unpaid_period_from", date.today() + timedelta(days=2), "future"),
        ("unpaid_period_from", "31.12.2024", "date"),
        ("ban_until", date(1800, 1, 1), "plausible"),
        ("forced_labour_indicators", ["deception", "nope"], "nope"),
        ("recruited_by", "nope", "nope"),
        ("written_contract", "perhaps", "yes or no"),
        ("summary", "a\x00b", "control"),
        ("summary", "x" * 2001, "2000"),
    ],
)
def test_bad_values_get_a_message(forms, key, raw, message):
    fdef = forms.details.field(key)
    with pytest.raises(ValueError, match=message):
        clean_field(fdef, raw)


def test_phone_is_normalised(forms):
    assert clean_field(forms.intake.field("phones"), "0555 12-34-56") == "+996555123456"
    with pytest.raises(ValueError):
        clean_field(forms.intake.field("phones"), "call me")


def test_storage_of_money_dates_and_lists(forms):
    form = forms.details
    money = form.field("unpaid_amount")
    stored = to_storage(money, {"amount": Decimal("1500.50"), "currency": "KZT"})
    assert stored == {"unpaid_amount": 1500.5, "unpaid_currency": "KZT"}
    assert to_storage(money, {"amount": Decimal("1500.00"), "currency": "KZT"})[
        "unpaid_amount"
    ] == 1500  # fmt: skip
    assert from_storage(money, stored) == {"amount": Decimal("1500.50"), "currency": "KZT"}
    day = form.field("ban_until")
    assert to_storage(day, date(2027, 5, 1)) == {"ban_until": "2027-05-01"}
    assert from_storage(day, {"ban_until": "2027-05-01"}) == date(2027, 5, 1)
    assert from_storage(day, {"ban_until": "garbage"}) is None
    assert from_storage(form.field("document_kinds"), {}) == []
    assert to_storage(money, None) == {"unpaid_amount": None, "unpaid_currency": None}


names = st.text(alphabet=CYRILLIC + LATIN + " -'", min_size=1, max_size=60).filter(
    lambda s: any(ch.isalpha() for ch in s)
)


@settings(max_examples=60, deadline=None)
@given(given_name=names, family=names)
def test_names_in_any_script_survive_cleaning(given_name, family):
    form = load_forms().intake
    values = {"given_name": given_name, "family_name": family, "categories": ["other"],
              "consent_store": True}  # fmt: skip
    cleaned = clean_values(form, values)
    assert cleaned["given_name"] == " ".join(given_name.split())
    assert cleaned["family_name"] == " ".join(family.split())


@settings(max_examples=80, deadline=None)
@given(
    amount=st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2),
    currency=st.sampled_from(["RUB", "KZT", "KGS", "USD"]),
    months=st.integers(min_value=0, max_value=120),
    since=st.dates(min_value=date(1990, 1, 1), max_value=date.today()),
)
def test_money_numbers_and_dates_round_trip_through_details(amount, currency, months, since):
    form = load_forms().details
    values = {
        "categories": ["unpaid_wages"],
        "unpaid_amount": {"amount": str(amount), "currency": currency},
        "unpaid_months": months,
        "unpaid_period_from": since.isoformat(),
    }
    cleaned = clean_values(form, values)
    details: dict = {}
    for key in ("unpaid_amount", "unpaid_months", "unpaid_period_from"):
        details.update(to_storage(form.field(key), cleaned[key]))
    assert from_storage(form.field("unpaid_amount"), details) == {
        "amount": amount.quantize(Decimal("0.01")), "currency": currency,
    }  # fmt: skip
    assert from_storage(form.field("unpaid_months"), details) == months
    assert from_storage(form.field("unpaid_period_from"), details) == since


def test_a_field_depending_on_a_hidden_field_is_hidden():
    from forms.schema import Form

    label = {"en": "X", "ru": "Х", "ky": "Х"}
    form = Form.model_validate({
        "name": "chain", "kind": "details", "title": label,
        "sections": [
            {"key": "first", "title": label, "fields": [
                {"key": "later_one", "type": "text", "label": label,
                 "when": {"field": "switch", "equals": True}},
            ]},
            {"key": "second", "title": label, "when": {"categories": ["entry_ban"]}, "fields": [
                {"key": "switch", "type": "yes_no", "label": label},
            ]},
        ],
    })  # fmt: skip
    values = {"switch": True, "later_one": "x"}
    assert {f.key for f in applicable_fields(form, values, {"categories": ["entry_ban"]})} == {
        "later_one", "switch",
    }  # fmt: skip
    assert {f.key for f in applicable_fields(form, values, {"categories": ["other"]})} == set()
