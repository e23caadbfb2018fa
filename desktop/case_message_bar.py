"""A bar across the top of an open case for messages that need attention but no dialog:
a refused save, changes made by someone else meanwhile, a draft that can be restored.

It has a text, a colour for its kind and up to two buttons; "✕" hides it. Nothing here
blocks: the user keeps working (and the lock can hide the window) while it is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from translations import _

STYLES = {
    "error": "QFrame#case_message { background: #fde7e9; border: 1px solid #e8a0a8; }"
    " QLabel { color: #6b0010; }",
    "warning": "QFrame#case_message { background: #fff3c4; border: 1px solid #e0c860; }"
    " QLabel { color: #4a3b00; }",
    "info": "QFrame#case_message { background: #e6f0fb; border: 1px solid #9fbfe6; }"
    " QLabel { color: #0b2e59; }",
}


class MessageBar(QFrame):
    """A hideable message with up to two action buttons."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_message")
        self.kind = ""
        self.label = QLabel(self)
        self.label.setObjectName("case_message_text")
        self.label.setWordWrap(True)
        self.buttons = [QPushButton(self), QPushButton(self)]
        self.buttons[0].setObjectName("case_message_first")
        self.buttons[1].setObjectName("case_message_second")
        self._actions: list[Callable[[], None] | None] = [None, None]
        for index, button in enumerate(self.buttons):
            button.clicked.connect(lambda _c=False, i=index: self._clicked(i))
            button.hide()
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        for button in self.buttons:
            layout.addWidget(button)
        layout.addWidget(self.close_button)
        self.hide()

    def show_message(
        self,
        kind: str,
        text: str,
        actions: list[tuple[str, Callable[[], None]]] = (),  # type: ignore[assignment]
        *,
        closable: bool = True,
    ) -> None:
        """Show `text` ("error", "warning" or "info") with buttons (label, action)."""
        self.kind = kind
        self.setStyleSheet(STYLES.get(kind, ""))
        self.label.setText(text)
        for index, button in enumerate(self.buttons):
            if index < len(actions):
                button.setText(actions[index][0])
                self._actions[index] = actions[index][1]
                button.show()
            else:
                self._actions[index] = None
                button.hide()
        self.close_button.setVisible(closable)
        self.close_button.setToolTip(_("Hide this message"))
        self.show()

    def _clicked(self, index: int) -> None:
        action = self._actions[index]
        self.dismiss()
        if action is not None:
            action()

    def dismiss(self) -> None:
        """Hide the message."""
        self.kind = ""
        self.label.clear()
        self._actions = [None, None]
        self.hide()
