"""`Banner`: one sentence above the form for a failure that belongs to no single field."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from linkdesk.ui.style import at_top, set_enum_property, styled


class Banner(QFrame):
    """A dismissible message; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        styled(self)  # and its message
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.message = QLabel()
        self.message.setObjectName("bannerMessage")
        self.message.setWordWrap(True)
        set_enum_property(self.message, "textFormat", "PlainText")
        set_enum_property(self.message, "textInteractionFlags", "TextSelectableByMouse")
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.setAccessibleDescription("Hide this message")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.addWidget(self.message, 1)
        # The button stays at the top of a message that wraps onto several lines.
        layout.addLayout(at_top(self.close_button))
        self.close_button.clicked.connect(self.on_close_button_clicked)
        self.hide()

    def text(self) -> str:
        return self.message.text()

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.setAccessibleName(text)
        self.show()

    def clear(self) -> None:
        self.message.clear()
        self.hide()

    @Slot()
    def on_close_button_clicked(self) -> None:
        self.clear()
