"""The dialog that adds or edits one institution of the directory.

Every field of an institution: its name in Kyrgyz, Russian and English (at least one),
kind, country, city, address, phone, e-mail and the addressee title letters use. OK saves
through `models.institutions` in the background; a value the service refuses is shown in
red under its field and everything typed stays. For a shipped institution the dialog says
which names and places follow updates of the shipped list and which were changed here.
Volunteers open it read-only. Shared here too: how countries and changed columns are named.

`ShippedListDialog` shows what updating the shipped list would change (new institutions,
refreshed names and places, the organisation's own changes that are kept, institutions no
longer shipped) and applies it on request.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.settings_general import ServiceDialog, run_for, show_failure
from desktop.worker import BackgroundTask, Report
from models import institutions
from models.errors import ValidationFailed
from models.institution_schemas import MAX_NAME
from models.institutions import FieldChange, ShippedSync, institution_name
from models.tables import Institution
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import N_, _, current_language, ngettext

# Countries cases are usually referred in, first in the country list.
COMMON_COUNTRIES = ("KG", "RU", "KZ", "TR", "KR", "AE", "GB", "DE", "US", "UZ", "TJ")
# Babel's territory codes that are not countries.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
# Names used in Kyrgyzstan where CLDR's differ ("Киргизия").
COUNTRY_NAMES = {"ru": {"KG": "Кыргызстан"}}
FIELD_LABELS = {
    "name_ky": N_("Name in Kyrgyz"),
    "name_ru": N_("Name in Russian"),
    "name_en": N_("Name in English"),
    "kind": N_("Kind"),
    "country": N_("Country"),
    "city": N_("City"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "email": N_("E-mail"),
    "addressee_title": N_("Addressee"),
}
TEXT_FIELDS = ("name_ky", "name_ru", "name_en", "city", "phone", "email", "addressee_title")


def country_name(code: str | None, language: str | None = None) -> str:
    """A country's name in the interface language (the code itself if Babel has none)."""
    if not code:
        return ""
    language = language or current_language()
    own = COUNTRY_NAMES.get(language, {}).get(code)
    return own or Locale.parse(language).territories.get(code, code)


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, "Name (CODE)") for every country: the usual ones first, then by name."""
    language = language or current_language()
    territories = Locale.parse(language).territories
    codes = [c for c in territories if len(c) == 2 and c.isalpha() and c not in NOT_COUNTRIES]
    names = {code: country_name(code, language) for code in (*codes, *COMMON_COUNTRIES)}
    rest = sorted((c for c in codes if c not in COMMON_COUNTRIES), key=lambda c: names[c])
    return [(code, f"{names[code]} ({code})") for code in (*COMMON_COUNTRIES, *rest)]


def field_value_text(field: str, value: Any) -> str:
    """How a value of a shipped column reads in the interface language."""
    if value in (None, ""):
        return "—"
    if field == "kind":
        return default_vocabularies()["institution_kind"].label(value, current_language())
    if field == "country":
        return country_name(value)
    return str(value)


class InstitutionDialog(ServiceDialog):
    """Add an institution (`institution=None`) or edit one; `saved` holds the result."""

    def __init__(
        self,
        opened: OpenVault,
        institution: Institution | None = None,
        parent: QWidget | None = None,
        *,
        read_only: bool = False,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("institution_dialog")
        self.setMinimumWidth(560)
        self.opened = opened
        self.institution = institution
        self.read_only = read_only
        self.saved: Institution | None = None
        lang = current_language()
        self.fields: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.intro = QLabel(self)
        self.intro.setObjectName("institution_intro")
        self.intro.setWordWrap(True)
        self.form.addRow(self.intro)
        for name in ("name_ky", "name_ru", "name_en"):
            self._add_row(name, self._line(name, MAX_NAME))
        self.kind = QComboBox(self)
        self.kind.setObjectName("kind")
        for code, label in default_vocabularies()["institution_kind"].choices(lang):
            self.kind.addItem(label, code)
        self._add_row("kind", self.kind)
        self.country = QComboBox(self)
        self.country.setObjectName("country")
        self.country.addItem("—", None)
        for code, label in country_choices(lang):
            self.country.addItem(label, code)
        self.country.insertSeparator(len(COMMON_COUNTRIES) + 1)
        self._add_row("country", self.country)
        self._add_row("city", self._line("city", 100))
        self.address = QPlainTextEdit(self)
        self.address.setObjectName("address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self._add_row("address", self.address)
        self._add_row("phone", self._line("phone", 100))
        self._add_row("email", self._line("email", 200))
        self._add_row("addressee_title", self._line("addressee_title", MAX_NAME))
        self._show(institution)
        if read_only:
            for widget in self.fields.values():
                if isinstance(widget, QLineEdit | QPlainTextEdit):
                    widget.setReadOnly(True)
                else:
                    widget.setEnabled(False)
            self.ok_button.hide()
        self.retranslate()

    def _line(self, name: str, max_length: int) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setMaxLength(max_length)
        return field

    def _add_row(self, name: str, field: QWidget) -> None:
        label = QLabel(self)
        label.setBuddy(field)
        self.fields[name] = field
        self.labels[name] = label
        self.form.addRow(label, self.errors.wrap(name, field))

    def _show(self, row: Institution | None) -> None:
        if row is None:
            self.kind.setCurrentIndex(max(self.kind.findData("ngo_legal_aid"), 0))
            return
        for name in TEXT_FIELDS:
            widget = self.fields[name]
            assert isinstance(widget, QLineEdit)
            widget.setText(getattr(row, name) or "")
        self.address.setPlainText(row.address or "")
        index = self.kind.findData(row.kind)
        if index < 0:  # a code this version does not know: keep it selectable as it is
            self.kind.addItem(row.kind, row.kind)
            index = self.kind.count() - 1
        self.kind.setCurrentIndex(index)
        index = self.country.findData(row.country)
        if index < 0 and row.country:
            self.country.addItem(row.country, row.country)
            index = self.country.count() - 1
        self.country.setCurrentIndex(max(index, 0))

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        row = self.institution
        if self.read_only:
            self.setWindowTitle(_("Institution"))
        else:
            self.setWindowTitle(_("Edit institution") if row else _("Add institution"))
        for name, label in self.labels.items():
            label.setText(_(FIELD_LABELS[name]) + ":")
        self.fields["addressee_title"].setToolTip(
            _("Whom letters are addressed to, e.g. “To the Consul General”.")
        )
        self.fields["phone"].setToolTip(
            _("As the institution gives it; several numbers may be listed.")
        )
        self.ok_button.setText(_("Save"))
        self.intro.setText(self._intro_text())

    def _intro_text(self) -> str:
        row = self.institution
        lines = [
            _(
                "Enter the name in at least one language. A letter uses the name in its "
                "own language when there is one."
            )
        ]
        if row is not None and row.shipped:
            lines.append(
                _(
                    "Shipped with Komok: names, kind and place follow updates of the shipped "
                    "list, except the ones changed here. Address, phone, e-mail and addressee "
                    "are yours to fill in and never overwritten."
                )
            )
            if row.local_fields:
                changed = ", ".join(_(FIELD_LABELS[name]) for name in row.local_fields)
                lines.append(_("Changed here: {fields}.").format(fields=changed))
        if row is not None and not row.active:
            lines.append(_("Deactivated: not offered for new referrals."))
        return "\n".join(lines)

    def values(self) -> dict[str, Any]:
        """The fields as typed now, by the service's field names."""
        data: dict[str, Any] = {}
        for name in TEXT_FIELDS:
            widget = self.fields[name]
            assert isinstance(widget, QLineEdit)
            data[name] = widget.text()
        data["address"] = self.address.toPlainText()
        data["kind"] = self.kind.currentData()
        data["country"] = self.country.currentData()
        return data

    def submit(self) -> None:
        """Save in the background; the dialog closes when the service has accepted it."""
        if self.read_only:
            self.accept()
            return
        self.errors.clear()
        db, actor, data, row = self.opened.db, self.opened.actor, self.values(), self.institution

        def work(_report: Report) -> Institution:
            if row is None:
                return institutions.add_institution(db=db, actor=actor, data=data)
            return institutions.update_institution(
                db=db, actor=actor, institution_id=row.id, version=row.version, data=data
            )

        self._run(work)

    def _done(self, result: Any) -> None:
        self.saved = result
        super()._done(result)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, ValidationFailed) and "" in exc.field_errors:
            errors = dict(exc.field_errors)
            errors["name_ky"] = errors.pop("")  # "a name in at least one language"
            exc = ValidationFailed(errors)
        super()._failed(exc)


