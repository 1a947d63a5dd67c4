"""The customer display: what it shows, what it never holds, and expiry under a test clock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QLineEdit, QMenu, QMenuBar, QWidget

from linkdesk.core.links import Environment, PaymentLink
from linkdesk.core.settings import CUSTOMER_SCREEN, SHOP_NAME
from linkdesk.ui.customer_display import EXPIRED, SCAN_TO_PAY, TEST_LINK, CustomerDisplay
from tests.ui.helpers import Clock, decode_qr

START = datetime(2026, 3, 2, 13, 20, tzinfo=UTC)
LINK = PaymentLink(
    id="pl_display0001",
    url="https://pay.billing.io/pl_display0001",
    amount_usd=Decimal("29.99"),
    description="Two coffees",
    expires_at=START + timedelta(minutes=15),
)


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
def display(qtbot, clock) -> CustomerDisplay:
    widget = CustomerDisplay(clock)
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def shown_texts(widget: QWidget) -> list[str]:
    return [
        w.text()
        for w in widget.findChildren(QWidget)
        if w.isVisibleTo(widget) and hasattr(w, "text") and callable(w.text) and w.text()
    ]


def test_it_shows_the_amount_description_code_scan_to_pay_and_time_left(display):
    display.show_link(LINK)
    assert display.amount.text() == "$29.99"
    assert display.description.text() == "Two coffees"
    assert display.scan.text() == SCAN_TO_PAY
    assert display.countdown.text() == "15 minutes left"
    assert display.countdown.property("urgent") is False
    assert sorted(shown_texts(display)) == sorted(
        ["$29.99", "Two coffees", SCAN_TO_PAY, "15 minutes left", LINK.url]
    )
    assert decode_qr(display) == [LINK.url]
    # The amount is the largest text, and the code takes most of the screen.
    assert display.amount.font().pixelSize() > display.countdown.font().pixelSize()
    assert display.qr.code_rect().height() >= 0.55 * display.height()


def test_a_sandbox_link_tells_the_customer_no_real_money_is_taken(display):
    display.show_link(dataclasses.replace(LINK, environment=Environment.SANDBOX))
    assert TEST_LINK in shown_texts(display)
    display.show_link(dataclasses.replace(LINK, environment=Environment.LIVE))
    assert TEST_LINK not in shown_texts(display)


def test_the_countdown_grows_prominent_near_the_end_and_the_link_expires(display, clock):
    display.show_link(LINK)
    quiet = display.countdown.font().pixelSize()
    clock.advance(minutes=13, seconds=1)
    display.tick()
    assert display.countdown.text() == "1:59 left"
    assert display.countdown.property("urgent") is True
    assert display.countdown.font().pixelSize() > 1.5 * quiet
    assert decode_qr(display) == [LINK.url]

    clock.advance(seconds=118)
    display.tick()
    assert display.countdown.text() == "0:01 left"
    clock.advance(seconds=1)
    display.tick()
    assert display.is_expired
    assert display.expired.text() == EXPIRED
    assert display.expired.isVisible()
    # No dead code for a phone to read: it is gone, and so is "Scan to pay".
    assert not display.qr.isVisible()
    assert display.qr.text() == ""
    assert decode_qr(display) == []
    assert EXPIRED in shown_texts(display)
    assert SCAN_TO_PAY not in shown_texts(display)


def test_a_link_without_expiry_has_no_countdown(display):
    display.show_link(
        PaymentLink(id="pl_x", url="https://pay.billing.io/pl_x", amount_usd=Decimal(1))
    )
    assert not display.countdown.isVisible()
    assert decode_qr(display) == ["https://pay.billing.io/pl_x"]


def test_between_links_it_shows_the_shop_name_or_nothing(display):
    display.show_link(None)
    assert shown_texts(display) == []
    display.set_shop_name("Corner Café")
    assert shown_texts(display) == ["Corner Café"]
    display.show_link(LINK)
    assert "Corner Café" not in shown_texts(display)
    display.show_link(None)
    assert shown_texts(display) == ["Corner Café"]


def every_string_in(root: QWidget) -> list[str]:
    """Everything the display's widget tree could show or announce."""
    strings = [root.windowTitle(), root.accessibleName(), root.accessibleDescription()]
    for obj in [root, *root.findChildren(QObject)]:
        if isinstance(obj, QWidget):
            strings += [
                obj.windowTitle(),
                obj.toolTip(),
                obj.statusTip(),
                obj.whatsThis(),
                obj.accessibleName(),
                obj.accessibleDescription(),
                obj.objectName(),
            ]
            for getter in ("text", "placeholderText", "currentText"):
                value = getattr(obj, getter, None)
                if callable(value):
                    strings.append(str(value()))
        if isinstance(obj, QAction):
            strings += [obj.text(), obj.toolTip(), obj.statusTip()]
    return [s for s in strings if s]


