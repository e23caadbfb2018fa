"""The General settings page, and the pieces every settings page shares.

General holds the organisation's name, the case-number prefix and the idle-lock time;
Save sends each changed value through `models.settings.change_setting`. A value the
service refuses is shown in red under its field and stays as typed, so nothing is lost.

Shared here: `SettingsPage` (the base each page derives from), `FieldErrors` (messages
under form fields, keyed by the service's field names), `ServiceDialog` (a dialog whose
OK runs a service in the background), `show_failure` (a message box for an error) and
`run_for` (background work whose result is dropped when the page is gone).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.login_dialog import ERROR_STYLE, error_label
from desktop.worker import BackgroundTask, Report, run_in_background
from models.errors import KomokError, ValidationFailed
from models.settings import change_setting, get_setting
from models.vault import OpenVault
from translations import N_, _

log = logging.getLogger(__name__)

OK_STYLE = "color: #1b6e20;"
GENERAL_KEYS = ("organisation_name", "case_number_prefix", "lock_minutes", "attachment_max_mb")


# --- shared pieces ---------------------------------------------------------------------


def describe(exc: BaseException) -> str:
    """The message to show a person for an error (a KomokError's own translated text)."""
    if isinstance(exc, KomokError):
        return str(exc)
    log.error("a settings action failed", exc_info=exc)
    return _("Something unexpected went wrong: {error}").format(error=exc)


def show_failure(parent: QWidget | None, exc: BaseException) -> None:
    """Tell the user in a message box that an action failed, and why."""
    QMessageBox.warning(parent, _("Komok"), describe(exc))


def run_for(
    widget: QWidget,
    work: Callable[[Report], Any],
    on_done: Callable[[Any], None],
    *,
    on_error: Callable[[BaseException], None] | None = None,
    progress_label: str | None = None,
) -> BackgroundTask:
    """Run `work` in the background for `widget`; results are dropped if the widget is gone.

    Errors go to `on_error`, or to a message box when none is given.
    """

    def done(result: Any) -> None:
        if shiboken6.isValid(widget):
            on_done(result)

    def failed(exc: BaseException) -> None:
        if not shiboken6.isValid(widget):
            return
        if on_error is not None:
            on_error(exc)
        else:
            show_failure(widget, exc)

    parent = widget if progress_label is not None else None
    return run_in_background(
        parent, work, on_done=done, on_error=failed, progress_label=progress_label
    )


class FieldErrors:
    """Red messages under form fields, keyed by the field names a service reports."""

    def __init__(self) -> None:
        self.labels: dict[str, QLabel] = {}

    def wrap(self, name: str, field: QWidget) -> QWidget:
        """A column holding `field` with its (hidden) error label under it."""
        box = QWidget(field.parentWidget())
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(field)
        label = error_label(box, f"error_{name}")
        layout.addWidget(label)
        self.labels[name] = label
        return box

    def show(self, errors: Mapping[str, str]) -> dict[str, str]:
        """Show each message under its field; return the ones that have no field here."""
        self.clear()
        rest = {}
        for name, message in errors.items():
            label = self.labels.get(name)
            if label is None:
                rest[name] = message
            else:
                label.setText(message)
                label.show()
        return rest

    def set(self, name: str, message: str) -> None:
        """Show (or, with an empty message, hide) one field's message."""
        label = self.labels[name]
        label.setText(message)
        label.setVisible(bool(message))

    def clear(self) -> None:
        """Hide every message."""
        for label in self.labels.values():
            label.clear()
            label.hide()

    def text(self, name: str) -> str:
        """The message now shown for a field ("" when none)."""
        label = self.labels.get(name)
        return label.text() if label is not None and not label.isHidden() else ""


class SettingsPage(QWidget):
    """A page of the Settings screen: reads its data when first shown or refreshed."""

    key = ""
    title = ""

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.opened = opened
        self.loaded = False

    def refresh(self) -> None:
        """Read the page's data again (in the background)."""
        self.loaded = True

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""

    def save_state(self, settings: QSettings) -> None:
        """Remember column widths and the like."""

    def restore_state(self, settings: QSettings) -> None:
        """Restore what `save_state` remembered."""


class ServiceDialog(QDialog):
    """A dialog whose OK runs a service in the background and closes on success."""

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(460)
        self.errors = FieldErrors()
        self.task: BackgroundTask | None = None
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

    @property
    def busy(self) -> bool:
        """Whether the service is running."""
        return self.task is not None and self.task.running

    def submit(self) -> None:
        """Check the input and run the service (subclasses)."""

    def _run(self, work: Any) -> None:
        self.ok_button.setEnabled(False)
        self.setCursor(Qt.CursorShape.BusyCursor)
        self.task = run_for(self, work, self._done, on_error=self._failed)

    def _done(self, _result: Any) -> None:
        self.unsetCursor()
        self.ok_button.setEnabled(True)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.unsetCursor()
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationFailed):
            rest = self.errors.show(exc.field_errors)
            if rest:
                QMessageBox.warning(self, _("Komok"), "\n".join(rest.values()))
        else:
            show_failure(self, exc)

    def reject(self) -> None:
        """Close without saving (not while the service runs)."""
        if not self.busy:
            super().reject()


