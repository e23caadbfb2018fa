"""The background runner: results and errors come back on the UI thread; Cancel is heard."""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QThread
from PySide6.QtWidgets import QPushButton

from desktop.worker import run_in_background


def test_result_arrives_on_the_ui_thread(qtbot):
    seen = {}

    def work(report):
        seen["worker"] = threading.get_ident()
        report(1, 1)
        return 42

    def done(result):
        seen["result"] = result
        seen["ui"] = QThread.currentThread() is qtbot_thread

    qtbot_thread = QThread.currentThread()
    task = run_in_background(None, work, on_done=done, on_error=seen.setdefault)
    with qtbot.waitSignal(task.finished, timeout=5000):
        pass
    assert seen["result"] == 42 and seen["ui"]
    assert seen["worker"] != threading.get_ident()
    assert not task.running


def test_error_is_delivered_not_raised(qtbot):
    errors = []
    task = run_in_background(
        None,
        lambda report: 1 / 0,
        on_done=lambda r: None,
        on_error=errors.append,
    )
    qtbot.waitUntil(lambda: not task.running, timeout=5000)
    assert isinstance(errors[0], ZeroDivisionError)


def test_cancel_makes_report_return_false(qtbot):
    started = threading.Event()
    answers = []

    def work(report):
        started.set()
        while report(1, 10):
            threading.Event().wait(0.005)
        answers.append(False)
        return "stopped"

    results = []
    task = run_in_background(
        None,
        work,
        on_done=results.append,
        on_error=results.append,
        progress_label="Working…",
        cancellable=True,
    )
    assert task.dialog is not None
    started.wait(5)
    qtbot.waitUntil(lambda: task.dialog is not None and task.dialog.maximum() == 10, timeout=5000)
    qtbot.mouseClick(task.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: results == ["stopped"], timeout=5000)
    assert answers == [False] and task.cancelled and task.dialog is None
