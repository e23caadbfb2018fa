"""Deadline rules: the shipped files, date arithmetic (working days over the New Year
holidays of Russia and Kazakhstan, 90 in 180), proposals for a case, applying them as
follow-ups, and the Follow-ups lists (overdue / today / this week / later).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from forms.intake import submit_intake
from models import timeline
from models.actor import Actor
from models.deadlines import (
    RuleError,
    add_months,
    add_working_days,
    apply_proposals,
    default_rules,
    due_date,
    is_working_day,
    load_rules,
    proposals_for_case,
    propose_follow_ups,
)
from models.follow_up_queries import (
    LATER,
    OVERDUE,
    THIS_WEEK,
    TODAY,
    bucket_of,
    open_follow_ups,
    overdue_count,
    week_end,
)
from models.tables import Case, FollowUp, User
from resources import RESOURCES_DIR

RULES = default_rules()
DOMAIN_RULES = {
    "ru_registration_30d", "ru_medical_exam_30d", "ru_contract_notice_3wd",
    "ru_contract_end_notice_3wd", "ru_new_contract_15d", "ru_lost_documents_3d",
    "ru_stay_without_work_90d", "ru_entry_ban_check", "kz_stay_90_in_180",
    "kz_arrival_notice_3wd", "kz_registration_30d", "kz_rvp_90d", "kz_contract_register_5wd",
}  # fmt: skip


def case_row(**fields) -> Case:
    """An unsaved case for the pure functions."""
    base = {"number": "KG-2025-00001", "person_id": uuid.uuid4(), "opened_on": date(2025, 3, 1)}
    return Case(**{**base, **fields})


# --- the shipped rules ---------------------------------------------------------------------


def test_every_rule_of_the_domain_notes_is_encoded():
    assert {rule.code for rule in RULES.rules} == DOMAIN_RULES
    for rule in RULES.rules:
        assert rule.country in ("RU", "KZ") and rule.code.startswith(rule.country.lower())
        assert rule.title.en and rule.title.ru and rule.title.ky
        assert rule.applies_to.ky and rule.source.law
        assert rule.effective_from <= date.today()


def test_uncertain_rules_are_flagged_for_review():
    flagged = {rule.code for rule in RULES.rules if rule.review}
    # ⚠ in DOMAIN.md §4: stay without work (260-FZ), ban lengths, KZ arrival notice
    assert {"ru_stay_without_work_90d", "ru_entry_ban_check", "kz_arrival_notice_3wd",
            "kz_registration_30d"} <= flagged  # fmt: skip
    assert not RULES.get("ru_registration_30d").review


def test_the_demo_uses_rule_codes_that_exist():
    from models.demo_texts import FOLLOW_UPS_KZ, FOLLOW_UPS_RU

    for code, _days, _title in FOLLOW_UPS_RU + FOLLOW_UPS_KZ:
        assert RULES.get(code) is not None


def test_90_in_180_note_says_how_it_counts():
    rule = RULES.get("kz_stay_90_in_180")
    assert "continuous" in rule.note.en and "day 1" in rule.note.en
    assert rule.effective_from == date(2023, 1, 27)


# --- broken files --------------------------------------------------------------------------

GOOD = """\
country: RU
rules:
  - code: ru_test
    title: {en: T, ru: Т, ky: Т}
    trigger: entry_date
    offset_days: 3
    working_days: true
    applies_to: {en: A, ru: А, ky: А}
    source: {law: Закон}
    effective_from: 2020-01-01
    review: false
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("trigger: entry_date", "trigger: birthday"), "rule 1 (ru_test).trigger"),
        (GOOD.replace("offset_days: 3", "offset_months: 3"), "working_days"),
        (GOOD.replace("    offset_days: 3\n", ""), "offset"),
        (GOOD.replace("review: false", "review: maybe"), "review"),
        (GOOD.replace("country: RU", "country: KZ"), "file name"),
        (GOOD.replace("    source: {law: Закон}\n", ""), "source"),
        (GOOD.replace("{law: Закон}", "{law: Закон, url: not-a-link}"), "url"),
        (GOOD + "    when: {categories: [nope]}\n", "nope"),
        (GOOD.replace("review", "effective_until: 2019-01-01\n    review"), "effective_until"),
        (GOOD + GOOD.split("rules:\n")[1], "ru_test"),
        ("country: [", "YAML"),
    ],
)
def test_broken_rules_name_the_file_and_rule(tmp_path, text, expected):
    (tmp_path / "ru.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rules(tmp_path)
    assert caught.value.filename.endswith("ru.yaml")
    assert expected in caught.value.problem


def test_a_good_rules_folder_loads(tmp_path):
    (tmp_path / "ru.yaml").write_text(GOOD, encoding="utf-8")
    book = load_rules(tmp_path)
    assert [r.code for r in book.for_country("ru")] == ["ru_test"]
    assert book.for_country("kz") == [] and book.for_country(None) == []


# --- dates ---------------------------------------------------------------------------------


def test_working_days_across_the_russian_new_year():
    # 28 Dec 2024 was a working Saturday; 30 Dec 2024 – 8 Jan 2025 were days off.
    assert is_working_day(date(2024, 12, 28), "RU")
    assert not is_working_day(date(2024, 12, 30), "RU")
    assert add_working_days(date(2024, 12, 28), 3, "RU") == date(2025, 1, 13)
    assert add_working_days(date(2025, 12, 30), 3, "RU") == date(2026, 1, 14)
    ru = holidays.country_holidays("RU", years=2025)
    assert all(date(2025, 1, d) in ru for d in range(1, 9))


def test_working_days_across_the_kazakh_new_year():
    # 5 Jan 2025 (a Sunday) was a working day in Kazakhstan, 7 Jan is Orthodox Christmas.
    assert is_working_day(date(2025, 1, 5), "KZ")
    assert not is_working_day(date(2025, 1, 7), "KZ")
    assert add_working_days(date(2024, 12, 28), 3, "KZ") == date(2025, 1, 5)
    assert add_working_days(date(2024, 12, 28), 5, "KZ") == date(2025, 1, 8)
    assert add_working_days(date(2025, 1, 8), -5, "KZ") == date(2024, 12, 27)


@settings(max_examples=120, deadline=None)
@given(
    start=st.dates(min_value=date(2016, 1, 1), max_value=date(2027, 12, 31)),
    count=st.integers(min_value=1, max_value=25),
    country=st.sampled_from(["RU", "KZ"]),
)
def test_working_day_counting(start, count, country):
    due = add_working_days(start, count, country)
    assert is_working_day(due, country)
    between = [start + timedelta(days=d) for d in range(1, (due - start).days + 1)]
    assert sum(is_working_day(day, country) for day in between) == count
    assert add_working_days(due, -count, country) <= start


def test_90_in_180_last_day_counts_the_entry_day():
    rule = RULES.get("kz_stay_90_in_180")
    entry = date(2025, 1, 10)
    last = due_date(rule, entry)
    assert last == date(2025, 4, 9)
    assert (last - entry).days + 1 == 90


@settings(max_examples=80, deadline=None)
@given(entry=st.dates(min_value=date(2023, 1, 27), max_value=date(2030, 12, 31)))
def test_90_in_180_is_ninety_days_of_stay(entry):
    last = due_date(RULES.get("kz_stay_90_in_180"), entry)
    assert (last - entry).days + 1 == 90


def test_months_are_clamped_to_the_month_end():
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2024, 4, 30), -2) == date(2024, 2, 29)
    assert add_months(date(2025, 1, 15), 13) == date(2026, 2, 15)
    assert due_date(RULES.get("ru_entry_ban_check"), date(2026, 5, 31)) == date(2026, 3, 31)


