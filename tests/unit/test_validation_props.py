"""Property tests: open input (names, dates, phone numbers) through the services, on both stores.

Whatever a person types is either refused with `ValidationFailed` and a message, or stored
and read back exactly as the documented cleaning says (NFC, stripped, runs of spaces
folded). No other exception may escape.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from models import people
from models.errors import ValidationFailed
from models.tables import Person
from models.validation import normalize_phone

TODAY = date.today()
EARLIEST = date(1900, 1, 1)
MAX_NAME = 100
E164 = re.compile(r"\+[1-9][0-9]{6,14}")

DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

KY_RU_LOWER = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяңөү"
LETTERS = KY_RU_LOWER + KY_RU_LOWER.upper() + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
NAME_PARTS = ("family_name", "given_name", "patronymic")


def stored_person(vault, person_id) -> Person:
    with vault.db.read() as s:
        person = s.get(Person, person_id)
        s.expunge_all()
    assert person is not None
    return person


def expected_name(raw: str) -> str | None:
    """The documented cleaning of a name part, written independently; None when refused."""
    text = unicodedata.normalize("NFC", raw)
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        return None
    text = " ".join(text.split())
    if len(text) > MAX_NAME:
        return None
    if text and not any(ch.isalpha() for ch in text):
        return None
    return text


def person_data(part: str, value: str) -> dict:
    """A person whose only questionable field is `part` (the others are plain names)."""
    return {"family_name": "Асанов", "given_name": "Нурлан", part: value}


names_with_spaces = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(" \u00a0\u2003\u3000\u2028\t\n\u0301\u0308ёйңөү"),
    ),
    max_size=120,
)


@DB_SETTINGS
@given(part=st.sampled_from(NAME_PARTS), raw=st.one_of(st.text(max_size=130), names_with_spaces))
@example(part="family_name", raw="  Жээнбеков   Нурлан\u00a0 ")
@example(part="given_name", raw="e\u0301")  # decomposed é
@example(part="patronymic", raw="12-34")
@example(part="family_name", raw="a\x00b")
@example(part="given_name", raw="Ы" * 101)
@example(part="given_name", raw=" " + "Ы" * 100 + " ")
def test_any_text_as_a_name_is_refused_or_stored_cleaned(vault, part, raw):
    expected = expected_name(raw)
    try:
        person = people.create_person(db=vault.db, actor=vault.actor, data=person_data(part, raw))
    except ValidationFailed as exc:
        assert expected is None, (raw, exc.field_errors)
        assert part in exc.field_errors
        assert exc.field_errors[part].strip()
        assert str(exc).strip()
        return
    assert expected is not None, raw
    stored = getattr(stored_person(vault, person.id), part)
    assert stored == expected
    assert unicodedata.is_normalized("NFC", stored)
    assert stored == stored.strip() and "  " not in stored


word = st.tuples(st.sampled_from(LETTERS), st.text(alphabet=LETTERS + "-'", max_size=14)).map(
    "".join
)
kyrgyz_word = st.tuples(
    st.sampled_from("ҢӨҮ"), st.text(alphabet="ңөүаеиоуы", min_size=1, max_size=8)
).map("".join)
real_name = st.lists(st.one_of(word, kyrgyz_word), min_size=1, max_size=4).map(" ".join)


@DB_SETTINGS
@given(
    family=real_name,
    given_name=real_name,
    patronymic=real_name,
    form=st.sampled_from(["NFC", "NFD"]),
)
@example(family="Жээнбеков", given_name="Нурлан", patronymic="Сүйүнбай уулу", form="NFC")
@example(family="Өмүрбеков", given_name="Ңайзабек", patronymic="Үсөн кызы", form="NFD")
@example(family="Ёлкин", given_name="Йомуд", patronymic="O'Connor-Smith", form="NFD")
def test_cyrillic_and_latin_names_round_trip_exactly(vault, family, given_name, patronymic, form):
    typed = {
        "family_name": unicodedata.normalize(form, family),
        "given_name": unicodedata.normalize(form, given_name),
        "patronymic": unicodedata.normalize(form, patronymic),
    }
    person = people.create_person(db=vault.db, actor=vault.actor, data=typed)
    stored = stored_person(vault, person.id)
    assert (stored.family_name, stored.given_name, stored.patronymic) == (
        unicodedata.normalize("NFC", family),
        unicodedata.normalize("NFC", given_name),
        unicodedata.normalize("NFC", patronymic),
    )
    if form == "NFC":
        assert (stored.family_name, stored.given_name, stored.patronymic) == (
            family,
            given_name,
            patronymic,
        )


near_the_limits = st.one_of(
    st.dates(),
    st.dates(min_value=date(1895, 1, 1), max_value=date(1905, 1, 1)),
    st.dates(min_value=TODAY - timedelta(days=30), max_value=TODAY + timedelta(days=30)),
)


@DB_SETTINGS
@given(born=near_the_limits)
@example(born=EARLIEST)
@example(born=EARLIEST - timedelta(days=1))
@example(born=TODAY)
@example(born=TODAY + timedelta(days=1))
@example(born=date(1, 1, 1))
@example(born=date(9999, 12, 31))
@example(born=date(2000, 2, 29))
def test_birth_dates_outside_1900_to_today_are_refused(vault, born):
    data = {"family_name": "Асанов", "birth_date": born}
    if born > TODAY or born < EARLIEST:
        try:
            people.create_person(db=vault.db, actor=vault.actor, data=data)
        except ValidationFailed as exc:
            assert exc.field_errors.get("birth_date", "").strip()
        else:
            raise AssertionError(f"{born} was accepted")
        return
    person = people.create_person(db=vault.db, actor=vault.actor, data=data)
    stored = stored_person(vault, person.id)
    assert (stored.birth_date, stored.birth_year) == (born, born.year)


# --- phone numbers ------------------------------------------------------------------------

FULLWIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


def _split(digits: str, *sizes: int) -> list[str]:
    out, i = [], 0
    for size in sizes:
        out.append(digits[i : i + size])
        i += size
    return out


def kyrgyz_formats(sub: str) -> list[str]:
    """Ways people write a Kyrgyz number whose 9-digit national part is `sub`."""
    a, b, c, d = _split(sub, 3, 2, 2, 2)
    return [
        f"+996 {a} {b}-{c}-{d}",
        f"+996{sub}",
        f"996{sub}",
        f"00996 {a} {b}{c}{d}",
        f"0{sub}",
        f"0 ({a}) {b}-{c}-{d}",
        f"({a}) {b} {c} {d}",
        sub,
        f"+996.{a}.{b}{c}.{d}",
        f"+996\u00a0({a})\u00a0{b}{c}{d}",
        f"+996/{a}/{b}{c}{d}",
        f"+996 {sub}".translate(FULLWIDTH),
    ]


def russian_formats(sub: str) -> list[str]:
    """Ways people write a Russian or Kazakh (+7) number whose 10-digit part is `sub`."""
    a, b, c, d = _split(sub, 3, 3, 2, 2)
    return [
        f"+7 {a} {b}-{c}-{d}",
        f"+7 {a} {b}{c}{d}",
        f"8 ({a}) {b}-{c}-{d}",
        f"8{sub}",
        f"7{sub}",
        f"+7{sub}",
        f"007 {a} {b} {c} {d}",
        f"+7 ({a}) {b}{c}{d}",
        f"8-{a}-{b}-{c}-{d}",
        f"  +7 {a} {b} {c} {d}  ",
        f"8 {a} {b}{c}{d}".translate(FULLWIDTH),
    ]


kg_national = st.tuples(
    st.sampled_from("2579"), st.text(alphabet="0123456789", min_size=8, max_size=8)
).map("".join)
ru_national = st.tuples(
    st.sampled_from("123456789"), st.text(alphabet="0123456789", min_size=9, max_size=9)
).map("".join)


@settings(max_examples=300, deadline=None)
@given(sub=kg_national)
@example(sub="555123456")
def test_kyrgyz_numbers_in_any_format_normalise_to_one_value(sub):
    assert {normalize_phone(f) for f in kyrgyz_formats(sub)} == {f"+996{sub}"}


@settings(max_examples=300, deadline=None)
@given(sub=ru_national)
@example(sub="9161234567")
@example(sub="7011234567")  # Kazakhstan, +7 7xx
def test_russian_and_kazakh_numbers_in_any_format_normalise_to_one_value(sub):
    assert {normalize_phone(f) for f in russian_formats(sub)} == {f"+7{sub}"}


@DB_SETTINGS
@given(
    number=st.one_of(
        kg_national.map(lambda s: (kyrgyz_formats(s), f"+996{s}")),
        ru_national.map(lambda s: (russian_formats(s), f"+7{s}")),
    ),
    picks=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=6),
)
def test_one_number_typed_several_ways_is_stored_once(vault, number, picks):
    formats, expected = number
    typed = [formats[i % len(formats)] for i in picks]
    person = people.create_person(
        db=vault.db, actor=vault.actor, data={"given_name": "Айгүл", "phones": typed}
    )
    assert stored_person(vault, person.id).phones == [expected]


phone_like = st.text(alphabet="0123456789+-() ./\u00a0８", max_size=22)


@DB_SETTINGS
@given(raw=st.one_of(st.text(max_size=30), phone_like))
@example(raw="+996 555 12-34-56")
@example(raw="+")
@example(raw="00")
@example(raw="+0555123456")
@example(raw="1234567890123456")
@example(raw="١٢٣٤٥٦٧٨٩")  # Arabic-Indic digits are not accepted as phone digits
@example(raw="²³⁴⁵⁶⁷⁸⁹")
def test_any_text_as_a_phone_is_refused_or_stored_as_e164(vault, raw):
    try:
        person = people.create_person(
            db=vault.db, actor=vault.actor, data={"given_name": "Айгүл", "phones": [raw]}
        )
    except ValidationFailed as exc:
        assert exc.field_errors.get("phones", "").strip()
        return
    phones = stored_person(vault, person.id).phones
    if not raw.strip():
        assert phones == []  # an empty entry is skipped, not an error
        return
    (phone,) = phones
    assert E164.fullmatch(phone), phone
    # Normalising only changes the prefix: the subscriber's digits are kept as typed.
    typed_digits = "".join(ch for ch in unicodedata.normalize("NFKC", raw) if ch in "0123456789")
    assert phone.endswith(typed_digits[-7:])


@settings(max_examples=500, deadline=None)
@given(raw=st.text(max_size=40))
def test_normalize_phone_raises_only_value_error(raw):
    try:
        phone = normalize_phone(raw)
    except ValueError as exc:
        assert str(exc).strip()
        return
    assert E164.fullmatch(phone), (raw, phone)
