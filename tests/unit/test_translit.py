"""The phonetic name key: one key for a name in Cyrillic, passport Latin and everyday Latin.

Property tests: a Cyrillic name and its Kyrgyz passport spelling (`models.demo_names`)
always give the same key; the key is its own key; any Unicode text gives a key without
error, made of words of letters only.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from models import demo_names as N
from models.demo_names import passport_latin
from models.translit import name_key, name_tokens, split_words, word_key

KY_RU_LOWER = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяңөү"
KY_RU = KY_RU_LOWER + KY_RU_LOWER.upper()
ALL_NAMES = sorted(
    {
        *N.KYRGYZ_FAMILY, *N.UZBEK_FAMILY, *N.RUSSIAN_FAMILY, *N.KYRGYZ_MALE, *N.KYRGYZ_FEMALE,
        *N.UZBEK_MALE, *N.UZBEK_FEMALE, *N.RUSSIAN_MALE, *N.RUSSIAN_FEMALE, *N.KYRGYZ_FATHERS,
        *(N.female_family(f) for f in N.KYRGYZ_FAMILY + N.UZBEK_FAMILY + N.RUSSIAN_FAMILY),
    }
)  # fmt: skip
cyrillic_words = st.text(alphabet=KY_RU, min_size=1, max_size=20)
cyrillic_names = st.lists(cyrillic_words, min_size=1, max_size=4).map(" ".join)


@pytest.mark.parametrize(
    "spellings",
    [
        ("Жээнбеков Нурлан", "Zheenbekov Nurlan", "Jeenbekov Nurlan", "ZHEENBEKOV NURLAN",
         "Джээнбеков Нурлан", "Žeenbekov Nurlan"),
        ("Евгений", "Yevgeniy", "Evgenii", "Evgeniy"),
        ("Бахтиёр", "Bakhtiyor", "Baxtiyor", "Bahtiyor"),
        ("Жеңишбек", "Zhenishbek", "Zhengishbek", "Jenishbek"),
        ("Үмүтбек", "Umutbek", "Ümütbek"),
        ("Өмүрбек", "Omurbek", "Ömürbek"),
        ("Шухрат", "Shukhrat", "Shuxrat", "Şuhrat"),
        ("Холматов", "Kholmatov", "Xolmatov", "Holmatov"),
        ("Чыңгыз", "Chyngyz", "Chingiz", "Çıñğız"),
        ("Ысык-Көл", "Ysyk-Kol", "Issyk-Kol"),
        ("Щукин", "Shchukin"),
        ("Юсупов", "Yusupov", "Iusupov"),
        ("Дмитрий", "Dmitriy", "Dmitrii", "Dmitry"),
        ("Юлия", "Yuliya", "Iuliia"),
        ("Ўткир", "O'tkir", "Oʻtkir"),
        ("Цой", "Tsoi", "Tsoy"),
        ("Айбек", "Aibek", "Aybek"),
        ("Мээрим кызы", "Meerim kyzy", "Merim kizi"),
    ],
)  # fmt: skip
def test_spellings_of_one_name_share_a_key(spellings):
    keys = {name_key(s) for s in spellings}
    assert len(keys) == 1, {s: name_key(s) for s in spellings}


def test_the_key_is_plain_and_readable():
    assert name_key("Жээнбеков Нурлан") == "zhenbekov nurlan"
    assert name_key("  Асан-уулу,  Бакыт ") == "asan ulu bakit"
    assert name_tokens("Абдыкадыров 2-й") == ["abdikadirov", "i"]
    assert name_key("") == "" and name_key(None) == "" and name_key("123 !!") == ""


def test_different_names_keep_different_keys():
    assert name_key("Асанов") != name_key("Осмонов")
    assert name_key("Жээнбеков") != name_key("Шеенбеков")
    assert name_key("Сыдыков") != name_key("Садыков")


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_demo_name_matches_its_passport_spelling(name):
    assert name_key(name) == name_key(passport_latin(name))


@given(cyrillic_names)
@example("Исхак")
@example("Бекхан Тсхай зхо")
@example("Шч ыо ые ий дж нг тч")
@settings(max_examples=400)
def test_cyrillic_and_passport_latin_give_the_same_key(name):
    assert name_key(name) == name_key(passport_latin(name))


@given(st.text(max_size=40))
@example("Жээнбеков")
@example("ǅ ﬁ ΐ ß İ Ⅻ")
@example("o'g'il shch")
@settings(max_examples=400)
def test_the_key_is_its_own_key(text):
    key = name_key(text)
    assert name_key(key) == key
    for word in key.split():
        assert word_key(word) == word


@given(st.text())
@settings(max_examples=400)
def test_any_text_gives_a_key_of_letter_words(text):
    key = name_key(text)
    assert isinstance(key, str)
    assert "  " not in key and key == key.strip()
    for word in key.split():
        assert word.isalpha() and word == word.casefold()


def test_words_split_on_anything_but_letters_and_apostrophes():
    assert split_words("O'tkir  Асан-уулу,Бакыт2") == ["O'tkir", "Асан", "уулу", "Бакыт"]
