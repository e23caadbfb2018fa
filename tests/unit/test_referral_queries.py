"""The Referrals list's reads: filters, the overdue flag, names by language, paging in every
order, and volunteers seeing only the referrals of their own cases — on both stores."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import select

from models import cases, people
from models import referral_queries as rq
from models.actor import Actor
from models.institutions import add_institution, sync_shipped_institutions
from models.tables import Institution, Referral, User

TODAY = date(2026, 5, 20)


def _case(db, actor, family: str, *, assigned_user_id=None):
    person = people.create_person(db=db, actor=actor, data={"family_name": family})
    data = {"person_id": person.id, "categories": ["unpaid_wages"], "consent_store": True}
    if assigned_user_id is not None:
        data["assigned_user_id"] = assigned_user_id
    return cases.open_case(db=db, actor=actor, data=data)


def _referral(db, case, institution, *, status, number=None, sent=None, due=None, letter=False):
    with db.write() as session:
        row = Referral(
            case_id=case.id, institution_id=institution.id, status=status,
            register_number=number, sent_on=sent, response_due_on=due, language="ru",
        )  # fmt: skip
        session.add(row)
    return row


@pytest.fixture
def world(db, actor):
    """Three cases (one a volunteer's), two institutions, referrals in every state of waiting."""
    with db.write() as session:
        sync_shipped_institutions(session, actor=actor)
        embassy = session.exec(select(Institution).where(Institution.code == "kg_embassy_ru")).one()
    ngo = add_institution(
        db=db, actor=actor,
        data={"kind": "ngo_legal_aid", "name_ru": "Юристы за права мигрантов"},
    )  # fmt: skip
    volunteer = Actor(user_id=uuid.uuid4(), username="volunteer", role="volunteer")
    one, two = _case(db, actor, "Асанов"), _case(db, actor, "Бекова")
    own = _case(db, actor, "Чолпонов")
    with db.write() as session:  # the volunteer's own case
        session.add(User(id=volunteer.user_id, username="volunteer", display_name="Volunteer",
                         role="volunteer"))  # fmt: skip
        session.flush()
        row = session.get(type(own), own.id)
        row.created_by = volunteer.user_id
        session.add(row)
    day = timedelta(days=1)
    refs = {
        "draft": _referral(db, one, embassy, status="draft"),
        "overdue": _referral(db, one, embassy, status="sent", number="1/2026",
                             sent=TODAY - 40 * day, due=TODAY - 10 * day),
        "due_today": _referral(db, two, ngo, status="sent", number="2/2026",
                               sent=TODAY - 30 * day, due=TODAY),
        "ack_overdue": _referral(db, two, ngo, status="acknowledged", number="3/2026",
                                 sent=TODAY - 50 * day, due=TODAY - day),
        "answered": _referral(db, two, embassy, status="accepted", number="4/2026",
                              sent=TODAY - 50 * day, due=TODAY - 20 * day),
        "own": _referral(db, own, ngo, status="no_response", number="5/2026",
                         sent=TODAY - 90 * day, due=TODAY - 60 * day),
    }  # fmt: skip
    return {"refs": refs, "embassy": embassy, "ngo": ngo, "volunteer": volunteer,
            "cases": (one, two, own)}  # fmt: skip


def _ids(db, actor, **kw) -> set[uuid.UUID]:
    total, rows = rq.list_referrals(
        db=db, actor=actor, query=rq.ReferralFilter(**kw), today=TODAY, language="ru"
    )
    assert total == len(rows)
    return {row.id for row in rows}


def test_filters(db, actor, world):
    refs = {name: ref.id for name, ref in world["refs"].items()}
    assert _ids(db, actor) == set(refs.values())
    assert _ids(db, actor, status="sent") == {refs["overdue"], refs["due_today"]}
    assert _ids(db, actor, overdue=True) == {refs["overdue"], refs["ack_overdue"]}
    assert _ids(db, actor, institution_id=world["ngo"].id) == {
        refs["due_today"], refs["ack_overdue"], refs["own"]
    }  # fmt: skip
    assert _ids(db, actor, kind="embassy") == {refs["draft"], refs["overdue"], refs["answered"]}
    assert _ids(db, actor, kind="embassy", overdue=True) == {refs["overdue"]}
    assert _ids(db, actor, case_id=world["cases"][0].id) == {refs["draft"], refs["overdue"]}
    assert _ids(db, actor, status="declined") == set()
    with db.read() as session:
        assert rq.count_overdue(session, actor, TODAY) == 2


def test_rows_carry_what_the_list_shows(db, actor, world):
    _total, rows = rq.list_referrals(
        db=db, actor=actor, query=rq.ReferralFilter(status="sent", sort=rq.SORT_DUE),
        today=TODAY, language="ky",
    )  # fmt: skip
    due_today, late = rows  # by response date, latest first
    assert (due_today.register_number, due_today.response_due_on) == ("2/2026", TODAY)
    assert not due_today.overdue  # due today is not overdue yet
    assert due_today.institution_name == "Юристы за права мигрантов"  # no Kyrgyz name: Russian
    assert (late.register_number, late.status, late.overdue, late.has_letter) == (
        "1/2026", "sent", True, False,
    )  # fmt: skip
    assert late.institution_name.startswith("Кыргыз Республикасынын")
    assert (late.case_number, late.case_id) == (world["cases"][0].number, world["cases"][0].id)
    assert late.institution_kind == "embassy" and late.language == "ru" and late.version == 1
    _total, [english] = rq.list_referrals(
        db=db, actor=actor, query=rq.ReferralFilter(status="sent", overdue=True),
        today=TODAY, language="en",
    )  # fmt: skip
    assert english.institution_name.startswith("Embassy of the Kyrgyz Republic")


def test_volunteers_see_only_their_own_cases(db, actor, world):
    volunteer = world["volunteer"]
    assert _ids(db, volunteer) == {world["refs"]["own"].id}
    assert _ids(db, volunteer, overdue=True) == set()
    with db.read() as session:
        assert rq.count_referrals(session, volunteer, rq.ReferralFilter(kind="embassy"), TODAY) == 0


@pytest.mark.parametrize("sort", rq.SORTS)
@pytest.mark.parametrize("descending", [True, False])
def test_paging_walks_every_row_once_in_order(db, actor, world, sort, descending):
    query = rq.ReferralFilter(sort=sort, descending=descending)
    with db.read() as session:
        everything = rq.fetch_referrals(session, actor, query, today=TODAY, language="en")
        seen, after = [], None
        while True:
            page = rq.fetch_referrals(
                session, actor, query, today=TODAY, language="en", after=after, limit=2
            )
            if not page:
                break
            seen.extend(page)
            after = page[-1].key
    assert [r.id for r in seen] == [r.id for r in everything]
    assert len(seen) == len(world["refs"])
    if sort != rq.SORT_INSTITUTION:  # names follow the database's collation, not Python's
        keys = [r.key for r in seen]
        assert keys == sorted(keys, reverse=descending)


def test_unknown_sort_is_a_programming_error(db, actor):
    with db.read() as session, pytest.raises(ValueError):
        rq.fetch_referrals(
            session, actor, rq.ReferralFilter(sort="nope"), today=TODAY, language="en"
        )


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        ("sent", TODAY - timedelta(days=1), True),
        ("acknowledged", TODAY - timedelta(days=1), True),
        ("sent", TODAY, False),
        ("sent", None, False),
        ("accepted", TODAY - timedelta(days=1), False),
        ("no_response", TODAY - timedelta(days=1), False),
        ("draft", TODAY - timedelta(days=1), False),
    ],
)
def test_overdue_means_waiting_past_the_response_date(status, due, expected):
    assert rq.is_overdue(status, due, TODAY) is expected
