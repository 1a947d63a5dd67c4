"""`QrWidget`: a link's QR code, black on white with its quiet zone, crisp at any size.

Modules are painted at the largest whole number of pixels that fits, centred, so a phone
across the counter sees sharp squares rather than blurred ones; the colours are fixed
(black on white) because a dark theme's light-on-dark QR codes many scanners refuse.

The code is painted while the customer waits for it, so the widget keeps it as an image
of one pixel per module, quiet zone included, made when the text is set; a paint is
then one unsmoothed drawImage at a whole-number scale, which keeps every module an exact
square of pixels.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:
    from linkdesk.core.qr import QrMatrix

# Format_RGB32 pixels are 0xffRRGGBB words in the machine's byte order.
_DARK_PIXEL = (0xFF000000).to_bytes(4, sys.byteorder)
_LIGHT_PIXEL = (0xFFFFFFFF).to_bytes(4, sys.byteorder)


class QrWidget(QWidget):
    """Shows the QR code of one text (a payment link's URL); shows nothing without one."""

    MINIMUM = 200

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._matrix: QrMatrix | None = None
        self._quiet_zone = 0
        self._image = QImage()
        self.problem = ""  # why there is no code for the text, in words
        self.setMinimumSize(self.MINIMUM, self.MINIMUM)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setSizePolicy(policy)
        self.setAccessibleName("Payment QR code")
        self.setAccessibleDescription("No payment link yet.")

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's naming, like QLabel.setText
        if text == self._text:
            return
        self._text = text
        # Imported on first use: qrcode is not needed to show the window.
        from linkdesk.core import qr

        self._matrix = qr.matrix_or_none(text) if text else None
        self._quiet_zone = qr.QUIET_ZONE
        self._image = _code_image(self._matrix, self._quiet_zone) if self._matrix else QImage()
        self.problem = qr.TOO_LONG if text and self._matrix is None else ""
        if self.problem:
            self.setAccessibleDescription(self.problem)
        else:
            self.setAccessibleDescription(
                f"QR code of the payment link {text}" if text else "No payment link yet."
            )
        self.setToolTip(text)
        self.update()

    def clear(self) -> None:
        self.setText("")

    def scale(self) -> int:
        """Pixels per module at the current size (0 when there is nothing to show)."""
        if self._matrix is None:
            return 0
        return min(self.width(), self.height()) // (self._matrix.size + 2 * self._quiet_zone)

    def code_rect(self) -> QRect:
        """Where the white square, quiet zone included, is painted."""
        if self._matrix is None:
            return QRect()
        side = (self._matrix.size + 2 * self._quiet_zone) * self.scale()
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # Modest, so the window's first split leaves the recent links room; the code grows
        # with the space it is given (a phone reads 240 px across a counter with ease).
        return QSize(240, 240)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        if self.problem:
            from PySide6.QtCore import Qt  # after ready only: see linkdesk.ui.style

            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter = QPainter(self)
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), int(flags), self.problem)
            painter.end()
            return
        if self._matrix is None or self.scale() < 1:
            return
        painter = QPainter(self)
        # No smoothing (QPainter's default): each module becomes scale × scale pixels.
        painter.drawImage(self.code_rect(), self._image)
        painter.end()


def _code_image(matrix: QrMatrix, quiet_zone: int) -> QImage:
    """One pixel per module, black on white, with `quiet_zone` light modules all round."""
    side = matrix.size + 2 * quiet_zone
    margin = bytes(quiet_zone)
    modules = b"".join(
        (
            bytes(side * quiet_zone),
            *(margin + bytes(row) + margin for row in matrix.rows),
            bytes(side * quiet_zone),
        )
    )
    # A byte per module, 1 where dark; the light ones first, since a dark pixel has zeros.
    pixels = modules.replace(b"\x00", _LIGHT_PIXEL).replace(b"\x01", _DARK_PIXEL)
    # copy(): the image then owns its pixels rather than borrowing the bytes object's.
    return QImage(pixels, side, side, side * 4, QImage.Format.Format_RGB32).copy()
