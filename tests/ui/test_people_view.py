"""The People screen: paged, sorted and filtered by the database; a person's cases below.

The query tests run on both stores; the screen's tests on the demo vault.
"""

from __future__ import annotations

import random
import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import text

from desktop import people_queries as pq
from desktop.paged_query_model import IdRole
from desktop.people_view import PeopleModel, PeopleView
from models import cases, people
from models.actor import Actor
from models.tables import User
from tests.ui.helpers import SCREENSHOTS, fetch_all, wait_loaded
from translations import _, ngettext, set_language

NAMES = [
    ("Үсөнбаев", "Нурлан", "USONBAEV NURLAN"), ("Өмүрбекова", "Гүлнара", ""),
    ("Асанова", "Айгүл", "ASANOVA AIGUL"), ("асанов", "Бакыт", None), ("Иванов", "Асан", ""),
]  # fmt: skip


@pytest.fixture
def crowd(db, actor):
    """20 people (some without Latin spelling, birth year, oblast or phones), most with
    cases, one of them opened by a volunteer who may therefore see that client."""
    volunteer_user = User(username="volunteer", display_name="Volunteer", role="volunteer")
    with db.write() as session:
        session.add(volunteer_user)
    volunteer = Actor(user_id=volunteer_user.id, username="volunteer", role="volunteer")
    rng = random.Random(3)
    made = []
    for i in range(20):
        family, given, latin = NAMES[i % len(NAMES)]
        person = people.create_person(
            db=db,
            actor=actor,
            data={
                "family_name": family, "given_name": given, "latin_name": latin,
                "sex": rng.choice(["male", "female", "unknown"]),
                "birth_year": rng.choice([None, 1980, 1991, 2001]),
                "oblast": rng.choice([None, "naryn", "chuy"]),
                "phones": [f"+99655512{i:04d}"] if i % 4 else [],
            },
        )  # fmt: skip
        for _n in range(i % 3):
            cases.open_case(
                db=db,
                actor=volunteer if i == 7 else actor,
                data={"person_id": person.id, "categories": ["fraud"], "consent_store": True},
            )
        made.append(person)
    return db, actor, volunteer, made


def _read_all(db, query: pq.PeopleQuery, limit: int) -> list[pq.PersonRow]:
    with db.read() as session:
        rows, after = [], None
        while page := pq.fetch_people_page(session, query, after=after, limit=limit):
            rows.extend(page)
            after = page[-1].key
    return rows


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sort=st.sampled_from(pq.SORTS),
    descending=st.booleans(),
    limit=st.integers(1, 6),
    typed=st.sampled_from(["", "асан", "Асан", "ASANOVA", "usonb", "555120", "Иванов Асан", "%"]),
)
def test_people_pages_have_no_gaps_or_repeats(crowd, sort, descending, limit, typed):
    db, actor, _volunteer, _made = crowd
    query = pq.PeopleQuery(sort=sort, descending=descending, text=typed, viewer=actor)
    paged = _read_all(db, query, limit)
    whole = _read_all(db, query, 1000)
    with db.read() as session:
        total = pq.count_people(session, query)
    ids = [r.id for r in paged]
    assert ids == [r.id for r in whole]
    assert len(ids) == len(set(ids)) == total


def test_quick_filter_matches_name_starts_latin_and_phones(crowd):
    db, actor, _volunteer, made = crowd

    def names(typed: str) -> set[str]:
        return {r.name for r in _read_all(db, pq.PeopleQuery(text=typed, viewer=actor), 50)}

    assert names("асан") == {"Асанова Айгүл", "асанов Бакыт", "Иванов Асан"}
    assert names("Асанов") == {"Асанова Айгүл", "асанов Бакыт"}
    assert names("иванов асан") == {"Иванов Асан"}
    assert names("aigul") == {"Асанова Айгүл"}
    assert names("ов") == set()  # a name's start, not any part of it
    assert names("%") == set()  # wildcards are plain characters
    with_phone = _read_all(db, pq.PeopleQuery(text="5551200", viewer=actor), 50)
    assert {r.id for r in with_phone} == {p.id for i, p in enumerate(made) if i % 4}
    for typed in ("555120013", "+996 555 12-00-13", "(555) 120 013"):
        one = _read_all(db, pq.PeopleQuery(text=typed, viewer=actor), 50)
        assert [r.id for r in one] == [made[13].id]


