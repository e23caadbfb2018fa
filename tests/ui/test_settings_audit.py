"""The Audit log page: paged, newest first; the chain check finds a tampered entry."""

from __future__ import annotations

from sqlalchemy import text

from desktop.settings_audit import ACTIONS, AuditModel, SeqRole
from models.settings import change_setting, put_setting
from tests.ui.test_settings_support import screenshot, settings_view, settle
from translations import _, set_language


def _fill_log(opened, changes: int) -> None:
    """Many audited setting changes (written in one go, as the service would write each)."""
    with opened.db.write() as session:
        for minutes in range(changes - 1):
            put_setting(session, actor=opened.actor, key="lock_minutes", value=minutes % 120 + 1)
    change_setting(db=opened.db, actor=opened.actor, key="lock_minutes", value=7)


def _max_seq(opened) -> int:
    with opened.db.read() as session:
        return session.execute(text("SELECT max(seq) FROM audit_log")).scalar_one()


def test_newest_first_in_pages_and_chain_intact(qtbot, real_vault, monkeypatch):
    monkeypatch.setattr(AuditModel, "PAGE_SIZE", 40)
    _fill_log(real_vault, 100)
    newest = _max_seq(real_vault)
    view = settings_view(qtbot, real_vault, page="audit")
    page = view.page("audit")
    model = page.model
    assert model.total == newest
    assert model.rowCount() == 40  # one page, not the whole log
    seqs = [row.seq for row in model.rows]
    assert seqs == sorted(seqs, reverse=True) and seqs[0] == newest
    assert model.index(0, model.COL_ACTION).data() == _(ACTIONS["update"])
    assert model.index(0, model.COL_ENTITY).data() == _("Setting")
    assert model.index(0, model.COL_ID).data() == "lock_minutes"
    assert model.index(0, model.COL_FIELDS).data() == "value"
    model.fetchMore()
    settle(qtbot)
    assert model.rowCount() == 80 and model.rows[-1].seq == newest - 79

    page.verify()
    settle(qtbot)
    assert page.report is not None and page.report.ok
    assert page.result_label.text() == _(
        "Intact: {count} entries, none changed or removed."
    ).format(count=newest)


def test_tampered_entry_is_found_and_selected(qtbot, real_vault, monkeypatch):
    monkeypatch.setattr(AuditModel, "PAGE_SIZE", 40)
    _fill_log(real_vault, 200)
    with real_vault.db.write() as session:
        session.execute(text("UPDATE audit_log SET username = 'mallory' WHERE seq = 5"))
    view = settings_view(qtbot, real_vault, page="audit")
    page = view.page("audit")
    assert page.model.rows[0].seq == _max_seq(real_vault)
    page.verify()
    settle(qtbot)
    report = page.report
    assert report is not None and not report.ok
    assert report.first_bad_seq == 5 and report.checked == 4
    assert "5" in page.result_label.text()
    selected = page.table.selectionModel().selectedRows()
    assert len(selected) == 1 and selected[0].data(SeqRole) == 5
    assert page.model.index(selected[0].row(), 2).data() == "mallory"
    page.refresh()
    settle(qtbot)
    assert page.model.rows[0].seq == _max_seq(real_vault)


def test_audit_page_screenshot_in_kyrgyz(qtbot, real_vault):
    _fill_log(real_vault, 3)
    set_language("ky")
    view = settings_view(qtbot, real_vault, page="audit")
    page = view.page("audit")
    page.verify()
    settle(qtbot)
    path = screenshot(view, "settings_audit_ky.png")
    assert path.stat().st_size > 0
