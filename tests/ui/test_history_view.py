"""Recent links in the window: a real SQLite file, the real emulator, a clock the test moves."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QToolButton

from linkdesk.core.history import HistoryError, HistoryFilter, LinkHistory, Source, StateFilter
from linkdesk.core.links import Environment
from linkdesk.core.paths import demo_history_path
from linkdesk.ui.history_controller import UNDO_MS
from linkdesk.ui.history_model import HistoryColumn
from linkdesk.ui.history_view import REMOVE_NOTE
from tests.ui.helpers import decode_qr, to_pil
from tests.ui.history_helpers import (
    START,
    Clock,
    cell,
    column_texts,
    history_services,
    make_link,
    open_history_window,
    wait_shown,
    write_history,
)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def history_file(tmp_path):
    """Six links a minute apart (the last the newest), both environments, three lifetimes."""
    links = [
        make_link(1, created=START - timedelta(minutes=60), amount="4.50",
                  description="Flat white", lifetime=None),
        make_link(2, created=START - timedelta(minutes=50), amount="29.99",
                  description="Bike repair, rear wheel", environment=Environment.LIVE),
        make_link(3, created=START - timedelta(minutes=40), amount="12.00",
                  description="Haircut", lifetime=timedelta(minutes=15)),
        make_link(4, created=START - timedelta(minutes=30), amount="7.25",
                  description="Cheesecake", lifetime=timedelta(minutes=45)),
        make_link(5, created=START - timedelta(minutes=20), amount="129.00",
                  description="Café crème ×3 — table 4", environment=Environment.LIVE),
        make_link(6, created=START - timedelta(minutes=2), amount="3.00",
                  description=None, lifetime=timedelta(minutes=14)),
    ]  # fmt: skip
    path = tmp_path / "data" / "history.sqlite3"
    write_history(path, links)
    return path


@pytest.fixture
def hwindow(qtbot, open_window, services, history_file, clock):
    return open_history_window(qtbot, open_window, history_services(services, history_file, clock))


def test_links_are_shown_newest_first_with_every_column(hwindow):
    model = hwindow.history.model
    assert model.rowCount() == 6
    assert column_texts(hwindow, HistoryColumn.AMOUNT) == [
        "$3.00", "$129.00", "$7.25", "$12.00", "$29.99", "$4.50",
    ]  # fmt: skip
    assert cell(hwindow, 1, HistoryColumn.DESCRIPTION) == "Café crème ×3 — table 4"
    assert cell(hwindow, 1, HistoryColumn.ENVIRONMENT) == "LIVE"
    assert cell(hwindow, 0, HistoryColumn.ENVIRONMENT) == "TEST"
    assert cell(hwindow, 0, HistoryColumn.METHOD) == "USDT on Tron"
    assert cell(hwindow, 0, HistoryColumn.SOURCE) == "here"
    assert cell(hwindow, 0, HistoryColumn.URL).startswith("https://pay.example.test/pl_")
    assert (
        cell(hwindow, 0, HistoryColumn.CREATED).startswith("today ")
        or cell(hwindow, 0, HistoryColumn.CREATED)[0].isdigit()
    )
    assert column_texts(hwindow, HistoryColumn.STATE) == [
        "active, 12 min left",
        "active, 40 min left",
        "active, 15 min left",
        "expired",
        "active, 10 min left",
        "no expiry",
    ]
    assert hwindow.history.view.count.text() == "6 links"


def test_search_finds_description_id_and_amount(qtbot, hwindow):
    view = hwindow.history.view
    wait_shown(qtbot, hwindow, lambda: qtbot.keyClicks(view.search, "table"))
    assert column_texts(hwindow, HistoryColumn.AMOUNT) == ["$129.00"]

    wait_shown(qtbot, hwindow, lambda: view.search.setText("crème"))
    assert column_texts(hwindow, HistoryColumn.AMOUNT) == ["$129.00"]

    wait_shown(qtbot, hwindow, lambda: view.search.setText("29.99"))
    assert column_texts(hwindow, HistoryColumn.DESCRIPTION) == ["Bike repair, rear wheel"]

    wait_shown(qtbot, hwindow, lambda: view.search.setText("pl_0000004"))
    assert column_texts(hwindow, HistoryColumn.DESCRIPTION) == ["Cheesecake"]

    wait_shown(qtbot, hwindow, lambda: view.search.setText("nothing like this"))
    assert hwindow.history.model.rowCount() == 0
    assert view.count.text() == "0 links"

    wait_shown(qtbot, hwindow, view.search.clear)
    assert hwindow.history.model.rowCount() == 6


def test_ctrl_f_puts_the_cursor_in_the_search_box(qtbot, hwindow):
    # Focus changes arrive through the event loop: waited for, not assumed (a loaded
    # machine delivers them late).
    qtbot.waitUntil(lambda: hwindow.focusWidget() is hwindow.form.amount)
    assert hwindow.history.find_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    hwindow.history.find_action.trigger()
    qtbot.waitUntil(lambda: hwindow.focusWidget() is hwindow.history.view.search)


def test_filters_by_state_and_environment(qtbot, hwindow):
    view = hwindow.history.view
    wait_shown(qtbot, hwindow, lambda: view.state.setCurrentIndex(view.state.findData(
        StateFilter.EXPIRED)))  # fmt: skip
    assert column_texts(hwindow, HistoryColumn.DESCRIPTION) == ["Haircut"]

    wait_shown(qtbot, hwindow, lambda: view.state.setCurrentIndex(view.state.findData(
        StateFilter.ACTIVE)))  # fmt: skip
    assert hwindow.history.model.rowCount() == 5

    wait_shown(qtbot, hwindow, lambda: view.environment.setCurrentIndex(
        view.environment.findData(Environment.LIVE)))  # fmt: skip
    assert column_texts(hwindow, HistoryColumn.AMOUNT) == ["$129.00", "$29.99"]


def test_a_link_turns_expired_on_screen_when_the_clock_passes_its_expiry(qtbot, hwindow, clock):
    assert cell(hwindow, 0, HistoryColumn.STATE) == "active, 12 min left"
    clock.advance(minutes=5)
    qtbot.waitUntil(lambda: cell(hwindow, 0, HistoryColumn.STATE) == "active, 7 min left")
    clock.advance(minutes=8)
    qtbot.waitUntil(lambda: cell(hwindow, 0, HistoryColumn.STATE) == "expired")
    # The one timer drove it: the rows were not fetched again.
    assert hwindow.history.model.rowCount() == 6
    assert cell(hwindow, 1, HistoryColumn.STATE) == "active, 27 min left"


def test_a_link_expiring_leaves_the_active_filter(qtbot, hwindow, clock):
    view = hwindow.history.view
    wait_shown(qtbot, hwindow, lambda: view.state.setCurrentIndex(view.state.findData(
        StateFilter.ACTIVE)))  # fmt: skip
    assert hwindow.history.model.rowCount() == 5
    clock.advance(minutes=11)  # the bike repair's hour is up at 12:10
    qtbot.waitUntil(lambda: hwindow.history.model.rowCount() == 4)
    assert "$29.99" not in column_texts(hwindow, HistoryColumn.AMOUNT)


def test_a_first_start_gives_the_recent_links_a_third_of_the_height(hwindow):
    top, links = hwindow.history.splitter.sizes()
    assert links >= (top + links) // 3 - 1
    assert top >= hwindow.history.splitter.widget(0).minimumSizeHint().height()


def test_the_columns_fit_the_usual_window_and_amounts_are_whole(qtbot, hwindow):
    hwindow.resize(1024, 680)
    table = hwindow.history.view.table
    qtbot.waitUntil(lambda: table.viewport().width() > 900)
    assert not table.horizontalScrollBar().isVisible()
    wanted = table.fontMetrics().horizontalAdvance("$100,000.00")
    assert table.columnWidth(HistoryColumn.AMOUNT) > wanted
    assert table.columnWidth(HistoryColumn.DESCRIPTION) >= table.columnWidth(HistoryColumn.METHOD)


def test_the_search_box_keeps_its_width_as_the_count_grows(qtbot, hwindow):
    view = hwindow.history.view
    width = view.search.width()
    view.set_count(1)
    view.set_count(1_000_000, at_least=True)
    hwindow.layout().activate()
    view.layout().activate()
    assert view.search.width() == width


def test_tab_leaves_the_table(qtbot, hwindow):
    table = hwindow.history.view.table
    hwindow.history.view.select_row(0)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    assert hwindow.history.view.selected_link() is not None


def test_selecting_a_row_shows_its_link_copy_and_a_qr_that_scans(qtbot, hwindow):
    hwindow.history.view.select_row(1)
    link = hwindow.result.link
    assert link is not None
    assert link.amount_usd == 129
    assert hwindow.result.url.text() == link.url
    assert hwindow.result.badge.text() == "LIVE"
    assert decode_qr(hwindow.result.qr) == [link.url]
    qtbot.mouseClick(hwindow.result.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == link.url


def test_the_link_actions_act_on_the_selected_link(qtbot, hwindow):
    """Ctrl+Shift+C, Copy QR image, Save, Print and Share: the link on screen, not the
    one made last."""
    actions = hwindow.result_actions
    for row in (1, 3):
        hwindow.history.view.select_row(row)
        link = hwindow.result.link
        QApplication.clipboard().clear()
        actions.copy_url.trigger()
        assert QApplication.clipboard().text() == link.url
        actions.copy_qr.trigger()
        image = to_pil(QApplication.clipboard().image())
        assert [code.text for code in zxingcpp.read_barcodes(image)] == [link.url]
        assert actions.save_qr.isEnabled()
        assert actions.print_link.isEnabled()
        assert actions.share.isEnabled()


def test_context_menu_copies_the_url_and_the_id(qtbot, hwindow):
    view = hwindow.history.view
    view.select_row(2)
    stored = view.selected_link()
    view.copy_url_action.trigger()
    assert QApplication.clipboard().text() == stored.url
    view.copy_id_action.trigger()
    assert QApplication.clipboard().text() == stored.id
    assert "Copied the id" in hwindow.statusBar().currentMessage()
    hwindow.result.show_link(None)
    view.show_qr_action.trigger()
    assert decode_qr(hwindow.result.qr) == [stored.url]


def test_remove_says_billing_io_keeps_it_and_undo_brings_it_back(qtbot, hwindow, history_file):
    history = hwindow.history
    history.view.select_row(0)
    stored = history.view.selected_link()
    with qtbot.waitSignal(history.removed, timeout=10_000):
        history.view.remove_action.trigger()
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 5)
    assert hwindow.statusBar().currentMessage() == REMOVE_NOTE
    assert history.undo_button.isVisible()
    assert stored.url not in column_texts(hwindow, HistoryColumn.URL)
    with LinkHistory.open_reader(history_file) as reader:
        assert reader.get(stored.id) is None

    with qtbot.waitSignal(history.restored, timeout=10_000):
        qtbot.mouseClick(history.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 6)
    assert cell(hwindow, 0, HistoryColumn.URL) == stored.url
    assert not history.undo_button.isVisible()


def test_undo_stays_offered_for_its_time_whatever_the_status_bar_says(qtbot, hwindow):
    history = hwindow.history
    history.view.select_row(0)
    with qtbot.waitSignal(history.removed, timeout=10_000):
        history.view.remove_action.trigger()
    history.view.select_row(0)
    history.view.copy_url_action.trigger()  # says "Copied…" over the note about removing
    assert hwindow.statusBar().currentMessage() != REMOVE_NOTE
    assert history.undo_button.isVisible()
    assert history.undo_timer.isActive()
    assert history.undo_timer.interval() == UNDO_MS

    history.undo_timer.start(1)  # its time is up
    qtbot.waitUntil(lambda: not history.undo_button.isVisible())
    history.undo_remove()  # nothing left to undo
    qtbot.waitUntil(lambda: history.settled)
    assert history.model.rowCount() == 5


def test_a_created_link_is_recorded_with_its_method_name_and_shown_first(
    qtbot, hwindow, history_file
):
    history = hwindow.history
    qtbot.keyClicks(hwindow.form.description, "Espresso doppio")
    qtbot.keyClicks(hwindow.form.amount, "2.80")
    with qtbot.waitSignal(history.recorded, timeout=10_000) as recorded:
        qtbot.keyClick(hwindow.form.amount, Qt.Key.Key_Return)
    stored = recorded.args[0]
    method = hwindow.form.selected_method()
    assert stored.payment_method_name == method.label
    assert stored.source is Source.APP
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 7)
    assert cell(hwindow, 0, HistoryColumn.DESCRIPTION) == "Espresso doppio"
    assert cell(hwindow, 0, HistoryColumn.METHOD) == method.label
    # Selected, so the result pane and the table agree on which link is shown.
    assert history.view.selected_link().id == hwindow.result.link.id
    with LinkHistory.open_reader(history_file) as reader:
        assert reader.get(stored.id).description == "Espresso doppio"


def test_a_link_made_during_a_search_is_shown_with_the_search_cleared(qtbot, hwindow):
    history = hwindow.history
    view = history.view
    wait_shown(qtbot, hwindow, lambda: view.search.setText("table 4"))
    wait_shown(
        qtbot,
        hwindow,
        lambda: view.environment.setCurrentIndex(view.environment.findData(Environment.LIVE)),
    )
    assert history.model.rowCount() == 1
    qtbot.keyClicks(hwindow.form.amount, "2.80")
    with qtbot.waitSignal(history.recorded, timeout=10_000) as recorded:
        qtbot.keyClick(hwindow.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 7)
    assert view.search.text() == ""
    # The box's clear button (it fades out, so: its opacity) follows the text it lost.
    clear = view.search.findChild(QToolButton)
    qtbot.waitUntil(lambda: clear.property("opacity") == 0)
    assert view.current_filter() == HistoryFilter()
    assert history.model.link_at(0).id == recorded.args[0].id
    assert view.selected_link().id == hwindow.result.link.id == recorded.args[0].id


def test_removing_the_link_on_show_empties_the_result_pane(qtbot, hwindow):
    history = hwindow.history
    history.view.select_row(1)
    assert hwindow.result.link is not None
    with qtbot.waitSignal(history.removed, timeout=10_000):
        history.view.remove_action.trigger()
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 5)
    assert hwindow.result.link is None
    assert history.view.selected_link() is None
    assert not hwindow.result_actions.copy_qr.isEnabled()


@pytest.mark.parametrize(
    ("key", "modifier"),
    [(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier), (Qt.Key.Key_Escape, None)],
    ids=["ctrl+n", "esc"],
)
def test_starting_over_takes_a_selected_link_off_the_screen(qtbot, hwindow, key, modifier):
    history = hwindow.history
    history.view.select_row(2)
    assert hwindow.result.link is not None
    hwindow.form.focus_amount()
    qtbot.keyClick(hwindow.form.amount, key, modifier or Qt.KeyboardModifier.NoModifier)
    assert hwindow.result.link is None
    assert not hwindow.result.qr.isVisible()
    assert history.view.selected_link() is None
    assert not hwindow.result_actions.copy_qr.isEnabled()
    # Still there to be found again.
    assert history.model.rowCount() == 6


def _shown_ids(monkeypatch, window) -> list[str | None]:
    """The id of every link the result pane is given from now on."""
    shown: list[str | None] = []
    show = window.result.show_link

    def spy(link, environment=None):
        shown.append(link.id if link is not None else None)
        show(link, environment)

    monkeypatch.setattr(window.result, "show_link", spy)
    return shown


def _made_now(number: int, clock) -> object:
    return dataclasses.replace(make_link(number, created=clock()), environment=None)


@pytest.mark.parametrize("selected_row", [None, 0, 3], ids=["none", "newest", "older"])
def test_a_new_link_stays_on_show_while_the_recent_links_catch_up(
    qtbot, hwindow, clock, monkeypatch, selected_row
):
    """Neither the rows arriving above the selected one nor the late selection of the
    link before it may put an older customer's code back on the screen."""
    history = hwindow.history
    if selected_row is not None:
        history.view.select_row(selected_row)
    shown = _shown_ids(monkeypatch, hwindow)
    first, second = _made_now(100, clock), _made_now(101, clock)
    hwindow.creator.created.emit(first, False)
    hwindow.creator.created.emit(second, False)  # before the first is stored
    qtbot.waitUntil(lambda: history.settled and not history.recording, timeout=10_000)
    qtbot.waitUntil(lambda: history.view.selected_link() is not None, timeout=10_000)
    assert shown[:2] == [first.id, second.id]
    assert set(shown[2:]) <= {second.id}, shown
    assert hwindow.result.link.id == second.id
    assert history.view.selected_link().id == second.id