def test_the_display_holds_nothing_of_the_merchants(qtbot, window, api_key):
    # Two links: the display follows the second; the first is history now.
    qtbot.keyClicks(window.form.amount, "11")
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    first = window.result.link
    window.form.description.setText("Table 4")
    qtbot.keyClicks(window.form.amount, "22")
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not first, timeout=10_000)
    current = window.result.link
    qtbot.keyClick(window.form.amount, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.customer.is_open)
    display = window.customer.display
    assert display.link == current
    assert decode_qr(display) == [current.url]

    merchant = {
        api_key,
        api_key[-8:],
        first.url,
        first.id,
        "$11.00",
        current.id,
        *(window.form.method.itemData(i) for i in range(window.form.method.count())),
        *(window.form.method.itemText(i) for i in range(window.form.method.count())),
        "TEST",
        "LIVE",
        "DEMO",
        window.services.api_base,
        window.windowTitle(),
    }
    merchant = {m for m in merchant if m}
    strings = every_string_in(display)
    for secret in merchant:
        # The current link's address is in its QR code by design; nothing else may be.
        leaks = [s for s in strings if secret in s.replace(current.url, "")]
        assert leaks == [], f"{secret!r} is on the customer display: {leaks}"
    # Nothing to operate: no menus, no buttons, no fields, no history.
    assert display.findChildren(QMenuBar) == []
    assert display.findChildren(QMenu) == []
    assert display.findChildren(QAbstractButton) == []
    assert display.findChildren(QLineEdit) == []
    assert not any("history" in type(w).__name__.lower() for w in display.findChildren(QWidget))
    # Its own words are only the customer's (a sandbox key: the link cannot take money).
    assert sorted(shown_texts(display)) == sorted(
        ["$22.00", "Table 4", SCAN_TO_PAY, display.countdown.text(), TEST_LINK, current.url]
    )


def test_the_screen_choice_is_remembered_and_used(qtbot, window):
    screens = QGuiApplication.screens()
    controller = window.customer
    controller.screen_menu.aboutToShow.emit()
    entries = [a.text() for a in controller.screen_menu.actions()]
    assert entries[0].startswith("&Automatic")
    assert len(entries) == 1 + len(screens)
    controller.screen_menu.actions()[1].trigger()
    assert window.services.settings.get(CUSTOMER_SCREEN) == screens[0].name()
    assert controller.target_screen() is screens[0]
    display = controller.open()
    qtbot.waitExposed(display)
    assert display.screen() is screens[0]
    assert display.geometry() == screens[0].geometry()
    # A screen unplugged since: the display goes where it can rather than nowhere.
    window.services.settings.set(CUSTOMER_SCREEN, "HDMI-gone")
    assert controller.target_screen() in screens
    controller.close()
    assert not display.isVisible()


def test_the_shop_name_setting_reaches_an_open_display(qtbot, window):
    display = window.customer.open()
    window.services.settings.set(SHOP_NAME, "Corner Café")
    window.on_settings_dialog_applied()
    assert display.shop.text() == "Corner Café"
    window.customer.close()


def test_closing_the_window_closes_the_display(qtbot, window):
    display = window.customer.open()
    qtbot.waitExposed(display)
    window.close()
    assert not display.isVisible()
