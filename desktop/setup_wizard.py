"""First start: set up the organisation's own encrypted database, leaving the demo behind.

Three pages: the organisation (name, case-number prefix, interface language), the first
coordinator (display name, user name) and their password, with the password rule checked
as it is typed and a plain warning that a forgotten password cannot be recovered. Finish
creates the vault in the data folder in the background (key derivation takes a moment);
an error is shown on the page and nothing is left half-made (`create_vault` cleans up).
`vault_created(opened)` then hands the new database, with the coordinator signed in, to
the app, which replaces the demo window with the real one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop.i18n import LANGUAGE_NAMES
from desktop.login_dialog import ERROR_STYLE, PasswordInput
from desktop.startup import open_new_vault
from desktop.worker import BackgroundTask, run_in_background
from models import settings as org_settings
from models import users
from models.errors import KomokError, ValidationFailed
from models.keyslots import DEFAULT_KDF, KdfParams
from models.numbering import DEFAULT_CASE_PREFIX, format_case_number
from models.vault import OpenVault, data_dir
from translations import LANGUAGES, _, current_language

OK_STYLE = "color: #1b5e20;"
WARNING_STYLE = (
    "QLabel#password_warning { background: #fdecea; color: #5f1410; padding: 8px 10px;"
    " border: 1px solid #e6a39c; border-radius: 3px; }"
)


def _problem(check: Callable[[], Any]) -> str:
    """The first message a model-side check raises, or "" when the value is fine."""
    try:
        check()
    except ValidationFailed as exc:
        return next(iter(exc.field_errors.values()), str(exc))
    return ""


def _row(form: QFormLayout, field: QWidget, *, labelled: bool = True) -> QLabel:
    """Add `field` with a label (texts set by `retranslate`) and return the label."""
    label = QLabel(field.parentWidget())
    if labelled:
        label.setBuddy(field)
    form.addRow(label, field)
    return label


def _note(parent: QWidget, object_name: str, style: str = "") -> QLabel:
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


class OrganisationPage(QWizardPage):
    """The organisation's name, its case-number prefix and the interface language."""

    def __init__(self, folder: Path, on_language: Callable[[str], None]) -> None:
        super().__init__()
        self._folder, self._on_language = folder, on_language
        self.intro = _note(self, "setup_intro")
        self.name = QLineEdit(self)
        self.name.setObjectName("organisation_name")
        self.name.setMaxLength(200)
        self.prefix = QLineEdit(DEFAULT_CASE_PREFIX, self)
        self.prefix.setObjectName("case_prefix")
        self.prefix.setMaxLength(10)
        self.prefix.setMaximumWidth(self.prefix.fontMetrics().horizontalAdvance("W" * 12))
        self.prefix.textEdited.connect(self._upper)
        self.prefix_note = _note(self, "prefix_note")
        self.language = QComboBox(self)
        self.language.setObjectName("interface_language")
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(LANGUAGES.index(current_language()))
        self.language.currentIndexChanged.connect(self._language_chosen)
        self.form = QFormLayout()
        self.name_label = _row(self.form, self.name)
        self.prefix_label = _row(self.form, self.prefix)
        _row(self.form, self.prefix_note, labelled=False)
        self.language_label = _row(self.form, self.language)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addSpacing(8)
        layout.addLayout(self.form)
        self.name.textChanged.connect(self.completeChanged)
        self.prefix.textChanged.connect(self._prefix_changed)

    def _upper(self, text: str) -> None:
        if text != text.upper():
            position = self.prefix.cursorPosition()
            self.prefix.setText(text.upper())
            self.prefix.setCursorPosition(position)

    def prefix_problem(self) -> str:
        """Why the prefix is refused ("" when it is fine), in the settings' own words."""
        value = self.prefix.text()
        return _problem(lambda: org_settings.check_setting("case_number_prefix", value))

    def _prefix_changed(self) -> None:
        problem = self.prefix_problem()
        if problem:
            self.prefix_note.setStyleSheet(ERROR_STYLE)
            self.prefix_note.setText(problem)
        else:
            example = format_case_number(self.prefix.text(), date.today().year, 1)
            self.prefix_note.setStyleSheet("color: palette(placeholder-text);")
            self.prefix_note.setText(
                _("Case numbers will look like {example}.").format(example=example)
            )
        self.completeChanged.emit()

    def _language_chosen(self) -> None:
        self._on_language(self.language.currentData())

    def isComplete(self) -> bool:
        """The organisation has a name and the prefix follows the rule."""
        return bool(self.name.text().strip()) and not self.prefix_problem()

    def retranslate(self) -> None:
        """Show the texts in the interface language now in force."""
        self.setTitle(_("Your organisation"))
        self.intro.setText(
            _(
                "Komok will create a new encrypted database for your organisation in "
                "{folder}. The demo data stays separate and is not copied."
            ).format(folder=self._folder)
        )
        self.name_label.setText(_("Organisation name:"))
        self.prefix_label.setText(_("Case-number prefix:"))
        self.language_label.setText(_("Interface language:"))
        self._prefix_changed()


