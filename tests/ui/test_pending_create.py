"""A create whose answer never came is finished after a restart, never made twice."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from linkdesk.core import pending
from linkdesk.core.errors import FieldError
from linkdesk.core.links import Environment, LinkRequest
from linkdesk.core.pending import PendingJournal
from linkdesk.core.settings import LAST_LIFETIME
from linkdesk.ui.main_window import RESUME, RESUME_AGAIN, MainWindow
from linkdesk.ui.worker import ApiWorker
from tests.app_env import ROOT, app_env
from tests.ui.helpers import Clock
from tests.ui.history_helpers import START, history_services

LINKS = "POST /v1/payment-links"


@pytest.fixture
def data_services(services, tmp_path):
    """Services with a data folder (where the journal lives) and no sync on start."""
    return history_services(services, tmp_path / "data" / "history.sqlite3", Clock(START))


@pytest.fixture
def journal_path(tmp_path):
    """Where the window keeps a sandbox create (the tests' keys are sandbox keys)."""
    return PendingJournal(tmp_path / "data", Environment.SANDBOX).path


def open_data_window(qtbot, open_window, services) -> MainWindow:
    window = open_window(services)
    qtbot.waitUntil(lambda: window.history.settled, timeout=10_000)
    return window


def enter(qtbot, window: MainWindow, amount: str) -> None:
    qtbot.keyClicks(window.form.amount, amount)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)


def close(qtbot, window: MainWindow) -> None:
    window.close()
    qtbot.waitUntil(lambda: not window.api.running, timeout=10_000)


def offered(qtbot, window: MainWindow) -> None:
    """Wait for the offer to finish an earlier create: a banner with its button."""
    qtbot.waitUntil(lambda: window.banner.action_button.isVisible(), timeout=10_000)


def open_offer(qtbot, open_window, services, emulator, api_key, journal_path) -> MainWindow:
    """A window offering to finish the create `pending_for` leaves on disk."""
    pending_for(journal_path, emulator, api_key)
    window = open_data_window(qtbot, open_window, services)
    offered(qtbot, window)
    return window


def open_held(qtbot, open_window, services, gated_factory, gate) -> MainWindow:
    """A window whose API thread waits at `gate`: nothing has come back yet."""
    window = open_window(dataclasses.replace(services, client_factory=gated_factory), settle=False)
    qtbot.waitUntil(lambda: gate.entered.is_set(), timeout=10_000)
    return window


def finish(qtbot, window: MainWindow) -> None:
    """Press the offer's button, and wait for the link on show."""
    previous = window.result.link
    qtbot.mouseClick(window.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.result.link is not previous, timeout=10_000)


def test_a_create_never_answered_is_finished_after_a_restart_without_a_second_link(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    # billing.io makes the link, but every answer to it is cut on the way back.
    emulator.add_fault("drop_mid_body", count=4, route=LINKS)
    first = open_data_window(qtbot, open_window, data_services)
    first.form.description.setText("Table 4")
    enter(qtbot, first, "29.99")
    qtbot.waitUntil(lambda: first.banner.isVisible() and not first.creator.busy, timeout=10_000)
    assert first.result.link is None
    assert emulator.links_created(api_key) == 1
    key = first.creator.idempotency_key
    assert json.loads(journal_path.read_text(encoding="utf-8"))["idempotency_key"] == key
    close(qtbot, first)  # linkdesk ends before anyone hears back

    second = open_data_window(qtbot, open_window, data_services)
    offered(qtbot, second)
    assert second.banner.text() == RESUME.format(what="$29.99 link (Table 4)")
    assert second.banner.action_button.text() == "Fi&nish it"
    assert second.form.amount.text() == ""  # the form stays the cashier's
    assert QApplication.focusWidget() is second.form.amount
    assert second.creator.idempotency_key == key

    finish(qtbot, second)
    link = second.result.link
    assert (link.amount_usd, link.description) == (Decimal("29.99"), "Table 4")
    assert emulator.links_created(api_key) == 1
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)
    assert not second.banner.isVisible()


