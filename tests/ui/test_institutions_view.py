"""The Institutions screen: search and filters, adding, editing, deactivating, updating the
shipped list, stale edits, and a volunteer's read-only directory (on an SQLCipher vault)."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit
from sqlmodel import delete, select

from desktop.institution_dialog import InstitutionDialog, ShippedListDialog
from desktop.institutions_view import STATE_ALL, STATE_INACTIVE, InstitutionsView
from models import institutions as inst
from models.tables import AuditEntry, Institution
from tests.ui.test_settings_support import MessageBoxes, other_user, screenshot, settle
from translations import _, set_language


@pytest.fixture(autouse=True)
def _empty_directory(request):
    """These tests start from an empty directory, as before "Update shipped list…"."""
    if "real_vault" in request.fixturenames:
        with request.getfixturevalue("real_vault").db.write() as session:
            session.execute(delete(Institution))


def _view(qtbot, opened) -> InstitutionsView:
    view = InstitutionsView(opened)
    qtbot.addWidget(view)
    view.resize(1200, 700)
    view.show()
    qtbot.waitExposed(view)
    settle(qtbot)
    return view


def _synced(opened) -> int:
    with opened.db.write() as session:
        return inst.sync_shipped_institutions(session, actor=opened.actor)


def _shown_names(view: InstitutionsView) -> list[str]:
    return [view.proxy.index(r, 0).data() for r in range(view.proxy.rowCount())]


def _by_code(opened, code: str) -> Institution:
    with opened.db.read() as session:
        return session.exec(select(Institution).where(Institution.code == code)).one()


def _choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_search_and_filters(qtbot, real_vault):
    shipped = _synced(real_vault)
    view = _view(qtbot, real_vault)
    assert view.proxy.rowCount() == len(view.model.rows) == shipped
    assert view.count_label.text() == f"{shipped} of {shipped} institutions"
    view.search.setText("консулдугу")  # Kyrgyz names match whatever the interface language
    assert view.proxy.rowCount() == 5
    view.search.setText("ALMATY consul")
    assert _shown_names(view) == ["Consulate General of the Kyrgyz Republic in Almaty"]
    view.search.clear()
    _choose(view.kind, "embassy")
    _choose(view.country, "KZ")
    assert _shown_names(view) == ["Embassy of the Kyrgyz Republic in the Republic of Kazakhstan"]
    assert view.country.findData("RU") > 0 and view.country.findData("TR") < 0
    _choose(view.kind, None)
    _choose(view.country, None)
    names = _shown_names(view)
    assert names == sorted(names, key=str.casefold)  # by name
    view.table.sortByColumn(view.model.COL_KIND, Qt.SortOrder.DescendingOrder)
    kinds = [view.proxy.index(r, view.model.COL_KIND).data() for r in range(shipped)]
    assert kinds == sorted(kinds, key=str.casefold, reverse=True)


def test_add_an_institution_with_a_refused_value_kept(qtbot, real_vault, monkeypatch):
    view = _view(qtbot, real_vault)
    assert view.model.rows == [] and view.add_button.isVisible()
    assert "Update shipped list" in view.status.text()  # an empty directory says what to do
    view.add()
    dialog = view.findChild(InstitutionDialog)
    dialog.fields["name_ky"].setText("Москвадагы «Ынтымак» диаспорасы")
    _choose(dialog.kind, "diaspora")
    _choose(dialog.country, "RU")
    dialog.fields["city"].setText("Москва")
    dialog.address.setPlainText("ул. Тверская, 1\nоф. 5")
    dialog.fields["email"].setText("not an address")
    dialog.submit()
    settle(qtbot)
    assert dialog.isVisible() and "e-mail address" in dialog.errors.text("email")
    assert dialog.fields["name_ky"].text() == "Москвадагы «Ынтымак» диаспорасы"  # nothing lost
    dialog.fields["email"].setText("yntymak@example.org")
    dialog.fields["phone"].setText("+7 495 123-45-67")
    dialog.fields["addressee_title"].setText("Председателю")
    dialog.submit()
    settle(qtbot)
    assert not shiboken6.isValid(dialog)  # accepted, closed and deleted
    settle(qtbot)
    row = view.selected()
    assert row is not None and row.name_ky == "Москвадагы «Ынтымак» диаспорасы"
    assert (row.country, row.city, row.address, row.shipped) == (
        "RU", "Москва", "ул. Тверская, 1\nоф. 5", False,
    )  # fmt: skip
    assert view.proxy.index(0, view.model.COL_SOURCE).data() == _("Added here")
    assert "Saved:" in view.status.text()


def test_a_name_is_needed_in_some_language(qtbot, real_vault):
    view = _view(qtbot, real_vault)
    view.add()
    dialog = view.findChild(InstitutionDialog)
    dialog.submit()
    settle(qtbot)
    assert dialog.isVisible() and "at least one language" in dialog.errors.text("name_ky")
    dialog.reject()


def test_editing_a_shipped_institution_marks_what_was_changed(qtbot, real_vault):
    _synced(real_vault)
    view = _view(qtbot, real_vault)
    embassy = _by_code(real_vault, "kg_embassy_ru")
    assert view.select(embassy.id)
    view.edit()
    dialog = view.findChild(InstitutionDialog)
    assert "Shipped with Komok" in dialog.intro.text()
    dialog.fields["name_ru"].setText("Посольство КР в Москве")
    dialog.fields["phone"].setText("+7 495 000 00 00")
    dialog.submit()
    settle(qtbot)
    settle(qtbot)
    row = _by_code(real_vault, "kg_embassy_ru")
    assert row.local_fields == ["name_ru"] and row.phone == "+7 495 000 00 00"
    assert view.selected().id == row.id
    assert view.proxy.index(view.table.currentIndex().row(), view.model.COL_SOURCE).data() == _(
        "Shipped, changed here"
    )
    view.edit()
    again = view.findChildren(InstitutionDialog)[-1]
    assert "Changed here: Name in Russian." in again.intro.text()
    again.reject()


def test_a_stale_edit_is_refused_and_kept_on_screen(qtbot, real_vault, monkeypatch):
    boxes = MessageBoxes(monkeypatch)
    _synced(real_vault)
    view = _view(qtbot, real_vault)
    osh = _by_code(real_vault, "iom_osh")
    view.select(osh.id)
    view.edit()
    dialog = view.findChild(InstitutionDialog)
    inst.update_institution(
        db=real_vault.db, actor=real_vault.actor, institution_id=osh.id, version=osh.version,
        data={"phone": "+996 3222 5 55 55"},
    )  # fmt: skip
    dialog.fields["email"].setText("osh@example.org")
    dialog.submit()
    settle(qtbot)
    assert dialog.isVisible() and dialog.fields["email"].text() == "osh@example.org"
    assert any("changed by someone else" in text for text in boxes.texts("warning"))
    assert _by_code(real_vault, "iom_osh").email == ""
    dialog.reject()


def test_deactivate_and_reactivate(qtbot, real_vault, monkeypatch):
    boxes = MessageBoxes(monkeypatch)
    _synced(real_vault)
    view = _view(qtbot, real_vault)
    shown = view.proxy.rowCount()
    iom = _by_code(real_vault, "iom_moscow")
    view.select(iom.id)
    assert view.active_button.text() == _("Deactivate…")
    view.toggle_active()
    settle(qtbot)
    settle(qtbot)
    assert "no longer be offered" in boxes.texts("question")[0]
    assert not _by_code(real_vault, "iom_moscow").active
    assert view.proxy.rowCount() == shown - 1 and "Deactivated:" in view.status.text()
    _choose(view.state, STATE_INACTIVE)
    assert view.proxy.rowCount() == 1
    view.table.selectRow(0)
    assert view.active_button.text() == _("Reactivate")
    assert view.proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole) is not None
    view.toggle_active()
    settle(qtbot)
    settle(qtbot)
    assert _by_code(real_vault, "iom_moscow").active and len(boxes.texts("question")) == 1
    assert view.proxy.rowCount() == 0
    _choose(view.state, STATE_ALL)
    assert view.proxy.rowCount() == shown


def test_update_shipped_list_shows_changes_then_applies(qtbot, real_vault, monkeypatch):
    _synced(real_vault)
    embassy = _by_code(real_vault, "kg_embassy_ru")
    inst.update_institution(
        db=real_vault.db, actor=real_vault.actor, institution_id=embassy.id,
        version=embassy.version, data={"city": "Москва", "address": "ул. Большая Ордынка, 64"},
    )  # fmt: skip
    with real_vault.db.write() as session:
        session.delete(session.exec(select(Institution).where(Institution.code == "iom_osh")).one())
        stale = session.exec(select(Institution).where(Institution.code == "iom_astana")).one()
        stale.name_en = "IOM Astana (old name)"
        session.add(stale)
    view = _view(qtbot, real_vault)
    before = view.proxy.rowCount()
    view.update_shipped_list()
    settle(qtbot)
    dialog = view.findChild(ShippedListDialog)
    assert dialog is not None and dialog.apply_button.isVisible()
    groups = {
        dialog.tree.topLevelItem(i).text(0): dialog.tree.topLevelItem(i)
        for i in range(dialog.tree.topLevelItemCount())
    }
    assert set(groups) == {"New (1)", "Updated (1)", "Changed here, kept (1)"}
    kept = groups["Changed here, kept (1)"].child(0)
    assert (kept.text(1), kept.text(2)) == ("City", "Москва → Moscow")
    assert groups["Updated (1)"].child(0).text(2).startswith("IOM Astana (old name) → ")
    assert "1 new institution" in dialog.summary_label.text()
    set_language("ky")
    dialog.retranslate()
    qtbot.wait(50)
    screenshot(dialog, "institutions_shipped_list_ky.png")
    set_language("en")
    dialog.apply()
    settle(qtbot)
    settle(qtbot)
    assert not shiboken6.isValid(dialog)  # applied, closed and deleted
    assert view.status.text().startswith("Shipped list: 1 new institution")
    assert view.proxy.rowCount() == before + 1
    assert _by_code(real_vault, "kg_embassy_ru").address == "ул. Большая Ордынка, 64"
    assert _by_code(real_vault, "kg_embassy_ru").city == "Москва"
    assert _by_code(real_vault, "iom_astana").name_en.startswith("International Organization")
    view.update_shipped_list()
    settle(qtbot)
    again = view.findChildren(ShippedListDialog)[-1]
    assert not again.apply_button.isVisible()
    assert again.summary_label.text() == _("The directory already matches the shipped list.")
    again.reject()
    with real_vault.db.read() as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "sync")).all()


def test_sort_and_columns_are_remembered(qtbot, real_vault):
    _synced(real_vault)
    view = _view(qtbot, real_vault)
    view.table.sortByColumn(view.model.COL_COUNTRY, Qt.SortOrder.DescendingOrder)
    view.table.horizontalHeader().resizeSection(view.model.COL_NAME, 333)
    settings = QSettings()
    view.save_state(settings)
    again = InstitutionsView(real_vault)
    qtbot.addWidget(again)
    again.restore_state(settings)
    assert again.table.horizontalHeader().sectionSize(again.model.COL_NAME) == 333
    assert again.proxy.sortColumn() == again.model.COL_COUNTRY
    assert again.proxy.sortOrder() == Qt.SortOrder.DescendingOrder


def test_volunteers_read_the_directory_only(qtbot, real_vault):
    _synced(real_vault)
    volunteer = other_user(real_vault, "vera", "volunteer")
    view = _view(qtbot, volunteer)
    assert view.proxy.rowCount() > 20
    assert not view.add_button.isVisible() and not view.shipped_button.isVisible()
    assert not view.active_button.isVisible()
    view.table.selectRow(0)
    assert view.edit_button.text() == _("Open…")
    view.edit()
    dialog = view.findChild(InstitutionDialog)
    assert dialog.read_only and not dialog.ok_button.isVisible()
    field = dialog.fields["name_ru"]
    assert isinstance(field, QLineEdit) and field.isReadOnly()
    assert not dialog.kind.isEnabled()
    dialog.reject()


def test_screenshots_in_kyrgyz_and_russian(qtbot, real_vault):
    _synced(real_vault)
    inst.add_institution(
        db=real_vault.db, actor=real_vault.actor,
        data={"kind": "diaspora", "country": "RU", "city": "Екатеринбург",
              "name_ky": "Екатеринбургдагы «Мекен» диаспорасы",
              "name_ru": "Диаспора «Мекен» (Екатеринбург)", "phone": "+7 343 000 00 00",
              "email": "meken@example.org"},
    )  # fmt: skip
    view = _view(qtbot, real_vault)
    for lang in ("ky", "ru"):
        set_language(lang)
        view.retranslate()
        settle(qtbot)
        view.table.selectRow(0)
        assert view.kind.itemText(0) == _("All kinds")
        qtbot.wait(50)  # let the layouts take the new texts' sizes
        screenshot(view, f"institutions_{lang}.png")
        view.edit()
        dialog = view.findChildren(InstitutionDialog)[-1]
        qtbot.wait(50)
        screenshot(dialog, f"institution_dialog_{lang}.png")
        dialog.reject()
    set_language("en")
