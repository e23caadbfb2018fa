"""The Referrals screen: the list with its filters and overdue answers, changing a status,
marking overdue letters as "no response", a letter's preview and saving it, opening the
case (on an SQLCipher vault with letters issued through the real renderer)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from sqlmodel import select

from desktop.referral_dialogs import LetterPreview, StatusDialog
from desktop.referrals_view import ReferralsView
from models import cases, people, referrals
from models.institutions import sync_shipped_institutions
from models.tables import AuditEntry, CaseEvent, Institution, Referral
from reports.referral_letter import issue_letter
from tests.ui.test_settings_support import MessageBoxes, screenshot, settle
from translations import _, set_language

TODAY = date.today()


def _institution(opened, code: str) -> Institution:
    with opened.db.read() as session:
        return session.exec(select(Institution).where(Institution.code == code)).one()


def _letter(opened, case, institution) -> Referral:
    return issue_letter(
        db=opened.db, actor=opened.actor,
        data={"case_id": case.id, "institution_id": institution.id,
              "template": "consular_assistance", "language": "ru", "disclosed": ["full_name"],
              "reason": "Нужна помощь с документами."},
    )  # fmt: skip


def _backdate(opened, referral: Referral, *, sent: date, due: date, status="sent") -> None:
    """As if the letter had been sent long ago (services only send letters from today)."""
    with opened.db.write() as session:
        row = session.get(Referral, referral.id)
        row.status, row.sent_on, row.response_due_on = status, sent, due
        session.add(row)


@pytest.fixture
def letters(real_vault):
    """Three letters on two cases: one overdue, one sent today, one draft."""
    opened = real_vault
    with opened.db.write() as session:
        sync_shipped_institutions(session, actor=opened.actor)
    embassy = _institution(opened, "kg_embassy_ru")
    consulate = _institution(opened, "kg_consulate_novosibirsk")
    made = []
    for family, given in (("Асанов", "Нурбек"), ("Өмүрбекова", "Гүлзат")):
        person = people.create_person(
            db=opened.db, actor=opened.actor, data={"family_name": family, "given_name": given}
        )
        made.append(cases.open_case(
            db=opened.db, actor=opened.actor,
            data={"person_id": person.id, "categories": ["lost_documents"],
                  "consent_store": True, "consent_refer": True},
        ))  # fmt: skip
    overdue = _letter(opened, made[0], embassy)
    _backdate(opened, overdue, sent=TODAY - timedelta(days=45), due=TODAY - timedelta(days=15))
    fresh = _letter(opened, made[1], consulate)
    fresh = referrals.change_referral_status(
        db=opened.db, actor=opened.actor, referral_id=fresh.id, version=fresh.version,
        status="sent",
    )  # fmt: skip
    draft = _letter(opened, made[1], embassy)
    return {"cases": made, "overdue": overdue, "fresh": fresh, "draft": draft,
            "embassy": embassy, "consulate": consulate}  # fmt: skip


def _view(qtbot, opened) -> ReferralsView:
    view = ReferralsView(opened)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    qtbot.waitExposed(view)
    settle(qtbot)
    return view


def _select(view: ReferralsView, referral_id) -> None:
    row = view.model.row_of(referral_id)
    assert row is not None
    view.table.selectRow(row)


def _status(opened, referral_id) -> str:
    with opened.db.read() as session:
        return session.get(Referral, referral_id).status


def test_list_filters_and_overdue_answers(qtbot, real_vault, letters):
    view = _view(qtbot, real_vault)
    assert view.model.total == 3 and view.count_label.text() == "3 referrals"
    assert view.overdue_label.text() == "1 answer overdue" and view.no_response_button.isEnabled()
    late = view.model.row_of(letters["overdue"].id)
    due = view.model.index(late, view.model.COL_DUE)
    assert due.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert due.data(Qt.ItemDataRole.ToolTipRole) == "No answer yet: 15 days overdue"
    assert view.model.index(late, view.model.COL_CASE).data() == letters["cases"][0].number
    assert view.model.index(late, view.model.COL_INSTITUTION).data().startswith("Embassy")
    view.overdue_filter.setChecked(True)
    settle(qtbot)
    assert [r.id for r in view.model.rows] == [letters["overdue"].id]
    view.overdue_filter.setChecked(False)
    view.status_filter.setCurrentIndex(view.status_filter.findData("draft"))
    settle(qtbot)
    assert [r.id for r in view.model.rows] == [letters["draft"].id]
    view.status_filter.setCurrentIndex(0)
    view.institution_filter.setCurrentIndex(
        view.institution_filter.findData(str(letters["consulate"].id))
    )
    settle(qtbot)
    assert [r.id for r in view.model.rows] == [letters["fresh"].id]
    view.show_overdue()
    settle(qtbot)
    assert view.institution_filter.currentIndex() == 0 and view.overdue_filter.isChecked()
    assert view.model.total == 1


def test_sorting_by_a_column(qtbot, real_vault, letters):
    view = _view(qtbot, real_vault)
    view.table.horizontalHeader().setSortIndicator(view.model.COL_DUE, Qt.SortOrder.AscendingOrder)
    settle(qtbot)
    assert view.model.query.sort == "due" and not view.model.query.descending
    assert [r.id for r in view.model.rows] == [
        letters["draft"].id, letters["overdue"].id, letters["fresh"].id
    ]  # fmt: skip


def test_sort_and_columns_are_remembered(qtbot, real_vault, letters):
    view = _view(qtbot, real_vault)
    header = view.table.horizontalHeader()
    header.setSortIndicator(view.model.COL_CASE, Qt.SortOrder.AscendingOrder)
    header.resizeSection(view.model.COL_INSTITUTION, 222)
    settings = QSettings()
    view.save_state(settings)
    again = ReferralsView(real_vault)
    qtbot.addWidget(again)
    again.restore_state(settings)
    assert again.table.horizontalHeader().sectionSize(again.model.COL_INSTITUTION) == 222
    assert (again.model.query.sort, again.model.query.descending) == ("case", False)


def test_change_status_with_a_date_and_note(qtbot, real_vault, letters):
    view = _view(qtbot, real_vault)
    _select(view, letters["fresh"].id)
    view._fill_status_menu()
    labels = [action.text() for action in view.status_menu.actions()]
    assert labels == ["Receipt acknowledged", "Accepted", "Declined", "No response", "Revoked"]
    dialog = view.change_status("acknowledged")
    assert isinstance(dialog, StatusDialog) and "“Sent” → “Receipt acknowledged”" in (
        dialog.heading.text()
    )
    dialog.note.setPlainText("Ответ № 15/3 от посольства")
    dialog.submit()
    settle(qtbot)
    settle(qtbot)
    assert not shiboken6.isValid(dialog)
    assert _status(real_vault, letters["fresh"].id) == "acknowledged"
    assert view.selected().id == letters["fresh"].id and view.selected().status == "acknowledged"
    assert "Receipt acknowledged" in view.message.text()
    with real_vault.db.read() as session:
        texts = session.exec(
            select(CaseEvent.text).where(CaseEvent.case_id == letters["cases"][1].id)
        ).all()
    assert "Ответ № 15/3 от посольства" in texts


def test_a_refused_status_change_keeps_the_dialog_open(qtbot, real_vault, letters):
    view = _view(qtbot, real_vault)
    _select(view, letters["fresh"].id)
    dialog = view.change_status("accepted")
    referrals.change_referral_status(
        db=real_vault.db, actor=real_vault.actor, referral_id=letters["fresh"].id,
        version=letters["fresh"].version, status="revoked",
    )  # fmt: skip
    dialog.note.setPlainText("Принято")
    dialog.submit()
    settle(qtbot)
    assert dialog.isVisible() and "changed by someone else" in dialog.error.text()
    assert dialog.note.toPlainText() == "Принято"
    dialog.reject()


def test_mark_overdue_as_no_response(qtbot, real_vault, letters, monkeypatch):
    boxes = MessageBoxes(monkeypatch)
    view = _view(qtbot, real_vault)
    view.mark_no_response()
    settle(qtbot)
    settle(qtbot)
    assert "1 referral has had no answer" in boxes.texts("question")[0]
    assert _status(real_vault, letters["overdue"].id) == "no_response"
    assert _status(real_vault, letters["fresh"].id) == "sent"
    assert view.message.text() == "1 referral marked as no response."
    assert view.model.overdue_total == 0 and not view.no_response_button.isEnabled()
    assert not view.overdue_label.isVisible()


def test_letter_preview_and_saving(qtbot, real_vault, letters, tmp_path):
    view = _view(qtbot, real_vault)
    _select(view, letters["fresh"].id)
    assert view.letter_button.isEnabled()
    view.open_letter()
    settle(qtbot)
    [preview] = view.previews
    assert isinstance(preview, LetterPreview) and preview.isVisible()
    assert preview.page_labels and not preview.page_labels[0].pixmap().isNull()
    assert (
        preview.file_name()
        == "letter-" + letters["fresh"].register_number.replace("/", "-") + ".pdf"
    )
    target = tmp_path / "out" / "letter.pdf"
    target.parent.mkdir()
    with qtbot.waitSignal(preview.saved):
        preview.save_to(target)
    settle(qtbot)
    assert target.read_bytes().startswith(b"%PDF")
    with real_vault.db.read() as session:
        actions = session.exec(
            select(AuditEntry.action).where(AuditEntry.entity_id == str(letters["fresh"].id))
        ).all()
    assert "view" in actions and "export" in actions
    assert "Letter saved" in view.message.text()
    screenshot(preview, "referral_letter_preview.png")
    preview.close()


def test_double_click_opens_the_case(qtbot, real_vault, letters):
    view = _view(qtbot, real_vault)
    row = view.model.row_of(letters["overdue"].id)
    with qtbot.waitSignal(view.open_case_requested) as signal:
        view.table.doubleClicked.emit(view.model.index(row, 0))
    assert signal.args == [letters["cases"][0].id]


def test_screenshots_in_kyrgyz_and_russian(qtbot, real_vault, letters):
    view = _view(qtbot, real_vault)
    for lang in ("ky", "ru"):
        set_language(lang)
        view.retranslate()
        settle(qtbot)
        row = view.model.row_of(letters["overdue"].id)
        view.table.selectRow(row)
        name = view.model.index(row, view.model.COL_INSTITUTION).data()
        assert name.startswith("Кыргыз Республикасынын" if lang == "ky" else "Посольство")
        assert view.overdue_filter.text() == _("Only overdue answers")
        qtbot.wait(50)
        screenshot(view, f"referrals_{lang}.png")
    set_language("en")
