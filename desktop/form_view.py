"""A declarative form on screen: sections of labelled fields built from a `forms` Form.

    view = FormView(default_forms().intake, language="ky")
    view.set_context({"categories": ["unpaid_wages"]})   # for a form without that field
    view.set_values({...})                               # no `changed` signal
    view.changed.connect(mark_dirty)
    try:
        submit_intake(db=db, actor=actor, values=view.values())
    except ValidationFailed as exc:
        view.show_errors(exc.field_errors)               # message under each field

Widgets follow the field type (see `desktop.form_editors`): text boxes, a blank-able date,
number and money boxes, combo boxes for vocabularies, a check list for several choices,
yes/no, a phone box that tidies the number when left. Sections and fields with a `when`
condition appear and disappear as the categories (the form's own `categories` field, or
the context) and other fields change. `values()` holds the fields now shown, typed as
`forms.values` describes; `all_values()` every field. Help texts are tooltips and a "?"
button beside the field. Tab order follows the form; `retranslate(lang)` keeps values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.form_editors import ChoiceEditor, Editor, PhoneEditor, make_editor
from desktop.login_dialog import error_label
from forms.schema import FieldDef, Form, Section
from forms.values import applicable_fields, choice_filter
from translations import _

INVALID_STYLE = "border: 1px solid #b00020;"
HELP_STYLE = "color: palette(mid);"


@dataclass
class _Row:
    """One field on screen: its editor, label, help button and error message."""

    fdef: FieldDef
    section: Section
    editor: Editor
    label: QLabel
    help_button: QToolButton | None
    error: QLabel
    layout: QFormLayout
    lines: tuple[int, ...]  # the layout rows it takes


class FormView(QWidget):
    """A form's sections and fields as widgets; see the module docstring."""

    changed = Signal()

    def __init__(self, form: Form, *, language: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"form_{form.name}")
        self.form = form
        self.language = language
        self._context: dict[str, Any] = {}
        self._loading = False
        self._shown: set[str] = set()
        self.rows: dict[str, _Row] = {}
        self.groups: dict[str, QGroupBox] = {}
        self._section_help: dict[str, QLabel] = {}

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget(self.scroll)
        content.setObjectName("form_content")
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 4, 4, 4)
        self.description = QLabel(content)
        self.description.setWordWrap(True)
        self.description.setVisible(form.description is not None)
        column.addWidget(self.description)
        self.general_error = error_label(content, "form_errors")
        column.addWidget(self.general_error)
        for section in form.sections:
            column.addWidget(self._build_section(section, content))
        column.addStretch(1)
        self.scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

        self._triggers = {"categories"} | {
            when.field
            for when in [s.when for s in form.sections] + [f.when for f in form.all_fields()]
            if when is not None and when.field is not None
        }
        self._dependents: dict[str, list[str]] = {}
        for fdef in form.all_fields():
            if fdef.filter_by is not None:
                self._dependents.setdefault(fdef.filter_by, []).append(fdef.key)
        self._chain_tab_order()
        for key, row in self.rows.items():
            row.editor.connect(lambda k=key: self._edited(k))
            if isinstance(row.editor, PhoneEditor):
                row.editor.edit.editingFinished.connect(lambda k=key: self._tidy(k))
        self.retranslate(language)
        self._refilter()
        self._update_visibility()

    # --- building ------------------------------------------------------------------------

    def _build_section(self, section: Section, parent: QWidget) -> QGroupBox:
        group = QGroupBox(parent)
        group.setObjectName(f"section_{section.key}")
        layout = QFormLayout(group)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if section.help is not None:
            note = QLabel(group)
            note.setWordWrap(True)
            note.setStyleSheet(HELP_STYLE)
            layout.addRow(note)
            self._section_help[section.key] = note
        for fdef in section.fields:
            editor = make_editor(fdef, self.language, group)
            first = editor.focus_widgets[0]
            first.setObjectName(f"field_{fdef.key}")
            label = QLabel(group)
            label.setObjectName(f"label_{fdef.key}")
            label.setBuddy(first)
            box = QWidget(group)
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            line = QHBoxLayout()
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(editor.widget, 1 if editor.expand else 0)
            if not editor.expand:
                line.addStretch(1)
            help_button = None
            if fdef.help is not None:
                help_button = QToolButton(box)
                help_button.setText("?")
                help_button.setAutoRaise(True)
                help_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                help_button.clicked.connect(lambda _c=False, k=fdef.key: self._show_help(k))
                line.addWidget(help_button)
            column.addLayout(line)
            error = error_label(box, f"error_{fdef.key}")
            column.addWidget(error)
            if fdef.type == "multi_choice":  # a wide check list: its label above it
                layout.addRow(label)
                layout.addRow(box)
                lines = (layout.rowCount() - 2, layout.rowCount() - 1)
            else:
                layout.addRow(label, box)
                lines = (layout.rowCount() - 1,)
            self.rows[fdef.key] = _Row(
                fdef, section, editor, label, help_button, error, layout, lines
            )
        self.groups[section.key] = group
        return group

    def _chain_tab_order(self) -> None:
        widgets = [w for row in self.rows.values() for w in row.editor.focus_widgets]
        for before, after in pairwise(widgets):
            QWidget.setTabOrder(before, after)

    # --- values --------------------------------------------------------------------------

    def all_values(self) -> dict[str, Any]:
        """Every field's value, shown or not."""
        return {key: row.editor.value() for key, row in self.rows.items()}

    def values(self) -> dict[str, Any]:
        """The values of the fields now shown (what a save sends)."""
        return {key: row.editor.value() for key, row in self.rows.items() if key in self._shown}

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show `values` (unknown keys are ignored; fields not given keep their value).

        Clears the error messages; does not emit `changed`.
        """
        self._loading = True
        try:
            later = []
            for key, value in values.items():
                row = self.rows.get(key)
                if row is None:
                    continue
                if row.fdef.filter_by is not None:
                    later.append((row, value))
                else:
                    row.editor.set_value(value)
            self._refilter()
            for row, value in later:
                row.editor.set_value(value)
            self._update_visibility()
            self.clear_errors()
        finally:
            self._loading = False

    def set_context(self, context: Mapping[str, Any]) -> None:
        """What conditions read besides the form's own fields, e.g. {"categories": [...]}."""
        self._context = dict(context)
        self._update_visibility()

    def is_shown(self, key: str) -> bool:
        """Whether the field `key` applies now (its section and its own condition hold)."""
        return key in self._shown

    def editor(self, key: str) -> Editor:
        """The editor of field `key`."""
        return self.rows[key].editor

    def field_widget(self, key: str) -> QWidget:
        """The (first) focusable widget of field `key`."""
        return self.rows[key].editor.focus_widgets[0]

    def focus_first(self) -> None:
        """Put the keyboard focus on the first field shown."""
        for key, row in self.rows.items():
            if key in self._shown:
                row.editor.focus_widgets[0].setFocus(Qt.FocusReason.OtherFocusReason)
                return

    # --- reacting to edits ---------------------------------------------------------------

    def _edited(self, key: str) -> None:
        self._set_error(key, "")
        if key in self._dependents:
            self._refilter()
        if key in self._triggers:
            self._update_visibility()
        if not self._loading:
            self.changed.emit()

    def _tidy(self, key: str) -> None:
        message = self.rows[key].editor.normalise()
        self._set_error(key, message)

    def _refilter(self) -> None:
        for source, keys in self._dependents.items():
            source_row = self.rows.get(source)
            value = source_row.editor.value() if source_row is not None else None
            for key in keys:
                editor = self.rows[key].editor
                if not isinstance(editor, ChoiceEditor):
                    continue
                cleared = editor.set_allowed(choice_filter(editor.fdef, self.form, value))
                if cleared and not self._loading:
                    self.changed.emit()

    def _update_visibility(self) -> None:
        shown = {f.key for f in applicable_fields(self.form, self.all_values(), self._context)}
        self._shown = shown
        for section in self.form.sections:
            any_shown = False
            for fdef in section.fields:
                row = self.rows[fdef.key]
                visible = fdef.key in shown
                for line in row.lines:
                    row.layout.setRowVisible(line, visible)
                any_shown = any_shown or visible
            self.groups[section.key].setVisible(any_shown)

    # --- errors --------------------------------------------------------------------------

    def _row_for_error(self, key: str) -> _Row | None:
        base = key.split(".", 1)[0]
        if base in self.rows:
            return self.rows[base]
        for row in self.rows.values():
            if base in row.fdef.storage_keys:
                return row
        return None

    def _set_error(self, key: str, message: str) -> None:
        row = self.rows.get(key)
        if row is None:
            return
        row.error.setText(message)
        row.error.setVisible(bool(message))
        for widget in row.editor.focus_widgets:
            widget.setStyleSheet(
                f"{type(widget).__name__} {{ {INVALID_STYLE} }}" if message else ""
            )

    def clear_errors(self) -> None:
        """Hide every error message."""
        for key in self.rows:
            self._set_error(key, "")
        self.general_error.clear()
        self.general_error.hide()

    def show_errors(self, errors: Mapping[str, str]) -> None:
        """Show each message under its field (others at the top); focus the first one."""
        self.clear_errors()
        general: list[str] = []
        first: _Row | None = None
        for key, message in errors.items():
            row = self._row_for_error(key)
            if row is not None and row.fdef.key in self._shown:
                self._set_error(row.fdef.key, message)
                first = first or row
            elif row is not None:
                general.append(f"{row.fdef.label.get(self.language)}: {message}")
            else:
                general.append(message)
        if general:
            self.general_error.setText("\n".join(general))
            self.general_error.show()
        if first is not None:
            widget = first.editor.focus_widgets[0]
            self.scroll.ensureWidgetVisible(widget)
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(widget, QLineEdit):
                widget.selectAll()
        elif general:
            self.scroll.ensureWidgetVisible(self.general_error)

    def error_text(self, key: str) -> str:
        """The message now shown under field `key` ("" when none)."""
        row = self.rows.get(key)
        return row.error.text() if row is not None and not row.error.isHidden() else ""

    # --- texts ---------------------------------------------------------------------------

    def _show_help(self, key: str) -> None:
        row = self.rows[key]
        if row.help_button is not None and row.fdef.help is not None:
            where = row.help_button.mapToGlobal(QPoint(0, row.help_button.height()))
            QToolTip.showText(where, row.fdef.help.get(self.language), row.help_button)

    def retranslate(self, language: str) -> None:
        """Show labels, help and choices in `language`; entered values stay."""
        self.language = language
        if self.form.description is not None:
            self.description.setText(self.form.description.get(language))
        for section in self.form.sections:
            self.groups[section.key].setTitle(section.title.get(language))
            note = self._section_help.get(section.key)
            if note is not None and section.help is not None:
                note.setText(section.help.get(language))
        blocked = self._loading
        self._loading = True
        try:
            for row in self.rows.values():
                fdef = row.fdef
                text = fdef.label.get(language)
                row.label.setText(f"{text} *" if fdef.required else text)
                tip = fdef.help.get(language) if fdef.help is not None else ""
                row.label.setToolTip(tip)
                if row.help_button is not None:
                    row.help_button.setToolTip(tip)
                    row.help_button.setAccessibleName(_("Help: {field}").format(field=text))
                row.editor.retranslate(language)
                for widget in row.editor.focus_widgets:
                    widget.setToolTip(tip)
                row.editor.focus_widgets[0].setAccessibleName(text)
        finally:
            self._loading = blocked
