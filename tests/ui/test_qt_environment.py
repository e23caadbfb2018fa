"""The Qt binding and Qt's own translations behave as the app relies on."""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QLabel

from desktop.i18n import InterfaceLanguage

# PySide6 6.12.0 wheels (abi3) forget to take a reference to None / True / False when a
# wrapped C++ call returns nothing or a bool. On Python 3.12+ those objects are immortal
# and nothing happens; on 3.11 their reference counts drain until the interpreter aborts
# with "deallocating None" after some ten thousand calls. 6.11.3 does not have the bug.
# pyproject.toml excludes 6.12.0; this test catches a binding with the same fault.


def test_wrapped_calls_keep_none_alive(qapp):
    label = QLabel()
    before = sys.getrefcount(None)
    for _ in range(200):
        label.setText("x")
    assert sys.getrefcount(None) - before > -50


def _cancel_text() -> str:
    return QCoreApplication.translate("QPlatformTheme", "Cancel")


def test_qt_dialog_buttons_follow_the_interface_language(qapp):
    language = InterfaceLanguage(qapp)
    try:
        language.apply("ru", remember=False)
        assert _cancel_text() == "Отмена"
        language.apply("ky", remember=False)  # Qt has no Kyrgyz: Russian buttons
        assert _cancel_text() == "Отмена"
        language.apply("en", remember=False)
        assert _cancel_text() == "Cancel"
    finally:
        language.apply("en", remember=False)
