"""LinkForm on its own: inline validation, methods, Enter, and hostile input."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from linkdesk.core.errors import FieldError, InvalidInput
from linkdesk.core.links import LIFETIMES, MAX_DESCRIPTION, LinkRequest, PaymentMethod
from linkdesk.ui.link_form import (
    DESCRIPTION_CUT,
    LOADING_METHODS,
    NO_METHODS,
    WAIT_FOR_METHODS,
    WAITING_FOR_METHODS,
    LinkForm,
)

METHODS = [
    PaymentMethod("pm_tron", "USDT on Tron", "tron", "USDT", "active", is_default=False),
    PaymentMethod(
        "pm_base",
        "USDC on Base",
        "base",
        "USDC",
        "active",
        is_default=True,
        min_amount_usd=Decimal("5"),
        max_amount_usd=Decimal("500"),
    ),
    PaymentMethod("pm_arb", None, "arbitrum", "USDC", "disabled"),
]


@pytest.fixture
def form(qtbot) -> LinkForm:
    form = LinkForm()
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.set_methods(METHODS)
    form.focus_amount()
    return form


def submitted(qtbot, form: LinkForm) -> list[LinkRequest]:
    requests: list[LinkRequest] = []
    form.submitted.connect(requests.append)
    return requests


def test_methods_show_loading_then_the_active_ones_with_the_default_chosen(qtbot):
    form = LinkForm()
    qtbot.addWidget(form)
    assert form.method.currentText() == LOADING_METHODS
    assert not form.method.isEnabled()
    assert not form.methods_ready
    form.set_methods(METHODS)
    assert [form.method.itemText(i) for i in range(form.method.count())] == [
        "USDT on Tron",
        "USDC on Base",
    ]
    assert form.method.currentText() == "USDC on Base"
    assert form.method_note.text() == "Takes $5.00 to $500.00."
    form.method.setCurrentIndex(0)
    assert form.method_note.text() == ""
    # A reload keeps the cashier's choice when it is still offered.
    form.set_methods(METHODS)
    assert form.method.currentText() == "USDT on Tron"


def test_a_failed_method_load_shows_the_error_and_retry(qtbot, form):
    retries: list[bool] = []
    form.methods_retry_requested.connect(lambda: retries.append(True))
    form.set_methods_failed("billing.io could not be reached; check the internet connection.")
    assert form.method_retry.isVisible()
    assert form.method_note.error.startswith("billing.io could not be reached")
    qtbot.mouseClick(form.method_retry, Qt.MouseButton.LeftButton)
    assert retries == [True]
    form.set_methods([])
    assert form.method_note.error == NO_METHODS


def test_an_untouched_empty_amount_is_not_an_error_until_enter(qtbot, form):
    requests = submitted(qtbot, form)
    assert form.amount_note.error == ""
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert requests == []
    assert form.amount_note.error == "Enter an amount, such as 29.99."


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "Type the amount as a number, such as 29.99."),
        ("29.9999", "Use at most two decimals, such as 29.99."),
        (
            "29.999",
            "Is that a thousands separator or a decimal point? Type 1234 or 1.23, not 1.234.",
        ),
        ("-5", "The amount cannot be negative."),
        ("0", "The amount must be at least 0.01."),
        ("1", "USDC on Base takes at least $5.00."),
        ("501", "USDC on Base takes at most $500.00."),
    ],
)
def test_bad_amounts_are_named_as_they_are_typed(qtbot, form, typed, message):
    qtbot.keyClicks(form.amount, typed)
    assert form.amount_note.error == message
    assert form.amount_note.isVisible()
    qtbot.keyClick(form.amount, Qt.Key.Key_Backspace)
    qtbot.keyClicks(form.amount, typed[-1])
    assert form.amount_note.error == message


def test_enter_anywhere_in_the_form_submits_a_valid_request(qtbot, form):
    requests = submitted(qtbot, form)
    qtbot.keyClicks(form.amount, "29,99")
    assert form.amount_note.error == ""
    form.description.setText("Coffee ☕ for table 4")
    for widget in (form.amount, form.description, form.method, form.lifetime):
        qtbot.keyClick(widget, Qt.Key.Key_Return)
    assert len(requests) == 4
    assert requests[0] == LinkRequest(Decimal("29.99"), "pm_base", "Coffee ☕ for table 4", 900)


def test_no_submit_while_busy_and_escape_cancels(qtbot, form):
    requests = submitted(qtbot, form)
    cancels: list[bool] = []
    form.cancel_requested.connect(lambda: cancels.append(True))
    qtbot.keyClicks(form.amount, "10")
    form.set_busy(True)
    assert form.busy_row.isVisible()
    assert not form.fields.isEnabled()
    assert not form.submit()
    qtbot.keyClick(form, Qt.Key.Key_Return)
    qtbot.keyClick(form.cancel_button, Qt.Key.Key_Escape)
    assert requests == []
    assert cancels == [True]
    form.set_busy(False)
    assert form.amount.hasFocus()
    assert form.amount.text() == "10"


def test_the_description_counts_down_and_a_long_paste_is_cut_and_said(qtbot, form):
    qtbot.keyClicks(form.description, "Table 4")
    assert form.description_note.text() == f"{MAX_DESCRIPTION - 7} characters left"
    form.description.clear()
    QApplication.clipboard().setText("x" * 600)
    form.description.setFocus()
    form.description.paste()
    assert len(form.description.text()) == MAX_DESCRIPTION
    assert form.description_note.error == DESCRIPTION_CUT
    qtbot.keyClick(form.description, Qt.Key.Key_Backspace)
    assert form.description_note.error == ""
    assert form.description_note.text() == "1 character left"


@pytest.mark.parametrize(("pasted", "kept", "cut"), [(400, 400, False), (600, 512, True)])
def test_emoji_count_as_one_character_each(qtbot, form, pasted: int, kept: int, cut: bool):
    # Each is two UTF-16 units in the field, one character to billing.io.
    QApplication.clipboard().setText("🧾" * pasted)
    form.description.setFocus()
    form.description.paste()
    assert form.description.text() == "🧾" * kept
    assert form.description_note.error == (DESCRIPTION_CUT if cut else "")
    if not cut:
        assert form.description_note.text() == f"{MAX_DESCRIPTION - kept} characters left"


def test_a_ten_megabyte_paste_does_not_freeze_the_form(qtbot, form):
    QApplication.clipboard().setText("0123456789" * 1_000_000)
    form.description.setFocus()
    started = time.monotonic()
    form.description.paste()
    qtbot.keyClick(form.description, Qt.Key.Key_End)
    form.repaint()
    assert time.monotonic() - started < 2
    assert len(form.description.text()) == MAX_DESCRIPTION
    assert form.description_note.error == DESCRIPTION_CUT


@pytest.mark.parametrize(
    "text",
    [
        "line one\nline two\ttab\x00nul\x1bescape",
        "שלום עולם مرحبا ‮reversed‬",
        "🧾💸👩🏽‍💻 emoji 🇺🇦",
        "\u200b" * 100,
    ],
)
def test_control_characters_rtl_and_emoji_are_taken_in_stride(qtbot, form, text):
    requests = submitted(qtbot, form)
    qtbot.keyClicks(form.amount, "12")
    form.description.insert(text)
    form.repaint()
    assert form.submit()
    sent = requests[0].description or ""
    assert "\x00" not in sent
    assert "\u202e" not in sent
    assert "\n" not in sent


def test_failures_from_billing_io_are_shown_beside_their_field(qtbot, form):
    qtbot.keyClicks(form.amount, "42")
    error = FieldError("The description was refused.", status=400, param="description")
    assert form.show_error(error)
    assert form.description_note.error == "The description was refused."
    assert form.description.hasFocus()
    assert not form.show_error(FieldError("Something else.", status=400, param=None))
    invalid = InvalidInput({"amount_usd": "Enter an amount, such as 29.99."})
    assert form.show_error(invalid)
    assert form.amount_note.error == "Enter an amount, such as 29.99."
    # Everything typed is still there.
    assert form.amount.text() == "42"


def test_the_lifetime_offers_every_preset_and_reports_a_choice(qtbot, form):
    chosen: list[int | None] = []
    form.lifetime_chosen.connect(chosen.append)
    assert [form.lifetime.itemText(i) for i in range(form.lifetime.count())] == [
        *(lifetime.label for lifetime in LIFETIMES),
        "Custom…",
    ]
    form.set_lifetime(None)
    assert chosen == []  # set by the window, not chosen by the cashier
    assert form.selected_lifetime() is None
    form.lifetime.setCurrentIndex(0)
    assert chosen == [300]


def test_labels_have_mnemonics_and_buddies(form):
    from PySide6.QtWidgets import QLabel

    buddies = {label.text(): label.buddy() for label in form.findChildren(QLabel) if label.buddy()}
    assert buddies == {
        "&Amount (USD)": form.amount,
        "&Payment method": form.method,
        "&Description": form.description,
        "&Lifetime": form.lifetime,
    }


@pytest.fixture
def loading_form(qtbot) -> LinkForm:
    """A form shown before its payment methods have arrived."""
    form = LinkForm()
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    form.focus_amount()
    return form


def test_enter_while_the_methods_load_waits_for_them_then_submits_with_the_default(
    qtbot, loading_form
):
    form = loading_form
    requests = submitted(qtbot, form)
    qtbot.keyClicks(form.amount, "10")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert requests == []
    assert form.waiting
    assert form.busy_label.text() == WAITING_FOR_METHODS
    assert form.busy_row.isVisible()
    assert not form.fields.isEnabled()
    assert form.method_note.error == ""
    # A second Enter while waiting is the same request, not a second one.
    qtbot.keyClick(form, Qt.Key.Key_Return)
    assert not form.submit()

    form.set_methods(METHODS)
    assert [(r.amount, r.payment_method_id) for r in requests] == [(Decimal("10"), "pm_base")]
    assert not form.waiting


def test_an_amount_the_default_method_refuses_is_named_when_the_methods_arrive(qtbot, loading_form):
    form = loading_form
    requests = submitted(qtbot, form)
    qtbot.keyClicks(form.amount, "600")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert form.waiting
    form.set_methods(METHODS)
    assert requests == []
    assert not form.waiting
    assert form.amount_note.error == "USDC on Base takes at most $500.00."
    assert form.amount.text() == "600"
    assert form.focusWidget() is form.amount


def test_a_failed_load_drops_the_waiting_enter_and_keeps_what_was_typed(qtbot, loading_form):
    form = loading_form
    requests = submitted(qtbot, form)
    qtbot.keyClicks(form.amount, "10")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    form.set_methods_failed("billing.io could not be reached; check the internet connection.")
    assert not form.waiting
    assert form.fields.isEnabled()
    assert not form.busy_row.isVisible()
    assert form.method_note.error.startswith("billing.io could not be reached")
    assert form.amount.text() == "10"
    form.set_methods(METHODS)
    assert requests == []


def test_escape_stops_waiting_without_asking_to_cancel_a_create(qtbot, loading_form):
    form = loading_form
    requests = submitted(qtbot, form)
    cancels: list[bool] = []
    form.cancel_requested.connect(lambda: cancels.append(True))
    qtbot.keyClicks(form.amount, "10")
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    qtbot.keyClick(form.cancel_button, Qt.Key.Key_Escape)
    assert not form.waiting
    assert cancels == []
    assert form.focusWidget() is form.amount
    form.set_methods(METHODS)
    assert requests == []
    assert form.amount.text() == "10"


def test_enter_with_a_bad_amount_while_the_methods_load_names_the_amount(qtbot, loading_form):
    form = loading_form
    qtbot.keyClick(form.amount, Qt.Key.Key_Return)
    assert not form.waiting
    assert form.amount_note.error
    assert form.method_note.error == WAIT_FOR_METHODS


def test_the_retry_button_hands_its_focus_to_the_amount_when_the_methods_arrive(
    qtbot, loading_form
):
    form = loading_form
    form.set_methods_failed("billing.io could not be reached; check the internet connection.")
    form.method_retry.setFocus()
    assert form.focusWidget() is form.method_retry
    form.set_methods_loading()
    assert form.focusWidget() is form.amount


def test_the_chosen_method_stays_chosen_when_the_methods_load_again(form):
    """Retry, or the key saved again: the list is emptied while it loads."""
    form.method.setCurrentIndex(form.method.findData("pm_tron"))
    form.set_methods_loading()
    assert form.selected_method() is None
    form.set_methods(METHODS)
    assert form.selected_method().id == "pm_tron"
