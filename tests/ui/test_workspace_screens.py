"""Screenshots of the main window with a case open, in Kyrgyz and Russian, on the demo vault,
and a check that no button, label or tab title of the workspace is cut off.

The PNGs land in `screenshots/` (workspace_<lang>_<tab>.png) for people to look at; the
test itself checks that every visible text fits its widget at the default window size.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar, QWidget

from tests.ui import test_workspace
from tests.ui.helpers import SCREENSHOTS
from tests.ui.test_workspace import case_ids, open_case

answers = test_workspace.answers  # the fixture that answers unsaved-work questions


# The database path in the status bar is as long as the folder it is in; its tooltip
# holds it whole (checked below).
UNBOUNDED = {"status_database"}


def clipped(root: QWidget) -> list[str]:
    """Visible one-line texts under `root` that are narrower than they need to be."""
    found = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible() or widget.objectName() in UNBOUNDED:
            continue
        if isinstance(widget, QAbstractButton) and widget.text():
            if widget.width() < widget.sizeHint().width() - 1:
                found.append(f"button {widget.text()!r}")
        elif isinstance(widget, QLabel) and widget.text() and not widget.wordWrap():
            if widget.width() < widget.sizeHint().width() - 1:
                found.append(f"label {widget.text()!r}")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                text = widget.tabText(index)
                room = widget.tabRect(index).width()
                if room and widget.fontMetrics().horizontalAdvance(text) > room:
                    found.append(f"tab {text!r}")
    return found


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_screenshots_of_an_open_case(qtbot, window, lang):
    window.resize(1280, 800)
    workspace = open_case(qtbot, window, case_ids(window)[0])
    window.set_language(lang)
    qtbot.wait(50)
    nav = window.nav
    assert nav.sizeHintForColumn(0) <= nav.viewport().width()
    SCREENSHOTS.mkdir(exist_ok=True)
    problems = []
    for index, section in enumerate(workspace.sections):
        workspace.tabs.setCurrentIndex(index)
        qtbot.wait(30)
        path: Path = SCREENSHOTS / f"workspace_{lang}_{section.key}.png"
        assert window.grab().save(str(path))
        assert path.stat().st_size > 10_000
        problems += [f"{section.key}: {p}" for p in clipped(window)]
    assert not problems, "\n".join(problems)
    assert window.database_label.toolTip() == window.database_label.text()
