"""linkdesk's stylesheet on the widgets it styles, and the column that keeps a widget at
the top (linkdesk.ui.style)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from linkdesk.ui.banner import Banner
from linkdesk.ui.link_form import Note
from linkdesk.ui.main import create_application
from linkdesk.ui.result_pane import Badge
from linkdesk.ui.style import at_top, style_sheet
from tests.ui.helpers import to_pil

ERROR_RED = (0xC6, 0x28, 0x28)
DARK_ERROR_RED = (0xFF, 0x8A, 0x80)
TEST_ORANGE = (0xB3, 0x5C, 0x00)


def colours(widget: QWidget) -> set[tuple[int, int, int]]:
    image = to_pil(widget.grab().toImage())
    return {colour[:3] for _count, colour in image.getcolors(maxcolors=1 << 24)}


def test_the_application_carries_no_stylesheet_of_its_own(qapp):
    # An application-wide sheet would send every widget through the style-sheet style.
    assert create_application([]).styleSheet() == ""
    assert "QLabel#badge" in style_sheet()


def test_a_note_in_error_is_red_and_a_hint_is_not(qtbot):
    note = Note()
    qtbot.addWidget(note)
    note.set_error("Type an amount of at least 0.01, such as 29.99.")
    note.show()
    assert ERROR_RED in colours(note)
    note.set_error("")
    note.set_hint("A quiet hint.")
    assert ERROR_RED not in colours(note)


def test_a_note_in_error_is_a_lighter_red_on_a_dark_theme(qtbot, qapp):
    light = qapp.palette()
    dark = QPalette(light)
    dark.setColor(QPalette.ColorRole.Window, QColor("#232629"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#eff0f1"))
    qapp.setPalette(dark)
    try:
        note = Note()
        qtbot.addWidget(note)
        note.set_error("Type an amount of at least 0.01, such as 29.99.")
        note.show()
        found = colours(note)
    finally:
        qapp.setPalette(light)
    assert DARK_ERROR_RED in found
    assert ERROR_RED not in found


def test_a_badge_wears_its_colour(qtbot):
    badge = Badge("TEST")
    qtbot.addWidget(badge)
    badge.show()
    assert TEST_ORANGE in colours(badge)


def test_the_banner_and_its_message_are_styled(qtbot):
    banner = Banner()
    qtbot.addWidget(banner)
    banner.show_message("billing.io could not be reached; press Enter to try again.")
    assert (0xFD, 0xEC, 0xEA) in colours(banner)  # its background


def test_at_top_keeps_the_widget_at_the_top_of_a_taller_row(qtbot):
    row = QWidget()
    qtbot.addWidget(row)
    layout = QHBoxLayout(row)
    tall = QLabel("one\ntwo\nthree\nfour\nfive")
    button = QToolButton()
    button.setText("✕")
    layout.addWidget(tall, 1)
    layout.addLayout(at_top(button))
    row.show()
    qtbot.waitExposed(row)
    assert button.height() == button.sizeHint().height()
    assert button.y() <= layout.contentsMargins().top() + 1
    assert button.geometry().bottom() < tall.geometry().center().y()
