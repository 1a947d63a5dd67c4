"""What the cashier can do with the link on screen: copy it or its QR code, save the code,
print the link, or send it by e-mail.

`ResultActions` owns the actions (for the menus, with their keys) and `ActionBar` shows
them as buttons under the result. The file dialog and the URL opener are passed in, so
tests answer them; print support, the QR renderings and the Qt classes that only an
action needs are imported on first use, not while the window starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from linkdesk.core.links import PaymentLink
from linkdesk.core.money import format_usd
from linkdesk.ui import shortcuts
from linkdesk.ui.lifetimes import Clock, local_now
from linkdesk.ui.style import set_enum_property

if TYPE_CHECKING:
    from PySide6.QtCore import QUrl

log = logging.getLogger(__name__)

PNG_FILTER = "PNG image (*.png)"
SVG_FILTER = "SVG image (*.svg)"
PNG_SCALE = 16  # pixels per module: sharp on a printed page or a web shop
SAVE_FAILED = "The QR code could not be saved to {path}: {reason}. Choose another folder."

SavePathAsker = Callable[[QWidget, str], str | None]
UrlOpener = Callable[["QUrl"], bool]


def open_in_desktop(url: QUrl) -> bool:
    """Open a URL with the desktop's program for it (the mail program for mailto:)."""
    from PySide6.QtGui import QDesktopServices

    return QDesktopServices.openUrl(url)


def ask_save_path(parent: QWidget, suggested: str) -> str | None:
    """The system's Save dialog; the path chosen (with .png or .svg) or None."""
    from PySide6.QtWidgets import QFileDialog

    path, chosen_filter = QFileDialog.getSaveFileName(
        parent, "Save the QR code", suggested, f"{PNG_FILTER};;{SVG_FILTER}"
    )
    if not path:
        return None
    if not path.lower().endswith((".png", ".svg")):
        path += ".svg" if chosen_filter == SVG_FILTER else ".png"
    return path


def suggested_name(link: PaymentLink) -> str:
    from PySide6.QtCore import QStandardPaths

    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    amount = f"{link.amount_usd:.2f}".replace(".", "-")
    return os.path.join(folder or os.path.expanduser("~"), f"payment-link-{amount}-usd.png")


def mailto(link: PaymentLink, now: datetime) -> QUrl:
    """A `mailto:` with the subject and body written, for the cashier's mail program."""
    from PySide6.QtCore import QUrl

    from linkdesk.ui.print_link import expiry_sentence

    amount = format_usd(link.amount_usd)
    subject = f"Payment link for {amount}"
    what = f" for {link.description}" if link.description else ""
    body = (
        f"Hello,\n\nyou can pay {amount}{what} with this link:\n\n{link.url}\n\n"
        f"{expiry_sentence(link, now)}\n"
    )
    text = f"mailto:?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
    return QUrl(text, QUrl.ParsingMode.StrictMode)


