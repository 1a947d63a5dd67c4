"""`SyncController`: fetch links made elsewhere from billing.io, in the background.

The sync runs on the API worker, which owns the one `BillingClient` (so it shares the
warm connection and its retry notices, rate limits included, reach the status bar like
any other request's). There it opens its own connection to the history file, as sqlite3
wants, and hands both to `linkdesk.core.sync.sync_links`, which pages through billing.io
until it meets links already known and keeps its place in the file: a sync cancelled or
failed half-way resumes at the next one without a duplicate row.

A sync never holds up a link being created: when the cashier presses Enter the sync
stops after its current page, and starts again once the link is shown.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot

from linkdesk.core.errors import Cancelled, LinkdeskError
from linkdesk.core.links import Environment
from linkdesk.ui.history_worker import Progress
from linkdesk.ui.progress_strip import ProgressStrip

if TYPE_CHECKING:
    import threading

    from linkdesk.core.billing import BillingClient
    from linkdesk.ui.history_controller import HistoryController
    from linkdesk.ui.main_window import MainWindow

log = logging.getLogger(__name__)

NO_KEY = "Nothing to refresh yet: linkdesk needs an API key (File > Keys…)."
STOPPED = "Refresh stopped; the next one carries on where it stopped."


def run_sync(path: Path, environment: Environment, progress: Progress) -> Any:
    """The job handed to the API worker: sync `environment` into the history at `path`."""

    def work(client: BillingClient, cancel: threading.Event) -> Any:
        from linkdesk.core.history import LinkHistory
        from linkdesk.core.sync import sync_links

        def report(step: object) -> None:
            # Retry notices reach the status bar through the client's own hook.
            new = getattr(step, "new", None)
            if isinstance(new, int):
                progress.report(new)

        with LinkHistory(path) as history:
            return sync_links(
                client,
                history,
                environment,
                cancel=_EitherEvent(cancel, progress.cancel),
                progress=report,
            )

    return work


def sync_available() -> bool:
    """Whether this linkdesk has the sync (linkdesk.core.sync) at all."""
    return importlib.util.find_spec("linkdesk.core.sync") is not None


class _EitherEvent:
    """Looks like a `threading.Event` that is set when either of two events is: the API
    host's cancel (closing the window) or the strip's Cancel."""

    def __init__(self, first: threading.Event, second: threading.Event) -> None:
        self._events = (first, second)

    def is_set(self) -> bool:
        return any(event.is_set() for event in self._events)

    def wait(self, timeout: float | None = None) -> bool:
        # A retry's pause: waits on the first, checked against both afterwards.
        if not self.is_set():
            self._events[0].wait(timeout)
        return self.is_set()

    def set(self) -> None:
        self._events[1].set()


class SyncController(QObject):
    """Runs syncs on the API worker: at start, on File > Refresh (F5), after a pause."""

    finished = Signal(object)  # the core's SyncResult
    failed = Signal(str)

    def __init__(self, window: MainWindow, history: HistoryController) -> None:
        super().__init__(history)
        self.window = window
        self.history = history
        self.strip = ProgressStrip("syncProgress")
        window.statusBar().addPermanentWidget(self.strip)
        self._job: int | None = None
        self._progress: Progress | None = None
        self._paused = False  # stopped for a create: starts again after it
        self._quiet = False  # started by linkdesk itself: "no new links" goes unsaid
        self._waiting_for_client = False
        self._stopped = False
        self.strip.cancel_requested.connect(self.on_strip_cancel_requested)
        window.api.finished.connect(self.on_api_finished)
        window.api.failed.connect(self.on_api_failed)
        window.creator.busy_changed.connect(self.on_creator_busy_changed)

    @property
    def running(self) -> bool:
        return self._job is not None

    def start_when_possible(self) -> None:
        """Sync as soon as the window has a working client (now, if it has one)."""
        if self.window.environment is not None and self.window.form.methods_ready:
            self.start(quiet=True)
        elif not self._waiting_for_client:
            self._waiting_for_client = True
            self.window.methods_loaded.connect(self.on_window_methods_loaded)

    def start(self, *, quiet: bool = False) -> bool:
        """Start a sync unless one runs; quiet: say nothing when it cannot start."""
        if self._stopped or self._job is not None or self.history.path is None:
            return False
        if not sync_available():
            if not quiet:
                self.window.show_message("This copy of linkdesk cannot refresh from billing.io.")
            return False
        environment = self.window.environment
        if environment is None:
            if not quiet:
                self.window.show_message(NO_KEY)
            return False
        self._paused = False
        self._quiet = quiet
        self._progress = Progress(self)
        self._progress.changed.connect(self.on_progress_changed)
        self._job = self.window.api.run_with_client(
            run_sync(self.history.path, environment, self._progress)
        )
        self.strip.begin("Refreshing from billing.io…")
        return True

    def cancel(self) -> None:
        if self._progress is not None:
            self._progress.cancel.set()
        if self._job is not None:
            self.window.api.cancel(self._job)

    def shutdown(self) -> None:
        self._stopped = True
        self.cancel()

    def _end(self) -> None:
        self._job = None
        self._progress = None
        self.strip.end()

    @Slot()
    def on_window_methods_loaded(self) -> None:
        self._waiting_for_client = False
        self.window.methods_loaded.disconnect(self.on_window_methods_loaded)
        self.start(quiet=True)

    @Slot(int, int)
    def on_progress_changed(self, done: int, total: int) -> None:
        self.strip.set_progress(done, total)
        self.strip.set_text(f"Refreshing from billing.io: {done:,} new…")
        if done and self.history.settled:
            self.history.requery(refresh=True)

    @Slot()
    def on_strip_cancel_requested(self) -> None:
        self.cancel()

    @Slot(bool)
    def on_creator_busy_changed(self, busy: bool) -> None:
        if busy and self._job is not None:
            self._paused = True
            self.cancel()
        elif not busy and self._paused and self._job is None:
            self.start(quiet=True)

    @Slot(int, object)
    def on_api_finished(self, job_id: int, result: object) -> None:
        if job_id != self._job:
            return
        self._end()
        self.history.requery(refresh=True)
        error = getattr(result, "error", None)
        if isinstance(error, LinkdeskError):
            # What was fetched is kept; the core resumes from there next time.
            self._report_failure(error)
            self.finished.emit(result)
            return
        new = int(getattr(result, "new", 0) or 0)
        if new:
            self.window.show_message(f"Refreshed: {new:,} new link{'s' if new != 1 else ''}.")
        elif not self._paused and not self._quiet:  # asked for, so answered
            self.window.show_message("Refreshed: no new links.", 4000)
        self.finished.emit(result)

    def _report_failure(self, error: LinkdeskError) -> None:
        if isinstance(error, Cancelled):
            if not self._paused:
                self.window.show_message(STOPPED)
            return
        text = (
            f"Refresh from billing.io stopped: {error.message} "
            "It carries on from there at the next refresh (F5)."
        )
        self.window.show_message(text, 15_000)
        self.failed.emit(text)

    @Slot(int, object)
    def on_api_failed(self, job_id: int, error: object) -> None:
        if job_id != self._job:
            return
        self._end()
        self.history.requery(refresh=True)
        self._report_failure(error if isinstance(error, LinkdeskError) else LinkdeskError())
