"""The main window: navigation on the left, the chosen screen and the open cases on the
right (as tabs), menus with keyboard shortcuts, and a status bar.

Screens plug in through `VIEWS`: each entry names a screen and builds its widget from the
open database. A screen widget offers `refresh()`, `retranslate()`, `save_state(settings)`
and `restore_state(settings)`; a screen that lists cases may define
`open_case_requested = Signal(object)` (a case UUID), which opens that case in a tab.
The chosen screen is the first tab of `CaseTabs`; each open case follows in its own tab
(`desktop.case_workspace`). Shortcuts: Ctrl+N new case (intake), Ctrl+F search, Ctrl+S
save the case in front, Ctrl+W close it (asking when unsaved), F5 refresh, Ctrl+L lock.
The window's texts follow the interface language live (Language menu), open cases keep
what was typed. Window size, splitter, column widths and the last screen are remembered.
The window locks after idle time or on Ctrl+L (`desktop.lock`); open cases and the intake
take part as `Lockable`s. On the demo, the banner and the File menu offer to set up the
organisation (`setup_requested`, handled by the app).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from babel.numbers import format_decimal
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.case_actions import CaseActions
from desktop.case_list_view import CaseListView
from desktop.case_tabs import CaseTabs
from desktop.case_workspace import CaseWorkspace
from desktop.follow_ups_view import FollowUpsView
from desktop.i18n import LANGUAGE_NAMES, InterfaceLanguage
from desktop.institutions_view import InstitutionsView
from desktop.intake_dialog import IntakeDialog
from desktop.lock import LockController
from desktop.people_view import PeopleView
from desktop.referrals_view import ReferralsView
from desktop.search_dialog import SearchDialog
from desktop.settings_view import SettingsView
from desktop.startup import server_description
from desktop.statistics_view import StatisticsView
from models.settings import get_setting
from models.tables import User
from models.vault import OpenVault
from models.vocab import default_vocabularies
from translations import LANGUAGES, N_, _, current_language, ngettext

GEOMETRY_KEY = "main_window/geometry"
STATE_KEY = "main_window/state"
SPLITTER_KEY = "main_window/splitter"
VIEW_KEY = "main_window/view"
DEFAULT_SIZE = (1200, 760)
BANNER_STYLE = (
    "QFrame#demo_bar { background: #fff3c4; border-bottom: 1px solid #e0c860; }"
    " QLabel#demo_banner { color: #4a3b00; padding: 6px 10px; }"
)


@dataclass(frozen=True)
class ViewEntry:
    """A screen in the navigation list: a stable key, its title (marked with N_) and a builder."""

    key: str
    title: str
    build: Callable[[OpenVault], QWidget]


VIEWS: tuple[ViewEntry, ...] = (
    ViewEntry("cases", N_("Cases"), lambda opened: CaseListView(opened.db, opened.actor)),
    ViewEntry("people", N_("People"), PeopleView),
    ViewEntry("follow_ups", N_("Follow-ups"), FollowUpsView),
    ViewEntry("referrals", N_("Referrals"), ReferralsView),
    ViewEntry("statistics", N_("Statistics"), StatisticsView),
    ViewEntry("institutions", N_("Institutions"), InstitutionsView),
    ViewEntry("settings", N_("Settings"), SettingsView),
)


def app_version() -> str:
    """Komok's installed version, or "dev" when run from an uninstalled checkout."""
    try:
        return metadata.version("komok")
    except metadata.PackageNotFoundError:
        return "dev"