class ResultActions(QObject):
    """Copy URL, Copy QR image, Save QR, Print and Share by e-mail, for the current link."""

    message = Signal(str)  # for the status bar: what was done, or why not

    def __init__(
        self,
        parent_widget: QWidget,
        *,
        clock: Clock = local_now,
        save_path: SavePathAsker = ask_save_path,
        open_url: UrlOpener = open_in_desktop,
    ) -> None:
        super().__init__(parent_widget)
        self._widget = parent_widget
        self._clock = clock
        self.save_path = save_path
        self.open_url = open_url
        self._link: PaymentLink | None = None
        self.preview: QWidget | None = None

        make = shortcuts.make_action
        self.copy_url = make(
            parent_widget, "&Copy link", "Copy the link to the clipboard", shortcuts.COPY_URL
        )
        self.copy_qr = make(
            parent_widget,
            "Copy QR &image",
            "Copy the QR code to the clipboard as a picture",
            shortcuts.COPY_QR,
        )
        self.save_qr = make(
            parent_widget, "&Save QR code…", "Save the QR code as PNG or SVG", shortcuts.SAVE_QR
        )
        self.print_link = make(
            parent_widget, "&Print…", "Print the link on one page, with a preview", shortcuts.PRINT
        )
        self.share = make(
            parent_widget, "Share by &e-mail…", "Write an e-mail with the link", shortcuts.SHARE
        )
        self.copy_url.triggered.connect(self.on_copy_url_triggered)
        self.copy_qr.triggered.connect(self.on_copy_qr_triggered)
        self.save_qr.triggered.connect(self.on_save_qr_triggered)
        self.print_link.triggered.connect(self.on_print_link_triggered)
        self.share.triggered.connect(self.on_share_triggered)
        self.set_link(None)

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.copy_url, self.copy_qr, self.save_qr, self.print_link, self.share)

    @property
    def link(self) -> PaymentLink | None:
        return self._link

    def set_link(self, link: PaymentLink | None) -> None:
        self._link = link
        for action in self.actions:
            action.setEnabled(link is not None)
        if link is not None:
            from linkdesk.core import qr  # with the first link: not needed to start

            if qr.matrix_or_none(link.url) is None:
                # Copy link and e-mail still work; what carries the code does not.
                for action in (self.copy_qr, self.save_qr, self.print_link):
                    action.setEnabled(False)

    def qr_png(self) -> bytes:
        from linkdesk.core import qr

        assert self._link is not None
        return qr.to_png(qr.qr_matrix(self._link.url), PNG_SCALE)

    def save(self, path: str) -> bool:
        """Write the QR code to `path` (SVG for .svg, else PNG); say what happened."""
        from linkdesk.core import qr

        assert self._link is not None
        matrix = qr.qr_matrix(self._link.url)
        try:
            if path.lower().endswith(".svg"):
                with open(path, "w", encoding="utf-8") as file:
                    file.write(qr.to_svg(matrix))
            else:
                with open(path, "wb") as file:
                    file.write(qr.to_png(matrix, PNG_SCALE))
        except OSError as exc:
            self.message.emit(SAVE_FAILED.format(path=path, reason=exc.strerror or exc))
            return False
        self.message.emit(f"Saved the QR code to {path}.")
        return True

    def open_preview(self) -> QWidget | None:
        if self._link is None:
            return None
        # Print support is some megabytes of Qt: loaded the first time the cashier prints.
        from PySide6.QtCore import Qt

        from linkdesk.ui.print_link import PrintPreview

        if self.preview is not None:
            self.preview.close()
        preview = PrintPreview(self._link, self._clock(), self._widget)
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.destroyed.connect(self.on_preview_destroyed)
        self.preview = preview
        preview.open()
        return preview

    @Slot()
    def on_copy_url_triggered(self) -> None:
        if self._link is not None:
            QGuiApplication.clipboard().setText(self._link.url)
            self.message.emit("Copied the link to the clipboard.")

    @Slot()
    def on_copy_qr_triggered(self) -> None:
        if self._link is not None:
            from PySide6.QtGui import QImage

            QGuiApplication.clipboard().setImage(QImage.fromData(self.qr_png(), "PNG"))
            self.message.emit("Copied the QR code to the clipboard as a picture.")

    @Slot()
    def on_save_qr_triggered(self) -> None:
        if self._link is None:
            return
        path = self.save_path(self._widget, suggested_name(self._link))
        if path:
            self.save(path)

    @Slot()
    def on_print_link_triggered(self) -> None:
        self.open_preview()

    @Slot()
    def on_preview_destroyed(self) -> None:
        self.preview = None

    @Slot()
    def on_share_triggered(self) -> None:
        if self._link is None:
            return
        if self.open_url(mailto(self._link, self._clock())):
            self.message.emit("Opened an e-mail with the link in your mail program.")
        else:
            self.message.emit(
                "No mail program opened; copy the link (Ctrl+Shift+C) and paste it instead."
            )


class ActionBar(QWidget):
    """The result's buttons: one per action, each with its key in the tooltip."""

    def __init__(self, actions: tuple[QAction, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("resultActions")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons: list[QToolButton] = []
        for action in actions:
            button = QToolButton()
            button.setDefaultAction(action)
            set_enum_property(button, "toolButtonStyle", "ToolButtonTextOnly")
            button.setAccessibleName(action.text().replace("&", "").rstrip("…"))
            button.setAccessibleDescription(action.toolTip())
            # Tab reaches them; a click leaves the focus in the amount for the next customer.
            set_enum_property(button, "focusPolicy", "TabFocus")
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