class ShippedListDialog(QDialog):
    """What updating the shipped list changes, and Apply; `applied` holds what it did."""

    def __init__(self, opened: OpenVault, plan: ShippedSync, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("shipped_list_dialog")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.resize(720, 480)
        self.opened = opened
        self.plan = plan
        self.applied: ShippedSync | None = None
        self.task: BackgroundTask | None = None
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("shipped_summary")
        self.summary_label.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("shipped_changes")
        self.tree.setColumnCount(3)
        self.tree.setRootIsDecorated(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.apply_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply_button.setObjectName("apply_shipped_list")
        self.close_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.RejectRole)
        self.apply_button.clicked.connect(self.apply)
        self.close_button.clicked.connect(self.reject)
        self.apply_button.setVisible(plan.changes_anything)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.retranslate()
        if self.tree.isHidden():  # nothing to list: a short message
            self.resize(480, self.sizeHint().height())

    def summary(self, plan: ShippedSync) -> str:
        """One sentence on what the plan adds and refreshes."""
        if not plan.changes_anything:
            return _("The directory already matches the shipped list.")
        added = ngettext("{count} new institution", "{count} new institutions", len(plan.added))
        refreshed = ngettext(
            "{count} institution with new names or places",
            "{count} institutions with new names or places",
            plan.refreshed,
        )
        return _("Shipped list: {added}, {refreshed}.").format(
            added=added.format(count=len(plan.added)),
            refreshed=refreshed.format(count=plan.refreshed),
        )

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        lang = current_language()
        self.setWindowTitle(_("Update shipped list"))
        self.apply_button.setText(_("Apply"))
        self.close_button.setText(_("Cancel") if self.plan.changes_anything else _("Close"))
        text = self.summary(self.plan)
        if self.plan.changes_anything:
            text += " " + _(
                "Addresses, phones, e-mails and addressees are never changed, nor anything "
                "you changed here."
            )
        self.summary_label.setText(text)
        self.tree.clear()
        self.tree.setHeaderLabels([_("Institution"), _("Field"), _("Change")])
        groups = (
            (_("New"), [(institution_name(i, lang), "", "") for i in self.plan.added]),
            (_("Updated"), [self._change(c, lang) for c in self.plan.updated]),
            (_("Changed here, kept"), [self._change(c, lang) for c in self.plan.kept]),
            (
                _("No longer in the shipped list (kept as they are)"),
                [(institution_name(w, lang), "", "") for w in self.plan.withdrawn],
            ),
        )
        for title, rows in groups:
            if not rows:
                continue
            group = QTreeWidgetItem(self.tree, [f"{title} ({len(rows)})"])
            group.setFirstColumnSpanned(True)
            for row in rows:
                item = QTreeWidgetItem(group, list(row))
                item.setToolTip(0, row[0])
                item.setToolTip(2, row[2])
            group.setExpanded(True)
        self.tree.header().resizeSection(0, 300)
        self.tree.header().resizeSection(1, 130)
        self.tree.setVisible(self.tree.topLevelItemCount() > 0)

    @staticmethod
    def _change(change: FieldChange, lang: str) -> tuple[str, str, str]:
        old = field_value_text(change.field, change.old)
        new = field_value_text(change.field, change.new)
        return change.name(lang), _(FIELD_LABELS[change.field]), f"{old} → {new}"

    def apply(self) -> None:
        """Update the directory from the shipped list (in the background)."""
        db, actor = self.opened.db, self.opened.actor

        def work(_report: Report) -> ShippedSync:
            return institutions.update_shipped_list(db=db, actor=actor)

        def done(result: ShippedSync) -> None:
            self.applied = result
            self.accept()

        def failed(exc: BaseException) -> None:
            self.apply_button.setEnabled(True)
            show_failure(self, exc)

        self.apply_button.setEnabled(False)
        self.task = run_for(self, work, done, on_error=failed)

    def reject(self) -> None:
        """Close without applying (not while the update runs)."""
        if self.task is None or not self.task.running:
            super().reject()