def test_a_link_whose_save_fails_is_still_shown_and_copyable(qtbot, hwindow, monkeypatch):
    def full_disk(*_args, **_kwargs):
        raise HistoryError("The disk is full, so the link history could not be saved.")

    monkeypatch.setattr(LinkHistory, "record", full_disk)
    with qtbot.waitSignal(hwindow.history.record_failed, timeout=10_000):
        qtbot.keyClicks(hwindow.form.amount, "5")
        qtbot.keyClick(hwindow.form.amount, Qt.Key.Key_Return)
    link = hwindow.result.link
    assert link is not None
    assert hwindow.banner.isVisible()
    assert "could not save it" in hwindow.banner.text()
    assert "disk is full" in hwindow.banner.text()
    assert decode_qr(hwindow.result.qr) == [link.url]
    hwindow.copy_action.trigger()
    assert QApplication.clipboard().text() == link.url


def test_a_history_that_cannot_be_opened_says_so_and_links_are_still_made(
    qtbot, open_window, services, tmp_path, clock
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    window = open_window(history_services(services, blocker / "history.sqlite3", clock))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    assert "recent links cannot be shown" in window.banner.text()
    qtbot.keyClicks(window.form.amount, "5")
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)


def test_the_window_fits_800_by_600_with_a_large_qr(qtbot, hwindow):
    hwindow.resize(800, 600)
    hwindow.history.view.select_row(0)
    qtbot.waitUntil(lambda: hwindow.width() == 800)
    QApplication.processEvents()
    assert hwindow.result.qr.height() >= 200
    assert hwindow.history.view.table.height() >= 100
    assert decode_qr(hwindow.result.qr) == [hwindow.result.link.url]


