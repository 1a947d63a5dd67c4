"""Uncaught exceptions: a dialog with a report to copy (no key, no home path), a log entry,
and the window still working afterwards.

pytest-qt catches exceptions raised in Qt callbacks itself, to fail the test; these tests
turn that off (`qt_no_exception_capture`) so linkdesk's own hook gets them, as it would
in the app.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QThread, QTimer, qVersion
from PySide6.QtGui import QGuiApplication

from linkdesk import version
from linkdesk.ui.crash import MESSAGE, CrashHandler, crash_report, home_replaced

pytestmark = [
    pytest.mark.qt_no_exception_capture,
    # The offscreen platform cannot raise a window and says so; the dialog still shows.
    pytest.mark.qt_log_ignore(r"This plugin does not support raise\(\)"),
]

KEY = "sk_live_" + "CrashReportNeverShows0123456789"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def handler(qtbot, monkeypatch):
    # The repository's parent plays the home folder, so the traceback's paths are in it.
    monkeypatch.setenv("HOME", str(REPO.parent))
    handler = CrashHandler().install()
    yield handler
    handler.uninstall()
    dialog = handler.dialog
    if dialog is not None:
        dialog.close()
        dialog.deleteLater()


def fail_in_a_slot() -> None:
    raise RuntimeError(f"the server said Authorization: Bearer {KEY}")


def wait_for_dialog(qtbot, handler):
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible())
    return handler.dialog


def test_an_exception_in_a_slot_shows_the_redacted_report(qtbot, handler, caplog):
    assert threading.current_thread() is threading.main_thread()
    QTimer.singleShot(0, fail_in_a_slot)
    dialog = wait_for_dialog(qtbot, handler)

    report = dialog.report
    assert dialog.message.text() == MESSAGE
    assert KEY not in report
    assert "Authorization: Bearer sk_…(hidden)" in report
    assert f"linkdesk: {version()}" in report
    assert f"Qt: {qVersion()}" in report
    assert "Python: " in report
    assert "Platform: " in report
    assert "in fail_in_a_slot" in report
    assert "RuntimeError" in report
    # Paths are written from ~, and the home folder appears nowhere.
    assert f"~/{REPO.name}/tests/ui/test_crash.py" in report
    assert str(REPO.parent) + "/" not in report

    # The same report is in the log.
    logged = [r for r in caplog.records if r.name == "linkdesk.ui.crash"]
    assert logged
    assert logged[0].levelno == logging.ERROR
    assert "in fail_in_a_slot" in logged[0].getMessage()


def test_the_report_can_be_copied(qtbot, handler):
    QTimer.singleShot(0, fail_in_a_slot)
    dialog = wait_for_dialog(qtbot, handler)
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.report
    assert dialog.copy_button.text() == "Copied"


def test_the_event_loop_goes_on_and_a_second_failure_joins_the_same_dialog(qtbot, handler):
    QTimer.singleShot(0, fail_in_a_slot)
    dialog = wait_for_dialog(qtbot, handler)
    ran_after = []
    QTimer.singleShot(0, fail_in_a_slot)
    QTimer.singleShot(0, lambda: ran_after.append(True))
    qtbot.waitUntil(lambda: bool(ran_after))
    assert handler.dialog is dialog
    assert dialog.report.count("in fail_in_a_slot") == 2
    dialog.close()
    qtbot.waitUntil(lambda: handler.dialog is None)


def test_an_exception_on_a_python_thread_reaches_the_dialog_on_the_gui_thread(qtbot, handler):
    def work() -> None:
        raise ValueError(f"worker failed with {KEY}")

    worker = threading.Thread(target=work, name="export-worker")
    worker.start()
    worker.join(timeout=10)
    dialog = wait_for_dialog(qtbot, handler)
    assert dialog.thread() is QThread.currentThread()
    assert "Thread: export-worker" in dialog.report
    assert KEY not in dialog.report
    assert "in work" in dialog.report


def test_an_exception_in_the_window_leaves_the_window_working(qtbot, handler, window):
    handler._dialog_parent = lambda: window

    def broken_clear() -> None:
        raise RuntimeError("clearing failed")

    window.form.clear = broken_clear  # the slot behind File › New link now fails
    window.new_action.trigger()
    dialog = wait_for_dialog(qtbot, handler)
    assert "clearing failed" in dialog.report
    assert "in on_new_action_triggered" in dialog.report
    assert dialog.parent() is window
    dialog.close()
    assert window.isVisible()
    del window.form.clear
    window.new_action.trigger()  # and the window still does its job


def test_home_replaced_handles_a_home_inside_a_longer_name():
    text = "/home/ann/x and /home/anna/y"
    assert home_replaced(text, home="/home/ann") == "~/x and /home/anna/y"
    assert home_replaced("/etc/passwd", home="/") == "/etc/passwd"


def test_a_report_is_redacted_even_without_a_dialog():
    try:
        raise KeyError(KEY)
    except KeyError as error:
        report = crash_report(type(error), error, error.__traceback__, thread="T")
    assert KEY not in report
    assert "Thread: T" in report
