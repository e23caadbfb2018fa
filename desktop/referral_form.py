"""The left side of the referral dialog: what the letter is, to whom, and what it discloses.

The caseworker picks the institution, the template (proposed from the case's categories
and the institution's kind until they pick one themselves), the letter's language
(independent of the interface; proposed from the institution's country), the reason,
the services asked for, and ticks the facts to disclose: only what the chosen letter
needs is ticked at first (data minimisation), and each fact shows the value that would
be printed. The client's consent is shown; when it is missing, a coordinator gets a
checkbox and a reason field to override it. `changed` fires on every edit.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import LANGUAGE_NAMES
from desktop.login_dialog import ERROR_STYLE
from models.letters import LETTER_LANGUAGES, default_letters, fact_label
from models.referral_facts import FACT_KEYS
from models.referrals import ReferralOptions, institution_name
from models.tables import Institution
from models.vocab import default_vocabularies
from translations import _, current_language

CODE_ROLE = Qt.ItemDataRole.UserRole
SERVICES_HEIGHT = 150
FACTS_HEIGHT = 300
OK_STYLE = "color: #1b6e20;"


class ReferralForm(QWidget):
    """Institution, template, language, reason, services, facts and consent of a letter."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.options: ReferralOptions | None = None
        self.template_touched = self.language_touched = False
        self._filling = False
        self.heading = QLabel(self)
        self.heading.setObjectName("referral_heading")
        self.institution = QComboBox(self)
        self.institution.setObjectName("referral_institution")
        self.institution.setEditable(True)
        self.institution.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.institution.completer().setFilterMode(Qt.MatchFlag.MatchContains)
        self.institution.completer().setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.template = QComboBox(self)
        self.template.setObjectName("referral_template")
        self.language = QComboBox(self)
        self.language.setObjectName("referral_language")
        for lang in LETTER_LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[lang], lang)
        self.reason = QPlainTextEdit(self)
        self.reason.setObjectName("referral_reason")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(84)
        self.services = QListWidget(self)
        self.services.setObjectName("referral_services")
        self.services.setFixedHeight(SERVICES_HEIGHT)
        self.facts = QListWidget(self)
        self.facts.setObjectName("referral_facts")
        self.facts.setMinimumHeight(FACTS_HEIGHT)
        self.facts.setWordWrap(True)
        self.facts_heading = QLabel(self)
        self.facts_heading.setStyleSheet("font-weight: bold;")
        self.facts_note = QLabel(self)
        self.facts_note.setWordWrap(True)
        self.consent = QLabel(self)
        self.consent.setObjectName("referral_consent")
        self.consent.setWordWrap(True)
        self.override = QCheckBox(self)
        self.override.setObjectName("referral_override")
        self.override.hide()
        self.override_reason = QPlainTextEdit(self)
        self.override_reason.setObjectName("referral_override_reason")
        self.override_reason.setTabChangesFocus(True)
        self.override_reason.setMaximumHeight(70)
        self.override_reason.hide()
        self.mark_sent = QCheckBox(self)
        self.mark_sent.setObjectName("referral_mark_sent")

        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        for key, widget in (
            ("institution", self.institution), ("template", self.template),
            ("language", self.language), ("reason", self.reason), ("services", self.services),
        ):  # fmt: skip
            self.labels[key] = QLabel(self)
            form.addRow(self.labels[key], widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        for widget in (self.facts_heading, self.facts_note):
            layout.addWidget(widget)
        layout.addWidget(self.facts, 1)
        for widget in (self.consent, self.override, self.override_reason, self.mark_sent):
            layout.addWidget(widget)

        self.institution.currentIndexChanged.connect(self._institution_changed)
        self.template.activated.connect(self._template_chosen)
        self.language.activated.connect(self._language_chosen)
        self.reason.textChanged.connect(self._changed)
        self.services.itemChanged.connect(self._changed)
        self.facts.itemChanged.connect(self._changed)
        self.override.toggled.connect(self._override_toggled)
        self.override_reason.textChanged.connect(self._changed)
        self.retranslate()

    def retranslate(self) -> None:
        """Set the labels in the interface language."""
        for key, text in (
            ("institution", _("Institution:")), ("template", _("Letter:")),
            ("language", _("Letter language:")), ("reason", _("Reason:")),
            ("services", _("Help requested:")),
        ):  # fmt: skip
            self.labels[key].setText(text)
        self.reason.setPlaceholderText(
            _("What happened and what the client asks for. Written into the letter as it is.")
        )
        self.facts_heading.setText(_("Facts to disclose"))
        self.facts_note.setText(
            _("Only what this letter needs is ticked. Tick more only if the institution needs it.")
        )
        self.override.setText(_("Send without the consent (coordinator's decision)"))
        self.override_reason.setPlaceholderText(_("Why the letter must go without the consent"))
        self.mark_sent.setText(_("Mark as sent today"))

    # --- filling in the choices --------------------------------------------------------

    def set_options(self, options: ReferralOptions) -> None:
        """Offer the case's institutions, the templates, services and facts."""
        self.options = options
        lang = current_language()
        self._filling = True
        self.heading.setText(_("Case {number}").format(number=options.case_number))
        kinds = default_vocabularies()["institution_kind"]
        for institution in options.institutions:
            text = f"{institution_name(institution, lang)} — {kinds.label(institution.kind, lang)}"
            self.institution.addItem(text, str(institution.id))
        self.institution.setCurrentIndex(-1)
        for name in default_letters().names:
            self.template.addItem(default_letters().title(name, lang), name)
        for code, label in default_vocabularies()["assistance"].choices(lang):
            self._add_item(self.services, label, code, enabled=True)
        for key in FACT_KEYS:
            value = options.facts.get(key)
            shown = value if value else _("not recorded on the case")
            self._add_item(self.facts, f"{fact_label(key)}: {shown}", key, enabled=bool(value))
        self._show_consent()
        self._choose_template()
        self._filling = False

    @staticmethod
    def _add_item(widget: QListWidget, text: str, code: str, *, enabled: bool) -> None:
        item = QListWidgetItem(text, widget)
        item.setData(CODE_ROLE, code)
        item.setToolTip(text)
        flags = item.flags() | Qt.ItemFlag.ItemIsUserCheckable
        if not enabled:
            flags &= ~Qt.ItemFlag.ItemIsEnabled
        item.setFlags(flags)
        item.setCheckState(Qt.CheckState.Unchecked)

    def _show_consent(self) -> None:
        options = self.options
        if options.consent_refer:
            self.consent.setText(_("✓ The client agreed to be referred."))
            self.consent.setStyleSheet(OK_STYLE)
            return
        self.consent.setStyleSheet(ERROR_STYLE)
        if options.may_override:
            self.consent.setText(
                _("The client's consent to referral is not recorded. As a coordinator you may "
                  "send the letter anyway, with a reason; this is recorded in the audit log.")
            )  # fmt: skip
            self.override.show()
        else:
            self.consent.setText(
                _("The client's consent to referral is not recorded. Record it on the case, "
                  "or ask a coordinator to override it.")
            )  # fmt: skip

    # --- choices -----------------------------------------------------------------------

    def current_institution(self) -> Institution | None:
        """The institution chosen, or None."""
        if self.options is None or self.institution.currentIndex() < 0:
            return None
        wanted = self.institution.currentData()
        return next((i for i in self.options.institutions if str(i.id) == wanted), None)

    def select_institution(self, institution_id: Any) -> None:
        """Choose an institution (as the user would in the list)."""
        self.institution.setCurrentIndex(self.institution.findData(str(institution_id)))

    def _changed(self, *_args: Any) -> None:
        if not self._filling:
            self.changed.emit()

    def _institution_changed(self, _index: int) -> None:
        if self._filling:
            return
        institution = self.current_institution()
        if institution is not None and not self.language_touched:
            lang = "ky" if institution.country == "KG" else "ru"
            self.language.setCurrentIndex(self.language.findData(lang))
        if not self.template_touched:
            self._choose_template()
        self._changed()

    def _choose_template(self) -> None:
        institution = self.current_institution()
        name = default_letters().choose(
            self.options.categories, institution.kind if institution is not None else None
        )
        self.template.setCurrentIndex(self.template.findData(name))
        self._preselect_facts()

    def _template_chosen(self, _index: int) -> None:
        self.template_touched = True
        self._preselect_facts()
        self._changed()

    def _language_chosen(self, _index: int) -> None:
        self.language_touched = True
        self._changed()

    def _preselect_facts(self) -> None:
        """Tick only the facts the chosen letter needs (and the case records)."""
        available = [key for key, value in self.options.facts.items() if value]
        wanted = set(
            default_letters().preselected(
                self.template.currentData(), self.language.currentData(), available
            )
        )
        previous, self._filling = self._filling, True
        for row in range(self.facts.count()):
            item = self.facts.item(row)
            checked = item.data(CODE_ROLE) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._filling = previous

    def _override_toggled(self, checked: bool) -> None:
        self.override_reason.setVisible(checked)
        self._changed()

    @staticmethod
    def checked(widget: QListWidget) -> list[str]:
        """The codes ticked in a checklist."""
        return [
            widget.item(row).data(CODE_ROLE)
            for row in range(widget.count())
            if widget.item(row).checkState() == Qt.CheckState.Checked
        ]

    def current_data(self) -> dict[str, Any] | None:
        """The referral as chosen so far (None until an institution is chosen)."""
        institution = self.current_institution()
        if institution is None or self.options is None:
            return None
        override = self.override_reason.toPlainText() if self.override.isChecked() else None
        return {
            "case_id": self.options.case_id,
            "institution_id": institution.id,
            "template": self.template.currentData(),
            "language": self.language.currentData(),
            "reason": self.reason.toPlainText(),
            "services": self.checked(self.services),
            "disclosed": self.checked(self.facts),
            "consent_override_reason": override,
            "mark_sent": self.mark_sent.isChecked(),
        }