class MainWindow(QMainWindow):
    """Komok's window for one open database and signed-in user."""

    setup_requested = Signal()  # the demo's "Set up your organisation…"

    def __init__(self, opened: OpenVault, *, demo: bool, language: InterfaceLanguage) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.opened = opened
        self._language = language
        with opened.db.read() as session:
            self.organisation = str(get_setting(session, "organisation_name") or "")
            self.demo = bool(demo or get_setting(session, "demo"))
            user = session.get(User, opened.actor.user_id) if opened.actor.user_id else None
            self.user_name = user.display_name if user is not None else opened.actor.username
            lock_minutes = int(get_setting(session, "lock_minutes") or 5)

        self.banner_bar = QFrame(self)
        self.banner_bar.setObjectName("demo_bar")
        self.banner_bar.setStyleSheet(BANNER_STYLE)
        self.banner = QLabel(self.banner_bar)
        self.banner.setObjectName("demo_banner")
        self.banner.setWordWrap(True)
        self.setup_button = QPushButton(self.banner_bar)
        self.setup_button.setObjectName("setup_button")
        self.setup_button.clicked.connect(self.setup_requested)
        bar_layout = QHBoxLayout(self.banner_bar)
        bar_layout.setContentsMargins(0, 0, 10, 0)
        bar_layout.addWidget(self.banner, 1)
        bar_layout.addWidget(self.setup_button)
        self.banner.setVisible(self.demo)
        self.banner_bar.setVisible(self.demo)

        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setMinimumWidth(140)
        self.nav.setStyleSheet("QListWidget#navigation::item { padding: 6px 8px; }")
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self)
        self.views: dict[str, QWidget] = {}
        for entry in VIEWS:
            view = entry.build(opened)
            self.views[entry.key] = view
            self.stack.addWidget(view)
            item = QListWidgetItem(self.nav)
            item.setData(Qt.ItemDataRole.UserRole, entry.key)
        self.nav.currentRowChanged.connect(self._view_chosen)
        self.nav.setCurrentRow(0)
        self.case_list: CaseListView = self.views["cases"]  # type: ignore[assignment]
        self.case_tabs = CaseTabs(opened, self.stack, self)
        self.case_tabs.home_stale.connect(self.refresh_view)
        self.cases = CaseActions(self, opened, self.case_tabs, show_screen=self.show_screen)
        self._unsaved_resolved = False
        self.case_list.case_activated.connect(self.open_case)
        for view in self.views.values():
            signal = getattr(view, "open_case_requested", None)
            if signal is not None:
                signal.connect(self.open_case)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("main_splitter")
        self.splitter.addWidget(self.nav)
        self.splitter.addWidget(self.case_tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([160, DEFAULT_SIZE[0] - 160])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner_bar)
        layout.addWidget(self.splitter, 1)
        self.central_stack = QStackedWidget(self)  # the screens, or the lock screen
        self.central_stack.setObjectName("central_stack")
        self.central_stack.addWidget(central)
        self.setCentralWidget(self.central_stack)

        self._build_menus()
        self.lock_controller = LockController(
            self, stack=self.central_stack, opened=opened, user_name=self.user_name,
            title=self.window_title, keep_enabled=[self.quit_action], idle_minutes=lock_minutes,
            lockables=self._lockables,
        )  # fmt: skip
        self._build_status_bar()
        self.case_list.model.total_changed.connect(self._show_case_count)
        self.retranslate()
        self.restore_state()

    # --- building ------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.new_case_action = self.cases.new_case_action
        self.save_action = self.cases.save_action
        self.close_case_action = self.cases.close_case_action
        self.search_action = self.cases.search_action
        self.file_menu.addAction(self.new_case_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.save_action)
        self.file_menu.addAction(self.close_case_action)
        self.file_menu.addSeparator()
        self.setup_action = QAction(self)
        self.setup_action.setVisible(self.demo)
        self.setup_action.triggered.connect(self.setup_requested)
        self.file_menu.addAction(self.setup_action)
        self.lock_action = QAction(self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.file_menu.addAction(self.lock_action)
        self.file_menu.addSeparator()
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.file_menu.addAction(self.quit_action)

        self.view_menu = bar.addMenu("")
        self.view_menu.addAction(self.search_action)
        self.refresh_action = QAction(self)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.triggered.connect(self.refresh)
        self.view_menu.addAction(self.refresh_action)

        self.language_menu = bar.addMenu("")
        self.language_group = QActionGroup(self)
        self.language_group.setExclusive(True)
        self.language_actions: dict[str, QAction] = {}
        for code in LANGUAGES:
            action = QAction(LANGUAGE_NAMES[code], self, checkable=True)
            action.setData(code)
            action.setChecked(code == current_language())
            action.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action

        self.help_menu = bar.addMenu("")
        self.about_action = QAction(self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        self.help_menu.addAction(self.about_action)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.upgrade_label = QLabel(self)
        self.upgrade_label.setObjectName("upgrade_copy")
        self.upgrade_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.upgrade_label.setVisible(self.opened.upgrade_copy is not None)
        status.addWidget(self.upgrade_label, 1)
        self.database_label = QLabel(self)
        self.user_label = QLabel(self)
        self.kind_label = QLabel(self)
        self.count_label = QLabel(self)
        self.lock_label = QLabel(self)
        for name, label in (
            ("status_database", self.database_label), ("status_user", self.user_label),
            ("status_kind", self.kind_label), ("status_count", self.count_label),
            ("status_lock", self.lock_label),
        ):  # fmt: skip
            label.setObjectName(name)
            label.setContentsMargins(6, 0, 6, 0)
            status.addPermanentWidget(label)

    # --- texts ---------------------------------------------------------------------------

    def window_title(self) -> str:
        """The title bar text: the organisation, or an unmistakable demo label."""
        if self.lock_controller.locked:
            return _("Komok — locked")
        if self.demo:
            return _("Komok — DEMO DATA (not real cases)")
        if self.organisation:
            return _("Komok — {organisation}").format(organisation=self.organisation)
        return _("Komok")

    def retranslate(self) -> None:
        """Show every visible text in the interface language now in force."""
        self.setWindowTitle(self.window_title())
        self.file_menu.setTitle(_("&File"))
        self.setup_action.setText(_("&Set up your organisation…"))
        self.setup_button.setText(_("Set up your organisation…"))
        self.lock_action.setText(_("&Lock"))
        self.quit_action.setText(_("&Quit"))
        self.view_menu.setTitle(_("&View"))
        self.refresh_action.setText(_("&Refresh"))
        self.language_menu.setTitle(_("&Language"))
        self.help_menu.setTitle(_("&Help"))
        self.about_action.setText(_("&About Komok"))
        titles = {entry.key: entry.title for entry in VIEWS}
        for row in range(self.nav.count()):
            item = self.nav.item(row)
            item.setText(_(titles[item.data(Qt.ItemDataRole.UserRole)]))
        self._fit_navigation()
        if self.demo:
            from models.demo import DEMO_PASSWORD, DEMO_USERNAME

            self.banner.setText(
                _(
                    "Demo data: every person and case here is invented. Do not enter real "
                    "cases. Demo sign-in: user name “{username}”, password “{password}”."
                ).format(username=DEMO_USERNAME, password=DEMO_PASSWORD)
            )
        self._retranslate_status()
        self.lock_controller.screen.retranslate()
        for view in self.views.values():
            view.retranslate()
        self.case_tabs.retranslate()
        self._title_home()
        self.cases.retranslate()

    def _fit_navigation(self) -> None:
        """Make the navigation wide enough for its longest title in this language."""
        padding = 2 * self.nav.frameWidth() + 28
        self.nav.setMinimumWidth(max(140, self.nav.sizeHintForColumn(0) + padding))

    def _retranslate_status(self) -> None:
        db = self.opened.db
        if db.kind == "postgresql":
            self.database_label.setText(server_description(db.engine.url))
        else:
            self.database_label.setText(_("Encrypted file: {path}").format(path=db.path))
        self.database_label.setToolTip(self.database_label.text())
        role = default_vocabularies()["role"].label(self.opened.actor.role, current_language())
        self.user_label.setText(
            _("Signed in: {name} ({role})").format(name=self.user_name, role=role)
        )
        self.kind_label.setText(_("Demo data") if self.demo else _("Real data"))
        minutes = max(1, self.lock_controller.idle.timeout_ms // 60_000)
        self.lock_label.setText(_("Locks after {minutes} min idle").format(minutes=minutes))
        self.lock_label.setToolTip(_("Lock now: Ctrl+L"))
        if self.opened.upgrade_copy is not None:
            self.upgrade_label.setText(
                _("The database was upgraded. A copy from before the upgrade is at {path}").format(
                    path=self.opened.upgrade_copy
                )
            )
        self._show_case_count(self.case_list.model.total)

    def _show_case_count(self, total: int) -> None:
        count = format_decimal(total, locale=current_language())
        text = ngettext("{count} case", "{count} cases", total)
        self.count_label.setText(text.format(count=count))

    # --- actions -------------------------------------------------------------------------

    def set_language(self, language: str) -> None:
        """Switch the interface language now and remember it."""
        self._language.apply(language)
        self.language_actions[language].setChecked(True)
        self.retranslate()

    def lock(self) -> None:
        """Lock the window now (File → Lock, Ctrl+L); the idle timer does the same."""
        self.lock_controller.lock()

    def refresh(self) -> None:
        """Read the case or screen in front again (View → Refresh, F5)."""
        workspace = self.case_tabs.current_workspace()
        if workspace is not None:
            workspace.refresh()
        else:
            self.refresh_view()

    def refresh_view(self) -> None:
        """Read the chosen screen's data again."""
        view = self.stack.currentWidget()
        if view is not None:
            view.refresh()

    def _view_chosen(self, row: int) -> None:
        self.stack.setCurrentIndex(row)
        if hasattr(self, "case_tabs"):
            self.case_tabs.show_home()
            self._title_home()

    def _title_home(self) -> None:
        item = self.nav.currentItem()
        if item is not None:
            self.case_tabs.setTabText(0, item.text())

    def _lockables(self) -> list[object]:
        return [*self.views.values(), *self.cases.lockables()]

    @property
    def intake(self) -> IntakeDialog | None:
        """The New case dialog while it is open."""
        return self.cases.intake

    def open_case(self, case_id: uuid.UUID) -> CaseWorkspace:
        """Show a case in its own tab (reading it when it is not open yet)."""
        return self.cases.open_case(case_id)

    def new_case(self) -> IntakeDialog:
        """Open the intake (File → New case, Ctrl+N); the new case opens in a tab."""
        return self.cases.new_case()

    def search(self) -> SearchDialog:
        """Open the search (View → Find, Ctrl+F); a found case or client opens."""
        return self.cases.search()

    def close_case(self) -> None:
        """Close the case in front, asking when it has unsaved changes (Ctrl+W)."""
        self.cases.close_case()

    def show_screen(self, key: str) -> None:
        """Bring a screen of the navigation to the front."""
        self.nav.setCurrentRow(self._row_of(key))

    def _row_of(self, key: str) -> int:
        for row in range(self.nav.count()):
            if self.nav.item(row).data(Qt.ItemDataRole.UserRole) == key:
                return row
        return 0

    def show_about(self) -> None:
        """Show the version and what Komok is for."""
        QMessageBox.about(
            self,
            _("About Komok"),
            _(
                "Komok {version}\n\nOffline case management for organisations that help "
                "Kyrgyz labour migrants."
            ).format(version=app_version()),
        )

    # --- remembered layout ---------------------------------------------------------------

    def save_state(self) -> None:
        """Remember window geometry, toolbars, the splitter and each screen's layout."""
        settings = QSettings()
        settings.setValue(GEOMETRY_KEY, self.saveGeometry())
        settings.setValue(STATE_KEY, self.saveState())
        settings.setValue(SPLITTER_KEY, self.splitter.saveState())
        item = self.nav.currentItem()
        if item is not None:
            settings.setValue(VIEW_KEY, item.data(Qt.ItemDataRole.UserRole))
        for view in self.views.values():
            view.save_state(settings)
        self.case_tabs.save_state(settings)
        settings.sync()

    def restore_state(self) -> None:
        """Restore what `save_state` remembered (defaults the first time), then load screens."""
        settings = QSettings()
        geometry = settings.value(GEOMETRY_KEY)
        if geometry is None or not self.restoreGeometry(geometry):
            self._default_size()
        state = settings.value(STATE_KEY)
        if state is not None:
            self.restoreState(state)
        splitter = settings.value(SPLITTER_KEY)
        if splitter is not None:
            self.splitter.restoreState(splitter)
        last = settings.value(VIEW_KEY)
        if last in self.views:
            self.nav.setCurrentRow(self._row_of(str(last)))
        for view in self.views.values():
            view.restore_state(settings)

    def _default_size(self) -> None:
        width, height = DEFAULT_SIZE
        screen = self.screen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() * 9 // 10), min(height, room.height() * 9 // 10)
        self.resize(width, height)

    def showEvent(self, event: QShowEvent) -> None:
        """Start counting idle time once the window is on screen."""
        super().showEvent(event)
        self.lock_controller.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved cases, then remember the layout (not the locked one: bars are
        hidden; a locked window keeps unsaved work as drafts and closes)."""
        locked = self.lock_controller.locked
        if not locked and not self._unsaved_resolved and self.case_tabs.dirty_workspaces():
            state = {"asking": True, "answer": None}

            def resolved(ok: bool) -> None:
                if state["asking"]:
                    state["answer"] = ok  # discarded (or nothing left to save): close now
                elif ok:
                    self._close_now()  # saved in the background: close once done

            self.case_tabs.resolve_unsaved(resolved)
            state["asking"] = False
            if state["answer"] is not True:
                event.ignore()
                return
        if self.intake is not None and not locked and not self.intake.close():
            self._unsaved_resolved = False
            event.ignore()
            return
        self.lock_controller.stop()
        if not self.lock_controller.locked:
            self.save_state()
        self.case_tabs.close_all()
        super().closeEvent(event)

    def _close_now(self) -> None:
        self._unsaved_resolved = True  # saved or discarded: do not ask again
        self.close()