def test_sorts_put_blanks_last_and_count_cases(crowd):
    db, actor, _volunteer, _made = crowd
    rows = _read_all(db, pq.PeopleQuery(sort=pq.SORT_LATIN, viewer=actor), 50)
    latins = [r.latin_name for r in rows]
    filled = [x for x in latins if x]
    assert latins == filled + [""] * (len(latins) - len(filled)) and filled == sorted(filled)
    years = [r.birth_year for r in _read_all(db, pq.PeopleQuery(sort=pq.SORT_BIRTH_YEAR), 50)]
    known = [y for y in years if y]
    assert years == known + [None] * (len(years) - len(known)) and known == sorted(known)
    by_cases = _read_all(db, pq.PeopleQuery(sort=pq.SORT_CASES, descending=True), 50)
    assert [r.cases for r in by_cases] == sorted((r.cases for r in by_cases), reverse=True)
    assert by_cases[0].cases == 2
    with pytest.raises(ValueError):
        _read_all(db, pq.PeopleQuery(sort="nonsense"), 5)


def test_volunteer_sees_own_clients_with_own_case_counts(crowd):
    db, _actor, volunteer, made = crowd
    rows = _read_all(db, pq.PeopleQuery(viewer=volunteer), 50)
    assert [r.id for r in rows] == [made[7].id]
    assert rows[0].cases == 1  # the case the volunteer opened; nobody else's
    mine = people.create_person(db=db, actor=volunteer, data={"family_name": "Жаңы"})
    rows = _read_all(db, pq.PeopleQuery(viewer=volunteer), 50)
    assert {r.id for r in rows} == {made[7].id, mine.id}
    with db.read() as session:
        assert pq.count_people(session, pq.PeopleQuery(viewer=volunteer)) == 2


def test_phones_are_masked_but_for_the_last_digits():
    assert pq.mask_phone("+996555123456") == "+996 ••• 3456"
    assert pq.mask_phone("+79161234567") == "+7 ••• 4567"
    assert pq.mask_phone("+905321234567") == "••• 4567"
    assert pq.mask_phone("123") == "•••"


# --- the screen ----------------------------------------------------------------------------


def _sql(demo_vault, sql: str, **params):
    with demo_vault.db.read() as session:
        return session.execute(text(sql), params).all()


@pytest.fixture
def people_view(qtbot, demo_vault) -> PeopleView:
    """The People screen on the demo vault, shown and read."""
    view = PeopleView(demo_vault)
    qtbot.addWidget(view)
    view.restore_state(QSettings())
    assert view.model.unread  # nothing is read before the screen is shown
    view.resize(1100, 700)
    view.show()
    qtbot.waitExposed(view)
    wait_loaded(qtbot, view.model)
    return view


def test_people_are_read_page_by_page_in_name_order(qtbot, people_view, demo_vault):
    model = people_view.model
    total = _sql(demo_vault, "SELECT count(*) FROM people")[0][0]
    assert model.total == total
    assert people_view.count_label.text() == ngettext(
        "{count} person", "{count} people", total
    ).format(count=total)
    first = _sql(demo_vault, "SELECT family_name, given_name FROM people ORDER BY 1, 2 LIMIT 1")
    assert model.row_at(0).family_name == first[0][0]
    model_small = PeopleModel(demo_vault.db, demo_vault.actor, page_size=50)
    model_small.refresh()
    wait_loaded(qtbot, model_small)
    assert model_small.rowCount() == 50 and model_small.canFetchMore()
    fetch_all(qtbot, model_small)
    assert model_small.rowCount() == total


