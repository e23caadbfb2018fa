"""The referral dialog: choosing, previewing, numbering, saving and printing a letter."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from sqlmodel import select

from desktop.letter_printing import print_support
from desktop.referral_dialog import ReferralDialog
from desktop.referral_form import CODE_ROLE
from models import cases, people
from models.tables import AuditEntry, Institution, Referral
from tests.ui.test_settings_support import other_user, screenshot, settle

YEAR = date.today().year


def make_case(opened, *, consent_refer=True, employer="ООО «Восток-Строй»"):
    person = people.create_person(
        db=opened.db,
        actor=opened.actor,
        data={"family_name": "Өмүрбеков", "given_name": "Жаңыбай", "phones": ["+79161234567"],
              "birth_date": date(1990, 5, 6)},
    )  # fmt: skip
    return cases.open_case(
        db=opened.db,
        actor=opened.actor,
        data={
            "person_id": person.id,
            "categories": ["unpaid_wages"],
            "consent_store": True,
            "consent_refer": consent_refer,
            "employer_name": employer,
            "destination_country": "ru",
            "destination_region": "moscow",
        },
    )


def make_institutions(opened) -> dict[str, Institution]:
    rows = {
        "inspectorate": Institution(
            kind="labour_inspectorate", country="RU", name_ru="Государственная инспекция труда",
            name_en="State Labour Inspectorate", name_ky="Мамлекеттик эмгек инспекциясы",
            address="г. Москва, ул. Земляной Вал, д. 50А",
        ),
        "ministry": Institution(
            kind="kg_government", country="KG",
            name_ru="Министерство труда, социального обеспечения и миграции КР",
            name_en="Ministry of Labour, Social Security and Migration",
            name_ky="Эмгек, социалдык камсыздоо жана миграция министрлиги",
        ),
    }  # fmt: skip
    with opened.db.write() as session:
        for row in rows.values():
            session.add(row)
    return rows


def open_dialog(qtbot, opened, case_id) -> ReferralDialog:
    dialog = ReferralDialog(opened, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        pass
    return dialog


def checked(widget) -> list[str]:
    return [
        widget.item(i).data(CODE_ROLE)
        for i in range(widget.count())
        if widget.item(i).checkState() == Qt.CheckState.Checked
    ]


def choose(qtbot, dialog, institution) -> None:
    with qtbot.waitSignal(dialog.previewed, timeout=15_000):
        dialog.form.select_institution(institution.id)


def test_choosing_an_institution_proposes_letter_language_and_minimal_facts(qtbot, real_vault):
    case = make_case(real_vault)
    places = make_institutions(real_vault)
    dialog = open_dialog(qtbot, real_vault, case.id)
    assert dialog.form.heading.text().endswith(case.number)
    assert not dialog.save_pdf_button.isEnabled() and not dialog.print_button.isEnabled()
    dialog.form.reason.setPlainText("Зарплату не выплачивают с марта.")
    choose(qtbot, dialog, places["inspectorate"])
    assert dialog.form.template.currentData() == "wage_complaint"
    assert dialog.form.language.currentData() == "ru"
    assert checked(dialog.form.facts) == ["full_name", "location", "employer"]
    assert "phone" not in checked(dialog.form.facts)  # recorded, but this letter does not need it
    assert len(dialog.page_labels) >= 1
    qtbot.wait(50)
    screenshot(dialog, "referral-dialog.png")
    # A Kyrgyz ministry: the letter in Kyrgyz, and the template for that kind of body.
    choose(qtbot, dialog, places["ministry"])
    assert dialog.form.language.currentData() == "ky"
    assert dialog.form.template.currentData() == "consular_assistance"


def test_a_missing_value_is_listed_instead_of_a_preview(qtbot, real_vault):
    case = make_case(real_vault, employer="")
    places = make_institutions(real_vault)
    dialog = open_dialog(qtbot, real_vault, case.id)
    choose(qtbot, dialog, places["inspectorate"])
    text = dialog.message.text()
    assert "Employer" in text and "Write the reason" in text
    assert dialog.page_labels == []


def test_saving_numbers_the_letter_then_it_can_be_saved_and_printed(qtbot, real_vault, tmp_path):
    case = make_case(real_vault)
    places = make_institutions(real_vault)
    dialog = open_dialog(qtbot, real_vault, case.id)
    dialog.form.reason.setPlainText("Зарплату не выплачивают с марта.")
    choose(qtbot, dialog, places["inspectorate"])
    dialog.form.services.item(3).setCheckState(Qt.CheckState.Checked)  # labour dispute
    with qtbot.waitSignal(dialog.issued, timeout=15_000) as issued:
        dialog.save_button.click()
    settle(qtbot)
    referral = issued.args[0]
    assert referral.register_number == f"1/{YEAR}"
    assert referral.services == ["labour_dispute"]
    assert dialog.windowTitle().endswith(referral.register_number)
    assert not dialog.save_button.isEnabled() and dialog.save_pdf_button.isEnabled()
    target = tmp_path / dialog.file_name()
    dialog.save_pdf_to(target)
    text = PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
    assert f"Исх. № 1/{YEAR}" in text
    with real_vault.db.read() as s:
        exports = s.exec(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert exports[-1].changes["output"] == "save_pdf"
    assert exports[-1].changes["file"] == target.name
    support = print_support()
    if support is None:
        pytest.skip("Qt printing is not available")
    printer = support.QPrinter(support.QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(support.QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert dialog.print_to(printer) >= 1
    assert (tmp_path / "printed.pdf").read_bytes().startswith(b"%PDF")
    with real_vault.db.read() as s:
        last = s.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last.action == "export" and last.changes["output"] == "print"
    screenshot(dialog, "referral-dialog-issued.png")


def test_without_consent_a_caseworker_is_told_to_ask_a_coordinator(qtbot, real_vault):
    case = make_case(real_vault, consent_refer=False)
    places = make_institutions(real_vault)
    caseworker = other_user(real_vault, "kanat", "caseworker")
    dialog = open_dialog(qtbot, caseworker, case.id)
    assert "not recorded" in dialog.form.consent.text()
    assert dialog.form.override.isHidden()
    dialog.form.reason.setPlainText("Зарплату не выплачивают.")
    choose(qtbot, dialog, places["inspectorate"])
    assert "coordinator" in dialog.message.text()
    assert dialog.page_labels == []


def test_a_coordinator_overrides_a_missing_consent_with_a_reason(qtbot, real_vault):
    case = make_case(real_vault, consent_refer=False)
    places = make_institutions(real_vault)
    dialog = open_dialog(qtbot, real_vault, case.id)
    assert not dialog.form.override.isHidden()
    dialog.form.reason.setPlainText("Зарплату не выплачивают.")
    choose(qtbot, dialog, places["inspectorate"])
    assert "write why" in dialog.message.text()
    with qtbot.waitSignal(dialog.previewed, timeout=15_000):
        dialog.form.override.setChecked(True)
        dialog.form.override_reason.setPlainText("The client is in hospital and cannot sign.")
    assert dialog.page_labels
    with qtbot.waitSignal(dialog.issued, timeout=15_000):
        dialog.save_button.click()
    settle(qtbot)
    with real_vault.db.read() as s:
        referral = s.exec(select(Referral)).one()
    assert referral.consent_override_reason == "The client is in hospital and cannot sign."
