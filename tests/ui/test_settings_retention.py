"""The Retention page: Preview counts old closed cases; Anonymize only after a preview."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from models import cases, people
from tests.ui.test_settings_support import MessageBoxes, settings_view, settle


def _closed_case(opened, family: str, closed_on: date):
    person = people.create_person(
        db=opened.db, actor=opened.actor, data={"family_name": family, "given_name": "Айгүл"}
    )
    case = cases.open_case(
        db=opened.db, actor=opened.actor,
        data={"person_id": person.id, "categories": ["fraud"], "consent_store": True},
    )  # fmt: skip
    case = cases.change_status(
        db=opened.db, actor=opened.actor, case_id=case.id, version=case.version,
        data={"status": "closed", "closure_reason": "resolved"},
    )  # fmt: skip
    with opened.db.write() as session:
        session.execute(
            text("UPDATE cases SET opened_on = :opened, closed_on = :closed WHERE id = :id"),
            {"opened": date(closed_on.year - 1, 1, 10), "closed": closed_on, "id": case.id.hex},
        )
    return case


def test_preview_then_anonymize(qtbot, real_vault, monkeypatch):
    old = [_closed_case(real_vault, name, date(2020, 5, 1)) for name in ("Осмонова", "Токтогулова")]
    _closed_case(real_vault, "Жапарова", date.today())
    boxes = MessageBoxes(monkeypatch)
    view = settings_view(qtbot, real_vault, page="retention")
    page = view.page("retention")
    assert not page.anonymize_button.isEnabled()
    page.months.setValue(24)
    page.run_preview()
    settle(qtbot)
    assert page.preview is not None and page.preview.case_count == 2
    assert "2" in page.result.text()
    assert all(case.number in page.result.text() for case in old)
    assert page.anonymize_button.isEnabled()
    page.months.setValue(25)  # a preview holds only for its own months
    assert not page.anonymize_button.isEnabled()
    page.months.setValue(24)
    page.run_preview()
    settle(qtbot)
    page.anonymize()
    settle(qtbot)
    [question] = boxes.texts("question")
    assert "2" in question
    assert boxes.texts("information")
    with real_vault.db.read() as session:
        names = session.execute(text("SELECT family_name FROM people ORDER BY family_name"))
        assert [row[0] for row in names] == ["", "", "Жапарова"]
    assert not page.anonymize_button.isEnabled()


def test_months_below_the_minimum_are_refused(qtbot, real_vault):
    view = settings_view(qtbot, real_vault, page="retention")
    page = view.page("retention")
    page.months.setValue(3)
    page.run_preview()
    settle(qtbot)
    assert page.errors.text("months")
    assert page.preview is None
