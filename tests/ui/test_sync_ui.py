"""Refresh from billing.io in the window: links made elsewhere appear, a failure resumes."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtGui import QKeySequence

from linkdesk.core.history import HistoryFilter, LinkHistory
from linkdesk.emulator import Fault
from linkdesk.ui.history_model import HistoryColumn
from linkdesk.ui.history_worker import Progress
from tests.ui.history_helpers import Clock, column_texts, history_services

LINKS = "GET /v1/payment-links"


def stored_ids(path) -> list[str]:
    with LinkHistory.open_reader(path) as history:
        return [link.id for link in history.rows(HistoryFilter(), datetime.now(UTC))]


def test_links_made_elsewhere_appear_after_the_start_sync_marked_as_such(
    qtbot, open_window, services, emulator, api_key, tmp_path
):
    emulator.add_links(api_key, 30)
    path = tmp_path / "history.sqlite3"
    window = open_window(
        history_services(services, path, Clock(datetime.now(UTC)), sync_on_start=True)
    )
    history = window.history
    # The start sync may finish before this line runs, so wait on its outcome, not its signal.
    qtbot.waitUntil(
        lambda: not history.sync.running and history.settled and history.model.rowCount() == 30,
        timeout=15_000,
    )
    assert set(column_texts(window, HistoryColumn.SOURCE)) == {"billing.io"}
    assert window.statusBar().currentMessage() == "Refreshed: 30 new links."
    assert history.refresh_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Refresh)


def test_only_a_refresh_asked_for_says_there_was_nothing_new(
    qtbot, open_window, services, emulator, tmp_path
):
    path = tmp_path / "history.sqlite3"
    window = open_window(
        history_services(services, path, Clock(datetime.now(UTC)), sync_on_start=True)
    )
    history = window.history
    # The start sync may be over before this line runs: wait on what it leaves behind.
    qtbot.waitUntil(
        lambda: emulator.request_count(LINKS) == 1 and not history.sync.running, timeout=15_000
    )
    assert "no new links" not in window.statusBar().currentMessage()
    with qtbot.waitSignal(history.sync.finished, timeout=15_000):
        history.refresh_action.trigger()
    assert window.statusBar().currentMessage() == "Refreshed: no new links."


def test_a_sync_failing_half_way_shows_what_it_got_and_the_next_refresh_resumes(
    qtbot, open_window, services, emulator, api_key, tmp_path, monkeypatch
):
    emulator.add_links(api_key, 250)  # three pages of 100
    reports = []
    real_report = Progress.report

    def report_then_break(self, done, total=None):
        # Runs on the API thread right after a page is saved: the next page fails.
        reports.append(done)
        if len(reports) == 1:
            emulator.add_fault(Fault.INTERNAL_ERROR, count=20, route=LINKS)
        real_report(self, done, total)

    monkeypatch.setattr(Progress, "report", report_then_break)
    path = tmp_path / "history.sqlite3"
    window = open_window(
        history_services(services, path, Clock(datetime.now(UTC)), sync_on_start=True)
    )
    history = window.history
    with qtbot.waitSignal(history.sync.failed, timeout=20_000) as failed:
        pass
    assert "carries on from there" in failed.args[0]
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 100)
    assert "Refresh from billing.io stopped" in window.statusBar().currentMessage()

    emulator.clear_faults()
    with qtbot.waitSignal(history.sync.finished, timeout=20_000) as done:
        history.refresh_action.trigger()
    assert done.args[0].complete
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 250)
    ids = stored_ids(path)
    assert len(ids) == len(set(ids)) == 250


def test_cancel_stops_a_sync_and_refresh_carries_on(
    qtbot, open_window, services, emulator, api_key, tmp_path, monkeypatch
):
    emulator.add_links(api_key, 250)
    path = tmp_path / "history.sqlite3"
    window = open_window(
        history_services(services, path, Clock(datetime.now(UTC)), sync_on_start=False)
    )
    sync = window.history.sync
    real_report = Progress.report

    def report_then_cancel(self, done, total=None):
        self.cancel.set()  # as the Cancel button does, after the first page
        real_report(self, done, total)

    monkeypatch.setattr(Progress, "report", report_then_cancel)
    with qtbot.waitSignal(sync.finished, timeout=15_000) as done:
        assert sync.start()
        assert sync.strip.isVisible()
    assert not done.args[0].complete
    assert "Refresh stopped" in window.statusBar().currentMessage()
    monkeypatch.setattr(Progress, "report", real_report)
    with qtbot.waitSignal(sync.finished, timeout=15_000) as done:
        window.history.refresh_action.trigger()
    assert done.args[0].complete
    ids = stored_ids(path)
    assert len(ids) == len(set(ids)) == 250