def stored_ids_in(path) -> set[str]:
    if not path.exists():
        return set()
    with LinkHistory.open_reader(path) as reader:
        return {link.id for link in reader.rows(HistoryFilter(), datetime.now(UTC))}


def test_demo_links_are_kept_apart_from_the_real_history(
    qtbot, open_window, services, history_file, clock
):
    real = history_file
    demo = demo_history_path(real)
    real_before = stored_ids_in(real)
    window = open_history_window(
        qtbot, open_window, dataclasses.replace(history_services(services, real, clock), demo=True)
    )
    history = window.history
    qtbot.waitUntil(lambda: window.demo, timeout=10_000)
    assert history.path == demo
    assert history.model.rowCount() == 0  # the real links are not the demo's
    with qtbot.waitSignal(history.recorded, timeout=10_000) as recorded:
        qtbot.keyClicks(window.form.amount, "3")
        qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    assert stored_ids_in(demo) == {recorded.args[0].id}
    assert stored_ids_in(real) == real_before

    # A real key during the demo: the real history again, with its links.
    with qtbot.waitSignal(history.opened, timeout=10_000):
        window.use_key(window.services.client_factory, window.services.api_key)
    assert history.path == real
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == len(real_before))


def test_a_demo_started_from_the_window_gets_the_demo_history(qtbot, hwindow, history_file):
    history = hwindow.history
    with qtbot.waitSignal(history.opened, timeout=10_000):
        hwindow.start_demo()
    assert history.path == demo_history_path(history_file)
    qtbot.waitUntil(lambda: history.settled and history.model.rowCount() == 0)