class SettingsForm(SettingsPage):
    """A page of organisation settings: reads `keys`, saves the ones that were changed.

    Subclasses lay out the fields (wrapped with `self.errors.wrap(key, field)`), and
    provide `values()` (as typed) and `show_values()`. A value the service refuses is
    shown under its field and stays as typed; other errors go to a message box.
    """

    keys: tuple[str, ...] = ()

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.saved: dict[str, Any] = {}
        self.errors = FieldErrors()
        self.status = QLabel(self)
        self.status.setObjectName(f"{self.key}_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.save_button = QPushButton(self)
        self.save_button.setObjectName(f"save_{self.key}")
        self.save_button.clicked.connect(self.save)

    def values(self) -> dict[str, Any]:
        """The values as typed now, by setting key."""
        raise NotImplementedError

    def show_values(self, values: dict[str, Any]) -> None:
        """Put saved values into the fields."""
        raise NotImplementedError

    def say(self, text: str, style: str = "") -> None:
        """Show a line of news beside the Save button."""
        self.status.setStyleSheet(style)
        self.status.setText(text)

    def refresh(self) -> None:
        """Read the saved settings into the fields."""
        super().refresh()
        db, keys = self.opened.db, self.keys

        def work(_report: Report) -> dict[str, Any]:
            with db.read() as session:
                return {key: get_setting(session, key) for key in keys}

        run_for(self, work, self._loaded)

    def _loaded(self, values: dict[str, Any]) -> None:
        self.saved = dict(values)
        self.show_values(values)
        self.errors.clear()

    def save(self) -> None:
        """Save the changed values; refused ones are shown under their fields."""
        changed = {k: v for k, v in self.values().items() if self.saved.get(k) != v}
        self.errors.clear()
        if not changed:
            self.say(_("Nothing to save."))
            return
        db, actor = self.opened.db, self.opened.actor

        def work(_report: Report) -> tuple[dict[str, Any], dict[str, str]]:
            saved, refused = {}, {}
            for key, value in changed.items():
                try:
                    change_setting(db=db, actor=actor, key=key, value=value)
                except ValidationFailed as exc:
                    refused.update(exc.field_errors)
                else:
                    saved[key] = value
            return saved, refused

        self.save_button.setEnabled(False)
        self.say("")
        run_for(self, work, self._saved, on_error=self._save_failed)

    def _saved(self, result: tuple[dict[str, Any], dict[str, str]]) -> None:
        saved, refused = result
        self.save_button.setEnabled(True)
        self.saved.update(saved)
        rest = self.errors.show(refused)
        if rest:
            QMessageBox.warning(self, _("Komok"), "\n".join(rest.values()))
        if refused:
            self.say(_("Some values were not saved; see the messages above."), ERROR_STYLE)
        else:
            self.say(_("Saved."), OK_STYLE)
        self.after_save()

    def after_save(self) -> None:
        """Called once a save has finished (subclasses)."""

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        show_failure(self, exc)


# --- the General page ------------------------------------------------------------------


class GeneralPage(SettingsForm):
    """The organisation's name, the case-number prefix and the idle-lock time."""

    key = "general"
    title = N_("General")
    keys = GENERAL_KEYS

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.setObjectName("settings_general")
        self.organisation = QLineEdit(self)
        self.organisation.setObjectName("organisation_name")
        self.organisation.setMaxLength(200)
        self.prefix = QLineEdit(self)
        self.prefix.setObjectName("case_number_prefix")
        self.prefix.setMaxLength(10)
        self.prefix.setMaximumWidth(160)
        self.lock = QSpinBox(self)
        self.lock.setObjectName("lock_minutes")
        self.lock.setRange(1, 120)
        self.lock.setMaximumWidth(160)
        self.max_document = QSpinBox(self)
        self.max_document.setObjectName("attachment_max_mb")
        self.max_document.setRange(1, 200)
        self.max_document.setMaximumWidth(160)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.labels = [QLabel(self) for _key in GENERAL_KEYS]
        for label, key, field in zip(
            self.labels,
            GENERAL_KEYS,
            (self.organisation, self.prefix, self.lock, self.max_document),
            strict=True,
        ):
            label.setBuddy(field)
            self.form.addRow(label, self.errors.wrap(key, field))
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.intro.setText(_("These settings apply to everyone who works in this database."))
        for label, text in zip(
            self.labels,
            (
                _("Organisation name:"),
                _("Case number prefix:"),
                _("Lock after idle:"),
                _("Largest document:"),
            ),
            strict=True,
        ):
            label.setText(text)
        self.lock.setSuffix(" " + _("min"))
        self.max_document.setSuffix(" " + _("MB"))
        self.prefix.setToolTip(
            _("Case numbers look like {example}.").format(example="KG-2026-00042")
        )
        self.save_button.setText(_("Save"))

    def values(self) -> dict[str, Any]:
        """The values as typed now."""
        return {
            "organisation_name": self.organisation.text().strip(),
            "case_number_prefix": self.prefix.text().strip(),
            "lock_minutes": self.lock.value(),
            "attachment_max_mb": self.max_document.value(),
        }

    def after_save(self) -> None:
        """A new idle-lock time takes effect at once in the window that shows this page."""
        controller = getattr(self.window(), "lock_controller", None)
        minutes = self.saved.get("lock_minutes")
        if controller is not None and minutes:
            controller.set_idle_minutes(int(minutes))

    def show_values(self, values: dict[str, Any]) -> None:
        """Put the saved values into the fields."""
        self.organisation.setText(str(values.get("organisation_name") or ""))
        self.prefix.setText(str(values.get("case_number_prefix") or ""))
        self.lock.setValue(int(values.get("lock_minutes") or 5))
        self.max_document.setValue(int(values.get("attachment_max_mb") or 20))
