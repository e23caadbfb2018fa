"""First start: the demo offers the setup wizard; it creates the real vault and switches to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QWizard

from desktop.app import KomokApp, build_main_window
from desktop.i18n import LANGUAGE_KEY
from desktop.setup_wizard import SetupWizard
from models.instance_lock import AlreadyOpenError
from models.keyslots import FAST_KDF
from models.settings import get_setting
from models.users import MIN_PASSWORD_LENGTH
from models.vault import create_vault, data_dir, unlock_vault, vault_exists
from tests.ui.helpers import SCREENSHOTS
from translations import _, current_language

PASSWORD = "three green apples river"


@pytest.fixture
def komok(qtbot, demo_vault) -> Iterator[KomokApp]:
    """The running app on the demo, its window shown."""
    app = KomokApp(demo_vault, demo=True)
    app.window.show()  # not given to qtbot: the switch to the new vault deletes it
    qtbot.waitExposed(app.window)
    yield app
    if shiboken6.isValid(app.window):
        app.window.close()
        app.window.deleteLater()
    app.close()


def _open(qtbot, komok: KomokApp) -> SetupWizard:
    wizard = komok.open_setup(kdf=FAST_KDF)
    qtbot.waitExposed(wizard)
    return wizard


def _next_enabled(wizard: SetupWizard) -> bool:
    return wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def _finish_enabled(wizard: SetupWizard) -> bool:
    return wizard.button(QWizard.WizardButton.FinishButton).isEnabled()


def _fill(qtbot, wizard: SetupWizard, *, password: str = PASSWORD) -> None:
    qtbot.keyClicks(wizard.organisation.name, "Bishkek Komok NGO")
    wizard.organisation.prefix.clear()
    qtbot.keyClicks(wizard.organisation.prefix, "bk")
    wizard.next()
    wizard.coordinator.display_name.setText("Гүлнара Өмүрбекова")
    qtbot.keyClicks(wizard.coordinator.username, "gulnara")
    wizard.next()
    page = wizard.password
    qtbot.keyClicks(page.password, password)
    qtbot.keyClicks(page.repeat, password)
    page.written_down.setChecked(True)


def test_the_demo_offers_setup_and_a_real_window_does_not(qtbot, komok, real_vault):
    window = komok.window
    assert window.setup_button.isVisible() and window.setup_action.isVisible()
    assert window.setup_action in window.file_menu.actions()
    qtbot.mouseClick(window.setup_button, Qt.MouseButton.LeftButton)
    assert isinstance(komok.wizard, SetupWizard) and komok.wizard.isVisible()
    komok.wizard.reject()
    real = build_main_window(real_vault, demo=False)
    qtbot.addWidget(real)
    assert not real.setup_action.isVisible() and not real.setup_button.isVisibleTo(real)


def test_organisation_page_checks_name_and_prefix(qtbot, komok):
    wizard = _open(qtbot, komok)
    page = wizard.organisation
    assert not _next_enabled(wizard)  # no name yet
    page.name.setText("Ош Көмөк")  # (QTest types ASCII only)
    assert _next_enabled(wizard)
    page.prefix.clear()
    qtbot.keyClicks(page.prefix, "osh1")
    assert page.prefix.text() == "OSH1" and _next_enabled(wizard)
    assert "OSH1-" in page.prefix_note.text()
    page.prefix.clear()
    qtbot.keyClicks(page.prefix, "1OSH")
    assert not _next_enabled(wizard)
    assert page.prefix_note.text() == _(
        "Use 1–10 capital Latin letters or digits, starting with a letter."
    )
    wizard.reject()


def test_weak_password_blocks_finish_with_the_rule(qtbot, komok):
    wizard = _open(qtbot, komok)
    _fill(qtbot, wizard, password="short")
    page = wizard.password
    assert wizard.currentPage() is page
    assert not _finish_enabled(wizard)
    rule = _("Use at least {n} characters; a few words in a row work well.").format(
        n=MIN_PASSWORD_LENGTH
    )
    assert page.feedback.text() == rule
    assert str(MIN_PASSWORD_LENGTH) in page.rule.text()
    assert "cannot be recovered" in page.warning.text()
    page.password.clear()
    qtbot.keyClicks(page.password, "gulnara-river-stone")
    assert page.feedback.text() == _("The password must not contain the user name.")
    page.password.setText(PASSWORD)
    page.repeat.setText(PASSWORD + "x")
    assert page.feedback.text() == _("The two passwords are not the same.")
    assert not _finish_enabled(wizard)
    page.repeat.setText(PASSWORD)
    assert _finish_enabled(wizard)
    page.written_down.setChecked(False)
    assert not _finish_enabled(wizard)
    wizard.accept()  # refused while incomplete
    assert not wizard.busy and not vault_exists(data_dir())
    wizard.reject()


def test_finishing_creates_the_vault_and_switches_to_it(qtbot, komok, demo_vault):
    demo_window = komok.window
    wizard = _open(qtbot, komok)
    _fill(qtbot, wizard)
    assert _finish_enabled(wizard)
    with qtbot.waitSignal(wizard.vault_created, timeout=10_000):
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert vault_exists(data_dir())
    window = komok.window
    assert window is not demo_window and not window.demo and not komok.demo
    assert window.isVisible()
    assert not shiboken6.isValid(demo_window) or not demo_window.isVisible()
    assert window.windowTitle() == _("Komok — {organisation}").format(
        organisation="Bishkek Komok NGO"
    )
    assert not window.banner.isVisibleTo(window) and not window.setup_action.isVisible()
    assert "Гүлнара Өмүрбекова" in window.user_label.text()
    assert komok.opened.actor.username == "gulnara" and komok.opened.actor.role == "coordinator"
    with komok.opened.db.read() as session:
        assert get_setting(session, "case_number_prefix") == "BK"
        assert not get_setting(session, "demo")
    with pytest.raises(AlreadyOpenError):  # the app holds the new vault
        unlock_vault(data_dir(), username="gulnara", password=PASSWORD, lock=True)
    again = unlock_vault(data_dir(), username="gulnara", password=PASSWORD)
    again.db.close()
    komok.close()
    unlock_vault(data_dir(), username="gulnara", password=PASSWORD, lock=True).close()


def test_an_error_is_shown_in_the_wizard_and_nothing_changes(qtbot, komok):
    wizard = _open(qtbot, komok)
    _fill(qtbot, wizard)
    create_vault(  # someone made a vault meanwhile
        data_dir(),
        organisation="Other",
        case_prefix="OT",
        username="other",
        display_name="Other",
        password=PASSWORD,
        kdf=FAST_KDF,
    ).db.close()
    wizard.accept()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=10_000)
    assert wizard.isVisible() and wizard.opened is None
    assert wizard.password.status.text() == _("A database already exists in {folder}.").format(
        folder=data_dir()
    )
    assert komok.demo and komok.window.demo
    assert _finish_enabled(wizard)
    wizard.reject()


def test_choosing_a_language_switches_it_now(qtbot, komok):
    wizard = _open(qtbot, komok)
    combo = wizard.organisation.language
    combo.setCurrentIndex(combo.findData("ru"))
    assert current_language() == "ru"
    assert QSettings().value(LANGUAGE_KEY) == "ru"
    assert komok.window.language_actions["ru"].isChecked()
    assert wizard.windowTitle() == _("Set up your organisation")
    wizard.reject()


def test_screenshots_of_the_wizard(qtbot, komok):
    komok.window.set_language("ky")
    wizard = _open(qtbot, komok)
    wizard.organisation.name.setText("Көмөк — эмгек мигранттарына жардам борбору")
    qtbot.wait(50)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert wizard.grab().save(str(SCREENSHOTS / "setup_wizard_organisation.png"))
    wizard.organisation.name.clear()
    _fill(qtbot, wizard, password="short")
    wizard.password.repeat.clear()
    qtbot.wait(50)
    assert wizard.grab().save(str(SCREENSHOTS / "setup_wizard_password.png"))
    wizard.reject()
