"""Tests for the controlled vocabularies (models/vocab.py and resources/vocab/*.yaml)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.vocab import (
    REQUIRED_VOCABULARIES,
    UnknownCode,
    Vocabularies,
    VocabularyError,
    default_vocabularies,
    load_vocabularies,
)
from resources import RESOURCES_DIR

SHIPPED = RESOURCES_DIR / "vocab"

# DOMAIN.md §2, in its order.
CATEGORIES = (
    "registration", "residence_permit", "employment_contract", "entry_ban",
    "controlled_registry", "expulsion", "detention", "unpaid_wages", "fraud",
    "documents_withheld", "forced_labour", "trafficking", "violence", "health",
    "death_repatriation", "children_family", "lost_documents", "pension_social",
    "discrimination", "return_reintegration", "other",
)  # fmt: skip

EXPECTED_SIZES = {
    "category": 21, "forced_labour_indicator": 11, "sex": 4, "age_band": 7, "oblast": 9,
    "country": 9, "sector": 9, "assistance": 11, "institution_kind": 15, "case_status": 6,
    "closure_reason": 6, "referral_status": 8, "risk_level": 4, "event_kind": 7, "role": 3,
}  # fmt: skip


@pytest.fixture(scope="module")
def vocab() -> Vocabularies:
    return load_vocabularies()


def test_shipped_vocabularies_load(vocab: Vocabularies) -> None:
    assert set(REQUIRED_VOCABULARIES) <= set(vocab.names)
    assert list(vocab) == list(vocab.names)
    for name, size in EXPECTED_SIZES.items():
        assert len(vocab[name].items) == size, name
    assert default_vocabularies() is default_vocabularies()
    with pytest.raises(KeyError):
        vocab["no_such_vocabulary"]


def test_every_category_present_in_domain_order(vocab: Vocabularies) -> None:
    assert vocab["category"].codes == CATEGORIES
    assert vocab["category"].label("forced_labour", "ky") == "Мажбурлап иштетүү"
    assert vocab["category"].require("forced_labour").extra["htcds"] == "ForcedLabour"


def test_labels_in_three_languages(vocab: Vocabularies) -> None:
    for name in vocab:
        for item in vocab[name].items:
            assert re.fullmatch(r"[a-z][a-z0-9_]*", item.code)
            for lang in ("en", "ru", "ky"):
                assert item.label(lang).strip() == item.label(lang) != "", (name, item.code)
    for name in ("category", "sex", "oblast"):
        for item in vocab[name].items:
            assert item.labels["ky"] != item.labels["en"], (name, item.code)


def test_label_language_fallback_and_choices(vocab: Vocabularies) -> None:
    sex = vocab["sex"]
    assert sex.label("female", "de") == "Female"
    assert sex.choices("ru")[0] == ("male", "Мужской")
    assert [code for code, _ in sex.choices("ky")] == list(sex.codes)


def test_extra_fields(vocab: Vocabularies) -> None:
    assert vocab["oblast"].require("chuy").extra["iso"] == "KG-C"
    assert vocab["country"].require("kz").extra["iso"] == "KZ"
    kazan = vocab["region"].require("kazan")
    assert (kazan.extra["country"], kazan.extra["iso"]) == ("ru", "RU-TA")
    for item in vocab["region"].items:
        assert item.extra["country"] in vocab["country"]
    bands = vocab["age_band"]
    assert bands.require("age_0_17").extra["max_age"] == 17
    assert bands.require("age_55_plus").extra["max_age"] is None
    assert all(code == "unknown" or code.startswith("age_") for code in bands.codes)


def test_transitions_are_consistent(vocab: Vocabularies) -> None:
    status = vocab["case_status"]
    assert "in_progress" in status.transitions("closed")
    assert set(status.transitions("new")) == {"in_progress", "referred", "closed"}
    for name in ("case_status", "referral_status"):
        v = vocab[name]
        for code in v.codes:
            assert code not in v.transitions(code)
            assert set(v.transitions(code)) <= set(v.codes)
    referral = vocab["referral_status"]
    assert referral.transitions("done") == referral.transitions("revoked") == ()
    assert referral.transitions("draft") == ("sent", "revoked")
    assert vocab["sex"].transitions("male") == ()


def test_require_unknown_code(vocab: Vocabularies) -> None:
    with pytest.raises(UnknownCode) as info:
        vocab.require("category", "visa")
    assert info.value.vocabulary == "category"
    assert info.value.code == "visa"
    assert "visa" in str(info.value) and "category" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert vocab["category"].get("visa") is None
    assert "visa" not in vocab["category"]


def test_label_of_unknown_code_does_not_raise(vocab: Vocabularies) -> None:
    assert vocab["category"].label("visa", "ky") == "‹visa›"


# --- broken files -------------------------------------------------------------------------


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "vocab"
    shutil.copytree(SHIPPED, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _assert_broken(directory: Path, filename: str, *fragments: str) -> None:
    with pytest.raises(VocabularyError) as info:
        load_vocabularies(directory)
    message = str(info.value)
    assert filename in message
    assert filename in info.value.filename
    for fragment in fragments:
        assert fragment in message


def test_copy_of_shipped_directory_loads(tmp_path: Path) -> None:
    roles = load_vocabularies(_copy(tmp_path))["role"]
    assert roles.codes == ("volunteer", "caseworker", "coordinator")


def test_yaml_syntax_error(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "sex.yaml", "  - code: female\n", "  - code: [female\n")
    _assert_broken(d, "sex.yaml", "YAML")


def test_duplicate_code(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "risk_level.yaml", "code: medium", "code: low")
    _assert_broken(d, "risk_level.yaml", "'low'")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "role.yaml", "      ky: Ыктыярчы\n", "      ky: Ыктыярчы\n      ky: Волонтёр\n")
    _assert_broken(d, "role.yaml", "duplicate key")


def test_missing_ky_label(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "oblast.yaml", "      ky: Нарын облусу\n", "")
    _assert_broken(d, "oblast.yaml", "ky")


def test_blank_label(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "oblast.yaml", "ky: Нарын облусу", 'ky: "   "')
    _assert_broken(d, "oblast.yaml", "ky")


def test_bad_code(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "event_kind.yaml", "code: note", "code: Note")
    _assert_broken(d, "event_kind.yaml", "code")


def test_transition_to_unknown_code(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "case_status.yaml", "transitions: [in_progress]\n", "transitions: [reopened]\n")
    _assert_broken(d, "case_status.yaml", "'reopened'")


def test_region_with_unknown_country(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "region.yaml", "country: kz", "country: uz")
    _assert_broken(d, "region.yaml", "'uz'")


def test_name_must_match_file(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    _edit(d / "role.yaml", "name: role", "name: roles")
    _assert_broken(d, "role.yaml", "'roles'")


def test_missing_file(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "assistance.yaml").unlink()
    _assert_broken(d, "assistance.yaml", "missing")


def test_not_a_mapping(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "sector.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    _assert_broken(d, "sector.yaml")


def test_unreadable_file(tmp_path: Path) -> None:
    d = _copy(tmp_path)
    (d / "sector.yaml").write_bytes(b"name: sector\n\xff\xfe\n")
    _assert_broken(d, "sector.yaml")


# --- property -----------------------------------------------------------------------------


@given(text=st.text())
def test_any_non_code_text_is_unknown(text: str) -> None:
    vocab = default_vocabularies()
    for name in vocab:
        v = vocab[name]
        if text in v.codes:
            continue
        with pytest.raises(UnknownCode):
            v.require(text)
        assert v.label(text, "ky") == f"‹{text}›"
        assert v.get(text) is None