class CoordinatorPage(QWizardPage):
    """The first coordinator's display name and user name."""

    def __init__(self) -> None:
        super().__init__()
        self.intro = _note(self, "coordinator_intro")
        self.display_name = QLineEdit(self)
        self.display_name.setObjectName("display_name")
        self.display_name.setMaxLength(200)
        self.username = QLineEdit(self)
        self.username.setObjectName("new_username")
        self.username.setMaxLength(32)
        self.username_note = _note(self, "username_note", ERROR_STYLE)
        self.form = QFormLayout()
        self.display_name_label = _row(self.form, self.display_name)
        self.username_label = _row(self.form, self.username)
        _row(self.form, self.username_note, labelled=False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addSpacing(8)
        layout.addLayout(self.form)
        self.display_name.textChanged.connect(self.completeChanged)
        self.username.textChanged.connect(self._username_changed)

    def username_problem(self) -> str:
        """Why the user name is refused ("" when it is fine)."""
        value = self.username.text()
        return _problem(lambda: users.check_username(value))

    def clean_username(self) -> str:
        """The user name as it will be stored (trimmed, lower case)."""
        return self.username.text().strip().lower()

    def _username_changed(self) -> None:
        self.username_note.setText(self.username_problem() if self.username.text() else "")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """A display name and an acceptable user name."""
        return bool(self.display_name.text().strip()) and not self.username_problem()

    def retranslate(self) -> None:
        """Show the texts in the interface language now in force."""
        self.setTitle(_("The first coordinator"))
        self.intro.setText(
            _(
                "The coordinator manages users and settings. Enter your own name; you can "
                "add colleagues later."
            )
        )
        self.display_name_label.setText(_("Your name:"))
        self.username_label.setText(_("User name:"))
        self._username_changed()


class PasswordPage(QWizardPage):
    """The coordinator's password, checked live, and the warning that it cannot be recovered."""

    def __init__(self, coordinator: CoordinatorPage) -> None:
        super().__init__()
        self._coordinator = coordinator
        self.busy = False
        self.rule = _note(self, "password_rule")
        self.password_input = PasswordInput(self)
        self.password = self.password_input.edit
        self.repeat = QLineEdit(self)
        self.repeat.setObjectName("password_repeat")
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_input.show_box.toggled.connect(
            lambda shown: self.repeat.setEchoMode(self.password.echoMode())
        )
        self.feedback = _note(self, "password_feedback")
        self.warning = _note(self, "password_warning", WARNING_STYLE)
        self.written_down = QCheckBox(self)
        self.written_down.setObjectName("password_written_down")
        self.status = _note(self, "setup_status")
        self.form = QFormLayout()
        self.password_label = _row(self.form, self.password_input)
        self.repeat_label = _row(self.form, self.repeat)
        layout = QVBoxLayout(self)
        layout.addWidget(self.rule)
        layout.addLayout(self.form)
        layout.addWidget(self.feedback)
        layout.addWidget(self.warning)
        layout.addWidget(self.written_down)
        layout.addStretch(1)
        layout.addWidget(self.status)
        for signal in (self.password.textChanged, self.repeat.textChanged):
            signal.connect(self._changed)
        self.written_down.toggled.connect(self.completeChanged)

    def password_problem(self) -> str:
        """Why the password is refused ("" when it is fine), in the users service's words."""
        password, username = self.password.text(), self._coordinator.clean_username()
        return _problem(lambda: users.check_password(password, username=username))

    def initializePage(self) -> None:
        """Check again: the user name may have changed on the page before."""
        self._changed()

    def _changed(self) -> None:
        if not self.password.text():
            self.feedback.setText("")
        elif problem := self.password_problem():
            self.feedback.setStyleSheet(ERROR_STYLE)
            self.feedback.setText(problem)
        elif self.repeat.text() and self.repeat.text() != self.password.text():
            self.feedback.setStyleSheet(ERROR_STYLE)
            self.feedback.setText(_("The two passwords are not the same."))
        elif not self.repeat.text():
            self.feedback.setStyleSheet(OK_STYLE)
            self.feedback.setText(_("Good. Now type the same password again."))
        else:
            self.feedback.setStyleSheet(OK_STYLE)
            self.feedback.setText(_("Good: the password is long enough and both match."))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """A good password, typed twice the same, and the warning acknowledged."""
        return (
            not self.busy
            and not self.password_problem()
            and self.repeat.text() == self.password.text()
            and self.written_down.isChecked()
        )

    def show_status(self, message: str, *, error: bool = False) -> None:
        """Show progress or an error at the bottom of the page."""
        self.status.setStyleSheet(ERROR_STYLE if error else "")
        self.status.setText(message)

    def retranslate(self) -> None:
        """Show the texts in the interface language now in force."""
        self.setTitle(_("The coordinator's password"))
        self.rule.setText(
            _(
                "Use at least {n} characters. A few ordinary words in a row are easy to "
                "remember and hard to guess. Capital letters, digits and symbols are not "
                "required."
            ).format(n=users.MIN_PASSWORD_LENGTH)
        )
        self.password_label.setText(_("Password:"))
        self.repeat_label.setText(_("Repeat the password:"))
        self.password_input.retranslate()
        self.warning.setText(
            _(
                "A forgotten password cannot be recovered: the data is encrypted with it, "
                "and nobody can open it without a password. Only another coordinator can "
                "set a new password for you, so add a second coordinator soon. Write the "
                "password down and keep the paper in a safe place, away from this computer."
            )
        )
        self.written_down.setText(
            _("I have written the password down and understand that it cannot be recovered.")
        )
        self._changed()


class SetupWizard(QWizard):
    """Creates the organisation's vault; emits `vault_created(OpenVault)` when it is open.

    `on_language(code)` is called when another interface language is chosen (the app
    switches and remembers it); `folder` defaults to the data folder.
    """

    vault_created = Signal(object)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        folder: Path | None = None,
        kdf: KdfParams = DEFAULT_KDF,
        on_language: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("setup_wizard")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setMinimumSize(640, 540)
        self._folder = Path(folder) if folder is not None else data_dir()
        self._kdf = kdf
        self._on_language = on_language
        self._task: BackgroundTask | None = None
        self.opened: OpenVault | None = None
        self.organisation = OrganisationPage(self._folder, self._language_chosen)
        self.coordinator = CoordinatorPage()
        self.password = PasswordPage(self.coordinator)
        for page in (self.organisation, self.coordinator, self.password):
            self.addPage(page)
        self.retranslate()

    @property
    def busy(self) -> bool:
        """Whether the database is being created."""
        return self._task is not None and self._task.running

    def _language_chosen(self, code: str) -> None:
        if self._on_language is not None:
            self._on_language(code)
        else:
            from translations import set_language

            set_language(code)
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.setWindowTitle(_("Set up your organisation"))
        self.setButtonText(QWizard.WizardButton.BackButton, _("< &Back"))
        self.setButtonText(QWizard.WizardButton.NextButton, _("&Next >"))
        self.setButtonText(QWizard.WizardButton.CancelButton, _("Cancel"))
        self.setButtonText(QWizard.WizardButton.FinishButton, _("&Create the database"))
        for page in (self.organisation, self.coordinator, self.password):
            page.retranslate()

    def _set_busy(self, busy: bool) -> None:
        self.password.busy = busy
        self.password.completeChanged.emit()
        for button in (QWizard.WizardButton.BackButton, QWizard.WizardButton.CancelButton):
            self.button(button).setEnabled(not busy)
        for widget in (self.password.password_input, self.password.repeat):
            widget.setEnabled(not busy)
        if busy:
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.unsetCursor()

    def accept(self) -> None:
        """Finish: create the vault in the background; the wizard closes once it is open."""
        if self.opened is not None:
            super().accept()
            return
        if self.busy or not self.password.isComplete():
            return
        org, coordinator = self.organisation, self.coordinator
        options = {
            "organisation": org.name.text().strip(),
            "case_prefix": org.prefix.text(),
            "language": org.language.currentData(),
            "username": coordinator.clean_username(),
            "display_name": coordinator.display_name.text().strip(),
            "password": self.password.password.text(),
        }
        folder, kdf = self._folder, self._kdf
        self._set_busy(True)
        self.password.show_status(_("Creating the encrypted database…"))
        self._task = run_in_background(
            self,
            lambda _report: open_new_vault(folder, kdf=kdf, **options),
            on_done=self._created,
            on_error=self._failed,
        )

    def _created(self, opened: OpenVault) -> None:
        self._set_busy(False)
        self.opened = opened
        self.password.show_status("")
        super().accept()
        self.vault_created.emit(opened)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ValidationFailed):
            message = "\n".join(exc.field_errors.values())
        elif isinstance(exc, KomokError):
            message = str(exc)
        else:
            message = _("The database could not be created: {error}").format(error=exc)
        self.password.show_status(message, error=True)

    def reject(self) -> None:
        """Close without creating anything (ignored while the database is being made)."""
        if self.busy:
            return
        super().reject()
