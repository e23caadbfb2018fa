"""The Letters settings page: the letterhead, the signer and the outgoing register.

Coordinators set what every referral letter carries under the organisation's name
(address, phone, e-mail, a logo image), who signs letters and with what title in each
letter language, how outgoing register numbers look (with a live example of the next
number) and after how many days a sent letter without an answer counts as "no response".
The values are organisation settings (`models.letter_settings` checks them); Save sends
the changed ones through `models.settings.change_setting` and shows a refused value in
red under its field. The logo is read from a file the user picks, checked at once (PNG
or JPEG, at most 512 KB and 4000 pixels a side) and kept in the database.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.login_dialog import ERROR_STYLE
from desktop.settings_general import SettingsForm
from models.letter_settings import (
    DEFAULT_RESPONSE_DAYS,
    LETTER_DEFAULTS,
    MAX_LOGO_BYTES,
    check_logo,
    decode_logo,
)
from models.register import check_register_format, format_register_number
from models.vault import OpenVault
from translations import LANGUAGES, N_, _

LETTER_KEYS = (
    "letterhead_address", "letterhead_phone", "letterhead_email", "letterhead_logo",
    "letter_signer_name", "letter_signer_title", "register_number_format",
    "referral_response_days",
)  # fmt: skip
LANGUAGE_LABELS = {"ky": N_("Title in Kyrgyz:"), "ru": N_("Title in Russian:"),
                   "en": N_("Title in English:")}  # fmt: skip
LOGO_HEIGHT = 64
EXAMPLE_SERIAL = 42


class LetterheadPage(SettingsForm):
    """Letterhead, logo, signer, register number format and the answer deadline."""

    key = "letters"
    title = N_("Letters")
    keys = LETTER_KEYS

    def __init__(self, opened: OpenVault, parent: QWidget | None = None) -> None:
        super().__init__(opened, parent)
        self.setObjectName("settings_letterhead")
        self.logo_value = ""
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.address = QPlainTextEdit(self)
        self.address.setObjectName("letterhead_address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)
        self.phone = self._line("letterhead_phone", 100)
        self.email = self._line("letterhead_email", 200)
        self.logo_preview = QLabel(self)
        self.logo_preview.setObjectName("logo_preview")
        self.logo_preview.setMinimumHeight(LOGO_HEIGHT)
        self.logo_button = QPushButton(self)
        self.logo_button.setObjectName("choose_logo")
        self.logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button = QPushButton(self)
        self.remove_logo_button.setObjectName("remove_logo")
        self.remove_logo_button.clicked.connect(lambda: self.set_logo(""))
        logo_row = QWidget(self)
        logo_layout = QHBoxLayout(logo_row)
        logo_layout.setContentsMargins(0, 0, 0, 0)
        logo_layout.addWidget(self.logo_preview, 1)
        logo_layout.addWidget(self.logo_button)
        logo_layout.addWidget(self.remove_logo_button)
        self.signer = self._line("letter_signer_name", 200)
        self.titles = {lang: self._line(f"letter_signer_title_{lang}", 200) for lang in LANGUAGES}
        titles_box = QWidget(self)
        titles_form = QFormLayout(titles_box)
        titles_form.setContentsMargins(0, 0, 0, 0)
        self.title_labels = {lang: QLabel(self) for lang in LANGUAGES}
        for lang in LANGUAGES:
            titles_form.addRow(self.title_labels[lang], self.titles[lang])
        self.register_format = self._line("register_number_format", 40)
        self.register_format.textChanged.connect(self._show_example)
        self.example = QLabel(self)
        self.example.setObjectName("register_example")
        register_row = QWidget(self)
        register_layout = QHBoxLayout(register_row)
        register_layout.setContentsMargins(0, 0, 0, 0)
        register_layout.addWidget(self.register_format)
        register_layout.addWidget(self.example, 1)
        self.response_days = QSpinBox(self)
        self.response_days.setObjectName("referral_response_days")
        self.response_days.setRange(1, 365)
        self.response_days.setValue(DEFAULT_RESPONSE_DAYS)
        self.response_days.setMaximumWidth(160)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.headings = [QLabel(self) for _n in range(3)]
        self.labels: dict[str, QLabel] = {}
        rows: list[tuple[str | None, QWidget]] = [
            (None, self.headings[0]),
            ("letterhead_address", self.address),
            ("letterhead_phone", self.phone),
            ("letterhead_email", self.email),
            ("letterhead_logo", logo_row),
            (None, self.headings[1]),
            ("letter_signer_name", self.signer),
            ("letter_signer_title", titles_box),
            (None, self.headings[2]),
            ("register_number_format", register_row),
            ("referral_response_days", self.response_days),
        ]
        for key, widget in rows:
            if key is None:
                self.form.addRow(widget)
                continue
            label = QLabel(self)
            self.labels[key] = label
            self.form.addRow(label, self.errors.wrap(key, widget))
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status, 1)
        fields = QWidget(self)
        fields_layout = QVBoxLayout(fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addWidget(self.intro)
        fields_layout.addLayout(self.form)
        fields_layout.addStretch(1)
        scroll = QScrollArea(self)  # the page may be shorter than its fields; Save stays in view
        scroll.setObjectName("letters_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(fields)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.retranslate()
        self.set_logo("")

    def _line(self, name: str, max_length: int) -> QLineEdit:
        field = QLineEdit(self)
        field.setObjectName(name)
        field.setMaxLength(max_length)
        return field

    # --- texts -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        """Show every text in the interface language now in force."""
        self.intro.setText(
            _(
                "Referral letters carry the organisation's name and these details. "
                "They apply to every letter made from now on."
            )
        )
        for heading, text in zip(
            self.headings, (_("Letterhead"), _("Signature"), _("Outgoing register")), strict=True
        ):
            heading.setText(f"<b>{text}</b>")
        for key, text in {
            "letterhead_address": _("Address:"),
            "letterhead_phone": _("Phone:"),
            "letterhead_email": _("E-mail:"),
            "letterhead_logo": _("Logo:"),
            "letter_signer_name": _("Signed by:"),
            "letter_signer_title": _("Signer's title:"),
            "register_number_format": _("Number format:"),
            "referral_response_days": _("Wait for an answer:"),
        }.items():
            self.labels[key].setText(text)
        for lang, label in self.title_labels.items():
            label.setText(_(LANGUAGE_LABELS[lang]))
        self.logo_button.setText(_("Choose image…"))
        self.remove_logo_button.setText(_("Remove"))
        self.register_format.setToolTip(
            _(
                "{serial} is the letter's number in the year, {serial:04d} the same with "
                "leading zeros, {year} the year (2026), {yy} its last two digits (26). "
                "Other text is printed as it is."
            )
        )
        self.response_days.setSuffix(" " + _("days"))
        self.response_days.setToolTip(
            _("A sent letter without an answer after this many days counts as “no response”.")
        )
        self.save_button.setText(_("Save"))
        self._show_logo_text()
        self._show_example()

    def _show_example(self, *_args: Any) -> None:
        """Show the number the format gives, or why it cannot be used."""
        text = self.register_format.text().strip()
        try:
            fmt = check_register_format(text)
        except ValueError as exc:
            self.example.setStyleSheet(ERROR_STYLE)
            self.example.setText(str(exc))
            return
        self.example.setStyleSheet("")
        sample = format_register_number(fmt, year=date.today().year, serial=EXAMPLE_SERIAL)
        self.example.setText(_("e.g. {number}").format(number=sample))

    # --- the logo --------------------------------------------------------------------------

    def choose_logo(self) -> None:
        """Pick a PNG or JPEG file for the logo."""
        name, _filter = QFileDialog.getOpenFileName(
            self, _("Choose a logo"), str(Path.home()),
            _("Images ({pattern})").format(pattern="*.png *.jpg *.jpeg"),
        )  # fmt: skip
        if name:
            self.load_logo(Path(name))

    def load_logo(self, path: Path) -> bool:
        """Read and check a logo file; show it, or say why it cannot be used."""
        try:
            size = path.stat().st_size
            if size > MAX_LOGO_BYTES:
                raise ValueError(_("The logo is too large: at most 512 KB."))
            value = check_logo(path.read_bytes())
        except OSError as exc:
            self.errors.set(
                "letterhead_logo",
                _("The file cannot be read: {reason}").format(reason=exc.strerror or exc),
            )
            return False
        except ValueError as exc:
            self.errors.set("letterhead_logo", str(exc))
            return False
        self.errors.set("letterhead_logo", "")
        self.set_logo(value)
        return True

    def set_logo(self, value: str) -> None:
        """Use this logo (base64 text; "" for none) and show it."""
        self.logo_value = value
        pixmap = QPixmap()
        content = decode_logo(value) if value else None
        if content and pixmap.loadFromData(content):
            self.logo_preview.setPixmap(
                pixmap.scaledToHeight(LOGO_HEIGHT, Qt.TransformationMode.SmoothTransformation)
            )
        else:
            self.logo_preview.setPixmap(QPixmap())
        self.remove_logo_button.setEnabled(bool(value))
        self._show_logo_text()

    def _show_logo_text(self) -> None:
        if not self.logo_value:
            self.logo_preview.setText(_("No logo"))

    # --- values ----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """The values as typed now, by setting key."""
        return {
            "letterhead_address": self.address.toPlainText().strip(),
            "letterhead_phone": self.phone.text().strip(),
            "letterhead_email": self.email.text().strip(),
            "letterhead_logo": self.logo_value,
            "letter_signer_name": self.signer.text().strip(),
            "letter_signer_title": {
                lang: field.text().strip() for lang, field in self.titles.items()
            },
            "register_number_format": self.register_format.text().strip(),
            "referral_response_days": self.response_days.value(),
        }

    def show_values(self, values: dict[str, Any]) -> None:
        """Put the saved values into the fields."""

        def text(key: str) -> str:
            value = values.get(key)
            return value if isinstance(value, str) else str(LETTER_DEFAULTS.get(key) or "")

        self.address.setPlainText(text("letterhead_address"))
        self.phone.setText(text("letterhead_phone"))
        self.email.setText(text("letterhead_email"))
        self.signer.setText(text("letter_signer_name"))
        titles = values.get("letter_signer_title")
        titles = titles if isinstance(titles, dict) else {}
        for lang, field in self.titles.items():
            field.setText(str(titles.get(lang) or ""))
        self.register_format.setText(text("register_number_format"))
        days = values.get("referral_response_days")
        self.response_days.setValue(days if isinstance(days, int) else DEFAULT_RESPONSE_DAYS)
        logo = values.get("letterhead_logo")
        self.set_logo(logo if isinstance(logo, str) else "")
        # What is saved, as this page sends it back: unchanged values are not sent again.
        self.saved = self.values()