# --- proposals -----------------------------------------------------------------------------


def codes(proposals) -> list[str]:
    return [p.rule.code for p in proposals]


def test_russia_entry_and_contract_end():
    case = case_row(destination_country="ru", entry_date=date(2025, 2, 3),
                    contract_end_date=date(2025, 6, 30))  # fmt: skip
    proposals = propose_follow_ups(case, date(2025, 2, 10), language="ru")
    by_code = {p.rule.code: p for p in proposals}
    assert set(by_code) == {
        "ru_registration_30d", "ru_medical_exam_30d", "ru_contract_end_notice_3wd",
        "ru_new_contract_15d",
    }  # fmt: skip
    assert by_code["ru_registration_30d"].due_on == date(2025, 3, 5)
    assert by_code["ru_new_contract_15d"].due_on == date(2025, 7, 15)
    assert by_code["ru_contract_end_notice_3wd"].due_on == date(2025, 7, 3)
    assert by_code["ru_registration_30d"].title.startswith("Постановка")
    assert "ст. 97" in by_code["ru_registration_30d"].source
    assert [p.due_on for p in proposals] == sorted(p.due_on for p in proposals)
    assert not any(p.overdue for p in proposals)


def test_existing_rules_and_rules_not_in_force_are_skipped():
    case = case_row(destination_country="ru", entry_date=date(2021, 6, 1))
    found = codes(propose_follow_ups(case, date(2021, 6, 2)))
    assert found == ["ru_registration_30d"]  # no medical rule before 29 Dec 2021
    case = case_row(destination_country="ru", entry_date=date(2025, 2, 3))
    found = codes(propose_follow_ups(case, date(2025, 2, 3),
                                     existing_rule_codes=["ru_registration_30d"]))  # fmt: skip
    assert "ru_registration_30d" not in found
    assert "ru_stay_without_work_90d" in found  # no contract recorded, from 2025
    late = propose_follow_ups(case, date(2025, 6, 1))
    assert all(p.overdue for p in late if p.due_on < date(2025, 6, 1))


