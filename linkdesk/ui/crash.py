"""Uncaught exceptions: a report to copy, a line in the log, and the window stays open.

`CrashHandler.install` replaces `sys.excepthook` (PySide6 hands it every exception a
slot or an overridden Qt method raises, on any thread) and `threading.excepthook`
(Python threads). Each exception becomes a `crash_report`: linkdesk's version, the
platform, the Qt and Python versions and the traceback, with anything shaped like a key
or an Authorization header removed (`redact`) and the user's home folder written as
``~``, so a shop owner can mail it without giving away a key or their name. The report
goes to the log, then to a `CrashDialog` on the GUI thread, with a button to copy it.

The app goes on running: a failed slot has done nothing, and the links made so far are
kept. Reports that arrive while the dialog is open are added to it rather than opening
a dialog per exception. Hard crashes (a segfault in a library) cannot be caught in
Python; `faulthandler` writes their traceback to ``crash.log`` beside the log file.
"""

from __future__ import annotations

import datetime
import faulthandler
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, QTimer, Signal, Slot, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout, QWidget

from linkdesk.core.errors import redact

log = logging.getLogger(__name__)

CRASH_LOG = "crash.log"
MESSAGE = (
    "linkdesk ran into an unexpected problem and kept running; copy the report below and "
    "send it to whoever looks after linkdesk for you."
)
COPIED_MS = 2000

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def home_replaced(text: str, home: str | None = None) -> str:
    """`text` with the user's home folder written as ``~`` (its real path too, if the
    home is a link): paths in a report then name no user."""
    homes = {home} if home else {str(Path.home()), os.path.realpath(Path.home())}
    if os.sep == "\\":
        homes |= {path.replace("\\", "/") for path in homes}
    # Longest first; and only whole names, so /home/ann leaves /home/anna alone.
    for path in sorted(homes, key=len, reverse=True):
        if len(path.strip("/\\")) > 0:  # a home of "/" would turn every path into garbage
            flags = re.IGNORECASE if os.sep == "\\" else 0
            text = re.sub(re.escape(path) + r"(?![\w.-])", "~", text, flags=flags)
    return text


def crash_report(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    *,
    thread: str | None = None,
    now: datetime.datetime | None = None,
) -> str:
    """The report of one uncaught exception, safe to send: no key, no home path."""
    import platform  # a few ms at start otherwise; a report is rare

    from linkdesk import version

    now = now or datetime.datetime.now(datetime.UTC)
    frozen = "yes (installed app)" if getattr(sys, "frozen", False) else "no (Python package)"
    lines = [
        "linkdesk problem report",
        f"When: {now:%Y-%m-%d %H:%M:%S} UTC",
        f"linkdesk: {version()}",
        f"Platform: {platform.platform()} ({sys.platform}, {platform.machine()})",
        f"Python: {platform.python_version()} ({platform.python_implementation()})",
        f"Qt: {qVersion()}, PySide6 {pyside_version}",
        f"Qt platform: {QGuiApplication.platformName() or 'none'}",
        f"Bundle: {frozen}",
        f"Thread: {thread or threading.current_thread().name}",
        "",
        "".join(traceback.format_exception(exc_type, exc, tb)).rstrip(),
    ]
    return home_replaced(redact("\n".join(lines)))


class CrashDialog(QDialog):
    """Says what happened in one sentence and shows the report, with a Copy button."""

    def __init__(self, report: str, parent: QWidget | None = None) -> None:
        # Imported here: touching a Qt class the first time costs startup time, and this
        # dialog is (one hopes) never shown.
        from PySide6.QtGui import QFontDatabase
        from PySide6.QtWidgets import QDialogButtonBox, QPlainTextEdit, QPushButton

        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("linkdesk: unexpected problem")
        self.message = QLabel(MESSAGE)
        self.message.setWordWrap(True)
        self.report_view = QPlainTextEdit(report)
        self.report_view.setObjectName("crashReport")
        self.report_view.setReadOnly(True)
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report_view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.report_view.setMinimumSize(560, 260)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy report")
        self.copy_button.setAutoDefault(False)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.on_copy_button_clicked)

        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.report_view, 1)
        layout.addWidget(buttons)

    @property
    def report(self) -> str:
        return self.report_view.toPlainText()

    def add_report(self, report: str) -> None:
        """Another exception while this one is on screen: append it below."""
        self.report_view.appendPlainText("\n" + "-" * 60 + "\n" + report)

    @Slot()
    def on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.report)
        self.copy_button.setText("Copied")
        QTimer.singleShot(COPIED_MS, self, lambda: self.copy_button.setText("&Copy report"))


class CrashHandler(QObject):
    """Turns uncaught exceptions into a logged report and a `CrashDialog`.

    Make it on the GUI thread: reports from other threads reach the dialog through the
    queued `reported` signal, so no widget is touched off the GUI thread.
    """

    reported = Signal(str)  # a new report; the dialog shows it on the GUI thread

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        dialog_parent: Callable[[], QWidget | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._dialog_parent = dialog_parent or QApplication.activeWindow
        self.dialog: CrashDialog | None = None
        self._previous_hook: ExceptHook | None = None
        self._previous_thread_hook: Callable[[threading.ExceptHookArgs], object] | None = None
        self._fault_file: IO[str] | None = None
        self._handling = threading.local()
        self.reported.connect(self.on_reported)

    def install(self, log_folder: Path | None = None) -> CrashHandler:
        """Take over the hooks; with a log folder, also record hard crashes there."""
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread
        if log_folder is not None:
            self.record_hard_crashes(log_folder)
        return self

    def record_hard_crashes(self, log_folder: Path) -> None:
        """Have `faulthandler` write the traceback of a hard crash to crash.log there."""
        if self._fault_file is not None:
            return
        try:
            self._fault_file = (log_folder / CRASH_LOG).open("a", encoding="utf-8")
            faulthandler.enable(self._fault_file)
        except OSError as error:
            log.warning("hard crashes will not be recorded: %s", error.strerror)

    def uninstall(self) -> None:
        if sys.excepthook == self.handle and self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self._handle_thread and self._previous_thread_hook:
            threading.excepthook = self._previous_thread_hook
        if self._fault_file is not None:
            faulthandler.disable()
            self._fault_file.close()
            self._fault_file = None

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread: str | None = None,
    ) -> None:
        """The except hook: log the report, then show it (from any thread)."""
        if issubclass(exc_type, KeyboardInterrupt) or getattr(self._handling, "active", False):
            # Ctrl+C in the terminal, or a failure while reporting one: the default way.
            (self._previous_hook or sys.__excepthook__)(exc_type, exc, tb)
            return
        self._handling.active = True
        try:
            report = crash_report(exc_type, exc, tb, thread=thread)
            log.error("uncaught exception; the report the user saw:\n%s", report)
            try:
                self.reported.emit(report)
            except RuntimeError:  # the app is closing and this object is gone with it
                print(report, file=sys.stderr)
        finally:
            self._handling.active = False

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:  # how a thread ends on purpose
            return
        name = args.thread.name if args.thread is not None else None
        assert args.exc_value is not None
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, thread=name)

    @Slot(str)
    def on_reported(self, report: str) -> None:
        if self.dialog is not None:
            self.dialog.add_report(report)
            self.dialog.raise_()
            return
        self.dialog = CrashDialog(report, self._dialog_parent())
        self.dialog.finished.connect(self.on_dialog_finished)
        # Not modal: the cashier may be in the middle of a sale and can go on.
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()

    @Slot(int)
    def on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
