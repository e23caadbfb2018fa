"""The questions the case workspace asks before unsaved work could be lost.

Kept in one place so every close path asks the same way (and tests can answer them).
Each returns "save", "discard" or "cancel"; Escape, closing the box, or the app locking
while it is open all mean "cancel", so nothing is thrown away by accident.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from translations import _, ngettext

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def ask_unsaved(parent: QWidget | None, names: list[str]) -> str:
    """Ask what to do with unsaved changes in the named cases (or the new case)."""
    box = QMessageBox(parent)
    box.setObjectName("unsaved_question")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Unsaved changes"))
    box.setText(
        ngettext(
            "{names} has unsaved changes. Save them before closing?",
            "{count} cases have unsaved changes: {names}. Save them before closing?",
            len(names),
        ).format(names=", ".join(names), count=len(names))
    )
    box.setInformativeText(_("If you discard them, they are lost."))
    save = box.addButton(_("Save"), QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(_("Discard changes"), QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    if clicked is save:
        return SAVE
    if clicked is discard:
        return DISCARD
    return CANCEL
