"""`ExportController`: File > Export… writes the links the view shows to a CSV file.

The export runs on a thread of its own (started at the first export) with its own
read-only connection to the history, so the window and its searches stay responsive
while a million rows are written; progress and Cancel sit in the status bar.
`linkdesk.core.export` writes beside the target and renames only a complete file, so a
cancelled or failed export leaves whatever was there before untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog

from linkdesk.core.errors import Cancelled, LinkdeskError
from linkdesk.core.history import HistoryFilter, LinkHistory
from linkdesk.ui.history_worker import Progress
from linkdesk.ui.progress_strip import ProgressStrip
from linkdesk.ui.worker import JobWorker, WorkerHost

if TYPE_CHECKING:
    from linkdesk.ui.history_controller import HistoryController
    from linkdesk.ui.main_window import MainWindow

CSV_FILTERS = "CSV files (*.csv);;All files (*)"


@dataclass(frozen=True)
class Exported:
    """A finished export: how many links went to which file."""

    count: int
    target: Path


class ExportWorker(JobWorker):
    """Writes CSV files on its own thread."""

    def do_export(
        self,
        path: Path,
        flt: HistoryFilter,
        now: datetime,
        target: Path,
        progress: Progress,
    ) -> Exported:
        from linkdesk.core.export import export_csv

        with LinkHistory.open_reader(path) as history:
            total = history.count(flt, now)
            progress.report(0, total)
            count = export_csv(
                history.rows(flt, now),
                target,
                now=now,
                progress=lambda done: progress.report(done, total),
                cancel=progress.cancel,
            )
        return Exported(count, target)


class ExportService(WorkerHost):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(ExportWorker(), "linkdesk-export", parent)

    def export(
        self, path: Path, flt: HistoryFilter, now: datetime, target: Path, progress: Progress
    ) -> int:
        return self.submit("export", path, flt, now, target, progress)


def default_file_name(now: datetime) -> str:
    return f"linkdesk-links-{now.astimezone():%Y-%m-%d}.csv"


class ExportController(QObject):
    """One export at a time, from what the view shows."""

    finished = Signal(object)  # Exported
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, window: MainWindow, history: HistoryController) -> None:
        super().__init__(history)
        self.window = window
        self.history = history
        self.service = ExportService(self)
        self.strip = ProgressStrip("exportProgress")
        window.statusBar().addPermanentWidget(self.strip)
        self._job: int | None = None
        self._progress: Progress | None = None
        self.service.finished.connect(self.on_service_finished)
        self.service.failed.connect(self.on_service_failed)
        self.strip.cancel_requested.connect(self.on_strip_cancel_requested)

    @property
    def running(self) -> bool:
        return self._job is not None

    def choose_and_start(self) -> None:
        """Ask where to save (a decision, so a dialog), then export there."""
        if self._job is not None:
            self.window.show_message("An export is already running.")
            return
        documents = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.DocumentsLocation
        )
        # Not every home has a Documents folder: suggest one that exists.
        folder = Path(documents) if documents and Path(documents).is_dir() else Path.home()
        suggested = str(folder / default_file_name(self.history.clock()))
        dialog = QFileDialog(self.window, "Export links", suggested, CSV_FILTERS)
        dialog.setObjectName("exportFileDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        # "for the accountant" is saved as "for the accountant.csv", and the question
        # about replacing a file is asked about that name.
        dialog.setDefaultSuffix("csv")
        dialog.selectFile(suggested)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.on_dialog_file_selected)
        dialog.open()

    @Slot(str)
    def on_dialog_file_selected(self, name: str) -> None:
        self.start(Path(name))

    def start(self, target: Path) -> bool:
        """Export what the view shows now (its search and filters) to `target`."""
        path = self.history.path
        if path is None or self._job is not None:
            return False
        progress = Progress(self)
        progress.changed.connect(self.on_progress_changed)
        self._progress = progress
        flt = self.history.view.current_filter()
        self._job = self.service.export(path, flt, self.history.clock(), target, progress)
        self.strip.begin(f"Exporting to {target.name}…")
        return True

    def cancel(self) -> None:
        if self._progress is not None:
            self._progress.cancel.set()

    def shutdown(self) -> None:
        self.cancel()
        self.service.stop()

    def _end(self) -> None:
        self._job = None
        self._progress = None
        self.strip.end()

    @Slot(int, int)
    def on_progress_changed(self, done: int, total: int) -> None:
        self.strip.set_progress(done, total)

    @Slot()
    def on_strip_cancel_requested(self) -> None:
        self.cancel()

    @Slot(int, object)
    def on_service_finished(self, job_id: int, result: object) -> None:
        if job_id != self._job or not isinstance(result, Exported):
            return
        self._end()
        noun = "link" if result.count == 1 else "links"
        self.window.show_message(f"Exported {result.count:,} {noun} to {result.target}.")
        self.finished.emit(result)

    @Slot(int, object)
    def on_service_failed(self, job_id: int, error: object) -> None:
        if job_id != self._job:
            return
        self._end()
        if isinstance(error, Cancelled):
            self.window.show_message("Export cancelled; no file was written.")
            self.cancelled.emit()
            return
        message = error.message if isinstance(error, LinkdeskError) else LinkdeskError().message
        self.window.show_message(f"Export failed: {message}", 15_000)
        self.failed.emit(message)
