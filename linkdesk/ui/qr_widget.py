"""`QrWidget`: a link's QR code, black on white with its quiet zone, crisp at any size.

Modules are painted at the largest whole number of pixels that fits, centred, so a phone
across the counter sees sharp squares rather than blurred ones; the colours are fixed
(black on white) because a dark theme's light-on-dark QR codes many scanners refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

if TYPE_CHECKING:
    from linkdesk.core.qr import QrMatrix

_DARK = QColor(0, 0, 0)
_LIGHT = QColor(255, 255, 255)


class QrWidget(QWidget):
    """Shows the QR code of one text (a payment link's URL); shows nothing without one."""

    MINIMUM = 200

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._matrix: QrMatrix | None = None
        self._quiet_zone = 0
        self._runs: list[tuple[int, int, int]] = []
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

        self._matrix = qr.qr_matrix(text) if text else None
        self._quiet_zone = qr.QUIET_ZONE
        self._runs = _dark_runs(self._matrix) if self._matrix else []
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
        return QSize(360, 360)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt override
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        return max(width, self.MINIMUM)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        if self._matrix is None:
            return
        scale = self.scale()
        if scale < 1:
            return
        area = self.code_rect()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.fillRect(area, _LIGHT)
        left = area.left() + self._quiet_zone * scale
        top = area.top() + self._quiet_zone * scale
        for row, start, length in self._runs:
            painter.fillRect(left + start * scale, top + row * scale, length * scale, scale, _DARK)
        painter.end()


def _dark_runs(matrix: QrMatrix) -> list[tuple[int, int, int]]:
    """Each horizontal run of dark modules as (row, first column, length): fewer rectangles."""
    runs = []
    for r, row in enumerate(matrix.rows):
        start = None
        for c, dark in enumerate((*row, False)):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                runs.append((r, start, c - start))
                start = None
    return runs