def test_conditions_on_categories_and_details_triggers():
    details = {"document_lost_date": "2025-03-10", "contract_start_date": "2025-03-07"}
    case = case_row(destination_country="ru", details=details)
    assert codes(propose_follow_ups(case, date(2025, 3, 11))) == ["ru_contract_notice_3wd"]
    found = propose_follow_ups(case, date(2025, 3, 11), categories=["lost_documents"])
    assert codes(found) == ["ru_contract_notice_3wd", "ru_lost_documents_3d"]
    assert found[0].due_on == date(2025, 3, 12)  # Fri 7 Mar + 3 working days
    assert found[1].due_on == date(2025, 3, 13)
    ban = case_row(destination_country="ru", details={"planned_travel_date": "2026-05-20"})
    proposal = propose_follow_ups(ban, date(2026, 1, 1), categories=["entry_ban"])
    assert codes(proposal) == ["ru_entry_ban_check"] and proposal[0].due_on == date(2026, 3, 20)
    unreadable = case_row(destination_country="ru", details={"planned_travel_date": "soon"})
    assert propose_follow_ups(unreadable, date(2026, 1, 1), categories=["entry_ban"]) == []


def test_kazakhstan_entry():
    case = case_row(destination_country="kz", entry_date=date(2024, 12, 28))
    by_code = {p.rule.code: p for p in propose_follow_ups(case, date(2025, 1, 2))}
    assert set(by_code) == {"kz_arrival_notice_3wd", "kz_registration_30d", "kz_stay_90_in_180",
                            "kz_rvp_90d"}  # fmt: skip
    assert by_code["kz_arrival_notice_3wd"].due_on == date(2025, 1, 5)
    assert by_code["kz_stay_90_in_180"].due_on == date(2025, 3, 27)
    nowhere = case_row(destination_country="tr", entry_date=date(2024, 12, 28))
    assert propose_follow_ups(nowhere, date(2025, 1, 2)) == []


INTAKE = {
    "given_name": "Бакыт", "categories": ["registration"], "consent_store": True,
    "destination_country": "ru", "entry_date": date(2025, 2, 3),
}  # fmt: skip


