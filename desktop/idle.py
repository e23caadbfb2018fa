"""Notice when nobody has touched the app for a while, so it can lock itself.

`IdleWatcher` installs an event filter on the whole application: every key press, click,
mouse movement, wheel turn or touch in any of Komok's windows restarts a single-shot
timer; when the timer runs out, `idle` is emitted. The filter only looks at the event's
type and never stops an event, so it costs next to nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

MS_PER_MINUTE = 60_000

# What counts as someone using the app. Key releases and hover events follow these anyway.
INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.HoverMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.InputMethod,
    }
)


class IdleWatcher(QObject):
    """Emits `idle` after `timeout_ms` without user input anywhere in the application.

    Call `start()` to begin watching and `stop()` to pause (e.g. while locked); the
    watcher removes its filter when it is destroyed with its parent.
    """

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, int(timeout_ms)))
        self._timer.timeout.connect(self.idle)
        self._app: QCoreApplication | None = None

    @property
    def timeout_ms(self) -> int:
        """How long without input counts as idle."""
        return self._timer.interval()

    @property
    def watching(self) -> bool:
        """Whether the watcher is counting."""
        return self._app is not None

    def set_timeout(self, timeout_ms: int) -> None:
        """Change the idle time; counting starts again if the watcher is running."""
        self._timer.setInterval(max(1, int(timeout_ms)))
        if self.watching:
            self._timer.start()

    def set_minutes(self, minutes: int) -> None:
        """Change the idle time in minutes (the unit of the `lock_minutes` setting)."""
        self.set_timeout(int(minutes) * MS_PER_MINUTE)

    def start(self) -> None:
        """Begin (or restart) watching for input and counting idle time."""
        app = QCoreApplication.instance()
        if app is None:
            return
        if self._app is None:
            app.installEventFilter(self)
            self._app = app
        self._timer.start()

    def stop(self) -> None:
        """Stop watching: no `idle` until `start()` again."""
        self._timer.stop()
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Restart the count on user input; never consumes the event."""
        if event.type() in INPUT_EVENTS:
            self._timer.start()
        return False
