"""Appearance: QR codes that scan in a dark palette and at device pixel ratio 2, a layout from
800×600 to 4K, and an accessible name and description on every control."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import zxingcpp
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from linkdesk.core.qr import QUIET_ZONE, qr_matrix
from tests.ui.helpers import decode_qr, to_pil

CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def create(qtbot, window, amount: str = "29.99"):
    qtbot.keyClicks(window.form.amount, amount)
    qtbot.keyClick(window.form.amount, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not None, timeout=10_000)
    return window.result.link


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in {
        QPalette.ColorRole.Window: "#202124",
        QPalette.ColorRole.WindowText: "#e8eaed",
        QPalette.ColorRole.Base: "#2b2c2f",
        QPalette.ColorRole.Text: "#e8eaed",
        QPalette.ColorRole.Button: "#303134",
        QPalette.ColorRole.ButtonText: "#e8eaed",
    }.items():
        palette.setColor(role, QColor(colour))
    return palette


@pytest.fixture
def dark(qtbot):
    app = QApplication.instance()
    before = app.palette()
    app.setPalette(dark_palette())
    yield
    app.setPalette(before)


def colours_in(image, box) -> set[tuple[int, int, int]]:
    return {c for _n, c in image.crop(box).getcolors(maxcolors=1 << 24)}


def test_in_a_dark_palette_the_code_is_black_on_white_and_scans(qtbot, dark, window):
    link = create(qtbot, window)
    assert window.palette().color(QPalette.ColorRole.Window).lightness() < 60
    assert decode_qr(window.result.qr) == [link.url]
    assert decode_qr(window) == [link.url]
    area = window.result.qr.code_rect()
    image = to_pil(window.result.qr.grab().toImage())
    box = (area.left(), area.top(), area.right() + 1, area.bottom() + 1)
    assert colours_in(image, box) == {(0, 0, 0), (255, 255, 255)}
    margin = QUIET_ZONE * window.result.qr.scale()
    assert colours_in(image, (box[0], box[1], box[2], box[1] + margin)) == {(255, 255, 255)}
    display = window.customer.open()
    qtbot.waitExposed(display)
    assert decode_qr(display) == [link.url]
    window.customer.close()


def test_at_device_pixel_ratio_2_the_code_is_crisp_and_scans(qtbot, window):
    link = create(qtbot, window)
    qr = window.result.qr
    image = QImage(qr.size() * 2, QImage.Format.Format_RGB32)
    image.setDevicePixelRatio(2)
    image.fill(QColor("#808080"))
    painter = QPainter(image)
    qr.render(painter, QPoint(0, 0))
    painter.end()
    pil = to_pil(image)
    assert [b.text for b in zxingcpp.read_barcodes(pil)] == [link.url]
    area = qr.code_rect()
    box = (2 * area.left(), 2 * area.top(), 2 * (area.right() + 1), 2 * (area.bottom() + 1))
    # Every module edge on a device pixel: no grey from smoothing at the doubled size.
    assert colours_in(pil, box) == {(0, 0, 0), (255, 255, 255)}


def test_the_real_window_at_qt_scale_factor_2_shows_a_code_that_scans(tmp_path):
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtWidgets import QApplication
        from linkdesk.ui.qr_widget import QrWidget
        app = QApplication(sys.argv)
        widget = QrWidget()
        widget.setText("https://pay.billing.io/pl_hidpi000000000001")
        widget.resize(300, 300)
        widget.show()
        app.processEvents()
        pixmap = widget.grab()
        assert pixmap.devicePixelRatio() == 2, pixmap.devicePixelRatio()
        pixmap.toImage().save(sys.argv[1])
        """
    )
    out = tmp_path / "hidpi.png"
    result = subprocess.run(
        [sys.executable, "-c", script, str(out)],
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "QT_SCALE_FACTOR": "2"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert image.width() == 600
    assert [b.text for b in zxingcpp.read_barcodes(to_pil(image))] == [
        "https://pay.billing.io/pl_hidpi000000000001"
    ]


@pytest.mark.parametrize(("width", "height"), [(800, 600), (1280, 800), (3840, 2160)])
def test_the_layout_works_from_800_by_600_to_4k(qtbot, window, width, height):
    link = create(qtbot, window)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width and window.height() == height)
    assert window.minimumSizeHint().width() <= 800
    assert window.minimumSizeHint().height() <= 600
    # Nothing visible is cut off by its parent or pushed outside the window.
    central = window.centralWidget()
    for widget in central.findChildren(QWidget):
        if not widget.isVisible() or widget.parentWidget() is None:
            continue
        parent_rect = widget.parentWidget().rect()
        assert parent_rect.contains(widget.geometry()), (widget.objectName(), widget.geometry())
        if isinstance(widget, CONTROLS):
            assert widget.width() >= widget.minimumSizeHint().width() - 1, widget.objectName()
    assert decode_qr(window.result.qr) == [link.url]
    side = qr_matrix(link.url).size + 2 * QUIET_ZONE
    assert window.result.qr.scale() * side >= min(width, height) * 0.35


def controls(root: QWidget) -> list[QWidget]:
    return [
        w
        for w in [root, *root.findChildren(QWidget)]
        if isinstance(w, CONTROLS)
        and w.focusPolicy() != Qt.FocusPolicy.NoFocus
        and not isinstance(w.parentWidget(), (QComboBox, QAbstractSpinBox))  # their inner parts
        and w.objectName() != "qt_spinbox_lineedit"
    ]


def unlabelled(root: QWidget) -> list[str]:
    return [
        f"{type(w).__name__} {w.objectName()!r} {getattr(w, 'text', lambda: '')()!r}"
        for w in controls(root)
        if not w.accessibleName().strip() or not w.accessibleDescription().strip()
    ]


def test_every_control_of_the_window_has_an_accessible_name_and_description(qtbot, window):
    create(qtbot, window)
    # The counter's parts; the history view is checked by its own tests.
    roots = [window.form, window.result, window.banner, window.demo_row]
    assert sum(len(controls(root)) for root in roots) >= 10
    assert [problem for root in roots for problem in unlabelled(root)] == []
    # The menus' entries are actions: each says what it does in its status tip.
    for menu_action in window.menuBar().actions():
        for action in menu_action.menu().actions():
            if not action.isSeparator() and action.menu() is None:
                assert action.statusTip() or action.toolTip(), action.text()


def test_every_control_of_the_dialogs_has_an_accessible_name_and_description(qtbot, window):
    settings = window.open_settings_dialog()
    assert unlabelled(settings) == []
    settings.reject()
    shortcuts = window.open_shortcuts_dialog()
    assert unlabelled(shortcuts) == []
    shortcuts.reject()
    from linkdesk.core.links import LinkRequest
    from linkdesk.ui.confirm_amount import ConfirmAmountDialog

    confirm = ConfirmAmountDialog(LinkRequest.build("2999", "pm_x"), window)
    assert unlabelled(confirm) == []
    confirm.deleteLater()
    display = window.customer.open()
    assert controls(display) == []  # nothing to operate on the customer's side
    assert display.accessibleName()
    assert display.accessibleDescription()
    window.customer.close()
