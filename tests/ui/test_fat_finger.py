"""The fat-finger guard: above the set amount Enter asks once, with the amount large."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from linkdesk.core.settings import CONFIRM_ABOVE_USD
from linkdesk.ui.confirm_amount import ConfirmAmountDialog


def enter_amount(qtbot, window, amount: str) -> None:
    qtbot.keyClicks(window.form.amount, amount)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)


def wait_for_question(qtbot, window) -> ConfirmAmountDialog:
    qtbot.waitUntil(lambda: window.amount_guard.dialog is not None)
    dialog = window.amount_guard.dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_above_the_default_it_asks_once_and_enter_creates(qtbot, window, emulator, api_key):
    assert window.services.settings.get(CONFIRM_ABOVE_USD) == 1000
    enter_amount(qtbot, window, "2999")
    dialog = wait_for_question(qtbot, window)
    assert dialog.question.text() == "Create a link for $2,999.00?"
    assert dialog.amount.text() == "$2,999.00"
    assert dialog.amount.font().pointSizeF() >= 2.5 * window.form.description.font().pointSizeF()
    assert emulator.links_created(api_key) == 0
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.create_button)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    assert window.result.amount.text() == "$2,999.00"
    assert emulator.links_created(api_key) == 1
    assert window.amount_guard.dialog is None


def test_esc_goes_back_to_the_amount_with_nothing_created(qtbot, window, emulator, api_key):
    enter_amount(qtbot, window, "1500")
    dialog = wait_for_question(qtbot, window)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.amount_guard.dialog is None)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.amount)
    assert window.form.amount.text() == "1500"  # kept, to correct
    assert emulator.links_created(api_key) == 0
    assert window.result.link is None


def test_at_or_below_the_amount_nothing_is_asked(qtbot, window):
    enter_amount(qtbot, window, "1000")
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    assert window.amount_guard.dialog is None


def test_the_amount_is_a_setting_and_none_never_asks(qtbot, window):
    window.services.settings.set(CONFIRM_ABOVE_USD, 50)
    enter_amount(qtbot, window, "60")
    dialog = wait_for_question(qtbot, window)
    assert dialog.question.text() == "Create a link for $60.00?"
    dialog.reject()
    qtbot.waitUntil(lambda: window.amount_guard.dialog is None)
    window.services.settings.set(CONFIRM_ABOVE_USD, None)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)


def test_a_confirmed_request_is_not_asked_about_again(qtbot, window, emulator, api_key):
    emulator.add_fault("500", count=4, route="POST /v1/payment-links")
    enter_amount(qtbot, window, "2500")
    wait_for_question(qtbot, window).accept()
    qtbot.waitUntil(lambda: not window.creator.busy, timeout=10_000)
    assert window.result.link is None  # the server failed
    # Enter again retries the same request: no second question.
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    assert window.amount_guard.dialog is None
    assert emulator.links_created(api_key) == 1
