"""File > Export… from the window: what the view shows, written off the GUI thread."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog

from linkdesk.core import export as core_export
from linkdesk.core.links import Environment
from tests.ui.history_helpers import (
    START,
    Clock,
    history_services,
    make_link,
    open_history_window,
    wait_shown,
    write_history,
)


@pytest.fixture
def hwindow(qtbot, open_window, services, tmp_path):
    links = [
        make_link(n, created=START - timedelta(minutes=n), amount=f"{n}.50",
                  description=f"Order {n}, table {n % 3}",
                  environment=Environment.LIVE if n % 2 else Environment.SANDBOX)
        for n in range(1, 41)
    ]  # fmt: skip
    links.append(make_link(99, created=START - timedelta(hours=3), description="=HYPERLINK(evil)"))
    path = tmp_path / "history.sqlite3"
    write_history(path, links)
    return open_history_window(qtbot, open_window, history_services(services, path, Clock(START)))


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_export_writes_what_the_view_shows_and_says_how_many(qtbot, hwindow, tmp_path):
    history = hwindow.history
    assert history.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert history.export_action.isEnabled()
    view = history.view
    wait_shown(qtbot, hwindow, lambda: view.search.setText("table 1"))
    wait_shown(
        qtbot,
        hwindow,
        lambda: view.environment.setCurrentIndex(view.environment.findData(Environment.LIVE)),
    )
    shown = [history.model.link_at(row) for row in range(history.model.rowCount())]
    assert shown  # orders 1, 7, 13, … on live
    target = tmp_path / "out" / "links.csv"
    target.parent.mkdir()
    with qtbot.waitSignal(history.export.finished, timeout=10_000) as done:
        assert history.export.start(target)
        assert history.export.strip.isVisible()
    assert done.args[0].count == len(shown)
    rows = read_csv(target)
    assert rows[0] == list(core_export.HEADER)
    assert [row[0] for row in rows[1:]] == [link.id for link in shown]
    assert {row[9] for row in rows[1:]} == {"live"}
    noun = "link" if len(shown) == 1 else "links"
    assert hwindow.statusBar().currentMessage() == f"Exported {len(shown)} {noun} to {target}."
    assert not history.export.strip.isVisible()
    assert [p.name for p in target.parent.iterdir()] == ["links.csv"]


def test_export_neutralises_formulas(qtbot, hwindow, tmp_path):
    target = tmp_path / "all.csv"
    with qtbot.waitSignal(hwindow.history.export.finished, timeout=10_000):
        hwindow.history.export.start(target)
    rows = read_csv(target)
    assert len(rows) == 1 + 41
    assert rows[-1][3] == "'=HYPERLINK(evil)"


def test_a_cancelled_export_leaves_the_old_file_alone(qtbot, hwindow, tmp_path, gate, monkeypatch):
    real = core_export.export_csv

    def held(*args, **kwargs):
        gate.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(core_export, "export_csv", held)
    target = tmp_path / "links.csv"
    target.write_text("the accountant's last file")
    export = hwindow.history.export
    export.start(target)
    qtbot.waitUntil(gate.entered.is_set)
    with qtbot.waitSignal(export.cancelled, timeout=10_000):
        export.strip.cancel_button.click()
        gate.open()
    assert target.read_text() == "the accountant's last file"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".links")] == []
    assert "Export cancelled" in hwindow.statusBar().currentMessage()


def test_the_window_answers_while_an_export_runs(qtbot, hwindow, tmp_path, gate, monkeypatch):
    real = core_export.export_csv

    def held(*args, **kwargs):
        gate.wait()
        return real(*args, **kwargs)

    monkeypatch.setattr(core_export, "export_csv", held)
    export = hwindow.history.export
    export.start(tmp_path / "x.csv")
    qtbot.waitUntil(gate.entered.is_set)
    # The export holds its own thread; searching still works meanwhile.
    wait_shown(qtbot, hwindow, lambda: hwindow.history.view.search.setText("Order 12"))
    assert hwindow.history.model.rowCount() >= 1
    assert not export.start(tmp_path / "y.csv")  # one at a time
    with qtbot.waitSignal(export.finished, timeout=10_000):
        gate.open()


def test_a_name_typed_without_csv_is_saved_as_csv(qtbot, hwindow, tmp_path):
    history = hwindow.history
    history.export.choose_and_start()
    dialog = hwindow.findChild(QFileDialog, "exportFileDialog")
    assert dialog.isVisible()
    assert dialog.selectedFiles()[0].endswith(".csv")  # the suggested name
    dialog.selectFile(str(tmp_path / "for the accountant"))
    with qtbot.waitSignal(history.export.finished, timeout=10_000):
        dialog.accept()
    rows = read_csv(tmp_path / "for the accountant.csv")
    assert len(rows) == 1 + history.model.rowCount()
    assert not (tmp_path / "for the accountant").exists()


@pytest.mark.parametrize("field", ["amount", "description", "search"])
def test_ctrl_e_exports_from_a_text_field(qtbot, hwindow, field):
    """Wherever the cursor is. (On X11 a field claims Ctrl+E as "end of line"; the
    offscreen platform does not, so tests/e2e checks that case on Xvfb.)"""
    widget = hwindow.history.view.search if field == "search" else getattr(hwindow.form, field)
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus)
    qtbot.keyClick(widget, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = hwindow.findChild(QFileDialog, "exportFileDialog")
    assert dialog is not None
    assert dialog.isVisible()
    dialog.reject()


def test_the_suggested_file_is_in_a_folder_that_exists(qtbot, hwindow, tmp_path, monkeypatch):
    home = tmp_path / "home-without-documents"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DOCUMENTS_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    hwindow.history.export.choose_and_start()
    dialog = hwindow.findChild(QFileDialog, "exportFileDialog")
    suggested = Path(dialog.selectedFiles()[0])
    assert suggested.parent.is_dir()
    dialog.reject()
