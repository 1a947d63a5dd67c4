"""A payment link on paper: one page with amount, description, QR code, address and expiry.

Imported when the cashier first prints (QtPrintSupport is not needed to show the window).
The page is painted by `paint_page`, the same for the preview, the printer and the tests;
the QR modules are whole device pixels, black on white with their quiet zone, like on
screen.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QMarginsF, QRect, QRectF, Qt, Slot
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QWidget

from linkdesk.core.links import Environment, PaymentLink
from linkdesk.core.money import format_usd
from linkdesk.ui.customer_display import TEST_LINK
from linkdesk.ui.lifetimes import when

SCAN_TO_PAY = "Scan to pay"


def expiry_sentence(link: PaymentLink, now: datetime) -> str:
    if link.expires_at is None:
        return "This link does not expire."
    return f"The link stops working {when(link.expires_at, now)}."


def paint_qr(painter: QPainter, area: QRect, text: str) -> QRect:
    """The QR code of `text`, as large as fits in `area` at a whole number of device pixels
    per module, centred; where it was painted (quiet zone included)."""
    from linkdesk.core import qr

    matrix = qr.qr_matrix(text)
    side_modules = matrix.size + 2 * qr.QUIET_ZONE
    scale = max(1, min(area.width(), area.height()) // side_modules)
    side = side_modules * scale
    left = area.left() + (area.width() - side) // 2
    top = area.top() + (area.height() - side) // 2
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.fillRect(QRect(left, top, side, side), QColor(255, 255, 255))
    black = QColor(0, 0, 0)
    for row, modules in enumerate(matrix.rows):
        for col, dark in enumerate(modules):
            if dark:
                x = left + (col + qr.QUIET_ZONE) * scale
                y = top + (row + qr.QUIET_ZONE) * scale
                painter.fillRect(QRect(x, y, scale, scale), black)
    painter.restore()
    return QRect(left, top, side, side)


def page_texts(link: PaymentLink, now: datetime) -> tuple[list[str], list[str]]:
    """The lines printed above the code and below it."""
    above = [SCAN_TO_PAY, format_usd(link.amount_usd)]
    if link.description:
        above.append(link.description)
    below = [link.url, expiry_sentence(link, now)]
    if link.environment is Environment.SANDBOX:
        below.append(TEST_LINK)  # a test link on paper looks payable otherwise
    return above, below


def paint_page(painter: QPainter, page: QRect, link: PaymentLink, now: datetime) -> None:
    """Lay one link out on a page (in device pixels): text above and below a large code."""
    unit = page.height() / 100  # one hundredth of the page height: sizes follow the page
    painter.save()
    painter.fillRect(page, QColor(255, 255, 255))
    painter.setPen(QColor(0, 0, 0))
    top = page.top()

    def text_block(text: str, size: float, *, bold: bool = False, height: float) -> None:
        nonlocal top
        font = QFont()
        font.setPixelSize(max(1, round(size * unit)))
        font.setBold(bold)
        painter.setFont(font)
        box = QRectF(page.left(), top, page.width(), height * unit)
        flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(box, int(flags) | int(Qt.TextFlag.TextWordWrap), text)
        top += round(height * unit)

    above, below = page_texts(link, now)
    text_block(above[0], 2.2, height=4)
    text_block(above[1], 6, bold=True, height=9)
    if len(above) > 2:
        text_block(above[2], 2.2, height=7)
    code_height = round(page.height() * 0.55)
    paint_qr(painter, QRect(page.left(), round(top), page.width(), code_height), link.url)
    top += code_height + unit
    text_block(below[0], 1.6, height=6)
    text_block(below[1], 2, height=4)
    if len(below) > 2:
        text_block(below[2], 2, bold=True, height=4)
    painter.restore()


class PrintPreview(QPrintPreviewDialog):
    """The print preview of one link; Print in it sends the page to the printer."""

    def __init__(self, link: PaymentLink, now: datetime, parent: QWidget | None = None) -> None:
        self.printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        self.printer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(15, 15, 15, 15),
            )
        )
        self.printer.setDocName(f"Payment link {format_usd(link.amount_usd)}")
        super().__init__(self.printer, parent)
        self.link = link
        self.now = now
        self.setWindowTitle(f"Print the payment link for {format_usd(link.amount_usd)}")
        self.setAccessibleName("Print preview")
        self.setAccessibleDescription("One page with the amount, QR code, address and expiry")
        self.paintRequested.connect(self.on_paint_requested)

    @Slot(QPrinter)
    def on_paint_requested(self, printer: QPrinter) -> None:
        painter = QPainter(printer)
        page = printer.pageLayout().paintRectPixels(printer.resolution())
        paint_page(painter, QRect(0, 0, page.width(), page.height()), self.link, self.now)
        painter.end()
