"""FormView: the widgets a form file becomes, conditional sections, values in and out,
errors beside fields, language switches, and a quick intake on the keyboard alone."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QSpinBox,
)

from desktop.form_view import FormView
from forms.details import read_details, save_details
from forms.intake import check_intake, submit_intake
from forms.loader import FORMS_DIR, load_forms
from models.errors import ValidationFailed
from models.tables import Case
from translations import set_language

FORMS = load_forms()


@pytest.fixture
def intake(qtbot) -> FormView:
    view = FormView(FORMS.intake, language="en")
    qtbot.addWidget(view)
    view.resize(760, 1000)
    view.show()
    return view


@pytest.fixture
def details(qtbot) -> FormView:
    view = FormView(FORMS.details, language="en")
    qtbot.addWidget(view)
    view.resize(800, 1200)
    view.show()
    return view


def tick(view: FormView, key: str, codes: list[str]) -> None:
    """Tick items of a check list as a user would (each tick is an edit)."""
    widget: QListWidget = view.field_widget(key)
    for i in range(widget.count()):
        item = widget.item(i)
        wanted = item.data(Qt.ItemDataRole.UserRole) in codes
        state = Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked
        if item.checkState() != state:
            item.setCheckState(state)


def type_text(widget, text: str) -> None:
    """Key presses carrying any characters (QTest's key clicks know ASCII only)."""
    for char in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, char))


def test_each_field_type_gets_its_widget(details, intake):
    assert isinstance(intake.field_widget("given_name"), QLineEdit)
    assert isinstance(intake.field_widget("birth_year"), QSpinBox)
    assert isinstance(intake.field_widget("phones"), QLineEdit)
    assert isinstance(intake.field_widget("categories"), QListWidget)
    assert isinstance(intake.field_widget("consent_store"), QCheckBox)
    assert isinstance(details.field_widget("summary"), QPlainTextEdit)
    assert isinstance(details.field_widget("entry_date"), QDateEdit)
    assert isinstance(details.field_widget("unpaid_amount"), QDoubleSpinBox)
    assert isinstance(details.editor("unpaid_amount").currency, QComboBox)
    assert isinstance(details.field_widget("written_contract"), QComboBox)  # yes / no / unknown
    assert isinstance(details.field_widget("sector"), QComboBox)
    assert details.field_widget("sector").count() == 1 + 9  # blank + the vocabulary
    assert intake.rows["given_name"].label.text() == "Given name *"
    assert "Latin" in intake.field_widget("given_name").toolTip()
    assert intake.rows["given_name"].help_button is not None


def test_empty_form_values(intake):
    values = intake.values()
    assert values["given_name"] is None and values["birth_year"] is None
    assert values["categories"] == [] and values["consent_store"] is False
    assert values["entry_date"] is None


def test_sections_appear_with_categories(qtbot, details):
    assert not details.is_shown("unpaid_amount") and not details.is_shown("ban_until")
    assert details.groups["unpaid_wages"].isHidden()
    with qtbot.waitSignal(details.changed):
        tick(details, "categories", ["unpaid_wages"])
    assert details.is_shown("unpaid_amount") and details.groups["unpaid_wages"].isVisible()
    tick(details, "categories", ["forced_labour"])
    assert details.is_shown("forced_labour_indicators") and not details.is_shown("unpaid_amount")
    tick(details, "categories", ["trafficking", "entry_ban"])
    assert details.is_shown("forced_labour_indicators") and details.is_shown("ban_until")
    assert "forced_labour_indicators" in details.values()
    assert "unpaid_amount" not in details.values()


def test_a_field_condition_follows_another_field(details):
    details.set_values({"categories": ["unpaid_wages"]})
    assert not details.is_shown("complaint_where")
    combo: QComboBox = details.field_widget("complained_before")
    combo.setCurrentIndex(combo.findData("yes"))
    assert details.is_shown("complaint_where")
    assert details.values()["complained_before"] is True


def test_context_drives_a_form_without_a_categories_field(qtbot):
    form = FORMS.details.model_copy(
        update={"sections": [s for s in FORMS.details.sections if s.key != "problem"]}
    )
    view = FormView(form, language="en")
    qtbot.addWidget(view)
    assert not view.is_shown("ban_until")
    view.set_context({"categories": ["entry_ban"]})
    assert view.is_shown("ban_until")


