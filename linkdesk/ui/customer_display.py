"""The customer display: a window for the screen the customer faces, full screen.

It holds only what the customer needs: the amount, the description, the QR code, "Scan
to pay" and a countdown that grows prominent near the end; an expired link says so
instead of showing a dead code, and between links it shows the shop's name (or nothing).
It is built from the link alone and never sees the key, the history or the menus, so
nothing of the merchant's can leak onto the customer's screen.

`CustomerDisplayController` opens it on the screen the cashier chose (remembered in the
settings), or else on a screen that is not showing the main window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QObject, QRect, QTimer, Signal, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QFont,
    QGuiApplication,
    QKeySequence,
    QResizeEvent,
    QScreen,
    QShortcut,
)
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QVBoxLayout, QWidget

from linkdesk.core.links import Environment, PaymentLink
from linkdesk.core.money import format_usd
from linkdesk.core.settings import CUSTOMER_SCREEN, SHOP_NAME, Settings
from linkdesk.ui import shortcuts
from linkdesk.ui.qr_widget import QrWidget
from linkdesk.ui.style import repolish

log = logging.getLogger(__name__)

UtcClock = Callable[[], datetime]

TITLE = "Scan to pay"
SCAN_TO_PAY = "Scan to pay"
EXPIRED = "This link has expired"
TEST_LINK = "Test link: no real money is taken"
# The countdown is a quiet line until this close to the end, then large.
URGENT = timedelta(minutes=2)
TICK_MS = 1000


def utc_now() -> datetime:
    return datetime.now(UTC)


def countdown_text(remaining: timedelta, expires_at: datetime, now: datetime) -> str:
    """'0:42 left' near the end, '12 minutes left' within the hour, else the clock time."""
    seconds = max(0, int(remaining.total_seconds() + 0.999))  # 0:00 only once it has ended
    if remaining <= URGENT:
        return f"{seconds // 60}:{seconds % 60:02d} left"
    if remaining < timedelta(hours=1):
        return f"{(seconds + 59) // 60} minutes left"
    local = expires_at.astimezone()
    today = now.astimezone().date()
    if local.date() == today:
        return f"Valid until {local:%H:%M}"
    return f"Valid until {local:%a} {local.day} {local:%b} {local:%H:%M}"


class CustomerDisplay(QWidget):
    """The window the customer sees. Give it a link, the shop's name, and a clock."""

    close_requested = Signal()

    def __init__(self, clock: UtcClock = utc_now, parent: QWidget | None = None) -> None:
        from PySide6.QtCore import Qt  # not at start: see linkdesk.ui.style

        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("customerDisplay")
        self.setWindowTitle(TITLE)
        self.setAccessibleName("Customer display")
        self.setAccessibleDescription("What the customer scans to pay")
        self._clock = clock
        self._link: PaymentLink | None = None
        self._shop_name = ""
        self._expired = False

        self.shop = self._label("displayShop", "Shop name")
        self.amount = self._label("displayAmount", "Amount to pay")
        self.description = self._label("displayDescription", "What the payment is for")
        self.description.setWordWrap(True)
        self.qr = QrWidget()
        self.qr.setObjectName("displayQr")
        self.scan = self._label("displayScan", SCAN_TO_PAY)
        self.scan.setText(SCAN_TO_PAY)
        self.countdown = self._label("displayCountdown", "Time left to pay")
        self.countdown.setProperty("urgent", False)
        self.expired = self._label("displayExpired", EXPIRED)
        self.expired.setText(EXPIRED)
        # A customer must not try to pay a sandbox link and wonder why nothing happens.
        self.test_note = self._label("displayTest", TEST_LINK)
        self.test_note.setText(TEST_LINK)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.setSpacing(8)
        layout.addStretch(1)
        layout.addWidget(self.shop)
        layout.addWidget(self.amount)
        layout.addWidget(self.description)
        layout.addWidget(self.qr, 100)
        layout.addWidget(self.expired)
        layout.addWidget(self.scan)
        layout.addWidget(self.countdown)
        layout.addWidget(self.test_note)
        layout.addStretch(1)

        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        for key in (shortcuts.CUSTOMER_DISPLAY, "Esc"):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(self.close_requested)
        self.setMinimumSize(320, 320)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self._render()

    def _label(self, name: str, accessible: str) -> QLabel:
        from PySide6.QtCore import Qt

        label = QLabel()
        label.setObjectName(name)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setAccessibleName(accessible)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Maximum)
        return label

    # What the window tells the display ---------------------------------------------

    @property
    def link(self) -> PaymentLink | None:
        return self._link

    @property
    def is_expired(self) -> bool:
        return self._expired

    def show_link(self, link: PaymentLink | None) -> None:
        """Follow this link (None: between links, the shop's name)."""
        self._link = link
        self._expired = False
        self._render()

    def set_shop_name(self, name: str) -> None:
        self._shop_name = name.strip()
        self._render()

    def tick(self) -> None:
        """Read the clock: move the countdown, and retire the code once the link expired."""
        link = self._link
        if link is None or link.expires_at is None:
            self._timer.stop()
            return
        now = self._clock()
        remaining = link.expires_at - now
        if remaining <= timedelta(0):
            if not self._expired:
                self._expired = True
                self._render()
            return
        urgent = remaining <= URGENT
        self.countdown.setText(countdown_text(remaining, link.expires_at, now))
        self.countdown.setAccessibleDescription(self.countdown.text())
        if self.countdown.property("urgent") != urgent:
            self.countdown.setProperty("urgent", urgent)
            repolish(self.countdown)
            self._fit_fonts()

    def _render(self) -> None:
        link = self._link
        showing = link is not None and not self._expired
        self.shop.setText(self._shop_name if link is None else "")
        self.shop.setVisible(link is None and bool(self._shop_name))
        self.amount.setText(format_usd(link.amount_usd) if link else "")
        self.amount.setVisible(link is not None)
        self.description.setText(link.description or "" if link else "")
        self.description.setVisible(bool(link and link.description))
        # An expired code is taken away, not just greyed: a phone would still read it.
        self.qr.setText(link.url if showing and link else "")
        self.qr.setVisible(showing)
        self.scan.setVisible(showing)
        self.expired.setVisible(link is not None and self._expired)
        self.test_note.setVisible(
            showing and link is not None and link.environment is Environment.SANDBOX
        )
        has_expiry = showing and link is not None and link.expires_at is not None
        self.countdown.setVisible(has_expiry)
        if not has_expiry:
            self.countdown.clear()
            self._timer.stop()
        else:
            self.tick()
            if not self._timer.isActive():
                self._timer.start()
        self._fit_fonts()

    def _fit_fonts(self) -> None:
        """Type sized by the window's height, so the same layout reads from 800×600 to 4K."""
        unit = max(self.height(), 320) / 100
        sizes = {
            self.shop: (9, True),
            self.amount: (9, True),
            self.description: (3.5, False),
            self.scan: (4, True),
            self.expired: (6, True),
            self.countdown: (6 if self.countdown.property("urgent") else 2.8, False),
            self.test_note: (2.8, True),
        }
        for label, (size, bold) in sizes.items():
            font = QFont(label.font())
            font.setPixelSize(max(12, round(size * unit)))
            font.setBold(bold)
            label.setFont(font)

    # Qt ------------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._fit_fonts()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._timer.stop()
        super().closeEvent(event)

    @Slot()
    def on_timer_timeout(self) -> None:
        self.tick()


