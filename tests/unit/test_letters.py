"""Referral-letter templates and the PDF renderer (no database).

Every template renders in every letter language; the PDF's text (pypdf) holds the
number, the addressee, Kyrgyz and Russian letters; facts not ticked for disclosure are
absent; a placeholder without a value stops the letter before anything is rendered.
"""

from __future__ import annotations

import io
import shutil
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pypdfium2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from pypdf import PdfReader

from models.letters import (
    LETTER_LANGUAGES,
    LETTERS_DIR,
    Letterhead,
    LetterInput,
    LetterTemplateError,
    MissingLetterValues,
    compose_letter,
    default_letters,
    load_letter_library,
)
from models.referral_facts import FACT_KEYS, CaseFacts, fact_values
from models.tables import Case, Person
from reports.referral_letter import ReferralLetterRenderer, render_letter
from translations import set_language

NUMBER = "12/2026-0045"
ADDRESSEE = ("Руководителю Государственной инспекции труда в городе Москве",
             "105064, г. Москва, ул. Земляной Вал, д. 50А")  # fmt: skip
PHONE = "+79161234567"
BIRTH = date(1991, 4, 17)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Text with line breaks and repeated spaces folded, for phrase checks."""
    return " ".join(text.split())


def case_facts(**case_overrides) -> CaseFacts:
    person = Person(
        id=uuid.uuid4(), family_name="Өмүрбеков", given_name="Жаңыбай", patronymic="Үсөнбекович",
        latin_name="OMURBEKOV ZHANYBAI", sex="male", birth_date=BIRTH, phones=[PHONE],
        oblast="osh_oblast", rayon="Кара-Суу району",
    )  # fmt: skip
    values = dict(
        id=uuid.uuid4(), number="KG-2026-00042", person_id=person.id, opened_on=date(2026, 3, 1),
        destination_country="ru", destination_region="moscow", destination_city="Москва",
        sector="construction", employer_name="ООО «СтройМонтаж-Сервис»",
        entry_date=date(2025, 3, 2), contract_end_date=date(2026, 12, 31), consent_refer=True,
        consent_refer_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
        details={"unpaid_amount": 185000, "unpaid_currency": "RUB", "unpaid_months": 3,
                 "forced_labour_indicators": ["deception", "retention_of_documents"]},
    )  # fmt: skip
    values.update(case_overrides)
    return CaseFacts(Case(**values), person, ("unpaid_wages", "forced_labour"))


def letter_input(template: str, language: str, **overrides) -> LetterInput:
    values = dict(
        template=template,
        language=language,
        facts=case_facts(),
        disclosed=tuple(default_letters().preselected(template, language, [k for k in FACT_KEYS])),
        reason="Заявитель работал на стройке с марта по май; зарплату не выплатили.",
        services=("legal_aid", "labour_dispute"),
        organisation="Общественный фонд «Көмөк»",
        institution="Государственная инспекция труда в городе Москве",
        addressee=ADDRESSEE,
        letterhead=Letterhead(
            name="Общественный фонд «Көмөк»",
            address="Бишкек ш., Чүй пр., 114",
            phone="+996 312 62 45 18",
            email="info@komok.kg",
        ),
        number=NUMBER,
        issued_on=date(2026, 11, 3),
        consent_on=date(2026, 3, 1),
        signer_name="Бакыт Жумабаев",
        signer_title="Директор",
        executor_name="Айгүл Токтосунова",
    )
    values.update(overrides)
    return LetterInput(**values)


TEMPLATES = default_letters().names


def test_at_least_the_five_required_templates_exist():
    assert set(TEMPLATES) >= {
        "consular_assistance", "wage_complaint", "partner_referral",
        "trafficking_notification", "entry_ban_enquiry",
    }  # fmt: skip


@pytest.mark.parametrize("language", LETTER_LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_in_every_language(template, language):
    context = compose_letter(letter_input(template, language))
    pdf = render_letter(context)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat_text = flat(text)
    assert NUMBER in text
    assert flat(ADDRESSEE[0]) in flat_text and "Земляной Вал" in text
    assert flat(context.subject)[:40] in flat_text
    assert "Өмүрбеков Жаңыбай Үсөнбекович" in text  # ң ө ү survive the embedded font
    assert context.facts_heading in text
    assert "Бакыт Жумабаев" in text and "Айгүл Токтосунова" in text
    assert context.consent_statement[:30] in flat_text
    closing_paragraph = default_letters().text(template, language).paragraphs[-1].text
    assert flat(closing_paragraph)[:40] in flat_text
    if language == "ky":
        assert any(ch in text for ch in "ңөү") and "2026-жылдын 3-ноябры" in text
    if language == "ru":
        assert "3 ноября 2026 г." in text and "Страница 1 из" in text
    if language == "en":
        assert "3 November 2026" in text and "Page 1 of" in text


def test_the_kyrgyz_and_russian_texts_read_as_written():
    ky = flat(pdf_text(render_letter(compose_letter(letter_input("wage_complaint", "ky")))))
    ru = flat(pdf_text(render_letter(compose_letter(letter_input("wage_complaint", "ru")))))
    assert "Кыргыз Республикасынан келген эмгек мигранттарына укуктук жардам көрсөтөт" in ky
    assert "3 ай үчүн 185 000 рубль" in ky
    assert "Чыг. № 12/2026-0045" in ky
    assert "Урматтоо менен" in ky
    assert "Исх. № 12/2026-0045" in ru and "от 3 ноября 2026 г." in ru
    assert "185 000 руб. за 3 месяца" in ru
    assert "работающий у работодателя ООО «СтройМонтаж-Сервис»" in ru
    assert "С уважением" in ru


def test_facts_not_ticked_are_absent_from_the_letter():
    chosen = ("full_name", "employer")
    text = pdf_text(
        render_letter(compose_letter(letter_input("wage_complaint", "ru", disclosed=chosen)))
    )
    assert "Өмүрбеков" in text and "СтройМонтаж" in text
    for absent in (PHONE, "17 апреля 1991", "OMURBEKOV", "Кара-Суу", "185 000", "KG-2026-00042"):
        assert absent not in text
    # The paragraph that states the arrears is only there when the arrears are disclosed.
    assert "задолженность работодателя" not in text


def test_a_ticked_phone_adds_its_paragraph_and_row():
    disclosed = ("full_name", "phone")
    text = flat(
        pdf_text(
            render_letter(
                compose_letter(letter_input("partner_referral", "ru", disclosed=disclosed))
            )
        )
    )
    assert PHONE in text and "ждёт вашего звонка" in text


def test_a_placeholder_without_a_value_is_an_error_before_rendering():
    facts = case_facts(employer_name="")
    with pytest.raises(MissingLetterValues) as caught:
        compose_letter(letter_input("wage_complaint", "ru", facts=facts, reason="  "))
    errors = caught.value.field_errors
    assert set(errors) == {"employer", "reason"}
    assert "Employer" in errors["employer"] and "not recorded" in errors["employer"]
    assert "reason" in str(caught.value)


def test_a_used_fact_that_is_not_ticked_is_named():
    with pytest.raises(MissingLetterValues) as caught:
        compose_letter(letter_input("wage_complaint", "en", disclosed=("full_name",)))
    assert set(caught.value.field_errors) == {"employer"}
    assert "not ticked" in caught.value.field_errors["employer"]


def test_needed_facts_of_the_entry_ban_enquiry():
    with pytest.raises(MissingLetterValues) as caught:
        compose_letter(
            letter_input("entry_ban_enquiry", "ru", facts=case_facts(), disclosed=("full_name",))
        )
    assert set(caught.value.field_errors) == {"latin_name", "birth_date"}


def test_missing_value_messages_follow_the_interface_language():
    set_language("ru")
    with pytest.raises(MissingLetterValues) as caught:
        compose_letter(letter_input("wage_complaint", "en", facts=case_facts(employer_name="")))
    assert "Работодатель" in caught.value.field_errors["employer"]


def test_a_long_letter_runs_over_pages_with_numbers_and_a_running_header():
    reason = "\n\n".join(
        f"Абзац {i}: " + "подробное описание обстоятельств. " * 12 for i in range(12)
    )
    pdf = render_letter(compose_letter(letter_input("consular_assistance", "ru", reason=reason)))
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 3
    last = reader.pages[-1].extract_text()
    assert f"Страница {pages} из {pages}" in last
    assert NUMBER in reader.pages[1].extract_text()  # the running header of later pages


def test_the_preview_shows_a_dash_for_the_number():
    context = compose_letter(letter_input("consular_assistance", "ru", number=None))
    assert context.number_text == "Исх. № —"
    assert "Исх. № —" in pdf_text(render_letter(context))


def test_an_override_prints_the_override_statement():
    context = compose_letter(letter_input("consular_assistance", "en", consent_on=None))
    assert "has not been recorded" in context.consent_statement


def test_a_logo_is_drawn_and_the_page_rasterises():
    image = Image.new("RGB", (300, 120), (20, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    letterhead = Letterhead(name="Көмөк", address="Бишкек", logo=buffer.getvalue())
    context = compose_letter(letter_input("partner_referral", "ky", letterhead=letterhead))
    renderer = ReferralLetterRenderer(context)
    assert renderer.letterhead_height >= 20
    pdf = renderer.render()
    page = pypdfium2.PdfDocument(pdf)[0]
    bitmap = page.render(scale=0.5).to_pil().convert("RGB")
    # The logo's blue is in the top-left corner of the first page.
    width, height = bitmap.size
    corner = bitmap.crop((0, 0, width // 3, height // 6))
    assert (20, 90, 160) in {color for _count, color in corner.getcolors(maxcolors=1 << 20)}


def test_metadata_names_no_one():
    pdf = render_letter(compose_letter(letter_input("wage_complaint", "ru")))
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert "Өмүрбеков" not in str(meta)
    assert meta.title.startswith("О невыплате заработной платы")


def test_template_choice_follows_institution_kind_then_category():
    library = default_letters()
    assert library.choose(["unpaid_wages"], "labour_inspectorate") == "wage_complaint"
    assert library.choose(["trafficking"], "kg_government") == "trafficking_notification"
    assert library.choose(["entry_ban"], "migration_authority") == "entry_ban_enquiry"
    assert library.choose(["lost_documents"], "consulate") == "consular_assistance"
    assert library.choose(["health"], "ngo_legal_aid") == "partner_referral"
    assert library.choose(["other"], None) == "consular_assistance"


def test_preselection_is_minimal_and_limited_to_recorded_facts():
    library = default_letters()
    everything = list(FACT_KEYS)
    picked = library.preselected("entry_ban_enquiry", "ru", everything)
    assert picked == ["full_name", "latin_name", "birth_date"]
    assert "phone" not in library.preselected("wage_complaint", "ru", everything)
    assert library.preselected("wage_complaint", "ru", ["full_name"]) == ["full_name"]


def test_fact_values_are_written_in_the_letter_language():
    facts = case_facts()
    ru = fact_values(facts, default_letters().common("ru").wording)
    en = fact_values(facts, default_letters().common("en").wording)
    ky = fact_values(facts, default_letters().common("ky").wording)
    assert ru["location"] == "Москва, Россия"
    assert en["location"] == "Moscow, Russia"  # the city typed in Cyrillic is the region
    assert en["unpaid_wages"] == "RUB 185,000 for 3 months"
    assert ky["birth_date"] == "1991-жылдын 17-апрели"
    assert ru["forced_labour_indicators"] and "; " in ru["forced_labour_indicators"]
    one_month = case_facts(details={"unpaid_amount": 5000, "unpaid_currency": "KZT",
                                    "unpaid_months": 1})  # fmt: skip
    assert fact_values(one_month, default_letters().common("ru").wording)["unpaid_wages"] == (
        "5\u00a0000 тенге за 1 месяц"  # a no-break space keeps the amount on one line
    )
    nothing = case_facts(details={}, employer_name="", destination_region=None,
                         destination_city="", destination_country=None)  # fmt: skip
    values = fact_values(nothing, default_letters().common("ru").wording)
    assert values["unpaid_wages"] is None and values["employer"] is None
    assert values["location"] is None


# --- broken template files ---------------------------------------------------------


@pytest.fixture
def letters_copy(tmp_path) -> Path:
    target = tmp_path / "letters"
    shutil.copytree(LETTERS_DIR, target)
    return target


def test_the_shipped_library_loads(letters_copy):
    library = load_letter_library(letters_copy)
    assert library.names == default_letters().names


def test_an_unknown_placeholder_is_refused(letters_copy):
    path = letters_copy / "ru" / "wage_complaint.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{employer}", "{employr}"), "utf-8")
    with pytest.raises(LetterTemplateError, match="employr"):
        load_letter_library(letters_copy)


def test_a_missing_language_file_is_refused(letters_copy):
    (letters_copy / "ky" / "entry_ban_enquiry.yaml").unlink()
    with pytest.raises(LetterTemplateError, match="entry_ban_enquiry"):
        load_letter_library(letters_copy)


def test_an_unlisted_template_file_is_refused(letters_copy):
    shutil.copy(letters_copy / "en" / "wage_complaint.yaml", letters_copy / "en" / "extra.yaml")
    with pytest.raises(LetterTemplateError, match=r"index\.yaml"):
        load_letter_library(letters_copy)


def test_broken_yaml_and_missing_fact_labels_are_refused(letters_copy):
    common = letters_copy / "en" / "common.yaml"
    text = common.read_text(encoding="utf-8")
    common.write_text(text.replace('  employer: "Employer"\n', ""), "utf-8")
    with pytest.raises(LetterTemplateError, match="facts"):
        load_letter_library(letters_copy)
    common.write_text("number_line: [unclosed", "utf-8")
    with pytest.raises(LetterTemplateError, match="YAML"):
        load_letter_library(letters_copy)


def test_an_index_with_an_unknown_category_is_refused(letters_copy):
    index = letters_copy / "index.yaml"
    index.write_text(
        index.read_text(encoding="utf-8").replace("[unpaid_wages, ", "[unpaid_wagez, "), "utf-8"
    )
    with pytest.raises(LetterTemplateError, match="categories"):
        load_letter_library(letters_copy)


def test_the_library_refuses_a_conditional_paragraph_on_an_unknown_fact(letters_copy):
    path = letters_copy / "en" / "partner_referral.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("when: phone", "when: phon"), "utf-8")
    with pytest.raises(LetterTemplateError):
        load_letter_library(letters_copy)


def test_values_with_braces_are_not_reinterpreted():
    context = compose_letter(letter_input("consular_assistance", "en", reason="Paid {half} only"))
    assert "Paid {half} only" in context.paragraphs


def test_compose_does_not_mutate_its_input():
    data = letter_input("consular_assistance", "ru")
    compose_letter(data)
    assert replace(data) == data


# --- open input --------------------------------------------------------------------

REASON_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs"), whitelist_characters="\n"),
    min_size=1,
    max_size=300,
).filter(lambda s: s.strip())


@settings(max_examples=25, deadline=None)
@given(reason=REASON_TEXT)
def test_any_reason_text_renders_as_written(reason):
    """Markup characters, any script, line breaks: the reason is printed, never interpreted."""
    context = compose_letter(letter_input("partner_referral", "ru", reason=reason))
    text = flat(pdf_text(render_letter(context)))
    assert NUMBER in text
    ascii_words = [w for w in reason.split() if w.isascii() and w.isalnum() and len(w) > 3]
    for word in ascii_words[:3]:
        assert word in text


@settings(max_examples=200, deadline=None)
@given(fmt=st.text(max_size=45))
def test_any_register_format_is_refused_or_makes_a_usable_number(fmt):
    from models.register import check_register_format, format_register_number

    try:
        checked = check_register_format(fmt)
    except ValueError:
        return
    first = format_register_number(checked, year=2026, serial=1)
    second = format_register_number(checked, year=2026, serial=2)
    next_year = format_register_number(checked, year=2027, serial=1)
    assert first != second and first != next_year and len(first) <= 64