def test_columns_sort_in_the_database(qtbot, people_view, demo_vault):
    header = people_view.table.horizontalHeader()
    model = people_view.model
    header.setSortIndicator(PeopleModel.COL_BIRTH_YEAR, Qt.SortOrder.DescendingOrder)
    wait_loaded(qtbot, model)
    newest = _sql(demo_vault, "SELECT max(birth_year) FROM people")[0][0]
    assert model.index(0, PeopleModel.COL_BIRTH_YEAR).data() == str(newest)
    header.setSortIndicator(PeopleModel.COL_CASES, Qt.SortOrder.DescendingOrder)
    wait_loaded(qtbot, model)
    most = _sql(demo_vault, "SELECT count(*) FROM cases GROUP BY person_id ORDER BY 1 DESC")[0][0]
    assert model.index(0, PeopleModel.COL_CASES).data() == str(most)
    header.setSortIndicator(PeopleModel.COL_PHONE, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == PeopleModel.COL_CASES  # phones are not sortable
    assert model.sort_column == PeopleModel.COL_CASES


def test_phone_numbers_are_never_shown_whole(people_view, demo_vault):
    model = people_view.model
    stored = {p for (phones,) in _sql(demo_vault, "SELECT phones FROM people") for p in
              re.findall(r"\+\d+", phones)}  # fmt: skip
    shown = [model.index(r, PeopleModel.COL_PHONE).data() for r in range(model.rowCount())]
    assert any(shown)
    for cell in shown:
        assert not any(digits in cell for digits in (p.lstrip("+")[-9:] for p in stored))
        assert all(re.fullmatch(r"(\+\d+ )?••• \d{4}", part) for part in cell.split(", ") if part)


def test_quick_filter_finds_a_client(qtbot, people_view, demo_vault):
    family, given = _sql(
        demo_vault,
        "SELECT family_name, given_name FROM people ORDER BY family_name LIMIT 1 OFFSET 7",
    )[0]
    people_view.search.setText(family.lower())
    qtbot.waitUntil(lambda: people_view.model.query.text == family.lower(), timeout=3000)
    wait_loaded(qtbot, people_view.model)
    expected = _sql(demo_vault, "SELECT count(*) FROM people WHERE family_name LIKE :f || '%' OR "
                    "given_name LIKE :f || '%' OR patronymic LIKE :f || '%' OR latin_name LIKE "
                    "'%' || :f || '%'", f=family)[0][0]  # fmt: skip
    assert people_view.model.total == expected >= 1
    names = [people_view.model.row_at(r).name for r in range(people_view.model.rowCount())]
    assert f"{family} {given}" in " | ".join(names)


def test_selecting_a_person_lists_their_cases_and_opens_one(qtbot, people_view, demo_vault):
    person_hex = _sql(
        demo_vault, "SELECT person_id FROM cases GROUP BY person_id HAVING count(*) > 1 LIMIT 1"
    )[0][0]
    person = uuid.UUID(hex=person_hex)
    numbers = {n for (n,) in _sql(demo_vault, "SELECT number FROM cases WHERE person_id = :p",
                                  p=person_hex)}  # fmt: skip
    found = next(
        (r for r in range(people_view.model.rowCount()) if people_view.model.row_id(r) == person),
        None,
    )
    if found is None:  # not on the first page: filter to them
        name = _sql(demo_vault, "SELECT family_name FROM people WHERE id = :p", p=person_hex)
        people_view.search.setText(name[0][0])
        people_view.apply_text()
        wait_loaded(qtbot, people_view.model)
        found = next(
            r for r in range(people_view.model.rowCount()) if people_view.model.row_id(r) == person
        )
    people_view.table.selectRow(found)
    assert people_view.selected_person_id() == person
    cases_model = people_view.cases_model
    wait_loaded(qtbot, cases_model)
    assert {cases_model.index(r, 0).data() for r in range(cases_model.rowCount())} == numbers
    assert people_view.cases_label.text() == _("Cases of {name}").format(
        name=people_view.model.row_at(found).name
    )
    with qtbot.waitSignal(people_view.open_case_requested) as signal:
        people_view.cases_table.doubleClicked.emit(cases_model.index(0, 2))
    assert signal.args == [cases_model.index(0, 0).data(IdRole)]
    people_view.table.clearSelection()
    people_view.table.setCurrentIndex(people_view.model.index(-1, -1))
    assert people_view.selected_person_id() is None
    assert cases_model.rowCount() == 0
    assert people_view.cases_label.text() == _("Select a person to see their cases.")


def test_layout_is_remembered_but_not_the_typed_filter(qtbot, people_view, demo_vault):
    header = people_view.table.horizontalHeader()
    header.setSortIndicator(PeopleModel.COL_OBLAST, Qt.SortOrder.DescendingOrder)
    header.resizeSection(PeopleModel.COL_NAME, 333)
    people_view.search.setText("Асанов")
    settings = QSettings()
    people_view.save_state(settings)
    settings.sync()
    stored = " ".join(str(settings.value(k)) for k in settings.allKeys())
    assert "Асанов" not in stored
    again = PeopleView(demo_vault)
    qtbot.addWidget(again)
    again.restore_state(settings)
    again.show()
    wait_loaded(qtbot, again.model)
    assert again.model.sort_column == PeopleModel.COL_OBLAST
    assert again.model.sort_order == Qt.SortOrder.DescendingOrder
    assert again.table.horizontalHeader().sectionSize(PeopleModel.COL_NAME) == 333
    assert again.search.text() == ""


def test_people_screen_in_kyrgyz_and_russian(qtbot, people_view):
    people_view.table.selectRow(1)
    wait_loaded(qtbot, people_view.cases_model)
    SCREENSHOTS.mkdir(exist_ok=True)
    for lang in ("ky", "ru"):
        set_language(lang)
        people_view.retranslate()
        headers = [
            people_view.model.headerData(c, Qt.Orientation.Horizontal)
            for c in range(people_view.model.columnCount())
        ]
        assert all(headers)
        metrics = people_view.table.horizontalHeader().fontMetrics()
        for column, title in enumerate(headers):
            width = people_view.table.horizontalHeader().sectionSize(column)
            assert width >= metrics.horizontalAdvance(title), title
        assert people_view.grab().save(str(SCREENSHOTS / f"people_view_{lang}.png"))