def test_regions_follow_the_country(intake):
    country: QComboBox = intake.field_widget("destination_country")
    region: QComboBox = intake.field_widget("destination_region")
    country.setCurrentIndex(country.findData("kz"))
    codes = {region.itemData(i) for i in range(1, region.count())}
    assert codes == {"almaty", "astana", "shymkent", "other_kz"}
    region.setCurrentIndex(region.findData("almaty"))
    country.setCurrentIndex(country.findData("ru"))
    assert intake.values()["destination_region"] is None  # no longer fits: cleared
    intake.set_values({"destination_country": "ru", "destination_region": "moscow"})
    assert intake.values()["destination_region"] == "moscow"


def test_set_values_round_trip_and_no_changed_signal(qtbot, details):
    values = {
        "categories": ["unpaid_wages", "lost_documents"],
        "summary": "Үч ай бою айлык берилген жок.\nЭкинчи сап.",
        "entry_date": date(2025, 2, 3),
        "unpaid_amount": {"amount": Decimal("150000.50"), "currency": "RUB"},
        "unpaid_months": 3,
        "written_contract": False,
        "document_kinds": ["passport", "migration_card"],
        "consent_refer": True,
        "risk_level": "high",
    }
    signals = []
    details.changed.connect(lambda: signals.append(1))
    details.set_values(values)
    assert not signals
    got = details.values()
    for key, value in values.items():
        assert got[key] == value, key
    details.set_values({"entry_date": "2024-12-31", "unpaid_amount": {"amount": "7", "currency":
                                                                      "KZT"}})  # fmt: skip
    assert details.values()["entry_date"] == date(2024, 12, 31)
    assert details.values()["unpaid_amount"] == {"amount": Decimal("7.00"), "currency": "KZT"}
    details.set_values({"entry_date": None, "unpaid_amount": None})
    assert details.values()["entry_date"] is None and details.values()["unpaid_amount"] is None


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.text(alphabet="абвгдеңөүжклмнАБВҢӨҮabcxyzABC -", min_size=1, max_size=40).filter(
        lambda s: s.strip()
    ),
    amount=st.decimals(min_value=0, max_value=Decimal("99999999.99"), places=2),
    months=st.integers(min_value=0, max_value=120),
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
)
def test_values_survive_the_widgets(details, name, amount, months, day):
    values = {
        "categories": ["unpaid_wages"],
        "employer_name": name.strip(),
        "unpaid_amount": {"amount": amount, "currency": "KGS"},
        "unpaid_months": months,
        "contract_end_date": day,
    }
    details.set_values(values)
    got = details.values()
    assert got["employer_name"] == name.strip()
    assert got["unpaid_amount"] == {"amount": amount.quantize(Decimal("0.01")), "currency": "KGS"}
    assert got["unpaid_months"] == months and got["contract_end_date"] == day


def test_errors_show_beside_their_fields(intake):
    with pytest.raises(ValidationFailed) as caught:
        check_intake(intake.values())
    intake.show_errors(caught.value.field_errors)
    assert intake.error_text("given_name") == "Enter at least the client's given name."
    assert "consent" in intake.error_text("consent_store")
    assert intake.error_text("categories")
    assert intake.field_widget("given_name").hasFocus()
    intake.field_widget("given_name").setText("A")
    intake.field_widget("given_name").textEdited.emit("A")
    assert intake.error_text("given_name") == ""  # an edit clears its message
    intake.show_errors({"": "Something general", "nonsense": "Odd"})
    assert not intake.general_error.isHidden()
    assert "Something general" in intake.general_error.text()


def test_phone_is_tidied_when_left(qtbot, intake):
    phone: QLineEdit = intake.field_widget("phones")
    phone.setFocus()
    qtbot.keyClicks(phone, "0555 12 34 56")
    phone.editingFinished.emit()
    assert phone.text() == "+996555123456"
    phone.setText("not a number")
    phone.editingFinished.emit()
    assert intake.error_text("phones")


def test_retranslate_keeps_values(intake):
    intake.set_values({"given_name": "Айбек", "sex": "male", "categories": ["health"]})
    set_language("ru")
    intake.retranslate("ru")
    assert intake.rows["given_name"].label.text() == "Имя *"
    assert intake.groups["client"].title() == "Кто обращается"
    sex: QComboBox = intake.field_widget("sex")
    assert sex.currentText() == "Мужской" or sex.currentData() == "male"
    assert intake.values()["given_name"] == "Айбек"
    assert intake.values()["categories"] == ["health"]
    intake.retranslate("ky")
    assert intake.rows["given_name"].label.text() == "Аты *"
    assert intake.values()["sex"] == "male"