def test_the_offer_is_sent_as_it_was_and_leaves_the_form_alone(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    method_id = pending_for(journal_path, emulator, api_key, default=False, lifetime=86_400)
    window = open_data_window(qtbot, open_window, data_services)
    offered(qtbot, window)
    before = (window.form.selected_method().id, window.form.selected_lifetime())
    assert before != (method_id, 86_400)
    assert window.creator.idempotency_key == "key-from-last-run"
    finish(qtbot, window)
    link = window.result.link
    assert link.payment_method_id == method_id
    assert link.expires_at - link.created_at == timedelta(days=1)
    assert (window.form.selected_method().id, window.form.selected_lifetime()) == before
    assert data_services.settings.get(LAST_LIFETIME) == before[1]


@pytest.mark.parametrize("how", ["esc", "close button"])
def test_declining_the_offer_forgets_it(
    qtbot, open_window, data_services, emulator, api_key, journal_path, how
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    if how == "esc":
        qtbot.keyClick(window.form.amount, Qt.Key.Key_Escape)
    else:
        qtbot.mouseClick(window.banner.close_button, Qt.MouseButton.LeftButton)
    assert not window.banner.isVisible()
    assert window.creator.idempotency_key is None
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


def test_typing_leaves_the_offer_and_another_link_takes_its_place(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    qtbot.keyClicks(window.form.amount, "9")
    assert window.banner.action_button.isVisible()  # typing is not an answer to it
    assert window.creator.idempotency_key == "key-from-last-run"
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    assert window.result.link.amount_usd == 9
    assert not window.banner.isVisible()
    assert window.creator.resumed is None


def test_what_the_cashier_typed_before_the_offer_stays(
    qtbot, open_window, data_services, gated_factory, gate, emulator, api_key, journal_path
):
    pending_for(journal_path, emulator, api_key)
    window = open_held(qtbot, open_window, data_services, gated_factory, gate)
    qtbot.keyClicks(window.form.amount, "5")
    gate.open()
    offered(qtbot, window)
    assert window.form.amount.text() == "5"


def test_a_finish_that_fails_again_is_offered_again(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    emulator.add_fault("drop_mid_body", count=4, route=LINKS)
    qtbot.mouseClick(window.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.creator.busy, timeout=10_000)
    offered(qtbot, window)
    assert window.banner.text().endswith(RESUME_AGAIN.format(failure="").strip())
    assert emulator.links_created(api_key) == 1
    assert journal_path.exists()
    finish(qtbot, window)
    assert emulator.links_created(api_key) == 1
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


def test_a_window_killed_mid_create_is_finished_by_the_next_start(
    qtbot, open_window, data_services, emulator, api_key, journal_path, tmp_path
):
    """The real thing: a linkdesk process is killed (SIGKILL) while billing.io holds its
    request; the next window offers it, and finishing it gets that link, not a second."""
    emulator.add_fault("hang", route=LINKS, seconds=30)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.pending_child", emulator.base_url, api_key,
         str(journal_path.parent), "18.40"],
        cwd=ROOT,
        env=app_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        assert child.stdout.readline().strip() == "sent"
        qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1, timeout=20_000)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert emulator.links_created(api_key) == 1  # made, its answer never delivered
    emulator.clear_faults()

    window = open_data_window(qtbot, open_window, data_services)
    offered(qtbot, window)
    assert "$18.40 link" in window.banner.text()
    finish(qtbot, window)
    assert window.result.link.amount_usd == Decimal("18.40")
    assert emulator.links_created(api_key) == 1
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


def test_a_link_that_comes_while_the_window_closes_is_offered_at_the_next_start(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    """Ctrl+Q while billing.io is slow: its answer comes when nobody shows it any more."""
    emulator.add_fault("hang", route=LINKS, seconds=1.0)
    first = open_data_window(qtbot, open_window, data_services)
    enter(qtbot, first, "9.99")
    qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1, timeout=10_000)
    close(qtbot, first)
    assert emulator.links_created(api_key) == 1
    assert journal_path.exists()

    second = open_data_window(qtbot, open_window, data_services)
    offered(qtbot, second)
    finish(qtbot, second)
    assert emulator.links_created(api_key) == 1


def test_the_same_key_saved_again_keeps_the_offer_another_key_takes_it_back(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    pending_for(journal_path, emulator, api_key, default=False)
    window = open_data_window(qtbot, open_window, data_services)
    offered(qtbot, window)
    window.use_key(data_services.client_factory, api_key)  # Keys… > Save, the same key
    qtbot.waitUntil(lambda: window.form.methods_ready, timeout=10_000)
    assert window.banner.action_button.isVisible()
    assert window.creator.idempotency_key == "key-from-last-run"

    window.use_key(data_services.client_factory, api_key + "2")  # another account
    assert not window.banner.isVisible()
    assert window.creator.idempotency_key is None
    qtbot.waitUntil(lambda: window.form.methods_ready, timeout=10_000)
    assert not window.banner.isVisible()
    assert journal_path.exists()  # for the next start with the first key


def pending_for(
    journal_path, emulator, api_key, environment=Environment.SANDBOX, *, default=True, lifetime=3600
) -> str:
    """A create an earlier run never heard back about ($12.50, within every method's
    limits), with the account's default payment method or (default=False) another."""
    methods = emulator.payment_methods(api_key)
    method = next(
        m for m in methods if m["status"] == "active" and bool(m["is_default"]) == default
    )
    request = LinkRequest.build("12.50", method["id"], "Haircut", lifetime)
    PendingJournal(journal_path.parent, environment).save(request, "key-from-last-run")
    return method["id"]


def test_the_request_is_on_disk_before_it_is_sent_and_gone_once_answered(
    qtbot, open_window, data_services, emulator, journal_path
):
    emulator.add_fault("hang", route=LINKS, seconds=0.5)
    window = open_data_window(qtbot, open_window, data_services)
    enter(qtbot, window, "7")
    # The moment billing.io has the request, the journal already holds it.
    qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1, timeout=10_000)
    saved = json.loads(journal_path.read_text(encoding="utf-8"))
    assert saved["idempotency_key"] == window.creator.idempotency_key
    assert Decimal(saved["amount_usd"]) == 7
    assert saved["environment"] == "sandbox"
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


def test_a_refused_create_leaves_nothing_pending(emulator, api_key, factory, tmp_path):
    """A refusal is an answer: the next start has nothing to finish."""
    journal = PendingJournal(tmp_path, Environment.SANDBOX)
    worker = ApiWorker()
    worker.do_use(factory, api_key)
    request = LinkRequest.build("5", "pm_no_such_method")
    try:
        with pytest.raises(FieldError):
            worker.do_create(request, "key-refused", journal, threading.Event())
    finally:
        worker.release()
    assert emulator.links_created(api_key) == 0
    assert not journal.path.exists()


def test_a_journal_that_cannot_be_written_does_not_stop_the_create(
    emulator, api_key, factory, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    worker = ApiWorker()
    worker.do_use(factory, api_key)
    try:
        link = worker.do_create(
            LinkRequest.build("5", emulator.payment_methods(api_key)[0]["id"]),
            "key-unwritable",
            PendingJournal(blocker, Environment.SANDBOX),
            threading.Event(),
        )
    finally:
        worker.release()
    assert link.amount_usd == 5
    assert emulator.links_created(api_key) == 1


def test_a_pending_live_create_is_not_offered_with_a_test_key(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    pending_for(journal_path, emulator, api_key, Environment.LIVE)
    live = PendingJournal(journal_path.parent, Environment.LIVE).path
    window = open_data_window(qtbot, open_window, data_services)
    qtbot.waitUntil(lambda: window._pending_job is None, timeout=10_000)
    assert window.form.amount.text() == ""
    assert not window.banner.isVisible()
    assert live.exists()  # left for a start with the live key


def test_the_demo_keeps_no_journal(qtbot, open_window, data_services, journal_path):
    window = open_data_window(qtbot, open_window, dataclasses.replace(data_services, demo=True))
    enter(qtbot, window, "4")
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    assert window.creator.journal is None
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


def test_a_create_that_cannot_be_sent_as_it_was_is_not_offered(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    """Its payment method is gone: Enter would make another request, maybe a second link."""
    request = LinkRequest.build("12.50", "pm_no_longer_offered", "Haircut")
    PendingJournal(journal_path.parent, Environment.SANDBOX).save(request, "key-from-last-run")
    window = open_data_window(qtbot, open_window, data_services)
    qtbot.waitUntil(lambda: window._pending_job is None, timeout=10_000)
    assert window.form.amount.text() == ""
    assert window.form.description.text() == ""
    assert not window.banner.isVisible()
    assert window.creator.idempotency_key is None


def test_a_test_link_made_meanwhile_leaves_a_pending_live_create_alone(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    pending_for(journal_path, emulator, api_key, Environment.LIVE)
    live = PendingJournal(journal_path.parent, Environment.LIVE)
    window = open_data_window(qtbot, open_window, data_services)
    enter(qtbot, window, "3")
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)
    assert live.load().idempotency_key == "key-from-last-run"


def test_a_cancelled_create_whose_link_came_leaves_nothing_to_offer(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    """Cancel, then Enter again: the first attempt brings the link, and the repeat (moot
    by then) fails; nothing is left on disk to offer at the next start."""
    emulator.add_fault("hang", route=LINKS, seconds=1.0)
    emulator.add_fault("drop_before_body", route=LINKS, count=10)
    window = open_data_window(qtbot, open_window, data_services)
    enter(qtbot, window, "4.20")
    qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1, timeout=10_000)
    qtbot.keyClick(window.form.cancel_button, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.creator.busy, timeout=10_000)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)
    assert emulator.links_created(api_key) == 1


def test_esc_right_after_a_create_keeps_the_pane_empty(qtbot, open_window, data_services):
    """The recent links select the new link once it is stored: not after Esc emptied the
    pane, which would put that customer's code back on the screen."""
    window = open_data_window(qtbot, open_window, data_services)
    history = window.history
    window.creator.created.connect(
        lambda _link, _late: qtbot.keyClick(window.form.amount, Qt.Key.Key_Escape)
    )
    enter(qtbot, window, "15")
    qtbot.waitUntil(
        lambda: history.model.rowCount() == 1 and history.settled and not history.recording,
        timeout=10_000,
    )
    assert window.result.link is None
    assert history.view.selected_link() is None


def test_giving_up_while_billing_io_is_slow_then_closing_leaves_nothing_to_offer(
    qtbot, open_window, data_services, emulator, journal_path
):
    """Cancel, then Esc (start over), then Ctrl+Q while the create is still on the wire:
    the next start must not offer what the cashier gave up."""
    emulator.add_fault("hang", route=LINKS, seconds=1.0)
    window = open_data_window(qtbot, open_window, data_services)
    enter(qtbot, window, "9.99")
    qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1, timeout=10_000)
    qtbot.keyClick(window.form.cancel_button, Qt.Key.Key_Escape)  # Cancel
    qtbot.waitUntil(lambda: not window.creator.busy, timeout=10_000)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Escape)  # start over
    close(qtbot, window)
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


def test_a_create_cut_off_by_another_key_is_not_sent_again_with_the_new_one(
    qtbot, open_window, data_services, emulator, api_key
):
    emulator.add_fault("drop_before_body", route=LINKS, count=4)
    window = open_data_window(qtbot, open_window, data_services)
    enter(qtbot, window, "9.99")
    window.use_key(data_services.client_factory, api_key + "2")  # before it fails
    qtbot.waitUntil(lambda: not window.creator.busy, timeout=10_000)
    assert window.creator.idempotency_key is None


def test_alt_n_finishes_the_offer_from_the_keyboard(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    assert window.result.link.amount_usd == Decimal("12.50")
    assert window.result.link.description == "Haircut"


def test_a_damaged_journal_does_not_stop_a_create(qtbot, open_window, data_services, journal_path):
    journal_path.parent.mkdir(parents=True, exist_ok=True)
    journal_path.write_text(
        '{"format": 1, "amount_usd": "1e999999999999999999", "payment_method_id": "pm_x", '
        '"idempotency_key": "k", "environment": "sandbox", '
        '"started_at": "2026-11-24T12:00:00+00:00"}',
        encoding="utf-8",
    )
    window = open_data_window(qtbot, open_window, data_services)
    enter(qtbot, window, "6")
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    assert not window.banner.isVisible()
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


def test_a_rate_limited_finish_is_offered_again_and_kept(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    """A 429 says nothing of what the earlier run's request made: the key is kept."""
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    emulator.add_fault("429", count=20, route=LINKS, seconds=0.01)
    qtbot.mouseClick(window.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.creator.busy, timeout=10_000)
    offered(qtbot, window)
    assert window.creator.idempotency_key == "key-from-last-run"
    assert journal_path.exists()
    emulator.clear_faults()
    finish(qtbot, window)
    assert emulator.links_created(api_key) == 1


def test_an_offer_left_until_billing_io_forgets_its_key_is_not_sent(
    qtbot, open_window, data_services, emulator, api_key, journal_path, monkeypatch
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    later = pending.utc_now() + timedelta(hours=23, minutes=1)
    monkeypatch.setattr(pending, "utc_now", lambda: later)
    qtbot.mouseClick(window.banner.action_button, Qt.MouseButton.LeftButton)
    assert window.banner.text().startswith("The $12.50 link (Haircut) is too old to finish")
    assert not window.banner.action_button.isVisible()
    assert not window.creator.busy
    assert emulator.links_created(api_key) == 0
    qtbot.waitUntil(lambda: not journal_path.exists(), timeout=10_000)


@pytest.mark.parametrize("how", ["close button", "esc"])
def test_another_message_over_the_offer_closed_brings_the_offer_back(
    qtbot, open_window, data_services, emulator, api_key, journal_path, how
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    window.banner.show_message("The demo could not start on this computer.")  # say
    if how == "esc":
        qtbot.keyClick(window.form.amount, Qt.Key.Key_Escape)
    else:
        qtbot.mouseClick(window.banner.close_button, Qt.MouseButton.LeftButton)
    offered(qtbot, window)
    assert window.creator.idempotency_key == "key-from-last-run"
    assert journal_path.exists()


def test_the_link_of_a_cancelled_finish_ends_the_offer(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    emulator.add_fault("hang", route=LINKS, seconds=1.0)
    qtbot.mouseClick(window.banner.action_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: emulator.request_count(LINKS) == 1, timeout=10_000)
    qtbot.keyClick(window.form.cancel_button, Qt.Key.Key_Escape)  # Cancel
    offered(qtbot, window)  # offered again while its answer may still come
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)  # it came
    assert not window.banner.action_button.isVisible()
    assert window.creator.idempotency_key is None
    assert emulator.links_created(api_key) == 1


def test_the_demo_takes_the_offer_off_and_leaves_it_on_disk(
    qtbot, open_window, data_services, emulator, api_key, journal_path
):
    window = open_offer(qtbot, open_window, data_services, emulator, api_key, journal_path)
    window.start_demo()
    assert not window.banner.isVisible()
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.demo and window.form.methods_ready, timeout=10_000)
    assert not window.banner.action_button.isVisible()
    assert window.creator.idempotency_key is None
    assert journal_path.exists()  # for the next start with the real key


def test_the_offer_waits_for_a_message_already_on_show(
    qtbot, open_window, data_services, gated_factory, gate, emulator, api_key, journal_path
):
    pending_for(journal_path, emulator, api_key)
    window = open_held(qtbot, open_window, data_services, gated_factory, gate)
    window.banner.show_message("The recent links cannot be shown.")
    gate.open()
    qtbot.waitUntil(lambda: window.creator.resumed is not None, timeout=10_000)
    assert window.banner.text() == "The recent links cannot be shown."
    qtbot.mouseClick(window.banner.close_button, Qt.MouseButton.LeftButton)
    offered(qtbot, window)
    assert window.creator.idempotency_key == "key-from-last-run"
