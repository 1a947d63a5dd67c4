"""`HistoryController`: the window's recent links, from the file on disk to the table.

It opens the history on its writer thread once the window is ready (so a million links
never delay the first paint), records every link the window creates, runs the view's
searches on the query thread, moves the one clock every state on screen is computed
against, and shows a chosen link in the result pane. Sync from billing.io and CSV export
have controllers of their own (`SyncController`, `ExportController`), started from here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMenu, QPushButton, QSplitter, QWidget

from linkdesk.core.errors import LinkdeskError
from linkdesk.core.history import HistoryFilter, StateFilter, StoredLink
from linkdesk.core.links import LinkRequest, PaymentLink
from linkdesk.core.paths import demo_history_path
from linkdesk.core.settings import HISTORY_SPLIT
from linkdesk.ui import shortcuts
from linkdesk.ui.history_model import HistoryModel
from linkdesk.ui.history_options import HistoryOptions
from linkdesk.ui.history_view import REMOVE_NOTE, HistoryView
from linkdesk.ui.history_worker import (
    PAGE_SIZE,
    CountResult,
    HistoryService,
    Opened,
    PageResult,
    QueryResult,
    QueryService,
)
from linkdesk.ui.qsettings_store import save_state, saved_state
from linkdesk.ui.shortcuts import WindowKeysFirst

if TYPE_CHECKING:
    from linkdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

RECORD_FAILED = (
    "The link was created, but this computer's history could not save it ({reason}). "
    "It is shown here and can be copied; keep a note of it."
)
OPEN_FAILED = "The recent links cannot be shown: {reason}"
UNDO_MS = 15_000  # how long Undo is offered after a removal


def find_menu(window: QWidget, title: str) -> QMenu:
    """The menu bar's menu with this title (mnemonic ignored), added if missing."""
    bar = window.menuBar()  # type: ignore[attr-defined]
    wanted = title.replace("&", "")
    for action in bar.actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == wanted:
            return menu
    return bar.addMenu(title)  # type: ignore[no-any-return]


def payment_link(stored: StoredLink) -> PaymentLink:
    """What the result pane shows, from what the history keeps."""
    return PaymentLink(
        id=stored.id,
        url=stored.url,
        amount_usd=stored.amount_usd,
        payment_method_id=stored.payment_method_id,
        description=stored.description,
        expires_at=stored.expires_at,
        environment=stored.environment,
        created_at=stored.created_at,
        org_id=stored.org_id,
    )


