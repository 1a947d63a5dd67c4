"""ResultPane: the link's badge, amount, local expiry, URL and Copy."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from linkdesk.core.links import Environment, PaymentLink
from linkdesk.ui.result_pane import PLACEHOLDER, Badge, ResultPane, describe_expiry
from tests.ui.helpers import decode_qr

NOW = datetime(2026, 3, 3, 9, 0).astimezone()
LINK = PaymentLink(
    id="pl_1",
    url="https://pay.billing.io/pl_000000000000000000000001",
    amount_usd=Decimal("1234.5"),
    description="Invoice ‏42 ‎🧾",
    expires_at=None,
    environment=Environment.LIVE,
)


@pytest.mark.parametrize(
    ("expires_at", "text"),
    [
        (None, "No expiry"),
        (NOW.replace(hour=14, minute=35), "Expires 14:35 today"),
        (NOW.replace(hour=8, minute=5) + timedelta(days=1), "Expires 08:05 tomorrow"),
        (NOW + timedelta(days=7), "Expires Tue 10 Mar 09:00"),
        (NOW.replace(year=2027, month=1, day=2), "Expires Sat 2 Jan 2027 09:00"),
    ],
)
def test_the_expiry_is_told_in_local_time(expires_at, text):
    assert describe_expiry(expires_at, NOW) == text


@pytest.fixture
def local_zone(monkeypatch):
    """Run in another time zone (POSIX: TZ and tzset) and come back after."""

    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("zone", "expires_at", "text"),
    [
        ("Asia/Tokyo", datetime(9999, 12, 31, 23, tzinfo=UTC), "Expires Fri 31 Dec 9999 23:00 UTC"),
        ("America/New_York", datetime(1, 1, 1, 1, tzinfo=UTC), "Expires Mon 1 Jan 1 01:00 UTC"),
        ("Asia/Tokyo", datetime(9999, 12, 31, 12, tzinfo=UTC), "Expires Fri 31 Dec 9999 21:00"),
    ],
)
def test_an_expiry_past_the_last_local_date_is_told_in_utc(local_zone, zone, expires_at, text):
    # A link made with a lifetime of thousands of years ends there; Tokyo's clock reads
    # 10000-01-01 for it, which no date can hold.
    local_zone(zone)
    assert describe_expiry(expires_at, datetime(2026, 3, 3, 9, tzinfo=UTC)) == text


@pytest.fixture
def pane(qtbot) -> ResultPane:
    pane = ResultPane()
    qtbot.addWidget(pane)
    pane.resize(480, 560)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def test_an_empty_pane_says_what_will_appear(pane):
    assert pane.placeholder.isVisible()
    assert pane.placeholder.text() == PLACEHOLDER
    assert not pane.qr.isVisible()
    assert not pane.badge.isVisible()
    assert not pane.copy_button.isVisible()


def test_a_live_link_shows_live_its_amount_and_a_scannable_code(qtbot, pane):
    copied: list[str] = []
    pane.copied.connect(copied.append)
    pane.show_link(LINK, Environment.SANDBOX)  # the link's own environment wins
    assert pane.badge.text() == "LIVE"
    assert pane.badge.property("kind") == "live"
    assert pane.amount.text() == "$1,234.50"
    assert pane.expiry.text() == "No expiry"
    assert pane.description.text() == LINK.description
    assert pane.url.isReadOnly()
    assert pane.url.text() == LINK.url
    assert decode_qr(pane.qr) == [LINK.url]
    assert pane.qr.scale() >= 5
    pane.copy_button.click()
    assert QApplication.clipboard().text() == LINK.url
    assert copied == [LINK.url]
    pane.show_link(None)
    assert pane.link is None
    assert decode_qr(pane) == []


def test_a_new_badge_is_not_opened_as_a_window_of_its_own(qtbot):
    badge = Badge("DEMO")
    qtbot.addWidget(badge)
    assert badge.text() == "DEMO"
    assert badge.property("kind") == "demo"
    assert not badge.isVisible()
    # Restyled when its word changes once it is on screen.
    holder = QWidget()
    qtbot.addWidget(holder)
    QHBoxLayout(holder).addWidget(badge)
    holder.show()
    qtbot.waitExposed(holder)
    assert badge.isVisible()
    badge.set_word("LIVE")
    assert badge.property("kind") == "live"
    badge.set_word("")
    assert not badge.isVisible()
