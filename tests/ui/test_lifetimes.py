"""Lifetimes in plain words, the custom lifetime, and the method's limits before sending."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from linkdesk.core.links import LIFETIMES, PaymentMethod
from linkdesk.core.settings import CUSTOM_LIFETIME_MINUTES, LAST_LIFETIME, LIFETIME_IS_CUSTOM
from linkdesk.ui.lifetimes import NEVER, minutes_text, stops_working
from linkdesk.ui.link_form import CUSTOM_INDEX, LinkForm

NOW = datetime(2026, 3, 2, 14, 20).astimezone()
METHOD = PaymentMethod(
    "pm_base",
    "USDC on Base",
    "base",
    "USDC",
    "active",
    is_default=True,
    min_amount_usd=Decimal("5"),
    max_amount_usd=Decimal("500"),
)


@pytest.mark.parametrize(
    ("seconds", "sentence"),
    [
        (900, "The link stops working at 14:35 today."),
        (3600, "The link stops working at 15:20 today."),
        (86400, "The link stops working at 14:20 tomorrow."),
        (7 * 86400, "The link stops working on Mon 9 Mar at 14:20."),
        (None, NEVER),
    ],
)
def test_plain_words(seconds, sentence):
    assert stops_working(seconds, NOW) == sentence


def test_minutes_read_back():
    assert minutes_text(45) == "45 minutes"
    assert minutes_text(120) == "2 hours"
    assert minutes_text(1 * 1440 + 3 * 60 + 5) == "1 day 3 hours 5 minutes"


@pytest.fixture
def clock():
    moments = [NOW]
    return moments


@pytest.fixture
def form(qtbot, clock) -> LinkForm:
    widget = LinkForm(clock=lambda: clock[0])
    qtbot.addWidget(widget)
    widget.set_methods([METHOD])
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_line_under_the_picker_follows_the_choice_and_the_clock(form, clock):
    assert form.lifetime.currentText() == "15 minutes"
    assert form.lifetime_note.text() == "The link stops working at 14:35 today."
    assert form.lifetime_note.isVisible()
    form.lifetime.setCurrentIndex([choice.seconds for choice in LIFETIMES].index(3600))
    assert form.lifetime_note.text() == "The link stops working at 15:20 today."
    clock[0] = NOW + timedelta(minutes=10)
    form.on_lifetime_timer_timeout()  # what the form's refresh timer does
    assert form.lifetime_note.text() == "The link stops working at 15:30 today."


def test_a_custom_lifetime_of_at_least_five_minutes(qtbot, form):
    requests = []
    form.submitted.connect(requests.append)
    form.lifetime.setCurrentIndex(CUSTOM_INDEX)
    assert form.lifetime.currentText() == "Custom…"
    assert form.custom_minutes.isVisible()
    assert form.custom_minutes.minimum() == 5
    form.custom_minutes.setValue(2)  # refused by the box itself
    assert form.custom_minutes.value() == 5
    form.custom_minutes.setValue(40)
    assert form.selected_lifetime() == 2400
    assert form.lifetime_note.text() == "The link stops working at 15:00 today."
    qtbot.keyClicks(form.amount, "10")
    qtbot.keyClick(form.custom_minutes, Qt.Key.Key_Return)
    assert [r.lifetime for r in requests] == [2400]
    form.lifetime.setCurrentIndex(0)
    assert not form.custom_minutes.isVisible()
    assert form.selected_lifetime() == 300


def test_set_lifetime_takes_any_whole_number_of_minutes_as_custom(form):
    form.set_lifetime(45 * 60)
    assert form.lifetime_is_custom()
    assert form.custom_minutes.value() == 45
    form.set_lifetime(299)  # too short: ignored
    assert form.custom_minutes.value() == 45


def test_the_custom_lifetime_is_remembered_and_used_for_the_link(qtbot, open_window, services):
    first = open_window(services)
    first.form.lifetime.setCurrentIndex(CUSTOM_INDEX)
    first.form.custom_minutes.setValue(25)
    assert services.settings.get(LIFETIME_IS_CUSTOM) is True
    assert services.settings.get(CUSTOM_LIFETIME_MINUTES) == 25
    qtbot.keyClicks(first.form.amount, "12")
    qtbot.keyClick(first.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: first.result.link is not None, timeout=10_000)
    link = first.result.link
    assert link.expires_at - link.created_at == timedelta(minutes=25)
    first.close()

    second = open_window(services)
    assert second.form.lifetime_is_custom()
    assert second.form.custom_minutes.value() == 25
    second.form.lifetime.setCurrentIndex(2)
    assert services.settings.get(LIFETIME_IS_CUSTOM) is False
    assert services.settings.get(LAST_LIFETIME) == 3600


def test_the_methods_limits_are_checked_before_anything_is_sent(qtbot, window, emulator, api_key):
    form = window.form
    form.method.setCurrentIndex(form.method.findText("USDC on Base"))
    for amount, message in (("1", "at least $5.00"), ("501", "at most $500.00")):
        form.amount.clear()
        qtbot.keyClicks(form.amount, amount)
        qtbot.keyClick(form.amount, Qt.Key.Key_Return)
        assert message in form.amount_note.error
    assert emulator.links_created(api_key) == 0
    assert not window.creator.busy
