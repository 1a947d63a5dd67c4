"""`ResultPane`: the link just created, as the customer scans it and the cashier copies it.

The QR code takes most of the pane (it is scanned from across a counter); above it the
amount, the expiry in local time and a TEST or LIVE badge, below it the URL with a Copy
button.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from linkdesk.core.links import Environment, PaymentLink
from linkdesk.core.money import format_usd
from linkdesk.ui.lifetimes import NEAR_DAYS, local_day
from linkdesk.ui.qr_widget import QrWidget
from linkdesk.ui.style import repolish, set_enum_property, styled

PLACEHOLDER = "The payment link and its QR code appear here."


def describe_expiry(expires_at: datetime | None, now: datetime | None = None) -> str:
    """'Expires 14:35 today', 'Expires 09:10 tomorrow', 'Expires Mon 3 Mar 14:35' (local time).

    An expiry whose local time falls beyond 31 December 9999 (or before year 1), which no
    date can name, is told in UTC, as billing.io sent it: 'Expires Fri 31 Dec 9999 23:00
    UTC' east of Greenwich.
    """
    if expires_at is None:
        return "No expiry"
    try:
        clock, day = local_day(expires_at, now or datetime.now().astimezone())
    except (OverflowError, ValueError):
        moment = expires_at
        with suppress(OverflowError, ValueError):  # else beyond UTC's calendar too: as it is
            moment = expires_at.astimezone(UTC)
        return f"Expires {moment:%a} {moment.day} {moment:%b} {moment.year} {moment:%H:%M} UTC"
    return f"Expires {clock} {day}" if day in NEAR_DAYS else f"Expires {day} {clock}"


class Badge(QLabel):
    """A small coloured word: TEST, LIVE or DEMO."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("badge")
        styled(self)
        set_enum_property(self, "alignment", "AlignCenter")
        # Fixed: in a row of taller widgets the badge keeps its size, centred.
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._show_word(text, polished=False)
        if not text:
            # Not setVisible(True) here: a badge without a parent yet would open as a
            # window of its own.
            self.hide()

    def set_word(self, text: str) -> None:
        self._show_word(text)
        self.setVisible(bool(text))

    def _show_word(self, text: str, *, polished: bool = True) -> None:
        self.setText(text)
        self.setAccessibleName(f"{text} badge" if text else "")
        if self.property("kind") != text.lower():
            self.setProperty("kind", text.lower())
            if polished:  # a badge being built is styled when first shown
                repolish(self)


class ResultPane(QWidget):
    """Shows one payment link: badge, amount, expiry, QR code, URL and Copy."""

    copied = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultPane")
        self._link: PaymentLink | None = None
        self.actions_bar: QWidget | None = None

        self.badge = Badge()
        self.amount = QLabel()
        self.amount.setObjectName("resultAmount")
        font = QFont(self.amount.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.amount.setFont(font)
        set_enum_property(self.amount, "textInteractionFlags", "TextSelectableByMouse")
        self.expiry = QLabel()
        self.expiry.setObjectName("resultExpiry")
        self.description = QLabel()
        self.description.setObjectName("resultDescription")
        set_enum_property(self.description, "textFormat", "PlainText")
        self.description.setWordWrap(True)
        self.description.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.qr = QrWidget()
        self.placeholder = QLabel(PLACEHOLDER)
        self.placeholder.setObjectName("resultPlaceholder")
        styled(self.placeholder)
        set_enum_property(self.placeholder, "alignment", "AlignCenter")
        self.placeholder.setWordWrap(True)

        self.url = QLineEdit()
        self.url.setObjectName("resultUrl")
        self.url.setReadOnly(True)
        self.url.setAccessibleName("Payment link address")
        self.url.setAccessibleDescription("The address of the link, to select or copy")
        self.url_label = QLabel("Lin&k")
        self.url_label.setBuddy(self.url)
        self.copy_button = QPushButton("C&opy")
        self.copy_button.setObjectName("copyButton")
        self.copy_button.setAutoDefault(False)
        self.copy_button.setToolTip("Copy the link to the clipboard (Ctrl+Shift+C)")
        self.copy_button.setAccessibleName("Copy link")
        self.copy_button.setAccessibleDescription("Copy the link to the clipboard (Ctrl+Shift+C)")
        # A click must not pull focus out of the amount field: the next customer is next.
        set_enum_property(self.copy_button, "focusPolicy", "TabFocus")

        # The labels fill the row's height with their text centred; the badge is centred
        # by its fixed size.
        header = QHBoxLayout()
        header.addWidget(self.badge)
        header.addWidget(self.amount)
        header.addStretch(1)
        header.addWidget(self.expiry)

        url_row = QHBoxLayout()
        url_row.addWidget(self.url_label)
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.copy_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.description)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.placeholder, 1)
        layout.addLayout(url_row)
        self._layout = layout

        self.copy_button.clicked.connect(self.on_copy_button_clicked)
        self.show_link(None)

    @property
    def link(self) -> PaymentLink | None:
        return self._link

    def add_actions(self, bar: QWidget) -> None:
        """A row of buttons under the address (the window's result actions), shown with it."""
        self.actions_bar = bar
        self._layout.addWidget(bar)
        bar.setVisible(self._link is not None)

    def show_link(self, link: PaymentLink | None, environment: Environment | None = None) -> None:
        """Show a link (None: the empty pane); `environment` is the key's, used when the
        link does not say which it belongs to."""
        self._link = link
        has_link = link is not None
        for widget in (self.amount, self.expiry, self.url, self.url_label, self.copy_button):
            widget.setVisible(has_link)
        if self.actions_bar is not None:
            self.actions_bar.setVisible(has_link)
        self.qr.setVisible(has_link)
        self.placeholder.setVisible(not has_link)
        if link is None:
            self.badge.set_word("")
            self.qr.clear()
            self.url.clear()
            self.description.hide()
            return
        shown = link.environment or environment
        self.badge.set_word(shown.badge if shown else "")
        self.amount.setText(format_usd(link.amount_usd))
        self.expiry.setText(describe_expiry(link.expires_at))
        self.description.setText(link.description or "")
        self.description.setVisible(bool(link.description))
        self.url.setText(link.url)
        self.url.setCursorPosition(0)
        self.qr.setText(link.url)

    def copy(self) -> None:
        if self._link is None:
            return
        QGuiApplication.clipboard().setText(self._link.url)
        self.copied.emit(self._link.url)

    @Slot()
    def on_copy_button_clicked(self) -> None:
        self.copy()
