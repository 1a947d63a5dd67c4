"""QrWidget: scans at every size, whole-pixel modules, black on white whatever the theme."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops
from PySide6.QtGui import QColor, QPalette

from linkdesk.core.qr import QUIET_ZONE, qr_matrix
from linkdesk.ui.qr_widget import QrWidget
from tests.ui.helpers import decode_qr, to_pil

URL = "https://pay.billing.io/pl_0123456789abcdef01234567"


def colours(image) -> set[tuple[int, int, int]]:
    return {colour for _count, colour in image.getcolors(maxcolors=1 << 24)}


@pytest.fixture
def qr(qtbot) -> QrWidget:
    widget = QrWidget()
    qtbot.addWidget(widget)
    widget.setText(URL)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.mark.parametrize(("width", "height"), [(200, 200), (333, 251), (480, 640), (901, 577)])
def test_the_code_scans_at_any_size_with_whole_pixel_modules(qtbot, qr, width, height):
    qr.resize(width, height)
    qtbot.waitUntil(lambda: qr.size().width() == width)
    side = qr_matrix(URL).size + 2 * QUIET_ZONE
    scale = min(width, height) // side
    assert qr.scale() == scale >= 1
    area = qr.code_rect()
    assert area.width() == area.height() == side * scale
    # Centred: the leftover space is split evenly (to the pixel).
    assert abs(area.left() - (width - area.right() - 1)) <= 1
    assert abs(area.top() - (height - area.bottom() - 1)) <= 1
    assert decode_qr(qr) == [URL]

    image = to_pil(qr.grab().toImage()).crop(
        (area.left(), area.top(), area.right() + 1, area.bottom() + 1)
    )
    # Crisp: only pure black and pure white, no grey edges from scaling.
    assert colours(image) == {(0, 0, 0), (255, 255, 255)}
    # The quiet zone is white all round.
    margin = QUIET_ZONE * scale
    for box in [
        (0, 0, area.width(), margin),
        (0, area.height() - margin, area.width(), area.height()),
        (0, 0, margin, area.height()),
        (area.width() - margin, 0, area.width(), area.height()),
    ]:
        assert colours(image.crop(box)) == {(255, 255, 255)}


@pytest.mark.parametrize(("width", "height"), [(200, 200), (333, 251), (901, 577)])
def test_every_module_is_a_square_of_its_own_colour(qtbot, qr, width, height):
    qr.resize(width, height)
    qtbot.waitUntil(lambda: qr.size().width() == width)
    matrix = qr_matrix(URL)
    side, scale = matrix.size + 2 * QUIET_ZONE, qr.scale()
    modules = Image.new("L", (side, side), 255)
    for row in range(matrix.size):
        for col in range(matrix.size):
            if matrix.dark(row, col):
                modules.putpixel((col + QUIET_ZONE, row + QUIET_ZONE), 0)
    expected = modules.resize((side * scale, side * scale), Image.Resampling.NEAREST)
    area = qr.code_rect()
    painted = to_pil(qr.grab().toImage()).convert("L")
    painted = painted.crop((area.left(), area.top(), area.right() + 1, area.bottom() + 1))
    assert ImageChops.difference(painted, expected).getbbox() is None


def test_a_new_text_paints_its_own_code(qtbot, qr):
    other = URL.replace("0123", "fedc")
    qr.resize(300, 300)
    assert decode_qr(qr) == [URL]
    qr.setText(other)
    assert decode_qr(qr) == [other]


def test_a_dark_theme_still_gets_black_on_white(qtbot, qr):
    palette = qr.palette()
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base):
        palette.setColor(role, QColor("#202020"))
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
    qr.setPalette(palette)
    qr.resize(300, 300)
    assert decode_qr(qr) == [URL]
    area = qr.code_rect()
    image = qr.grab().toImage()
    assert image.pixelColor(area.left() + 1, area.top() + 1) == QColor("white")


def test_no_text_paints_nothing_and_says_so(qtbot):
    widget = QrWidget()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    assert widget.scale() == 0
    assert widget.code_rect().isNull()
    assert decode_qr(widget) == []
    assert widget.accessibleName() == "Payment QR code"
    assert widget.accessibleDescription() == "No payment link yet."
    widget.setText(URL)
    assert URL in widget.accessibleDescription()
    widget.clear()
    assert widget.text() == ""
    assert decode_qr(widget) == []


def test_the_minimum_size_keeps_a_scannable_code(qr):
    assert qr.minimumSize().width() >= 200
    qr.resize(qr.minimumSize())
    assert qr.scale() >= 4
