"""The window against the real emulator: type, press Enter, scan; failures, Cancel, closing."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from decimal import Decimal

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QLabel

from linkdesk.core.links import LinkRequest
from linkdesk.core.qr import TOO_LONG, qr_matrix
from linkdesk.core.settings import HISTORY_SPLIT, LAST_LIFETIME, WINDOW_GEOMETRY
from linkdesk.ui.link_form import LOADING_METHODS, WAITING_FOR_METHODS, Note
from linkdesk.ui.main import client_factory
from linkdesk.ui.main_window import (
    CANCELLED,
    DEMO_FAILED,
    DEMO_TITLE,
    LATE_LINK,
    TITLE,
    MainWindow,
    Services,
    first_size,
)
from linkdesk.ui.worker import NO_KEY_MESSAGE, WARM_UP_URL
from tests.scripted_server import Scripted, ScriptedServer
from tests.ui.conftest import FAST
from tests.ui.helpers import decode_qr

LINKS = "POST /v1/payment-links"
METHODS = "GET /v1/payment-methods"


def type_and_enter(qtbot, window, amount: str) -> None:
    qtbot.keyClicks(window.form.amount, amount)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)


def wait_for_link(qtbot, window, timeout: int = 10_000):
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=timeout)
    return window.result.link


def test_typed_amount_and_enter_show_the_link_copy_and_a_qr_that_scans(
    qtbot, window, emulator, api_key
):
    assert window.windowTitle() == TITLE
    assert window.focusWidget() is window.form.amount
    type_and_enter(qtbot, window, "29.99")
    link = wait_for_link(qtbot, window)

    assert window.result.url.text() == link.url
    assert window.result.amount.text() == "$29.99"
    assert window.result.badge.text() == "TEST"
    assert window.result.badge.isVisible()
    assert window.result.expiry.text().startswith("Expires ")
    qtbot.mouseClick(window.result.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == link.url
    assert "Copied" in window.statusBar().currentMessage()
    assert decode_qr(window.result.qr) == [link.url]
    assert emulator.links_created(api_key) == 1
    # The form is ready for the next customer.
    assert window.form.amount.text() == ""
    assert window.focusWidget() is window.form.amount


def test_two_creates_reuse_one_connection(qtbot, window, emulator, api_key):
    for amount in ("10", "20"):
        type_and_enter(qtbot, window, amount)
        qtbot.waitUntil(lambda a=amount: window.result.amount.text() == f"${a}.00")
    assert emulator.links_created(api_key) == 2
    assert emulator.connections_opened() == 1


def test_double_enter_creates_one_link(qtbot, window, emulator, api_key):
    emulator.add_fault("hang", route=LINKS, seconds=0.3)
    qtbot.keyClicks(window.form.amount, "12.50")
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    assert window.creator.busy
    # Whatever has focus, and even past the locked widgets, a second Enter does nothing.
    qtbot.keyClick(window.form, Qt.Key.Key_Return)
    assert not window.form.submit()
    assert not window.creator.create(window.form.request())
    wait_for_link(qtbot, window)
    assert emulator.links_created(api_key) == 1
    assert emulator.request_count(LINKS) == 1


def test_server_failures_keep_the_form_and_say_what_to_do(qtbot, window, emulator, api_key):
    emulator.add_fault("500", count=4, route=LINKS)
    window.form.description.setText("Table 4")
    type_and_enter(qtbot, window, "42")
    assert window.form.busy_row.isVisible()
    qtbot.waitUntil(lambda: not window.creator.busy, timeout=10_000)

    assert window.banner.isVisible()
    assert window.banner.text() == "billing.io had an internal problem; try again in a minute."
    assert window.form.amount.text() == "42"
    assert window.form.description.text() == "Table 4"
    assert window.result.link is None
    assert emulator.links_created(api_key) == 0
    assert "Retrying" not in window.statusBar().currentMessage()
    # Pressing Enter again after a failure with an unknown outcome reuses the key, and
    # this time billing.io answers.
    key = window.creator.idempotency_key
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    assert window.creator.idempotency_key == key
    wait_for_link(qtbot, window)
    assert not window.banner.isVisible()
    assert emulator.links_created(api_key) == 1


def test_retries_are_told_in_the_status_bar(qtbot, window, emulator):
    emulator.add_fault("503", count=1, route=LINKS)
    messages: list[str] = []
    window.statusBar().messageChanged.connect(messages.append)
    type_and_enter(qtbot, window, "8")
    wait_for_link(qtbot, window)
    assert any("Retrying (1 of 3)" in message for message in messages)


def test_an_amount_over_the_method_maximum_is_refused_before_sending(qtbot, window, emulator):
    window.form.method.setCurrentIndex(1)
    qtbot.keyClicks(window.form.amount, "600")
    assert window.form.amount_note.error == "USDC on Base takes at most $500.00."
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    assert not window.creator.busy
    assert window.focusWidget() is window.form.amount
    assert emulator.request_count(LINKS) == 0


def test_a_field_billing_io_refuses_is_named_beside_that_field(qtbot, window, emulator, api_key):
    # A request the form would refuse, sent anyway, as if the limits changed since the
    # methods were loaded: billing.io's 400 names amount_usd.
    window.form.method.setCurrentIndex(1)
    window.form.amount.setText("600")
    limited = window.form.selected_method()
    assert window.creator.create(LinkRequest(Decimal("600"), limited.id))
    qtbot.waitUntil(lambda: not window.creator.busy)
    assert window.form.amount_note.error == "The amount is above what this payment method accepts."
    assert not window.banner.isVisible()
    assert window.form.amount.text() == "600"
    assert emulator.links_created(api_key) == 0


def test_cancel_during_a_hang_then_enter_reuses_the_key_and_makes_no_second_link(
    qtbot, window, emulator, api_key
):
    emulator.add_fault("hang", route=LINKS, seconds=1.5)
    type_and_enter(qtbot, window, "19.99")
    first_key = window.creator.idempotency_key
    # billing.io made the link; only its answer is held back.
    qtbot.waitUntil(lambda: emulator.links_created(api_key) == 1)
    qtbot.mouseClick(window.form.cancel_button, Qt.MouseButton.LeftButton)
    assert not window.creator.busy
    assert window.form.fields.isEnabled()
    assert window.statusBar().currentMessage() == CANCELLED
    assert window.form.amount.text() == "19.99"

    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    assert window.creator.idempotency_key == first_key
    link = wait_for_link(qtbot, window)
    qtbot.waitUntil(lambda: not window.creator.busy)
    assert link.amount_usd == Decimal("19.99")
    assert emulator.links_created(api_key) == 1


def test_a_link_that_arrives_after_cancel_is_still_shown(qtbot, window, emulator, api_key):
    emulator.add_fault("hang", route=LINKS, seconds=0.5)
    type_and_enter(qtbot, window, "7.25")
    qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1)
    qtbot.keyClick(window.form.cancel_button, Qt.Key.Key_Escape)
    assert not window.creator.busy
    link = wait_for_link(qtbot, window)
    assert link.amount_usd == Decimal("7.25")
    assert window.statusBar().currentMessage() == LATE_LINK
    assert emulator.links_created(api_key) == 1


def test_changing_the_form_after_a_failure_makes_a_new_key(qtbot, window, emulator):
    emulator.add_fault("drop_before_body", count=4, route=LINKS)
    type_and_enter(qtbot, window, "3")
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10_000)
    key = window.creator.idempotency_key
    assert key is not None
    qtbot.keyClicks(window.form.amount, "1")
    assert window.creator.idempotency_key is None
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    assert window.creator.idempotency_key not in (None, key)
    wait_for_link(qtbot, window)


def test_payment_methods_load_with_the_default_chosen_and_disabled_ones_left_out(window):
    form = window.form
    labels = [form.method.itemText(i) for i in range(form.method.count())]
    assert labels == ["USDT on Tron", "USDC on Base"]
    assert form.method.currentText() == "USDT on Tron"
    form.method.setCurrentIndex(1)
    assert form.method_note.text() == "Takes $5.00 to $500.00."


def test_the_qr_maker_is_warmed_up_once_behind_the_methods(qtbot, open_window, services):
    # The day's first create would otherwise load qrcode and Pillow and lay out a code.
    qr_matrix.cache_clear()
    window = open_window(services)
    qtbot.waitUntil(lambda: qr_matrix.cache_info().currsize == 1)
    assert qr_matrix(WARM_UP_URL).size == qr_matrix("https://pay.billing.io/pl_" + "a" * 24).size
    hits = qr_matrix.cache_info().hits
    with qtbot.waitSignal(window.methods_loaded):
        window.load_methods()  # a reload (Retry) does not warm up again
    assert qr_matrix.cache_info().hits == hits


def test_the_last_lifetime_is_remembered_for_the_next_window(open_window, services):
    first = open_window(services)
    assert first.form.lifetime.currentText() == "15 minutes"
    first.form.lifetime.setCurrentIndex(first.form.lifetime.findText("No expiry"))
    assert services.settings.get(LAST_LIFETIME) is None
    first.close()

    second = open_window(services)
    assert second.form.lifetime.currentText() == "No expiry"
    second.form.lifetime.setCurrentIndex(second.form.lifetime.findText("1 hour"))
    assert services.settings.get(LAST_LIFETIME) == 3600


def test_the_next_window_opens_at_the_size_and_split_the_cashier_left(qtbot, open_window, services):
    first = open_window(services)
    # Smaller than the usual 900 × 620: the test screen is 800 × 600, and Qt keeps a
    # restored window on its screen.
    first.resize(780, 560)
    qtbot.waitUntil(lambda: (first.width(), first.height()) == (780, 560))
    splitter = first.history.splitter
    total = sum(splitter.sizes())
    splitter.setSizes([total // 3, total - total // 3])  # more room for the recent links
    left = splitter.sizes()
    assert left[1] > left[0]
    first.close()
    assert services.settings.get(WINDOW_GEOMETRY)

    second = open_window(services)
    assert (second.width(), second.height()) == (780, 560)
    qtbot.waitUntil(lambda: second.history.splitter.sizes() == left)


@pytest.mark.parametrize(
    ("screen", "window"),
    [
        ((800, 600), (900, 620)),  # never smaller than the form and a QR code need
        ((1366, 728), (1092, 620)),
        ((1920, 1040), (1280, 884)),
        ((3840, 2120), (1280, 900)),  # not the whole of a large screen
    ],
)
def test_the_first_window_is_sized_for_its_screen(screen, window):
    assert first_size(QSize(*screen)) == QSize(*window)


def test_a_saved_size_that_cannot_be_read_gives_the_usual_window(open_window, services):
    services.settings.set(WINDOW_GEOMETRY, "not what Qt saved")
    services.settings.set(HISTORY_SPLIT, "@@@")
    window = open_window(services)
    assert window.size() == first_size(window.screen().availableGeometry().size())
    top, links = window.history.splitter.sizes()
    assert top > 0
    assert links > 0


def test_a_no_expiry_link_says_so(qtbot, window):
    window.form.lifetime.setCurrentIndex(window.form.lifetime.findText("No expiry"))
    type_and_enter(qtbot, window, "5")
    link = wait_for_link(qtbot, window)
    assert link.expires_at is None
    assert window.result.expiry.text() == "No expiry"


def test_demo_mode_says_demo(open_window, services):
    demo = Services(**{**services.__dict__, "demo": True, "api_key": None})
    window = open_window(demo)
    assert window.windowTitle() == DEMO_TITLE
    assert window.demo_badge.isVisible()
    assert window.demo_badge.text() == "DEMO"
    assert window.environment_badge.text() == "TEST"


def test_closing_with_a_create_in_flight_does_not_crash(qtbot, window, emulator):
    emulator.add_fault("hang", route=LINKS, seconds=30)
    type_and_enter(qtbot, window, "99")
    assert window.creator.busy
    qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1)
    started = time.monotonic()
    window.close()
    # The attempt on the wire ends with the client's timeout (3 s in these tests).
    assert time.monotonic() - started < 6
    assert not window.api.running
    assert not window.isVisible()


def test_the_window_works_at_800_by_600(qtbot, window):
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() <= 800)
    type_and_enter(qtbot, window, "1")
    wait_for_link(qtbot, window)
    qr = window.result.qr
    assert qr.scale() >= 4
    assert qr.visibleRegion().boundingRect().contains(qr.code_rect())
    assert window.form.create_button.visibleRegion().boundingRect().size().width() > 40


@pytest.mark.parametrize("size", [(900, 620), (760, 540)], ids=["default", "smallest"])
def test_every_note_gets_the_height_its_wrapped_text_needs(qtbot, window, size):
    # The tallest the column gets: a banner, a first start's "no key" (the longest
    # note), a mistyped amount and the lifetime line, each wrapping in a narrow column.
    window.resize(*size)
    window.banner.show_message("billing.io could not be reached; check the internet "
                               "connection, then press Enter to try again.")  # fmt: skip
    window.form.set_methods_failed(NO_KEY_MESSAGE)
    window.form.amount.setText("abc")
    window.form.submit()
    notes = [note for note in window.form.findChildren(Note) if note.isVisible()]
    assert {window.form.method_note, window.form.amount_note} <= set(notes)

    def enough_room() -> bool:
        return all(note.height() >= note.heightForWidth(note.width()) for note in notes)

    qtbot.waitUntil(enough_room)
    assert window.form.width() >= window.form.minimumSizeHint().width()
    # All of the column's width is on screen: it scrolls up and down, never sideways.
    column = window.form_column
    assert column.widget().width() <= column.viewport().width()


def test_a_demo_that_cannot_start_is_one_sentence_and_the_key_in_use_stays(
    qtbot, open_window, services
):
    def broken():
        raise OSError("no free port")

    window = open_window(Services(**{**services.__dict__, "start_demo": broken}))
    with qtbot.waitSignal(window.methods_loaded):
        window.start_demo()
    assert window.banner.text() == DEMO_FAILED
    assert not window.demo
    assert window.windowTitle() == TITLE
    assert window.form.methods_ready


def test_a_demo_that_cannot_start_at_start_up_stops_saying_demo(qtbot, open_window, services):
    def broken():
        raise OSError("no free port")

    demo = Services(**{**services.__dict__, "demo": True, "api_key": None, "start_demo": broken})
    window = open_window(demo, settle=False)
    qtbot.waitUntil(lambda: window.form.method_note.error != "")
    assert window.banner.text() == DEMO_FAILED
    assert window.windowTitle() == TITLE
    assert not window.demo_badge.isVisible()
    assert window.form.method_note.error == NO_KEY_MESSAGE
    # Without a key, the button beside the methods offers what helps: a key.
    assert window.form.method_retry.text() == "Add ke&y…"
    window.form.method_retry.click()
    qtbot.waitUntil(lambda: window.key_dialog is not None and window.key_dialog.isVisible())


# Ready before the methods ------------------------------------------------------------


def test_ready_means_on_screen_with_the_amount_focused_before_any_background_work(
    qtbot, services, gated_factory, gate
):
    window = MainWindow(Services(**{**services.__dict__, "client_factory": gated_factory}))
    qtbot.addWidget(window)
    QApplication.processEvents()
    assert not window.api.started
    assert not window.keys.started
    at_ready: list[bool] = []
    window.ready.connect(lambda: at_ready.append(window.api.started))
    with qtbot.waitSignal(window.ready):
        window.show()
    # The first paint came first; the API thread starts a turn of the event loop later.
    assert at_ready == [False]
    assert window.is_ready
    assert window.focusWidget() is window.form.amount
    assert window.form.amount.isEnabled()
    assert not window.form.methods_ready
    assert window.form.method.currentText() == LOADING_METHODS
    qtbot.waitUntil(gate.entered.is_set)
    assert window.api.started
    # The keyring is not needed when the key is known.
    assert not window.keys.started
    gate.open()
    qtbot.waitUntil(lambda: window.form.methods_ready)
    assert at_ready == [False]


def test_the_form_stays_on_screen_and_focused_as_the_recent_links_join(
    qtbot, monkeypatch, open_window, services
):
    # The recent links come right after ready; a key typed then must reach the amount.
    seen: list[tuple[bool, bool]] = []
    add_history = MainWindow._add_history

    def checked(window: MainWindow) -> None:
        add_history(window)
        seen.append((window.form.amount.isVisible(), window.focusWidget() is window.form.amount))

    monkeypatch.setattr(MainWindow, "_add_history", checked)
    open_window(services, settle=False)
    assert seen == [(True, True)]


def test_enter_while_the_methods_load_creates_the_link_once_they_arrive(
    qtbot, open_window, services, gated_factory, gate, emulator, api_key
):
    window = open_window(
        Services(**{**services.__dict__, "client_factory": gated_factory}), settle=False
    )
    type_and_enter(qtbot, window, "29.99")
    assert window.form.waiting
    assert window.form.busy_row.isVisible()
    assert window.form.busy_label.text() == WAITING_FOR_METHODS
    assert window.form.cancel_button.isEnabled()
    assert window.form.method_note.error == ""
    assert not window.form.fields.isEnabled()

    gate.open()
    link = wait_for_link(qtbot, window)
    default = next(m for m in emulator.payment_methods(api_key) if m["is_default"])
    assert link.amount_usd == Decimal("29.99")
    assert link.payment_method_id == default["id"]
    assert window.form.selected_method().id == default["id"]
    assert emulator.links_created(api_key) == 1
    assert not window.form.waiting
    assert window.form.amount.text() == ""
    assert window.focusWidget() is window.form.amount


def test_when_the_methods_fail_an_enter_waiting_for_them_is_dropped_and_the_form_kept(
    qtbot, open_window, services, gated_factory, gate, emulator, api_key
):
    emulator.add_fault("500", count=4, route=METHODS)
    window = open_window(
        Services(**{**services.__dict__, "client_factory": gated_factory}), settle=False
    )
    window.form.description.setText("Table 4")
    type_and_enter(qtbot, window, "29.99")
    assert window.form.waiting
    with qtbot.waitSignal(window.methods_failed, timeout=10_000):
        gate.open()
    assert not window.form.waiting
    assert not window.form.busy_row.isVisible()
    assert window.form.fields.isEnabled()
    assert (
        window.form.method_note.error
        == "billing.io had an internal problem; try again in a minute."
    )
    assert window.form.method_retry.isVisible()
    assert window.form.amount.text() == "29.99"
    assert window.form.description.text() == "Table 4"
    # Retry brings the methods; the dropped Enter does not come back by itself.
    with qtbot.waitSignal(window.methods_loaded):
        qtbot.mouseClick(window.form.method_retry, Qt.MouseButton.LeftButton)
    assert window.form.methods_ready
    assert emulator.request_count(LINKS) == 0
    assert window.form.amount.text() == "29.99"


def test_cancel_while_waiting_for_the_methods_sends_nothing(
    qtbot, open_window, services, gated_factory, gate, emulator
):
    window = open_window(
        Services(**{**services.__dict__, "client_factory": gated_factory}), settle=False
    )
    type_and_enter(qtbot, window, "5")
    assert window.form.waiting
    qtbot.keyClick(window.form.cancel_button, Qt.Key.Key_Escape)
    assert not window.form.waiting
    assert window.form.fields.isEnabled()
    assert window.focusWidget() is window.form.amount
    with qtbot.waitSignal(window.methods_loaded):
        gate.open()
    assert emulator.request_count(LINKS) == 0
    assert window.form.amount.text() == "5"


def test_typing_while_the_methods_arrive_keeps_the_focus_and_the_text(
    qtbot, open_window, services, gated_factory, gate
):
    window = open_window(
        Services(**{**services.__dict__, "client_factory": gated_factory}), settle=False
    )
    qtbot.keyClicks(window.form.amount, "12")
    window.form.description.setFocus()
    qtbot.keyClicks(window.form.description, "Tab")
    with qtbot.waitSignal(window.methods_loaded):
        gate.open()
    assert window.focusWidget() is window.form.description
    qtbot.keyClicks(window.form.description, "le 4")
    assert window.form.description.text() == "Table 4"
    assert window.form.amount.text() == "12"


def test_closing_while_the_demo_starts_waits_only_for_that_step(
    qtbot, open_window, services, gate, emulator, factory, api_key
):
    def slow_demo():
        gate.wait()
        return factory, api_key

    demo = Services(**{**services.__dict__, "demo": True, "start_demo": slow_demo})
    window = open_window(demo, settle=False)
    # Demo mode is said from the first paint, before the emulator runs.
    assert window.windowTitle() == DEMO_TITLE
    assert window.demo_badge.isVisible()
    qtbot.waitUntil(gate.entered.is_set)
    # The methods are queued behind the demo; closing skips them.
    threading.Timer(0.2, gate.open).start()
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 3
    assert not window.api.running
    assert emulator.request_count(METHODS) == 0


def test_a_link_too_long_for_a_qr_code_is_still_shown_and_copyable(qtbot, open_window, services):
    """The link exists once billing.io has made it: a failure to draw its code must not
    look like a failed create (the next Enter would make a second link)."""
    server = ScriptedServer().start()
    try:
        url = "https://pay.billing.io/pl_long?d=" + "é" * 1500  # some 3,000 bytes
        method = {"id": "pm_x", "display_name": "USDT on Tron", "status": "active"}
        link = {"id": "pl_" + "a" * 24, "url": url, "amount_usd": 5, "payment_method_id": "pm_x"}
        server.script.extend(
            [
                Scripted(200, json.dumps({"data": [method], "has_more": False}).encode()),
                Scripted(201, json.dumps(link).encode()),
            ]
        )
        window = open_window(
            dataclasses.replace(services, client_factory=client_factory(server.base_url, **FAST))
        )
        type_and_enter(qtbot, window, "5")
        assert wait_for_link(qtbot, window).url == url
        assert window.result.url.text() == url
        assert window.result.qr.problem == TOO_LONG
        assert decode_qr(window.result.qr) == []
        assert window.result_actions.copy_url.isEnabled()
        assert not window.result_actions.copy_qr.isEnabled()
        assert not window.result_actions.print_link.isEnabled()
        assert window.form.amount.text() == ""  # a create that succeeded
        assert [r.method for r in server.requests].count("POST") == 1
    finally:
        server.stop()


def test_the_keys_hint_breaks_only_between_hints(qtbot, window):
    hint = window.findChild(QLabel, "keysHint")
    assert hint is not None
    lines = hint.text().split(" ")  # the only breakable spaces
    assert len(lines) == 5
    assert all(line.endswith("\u00a0·") for line in lines[:-1])
    assert lines[-1] == "F1\u00a0all\u00a0keys"