class CustomerDisplayController(QObject):
    """Opens and closes the customer display, on the remembered screen, and feeds it."""

    toggled = Signal(bool)  # open or closed

    def __init__(
        self,
        settings: Settings,
        main_window: QWidget,
        *,
        clock: UtcClock = utc_now,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._main = main_window
        self._clock = clock
        self._link: PaymentLink | None = None
        self.display: CustomerDisplay | None = None
        self.toggle_action = shortcuts.make_action(
            main_window,
            "&Customer display",
            "Open or close the customer display, full screen",
            shortcuts.CUSTOMER_DISPLAY,
        )
        self.toggle_action.setCheckable(True)
        self.toggle_action.toggled.connect(self.on_toggle_action_toggled)
        self.screen_menu = QMenu("Customer display &screen", main_window)
        self.screen_menu.aboutToShow.connect(self.on_screen_menu_about_to_show)
        self._screen_group = QActionGroup(self)
        self._screen_group.triggered.connect(self.on_screen_group_triggered)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenRemoved.connect(self.on_app_screen_removed)

    @property
    def is_open(self) -> bool:
        return self.display is not None and self.display.isVisible()

    def target_screen(self) -> QScreen | None:
        """The chosen screen if it is connected; else one without the main window on it."""
        screens = QGuiApplication.screens()
        chosen = self._settings.get(CUSTOMER_SCREEN)
        for screen in screens:
            if chosen and screen.name() == chosen:
                return screen
        main_screen = self._main.screen()
        others = [s for s in screens if s is not main_screen]
        return others[0] if others else main_screen or QGuiApplication.primaryScreen()

    def open(self) -> CustomerDisplay:
        if self.display is None:
            self.display = CustomerDisplay(self._clock, self._main)
            self.display.close_requested.connect(self.close)
            self.display.set_shop_name(self._settings.get(SHOP_NAME))
            self.display.show_link(self._link)
        self._place(self.display)
        if not self.toggle_action.isChecked():
            self.toggle_action.setChecked(True)
        # The cashier goes on typing: the display must not take the keyboard focus.
        self._main.activateWindow()
        return self.display

    def _place(self, display: CustomerDisplay) -> None:
        screen = self.target_screen()
        if screen is not None:
            geometry: QRect = screen.geometry()
            display.setScreen(screen)
            # Without a window manager (a bare kiosk X server) full screen is only a
            # request; the geometry makes it so anyway.
            display.setGeometry(geometry)
            log.info("customer display on screen %s at %s", screen.name(), _rect(geometry))
        display.showFullScreen()

    @Slot()
    def close(self) -> None:
        if self.display is not None:
            self.display.hide()
        if self.toggle_action.isChecked():
            self.toggle_action.setChecked(False)
        # The focus belongs in the amount, not on the screen turned to the customer.
        self._main.activateWindow()

    def show_link(self, link: PaymentLink | None) -> None:
        self._link = link
        if self.display is not None:
            self.display.show_link(link)

    def set_shop_name(self, name: str) -> None:
        if self.display is not None:
            self.display.set_shop_name(name)

    def choose_screen(self, name: str) -> None:
        """Remember the screen (empty: automatic) and move an open display there."""
        self._settings.set(CUSTOMER_SCREEN, name)
        if self.is_open and self.display is not None:
            self.display.showNormal()
            self._place(self.display)

    def follow_settings(self) -> None:
        """The settings changed: the shop's name, and the screen of an open display."""
        if self.display is not None:
            self.display.set_shop_name(self._settings.get(SHOP_NAME))
            if self.is_open:
                self.display.showNormal()
                self._place(self.display)

    @Slot(bool)
    def on_toggle_action_toggled(self, checked: bool) -> None:
        if checked and not self.is_open:
            self.open()
        elif not checked and self.is_open:
            self.close()
        self.toggled.emit(checked)

    @Slot()
    def on_screen_menu_about_to_show(self) -> None:
        # Screens come and go (a monitor plugged in at the counter): listed when opened.
        self.screen_menu.clear()
        for action in self._screen_group.actions():
            self._screen_group.removeAction(action)
        chosen = self._settings.get(CUSTOMER_SCREEN)
        entries = [("", "&Automatic (a screen without this window)")]
        entries += [
            (s.name(), f"{s.name()} ({s.size().width()}×{s.size().height()})")
            for s in QGuiApplication.screens()
        ]
        for name, text in entries:
            action = QAction(text, self.screen_menu)
            action.setCheckable(True)
            action.setChecked(name == chosen)
            action.setData(name)
            self._screen_group.addAction(action)
            self.screen_menu.addAction(action)

    @Slot(QAction)
    def on_screen_group_triggered(self, action: QAction) -> None:
        self.choose_screen(str(action.data() or ""))

    @Slot(QScreen)
    def on_app_screen_removed(self, screen: QScreen) -> None:
        if self.is_open and self.display is not None and self.display.screen() is screen:
            self.display.showNormal()
            self._place(self.display)


def _rect(rect: QRect) -> str:
    return f"{rect.x()},{rect.y()} {rect.width()}x{rect.height()}"