def test_tab_order_follows_the_form(intake):
    order = []
    widget = intake.field_widget("given_name")
    for _ in range(len(intake.rows) + 3):
        order.append(widget)
        widget = widget.nextInFocusChain()
        while widget is not None and widget.focusPolicy() == Qt.FocusPolicy.NoFocus:
            widget = widget.nextInFocusChain()
    names = [w.objectName() for w in order if w.objectName().startswith("field_")]
    expected = [f"field_{f.key}" for f in FORMS.intake.all_fields()]
    assert names[: len(expected)] == expected


def test_a_quick_intake_on_the_keyboard(qtbot, intake, real_vault):
    """Type an intake as during a phone call, Tab from field to field, and save it."""
    intake.activateWindow()
    intake.focus_first()
    QApplication.processEvents()

    def focused():
        return intake.focusWidget()

    def type_and_tab(text: str = "") -> None:
        focus = focused()
        assert focus is not None
        type_text(focus, text)
        qtbot.keyClick(focus, Qt.Key.Key_Tab)

    type_and_tab("Нурлан")  # given name
    type_and_tab("Маматов")  # family name
    type_and_tab()  # sex
    type_and_tab("1988")  # year of birth
    type_and_tab("0700 112233")  # phone
    type_and_tab()  # oblast
    type_and_tab("Ноокат")  # rayon
    type_and_tab()  # country
    type_and_tab()  # region
    type_and_tab("Екатеринбург")  # place
    entry = focused()
    assert entry is intake.field_widget("entry_date")
    qtbot.keyClicks(entry, "01022025")
    type_and_tab()
    categories = focused()
    assert categories is intake.field_widget("categories")
    qtbot.keyClick(categories, Qt.Key.Key_Space)  # ticks the first: registration
    type_and_tab()
    type_and_tab("Нужна помощь с регистрацией")  # summary
    consent = focused()
    assert consent is intake.field_widget("consent_store")
    qtbot.keyClick(consent, Qt.Key.Key_Space)
    values = intake.values()
    assert values["given_name"] == "Нурлан" and values["birth_year"] == 1988
    assert values["phones"] == "+996700112233"
    assert values["entry_date"] == date(2025, 2, 1)
    assert values["categories"] == ["registration"] and values["consent_store"] is True
    case = submit_intake(db=real_vault.db, actor=real_vault.actor, values=values)
    assert case.entry_date == date(2025, 2, 1)
    assert case.details["summary"] == "Нужна помощь с регистрацией"


def test_a_blank_date_starts_from_today_when_typed(qtbot, details):
    edit: QDateEdit = details.field_widget("contract_end_date")
    assert details.values()["contract_end_date"] is None
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_1)
    assert details.values()["contract_end_date"] is not None
    assert edit.date().year() == QDate.currentDate().year()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    assert details.values()["contract_end_date"] is None


def test_a_field_added_by_yaml_renders_and_saves(qtbot, tmp_path, real_vault):
    folder = tmp_path / "forms"
    folder.mkdir()
    text = (FORMS_DIR / "unpaid_wages.yaml").read_text(encoding="utf-8")
    text += (
        "      - key: employer_phone\n"
        "        type: phone\n"
        "        label: {en: Employer's phone, ru: Телефон работодателя,"
        " ky: Иш берүүчүнүн телефону}\n"
    )
    (folder / "unpaid_wages.yaml").write_text(text, encoding="utf-8")
    forms = load_forms(folder)
    db, actor = real_vault.db, real_vault.actor
    case = submit_intake(db=db, actor=actor, forms=forms, values={
        "given_name": "Бакыт", "categories": ["unpaid_wages"], "consent_store": True,
    })  # fmt: skip
    view = FormView(forms.details, language="en")
    qtbot.addWidget(view)
    snapshot = read_details(db=db, actor=actor, case_id=case.id, forms=forms)
    view.set_values(snapshot.values)
    assert view.is_shown("employer_phone")
    assert view.rows["employer_phone"].label.text() == "Employer's phone"
    view.field_widget("employer_phone").setText("8 495 000 11 22")
    view.editor("unpaid_amount").amount.setValue(1000)
    view.editor("unpaid_amount").currency.setCurrentIndex(1)
    save_details(db=db, actor=actor, case_id=case.id, version=snapshot.version,
                 values=view.values(), forms=forms)  # fmt: skip
    with db.read() as session:
        assert session.get(Case, case.id).details["employer_phone"] == "+74950001122"
    again = FormView(forms.details, language="ru")
    qtbot.addWidget(again)
    again.set_values(read_details(db=db, actor=actor, case_id=case.id, forms=forms).values)
    assert again.field_widget("employer_phone").text() == "+74950001122"
    assert again.rows["employer_phone"].label.text() == "Телефон работодателя"