def test_applying_proposals_adds_follow_ups_once(db, actor):
    case = submit_intake(db=db, actor=actor, values=INTAKE)
    proposals = proposals_for_case(db=db, actor=actor, case_id=case.id, today=date(2025, 2, 4),
                                   language="en")  # fmt: skip
    assert codes(proposals) == ["ru_medical_exam_30d", "ru_registration_30d",
                                "ru_stay_without_work_90d"]  # fmt: skip
    added = apply_proposals(db=db, actor=actor, case_id=case.id, proposals=proposals[:2])
    assert [f.rule_code for f in added] == ["ru_medical_exam_30d", "ru_registration_30d"]
    assert added[1].due_on == date(2025, 3, 5) and "ст. 97" in added[1].note
    assert apply_proposals(db=db, actor=actor, case_id=case.id, proposals=proposals) != []
    assert apply_proposals(db=db, actor=actor, case_id=case.id, proposals=proposals) == []
    again = proposals_for_case(db=db, actor=actor, case_id=case.id, today=date(2025, 2, 4))
    assert again == []
    with db.read() as session:
        rows = session.exec(select(FollowUp).where(FollowUp.case_id == case.id)).all()
    assert sorted(r.rule_code for r in rows) == sorted(codes(proposals))
    review = next(r for r in rows if r.rule_code == "ru_stay_without_work_90d")
    assert "review" in review.note


# --- the Follow-ups lists ------------------------------------------------------------------


def test_buckets():
    wednesday = date(2025, 3, 5)
    assert week_end(wednesday) == date(2025, 3, 9)
    assert bucket_of(date(2025, 3, 4), wednesday) == OVERDUE
    assert bucket_of(wednesday, wednesday) == TODAY
    assert bucket_of(date(2025, 3, 9), wednesday) == THIS_WEEK
    assert bucket_of(date(2025, 3, 10), wednesday) == LATER
    assert week_end(date(2025, 3, 9)) == date(2025, 3, 9)  # on Sunday the week is today


def test_lists_group_open_follow_ups_the_user_may_see(db, actor):
    today = date.today()
    case = submit_intake(db=db, actor=actor, values=INTAKE)
    for days, title in ((-3, "late"), (0, "now"), (400, "far")):
        data = {"title": title, "due_on": today + timedelta(days=days)}
        timeline.add_follow_up(db=db, actor=actor, case_id=case.id, data=data)
    done = timeline.add_follow_up(db=db, actor=actor, case_id=case.id,
                                  data={"title": "done", "due_on": today})  # fmt: skip
    timeline.complete_follow_up(db=db, actor=actor, follow_up_id=done.id, version=done.version)
    lists = open_follow_ups(db=db, actor=actor, today=today)
    assert [r.title for r in lists.bucket(OVERDUE)] == ["late"]
    assert [r.title for r in lists.bucket(TODAY)] == ["now"]
    assert [r.title for r in lists.bucket(LATER)] == ["far"]
    row = lists.bucket(OVERDUE)[0]
    assert row.case_number == case.number and row.client == "Бакыт"
    assert row.assignee == "Coordinator"
    assert overdue_count(db=db, actor=actor, today=today) == 1
    assert open_follow_ups(db=db, actor=actor, today=today, limit=0).counts[LATER] == 1

    user = User(username="vol", display_name="Volunteer", role="volunteer")
    with db.write() as session:
        session.add(user)
    volunteer = Actor(user_id=user.id, username="vol", role="volunteer")
    assert sum(open_follow_ups(db=db, actor=volunteer, today=today).counts.values()) == 0
    mine = open_follow_ups(db=db, actor=actor, today=today, mine_only=True)
    assert sum(mine.counts.values()) == 3


def test_closed_cases_drop_out_of_the_lists(db, actor):
    from models.cases import change_status

    case = submit_intake(db=db, actor=actor, values=INTAKE)
    timeline.add_follow_up(db=db, actor=actor, case_id=case.id,
                           data={"title": "x", "due_on": date.today()})  # fmt: skip
    assert open_follow_ups(db=db, actor=actor).counts[TODAY] == 1
    change_status(db=db, actor=actor, case_id=case.id, version=case.version,
                  data={"status": "closed", "closure_reason": "resolved"})  # fmt: skip
    assert open_follow_ups(db=db, actor=actor).counts[TODAY] == 0


def test_the_rules_folder_is_where_the_design_says():
    assert sorted(p.name for p in (RESOURCES_DIR / "rules").glob("*.yaml")) == [
        "kz.yaml", "ru.yaml",
    ]  # fmt: skip
