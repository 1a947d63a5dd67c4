"""Helpers for the window tests: read a QR code off a widget the way a phone would, and a
clock the test moves."""

from __future__ import annotations

from datetime import datetime, timedelta

import zxingcpp
from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget


def to_pil(image: QImage) -> Image.Image:
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    return Image.frombuffer(
        "RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1
    )


def decode_qr(widget: QWidget) -> list[str]:
    """The texts of every QR code in a grab of the widget."""
    image = to_pil(widget.grab().toImage())
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