class HistoryController(QObject):
    """Recent links in a window: opening, recording, searching, the clock, remove/undo."""

    opened = Signal()  # the history file is open and its first query asked for
    shown = Signal(int)  # the view shows a new query's answer: its generation
    recorded = Signal(object)  # StoredLink: a link this window created is saved
    record_failed = Signal(str)
    removed = Signal(object)  # StoredLink
    restored = Signal(object)  # StoredLink

    def __init__(self, window: MainWindow, options: HistoryOptions) -> None:
        super().__init__(window)
        self.window = window
        self.options = options
        self.clock = options.clock
        self.path: Path | None = None
        # Demo links go to a history of their own (linkdesk.core.paths.demo_history_path).
        self._demo = window.services.demo
        self._open_asked = False
        self.writer = HistoryService(parent=self)
        self.reader = QueryService(self)
        self.model = HistoryModel(self.clock(), self)
        self.view = HistoryView(self.model)
        self._filter = HistoryFilter()
        self._refreshing: set[int] = set()  # query jobs that refresh rather than replace
        self._query_job: int | None = None
        self._open_job: int | None = None
        self._record_jobs: dict[int, PaymentLink] = {}
        self._remove_jobs: set[int] = set()
        self._restore_jobs: set[int] = set()
        self._method_name: str | None = None
        self._method_names: dict[str, str] = {}
        self._last_removed: StoredLink | None = None
        self._pending_select: str | None = None
        self._early_count: CountResult | None = None  # a count that beat its first page
        self._held: QueryResult | None = None  # a refresh waiting for its count
        self.undo_button = QPushButton("&Undo remove")
        self.undo_button.setObjectName("undoRemoveButton")
        self.undo_button.setFlat(True)
        self.undo_button.hide()
        # Undo is offered for a while after a removal, whatever the status bar says meanwhile.
        self.undo_timer = QTimer(self)
        self.undo_timer.setObjectName("undoRemoveTimer")
        self.undo_timer.setSingleShot(True)
        self.undo_timer.setInterval(UNDO_MS)
        self._stopped = False
        self.last_shown = 0  # the generation of the query the view shows

        self.timer = QTimer(self)
        self.timer.setObjectName("historyClock")
        self.timer.setInterval(options.tick_ms)

        self._install()
        self._connect()

    # Placing it in the window -----------------------------------------------------------

    def _install(self) -> None:
        window = self.window
        top = window.centralWidget()
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("historySplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.view)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.view.setMinimumHeight(130)
        split = saved_state(window.services.settings, HISTORY_SPLIT)
        if split is None or not self.splitter.restoreState(split):
            # The first time: a third of the height for the recent links, the rest for
            # the new link and its QR code (the splitter keeps each side's minimum).
            total = top.height()
            self.splitter.setSizes([total - total // 3, total // 3])
        window.setCentralWidget(self.splitter)
        # Now, not on the next turn of the event loop as the window's layout would: the
        # form moved into the splitter must not be hidden while the cashier types.
        self.splitter.show()
        self.view.setContentsMargins(16, 0, 16, 4)
        # Permanent: a status message (the note about billing.io) must not hide it.
        window.statusBar().addPermanentWidget(self.undo_button)

        file_menu = find_menu(window, "&File")
        self.refresh_action = QAction("&Refresh from billing.io", self)
        self.refresh_action.setShortcut(QKeySequence.StandardKey.Refresh)
        self.refresh_action.setStatusTip("Fetch links made at other counters or in the dashboard")
        self.export_action = QAction("&Export…", self)
        self.export_action.setShortcut(QKeySequence(shortcuts.EXPORT))
        self.export_action.setStatusTip("Save the links shown as a CSV file for the accountant")
        self.find_action = QAction("&Find a link", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.setStatusTip("Search the recent links")
        anchor = _separator_before_quit(file_menu)
        file_menu.insertAction(anchor, self.refresh_action)
        file_menu.insertAction(anchor, self.export_action)
        file_menu.insertSeparator(anchor)
        find_menu(window, "&Edit").addAction(self.find_action)
        WindowKeysFirst([shortcuts.EXPORT], self).watch(window.findChildren(QLineEdit))
        for action in (self.refresh_action, self.export_action):
            action.setEnabled(False)

        from linkdesk.ui.export_dialog import ExportController
        from linkdesk.ui.sync_controller import SyncController

        self.sync = SyncController(window, self)
        self.export = ExportController(window, self)

    def _connect(self) -> None:
        window = self.window
        window.ready.connect(self.on_window_ready)
        window.sending.connect(self.on_window_sending)
        window.creator.created.connect(self.on_creator_created)
        self.writer.finished.connect(self.on_writer_finished)
        self.writer.failed.connect(self.on_writer_failed)
        self.reader.finished.connect(self.on_reader_finished)
        self.reader.failed.connect(self.on_reader_failed)
        self.model.page_wanted.connect(self.on_model_page_wanted)
        self.view.filter_changed.connect(self.on_view_filter_changed)
        self.view.link_selected.connect(self.on_view_link_selected)
        self.view.qr_requested.connect(self.on_view_link_selected)
        self.view.remove_requested.connect(self.on_view_remove_requested)
        self.view.copied.connect(self.on_view_copied)
        self.undo_button.clicked.connect(self.on_undo_button_clicked)
        self.timer.timeout.connect(self.on_timer_timeout)
        self.undo_timer.timeout.connect(self.on_undo_timer_timeout)
        self.refresh_action.triggered.connect(self.on_refresh_action_triggered)
        self.export_action.triggered.connect(self.on_export_action_triggered)
        self.find_action.triggered.connect(self.on_find_action_triggered)

    # Working with it ------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.path is not None

    @property
    def settled(self) -> bool:
        """Open, and the view shows the answer to the newest query asked."""
        return self.path is not None and self.last_shown == self.reader.generation

    @property
    def recording(self) -> int:
        """How many links made here are on their way into the history."""
        return len(self._record_jobs)

    @property
    def current_filter(self) -> HistoryFilter:
        return self._filter

    def open(self, path: Path) -> None:
        self._open_asked = True
        self._open_job = self.writer.open(path)

    def wanted_path(self) -> Path | None:
        """The history for the window's mode: the real one, or the demo's beside it."""
        if self.options.path is None:
            return None
        return demo_history_path(self.options.path) if self._demo else self.options.path

    def set_demo(self, demo: bool) -> None:
        """The window started or left the demo: from now on its links go to that mode's
        history, and the list shows that one (a refresh under way stops; Undo goes)."""
        if demo == self._demo:
            return
        self._demo = demo
        path = self.wanted_path()
        if self._open_asked and path is not None:
            self.sync.cancel()
            self._drop_undo()
            self.open(path)

    def requery(self, *, refresh: bool = False) -> None:
        """Ask for the current search again (refresh: the history changed underneath)."""
        if self.path is None or self._stopped:
            return
        self._filter = self.view.current_filter()
        self._query_job = self.reader.query(self.path, self._filter, self.clock())
        if refresh:
            self._refreshing.add(self._query_job)

    def select_link(self, link_id: str) -> None:
        row = self.model.row_of(link_id)
        if row is not None:
            self.view.select_row(row)

    def remove(self, link: StoredLink) -> None:
        self._remove_jobs.add(self.writer.remove(link.id))

    def undo_remove(self) -> None:
        if self._last_removed is not None:
            self._restore_jobs.add(self.writer.restore(self._last_removed))
        self._drop_undo()

    def _drop_undo(self) -> None:
        self._last_removed = None
        self.undo_timer.stop()
        self.undo_button.hide()

    def shutdown(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if all(size > 0 for size in self.splitter.sizes()):  # it was laid out on screen
            save_state(self.window.services.settings, HISTORY_SPLIT, self.splitter.saveState())
        self.timer.stop()
        self.sync.shutdown()
        self.export.shutdown()
        self.reader.stop()
        self.writer.stop()

    def _message(self, text: str, timeout_ms: int = 8000) -> None:
        self.window.show_message(text, timeout_ms)

    # Slots -----------------------------------------------------------------------------

    @Slot()
    def on_window_ready(self) -> None:
        if self.options.path is not None:
            # After the first paint: opening (and migrating) a large file can take a while.
            QTimer.singleShot(0, lambda: self.open(self.wanted_path()))  # type: ignore[arg-type]

    @Slot(object)
    def on_window_sending(self, request: LinkRequest) -> None:
        """The method's name as the form lists it now, kept with the link when it comes."""
        method = self.window.form.method_named(request.payment_method_id)
        self._method_name = method.label if method is not None else None
        if method is not None:
            self._method_names[method.id] = method.label

    @Slot(object, bool)
    def on_creator_created(self, link: PaymentLink, _late: bool) -> None:
        environment = link.environment or self.window.environment
        if environment is None:
            return
        name = self._method_names.get(link.payment_method_id or "", self._method_name)
        if self.path is None and self.options.path is None:
            return
        # Queued behind the open when the history is not open yet: nothing is lost.
        self._record_jobs[self.writer.record(link, environment, name)] = link

    @Slot(int, object)
    def on_writer_finished(self, job_id: int, result: object) -> None:
        if job_id == self._open_job and isinstance(result, Opened):
            self._open_job = None
            self.path = result.path
            log.info("recent links open: %s", result.path)
            if result.search_note:
                log.info("%s", result.search_note)
            self.refresh_action.setEnabled(True)
            self.export_action.setEnabled(True)
            self.timer.start()
            self.requery()
            self.opened.emit()
            if self.options.sync_on_start:
                self.sync.start_when_possible()
            return
        if job_id in self._record_jobs:
            link = self._record_jobs.pop(job_id)
            self._pending_select = link.id
            self.recorded.emit(result)
            # The link just made is shown first and selected, whatever was searched for.
            self.view.show_everything()
            self.requery(refresh=True)
        elif job_id in self._remove_jobs:
            self._remove_jobs.discard(job_id)
            if isinstance(result, StoredLink):
                shown = self.window.result.link
                if shown is not None and shown.id == result.id:
                    self.window.show_link(None, None)
                self.view.table.clearSelection()
                self._last_removed = result
                self.undo_button.show()
                self.undo_timer.start()
                self._message(REMOVE_NOTE, UNDO_MS)
                self.removed.emit(result)
            self.requery(refresh=True)
        elif job_id in self._restore_jobs:
            self._restore_jobs.discard(job_id)
            self._message("The link is back in this computer's history.", 4000)
            self.restored.emit(result)
            self.requery(refresh=True)

    @Slot(int, object)
    def on_writer_failed(self, job_id: int, error: object) -> None:
        reason = error.message if isinstance(error, LinkdeskError) else LinkdeskError().message
        if job_id == self._open_job:
            self._open_job = None
            self.view.count.setText("History unavailable")
            self.view.count.setToolTip(reason)
            self.window.banner.show_message(OPEN_FAILED.format(reason=reason))
            # Links made now are still shown; their saves fail and say so.
            return
        if self._record_jobs.pop(job_id, None) is not None:
            text = RECORD_FAILED.format(reason=reason.rstrip("."))
            self.window.banner.show_message(text)
            self.record_failed.emit(text)
            return
        self._remove_jobs.discard(job_id)
        self._restore_jobs.discard(job_id)
        self._message(reason)

    @Slot(int, object)
    def on_reader_finished(self, job_id: int, result: object) -> None:
        current = self.reader.generation
        if isinstance(result, QueryResult):
            refresh = job_id in self._refreshing
            self._refreshing.discard(job_id)
            if result.generation != current:
                return
            early = self._early_count
            self._early_count = None
            if refresh and not result.complete and early is None:
                # Rows are added at the top once their number is known: wait for it.
                self._held = result
                return
            self._show(result, refresh, early)
        elif isinstance(result, CountResult):
            if result.generation != current:
                return
            if self.last_shown != current:
                if self._held is not None and self._held.generation == current:
                    held, self._held = self._held, None
                    self._show(held, True, result)
                else:
                    self._early_count = result
                return
            self._apply_count(result)
        elif isinstance(result, PageResult):
            if result.generation == current:
                self.model.add_page(result.offset, result.rows)
        else:
            self._refreshing.discard(job_id)

    def _show(self, result: QueryResult, refresh: bool, count: CountResult | None) -> None:
        rows = len(result.rows)
        total = rows if result.complete else max(rows, count.count if count else rows)
        if refresh:
            self.model.refresh(total, result.rows)
        else:
            self.model.show_result(total, result.rows)
        self.last_shown = result.generation
        if result.complete:
            self.view.set_count(rows)
        elif count is not None:
            self._apply_count(count)
        else:
            self.view.count.setText("counting…")
        if self._pending_select is not None:
            # Only while it is still on show: not once a newer link is (its own row is
            # selected when it is recorded), nor after Esc emptied the pane. The result
            # pane must never go back to an older customer's code.
            shown = self.window.result.link
            if shown is not None and shown.id == self._pending_select:
                self.select_link(self._pending_select)
            self._pending_select = None
        self.shown.emit(result.generation)

    def _apply_count(self, result: CountResult) -> None:
        self.model.set_count(max(result.count, min(self.model.rowCount(), PAGE_SIZE)))
        self.view.set_count(result.count, at_least=result.capped)
        if result.capped and self.path is not None:
            self.reader.count(self.path, self._filter, self.model.now)

    @Slot(int, object)
    def on_reader_failed(self, job_id: int, error: object) -> None:
        self._refreshing.discard(job_id)
        reason = error.message if isinstance(error, LinkdeskError) else LinkdeskError().message
        self._message(reason)

    @Slot(int)
    def on_model_page_wanted(self, page: int) -> None:
        if self.path is not None:
            self.reader.page(self.path, self._filter, self.model.now, page)

    @Slot()
    def on_view_filter_changed(self) -> None:
        self.requery()

    @Slot(object)
    def on_view_link_selected(self, stored: StoredLink) -> None:
        self.window.show_link(payment_link(stored), stored.environment)

    @Slot(object)
    def on_view_remove_requested(self, stored: StoredLink) -> None:
        self.remove(stored)

    @Slot(str)
    def on_view_copied(self, what: str) -> None:
        self._message(f"Copied {what} to the clipboard.", 3000)

    @Slot()
    def on_undo_button_clicked(self) -> None:
        self.undo_remove()

    @Slot()
    def on_undo_timer_timeout(self) -> None:
        self._drop_undo()

    @Slot()
    def on_timer_timeout(self) -> None:
        expired = self.model.set_now(self.clock())
        if expired and self._filter.state is not StateFilter.ALL:
            # A link that just expired leaves "Active" and joins "Expired".
            self.requery(refresh=True)

    @Slot()
    def on_refresh_action_triggered(self) -> None:
        self.sync.start()

    @Slot()
    def on_export_action_triggered(self) -> None:
        self.export.choose_and_start()

    @Slot()
    def on_find_action_triggered(self) -> None:
        self.view.focus_search()


def _separator_before_quit(menu: QMenu) -> QAction | None:
    """Where new File entries go: above the separator that precedes Quit."""
    actions = menu.actions()
    for position, action in enumerate(actions):
        if action.text().replace("&", "") == "Quit":
            if position and actions[position - 1].isSeparator():
                return actions[position - 1]
            return action
    return None
