"""The tabs of an open case on the demo vault: status, assignee, details, timeline,
follow-ups, referrals and documents, each driven through its widgets."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox
from sqlmodel import select

from desktop.case_tab_timeline import describe_entry
from desktop.referral_dialog import ReferralDialog
from models.tables import Attachment, Case, CaseEvent, FollowUp, Institution, Referral, User
from models.vocab import default_vocabularies
from tests.ui import test_workspace
from tests.ui.test_workspace import (
    audit_actions,
    case_ids,
    open_case,
    save,
    settle,
)

answers = test_workspace.answers  # the fixture that answers unsaved-work questions
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _case(opened, case_id) -> Case:
    with opened.db.read() as session:
        return session.get(Case, case_id)


def _open_new_case(qtbot, window):
    """A case in status "new" (so every transition is offered)."""
    with window.opened.db.read() as session:
        case_id = session.exec(select(Case.id).where(Case.status == "new").limit(1)).first()
    return open_case(qtbot, window, case_id)


def test_status_moves_through_the_dialog_closing_needs_a_reason(qtbot, window, demo_vault):
    workspace = _open_new_case(qtbot, window)
    summary = workspace.section("summary")
    events_before = len(workspace.snapshot.events)
    dialog = summary.change_status("closed")
    assert dialog.reason.widget.isVisible()
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.isVisible() and dialog.errors.text("closure_reason")
    dialog.reason.set("lost_contact")
    dialog.note.set("Телефон өчүк")
    dialog.submit()
    qtbot.waitUntil(lambda: workspace.snapshot.case.status == "closed", timeout=10_000)
    settle(qtbot, workspace)
    case = _case(demo_vault, workspace.case_id)
    assert (case.status, case.closure_reason, case.closed_on) == (
        "closed", "lost_contact", date.today(),
    )  # fmt: skip
    vocab = default_vocabularies()
    assert summary.status_value.text() == vocab["case_status"].label("closed", "en")
    assert vocab["closure_reason"].label("lost_contact", "en") in summary.closure_value.text()
    timeline = workspace.section("timeline")
    assert len(timeline.model.rows) == events_before + 1
    newest = timeline.model.rows[0]
    assert newest.kind == "status_change" and "Телефон өчүк" in describe_entry(newest)

    reopen = summary.change_status("in_progress")
    assert not reopen.reason.widget.isVisible()
    reopen.submit()
    qtbot.waitUntil(lambda: workspace.snapshot.case.status == "in_progress", timeout=10_000)
    case = _case(demo_vault, workspace.case_id)
    assert case.closure_reason is None and case.closed_on is None
    assert audit_actions(demo_vault, "case")[-2:] == ["status", "reopen"]


def test_the_assignee_is_edited_on_the_summary(qtbot, window, demo_vault):
    user = User(username="aigerim", display_name="Айгерим Токтогулова", role="caseworker")
    with demo_vault.db.write() as session:
        session.add(user)
    workspace = open_case(qtbot, window, case_ids(window)[0])
    summary = workspace.section("summary")
    combo = summary.assignee.widget
    combo.setCurrentIndex(combo.findData(str(user.id)))
    assert workspace.is_dirty()
    save(qtbot, workspace)
    assert _case(demo_vault, workspace.case_id).assigned_user_id == user.id
    assert "Айгерим" in workspace.facts.text()


def test_details_are_saved_through_the_form(qtbot, window, demo_vault):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    details = workspace.section("details")
    summary_editor = details.view.editor("summary")
    summary_editor.edit.setPlainText("Иш берүүчү 3 айдан бери айлык төлөбөй жатат.")
    assert workspace.is_dirty()
    assert list(details.edits()) == ["summary"]
    save(qtbot, workspace)
    assert not workspace.is_dirty()
    case = _case(demo_vault, workspace.case_id)
    assert case.details["summary"].startswith("Иш берүүчү")
    assert "3 айдан" in workspace.section("summary").values["problem"].text()


def test_notes_are_added_newest_first_with_author(qtbot, window, demo_vault):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    timeline = workspace.section("timeline")
    before = len(timeline.model.rows)
    timeline.kind.set("call")
    timeline.text.setPlainText("Консулдукка чалды, жооп күтүүдө.")
    assert workspace.is_dirty() and timeline.add_button.isEnabled()
    timeline.add_button.click()
    qtbot.waitUntil(lambda: len(timeline.model.rows) == before + 1, timeout=10_000)
    # the demo may hold entries stamped later today, so find the new one by its text
    row = next(i for i, r in enumerate(timeline.model.rows) if r.text.startswith("Консулдукка"))
    added = timeline.model.rows[row]
    assert added.kind == "call" and added.author_name == window.user_name
    assert timeline.model.index(row, 2).data() == window.user_name
    assert timeline.model.index(row, 1).data() == default_vocabularies()["event_kind"].label(
        "call", "en"
    )
    assert all(r.occurred_at >= added.occurred_at for r in timeline.model.rows[:row])
    times = [row.occurred_at for row in timeline.model.rows]
    assert times == sorted(times, reverse=True)
    assert not workspace.is_dirty() and timeline.text.toPlainText() == ""


def test_follow_ups_are_added_and_marked_done(qtbot, window, demo_vault):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    tab = workspace.section("follow_ups")
    before = len(tab.model.rows)
    tab.title_edit.setText("Иш берүүчүгө кайра чалуу")
    due = date.today() + timedelta(days=3)
    tab.due.setDate(due)
    tab.add_button.click()
    qtbot.waitUntil(lambda: len(tab.model.rows) == before + 1, timeout=10_000)
    row = next(r for r in tab.model.rows if r.title == "Иш берүүчүгө кайра чалуу")
    assert row.due_on == due and row.done_on is None
    next_up = workspace.snapshot.next_follow_up
    assert workspace.section("summary").values["next_follow_up"].text()
    assert next_up is not None and next_up.due_on <= due
    tab.table.selectRow(tab.model.rows.index(row))
    assert tab.done_button.isEnabled()
    tab.done_button.click()
    qtbot.waitUntil(
        lambda: any(r.id == row.id and r.done_on == date.today() for r in tab.model.rows),
        timeout=10_000,
    )
    with demo_vault.db.read() as session:
        assert session.get(FollowUp, row.id).done_on == date.today()


def test_referrals_are_listed(qtbot, window, demo_vault):
    case_id = case_ids(window)[0]
    with demo_vault.db.write() as session:
        institution = Institution(
            kind="consulate", name_en="Consulate General in Yekaterinburg",
            name_ru="Генеральное консульство в Екатеринбурге",
            name_ky="Екатеринбургдагы башкы консулдук",
        )  # fmt: skip
        session.add(institution)
        session.flush()
        session.add(
            Referral(
                case_id=case_id, institution_id=institution.id, register_number="OUT-2026-0099",
                status="sent", sent_on=date.today() - timedelta(days=20),
                response_due_on=date.today() - timedelta(days=5),
            )
        )
    workspace = open_case(qtbot, window, case_id)
    tab = workspace.section("referrals")
    numbers = [tab.model.index(r, 0).data() for r in range(tab.model.rowCount())]
    assert "OUT-2026-0099" in numbers
    row = numbers.index("OUT-2026-0099")
    assert tab.model.index(row, 1).data() == "Consulate General in Yekaterinburg"
    workspace.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.reload_requested, timeout=10_000):
        tab.new_button.click()
        dialog = tab.dialog
        assert isinstance(dialog, ReferralDialog) and dialog.isVisible()
        assert dialog.case_id == case_id
        qtbot.waitUntil(lambda: dialog.options is not None, timeout=10_000)
        dialog.reject()
    assert tab.dialog is None
    window.set_language("ru")
    assert tab.model.index(row, 1).data() == "Генеральное консульство в Екатеринбурге"
    assert tab.model.index(row, 2).data() == default_vocabularies()["referral_status"].label(
        "sent", "ru"
    )


def test_documents_add_refuse_save_copy_and_delete(
    qtbot, window, demo_vault, tmp_path: Path, monkeypatch
):
    workspace = open_case(qtbot, window, case_ids(window)[0])
    tab = workspace.section("documents")
    workspace.tabs.setCurrentWidget(tab)
    scan = tmp_path / "паспорт.pdf"
    scan.write_bytes(PDF)
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"MZ\x90\x00 a program")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(scan), str(fake)], "")
    )
    tab.add_button.click()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=10_000)
    assert tab.model.index(0, 0).data() == "паспорт.pdf"
    assert tab.message.isVisible() and "photo.jpg" in tab.message.text()
    assert audit_actions(demo_vault, "attachment") == ["create"]

    tab.table.selectRow(0)
    assert tab.save_button.isEnabled() and tab.delete_button.isEnabled()
    warned = []
    monkeypatch.setattr(
        QMessageBox, "warning",
        lambda *a, **k: warned.append(a[2]) or QMessageBox.StandardButton.Save,
    )  # fmt: skip
    target = tmp_path / "out" / "copy.pdf"
    target.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    tab.save_button.click()
    qtbot.waitUntil(target.exists, timeout=10_000)
    assert target.read_bytes() == PDF
    assert warned and "NOT" in warned[0]
    assert audit_actions(demo_vault, "attachment") == ["create", "view"]

    monkeypatch.setattr(
        QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes
    )
    tab.delete_button.click()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 0, timeout=10_000)
    with demo_vault.db.read() as session:
        assert session.exec(select(Attachment)).all() == []
    assert audit_actions(demo_vault, "attachment") == ["create", "view", "delete"]
    events = workspace.section("timeline").model.rows
    assert any(e.kind == "document" and e.text == "паспорт.pdf" for e in events)
    with demo_vault.db.read() as session:
        kinds = session.exec(
            select(CaseEvent.kind).where(CaseEvent.case_id == workspace.case_id)
        ).all()
    assert "document" in kinds


def test_saving_an_entry_date_offers_the_rules_follow_ups(qtbot, window, demo_vault):
    import shiboken6
    from PySide6.QtWidgets import QApplication

    from desktop.follow_up_proposals import ProposalsDialog

    workspace = _open_new_case(qtbot, window)
    details = workspace.section("details")
    entry = date.today() - timedelta(days=3)
    details.apply_edits({"destination_country": "ru", "entry_date": entry})
    save(qtbot, workspace)

    def dialog() -> ProposalsDialog | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, ProposalsDialog)]
        return next((w for w in found if w.isVisible()), None)

    qtbot.waitUntil(lambda: dialog() is not None, timeout=test_workspace.TIMEOUT)
    proposals = dialog()
    codes = {p.rule.code for p in proposals.ticked()}
    assert codes and all(p.due_on > entry for p in proposals.ticked())
    proposals.add_ticked()
    qtbot.waitUntil(  # the dialog closes (and is deleted) once they are added
        lambda: not shiboken6.isValid(proposals) or not proposals.isVisible(),
        timeout=test_workspace.TIMEOUT,
    )
    with demo_vault.db.read() as session:
        rules = set(
            session.exec(
                select(FollowUp.rule_code).where(FollowUp.case_id == workspace.case_id)
            ).all()
        )
    assert codes <= rules
