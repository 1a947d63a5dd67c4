"""`Banner`: one sentence above the form for a failure that belongs to no single field."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from linkdesk.ui.style import at_top, set_enum_property, styled


class Banner(QFrame):
    """A dismissible message, with a button for what it offers to do; hidden while there
    is nothing to say."""

    action_triggered = Signal()
    dismissed = Signal()  # the cashier closed it (✕)

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
        self.action_button = QPushButton()
        self.action_button.setAccessibleName("Message action")
        self.action_button.setAccessibleDescription("Do what the message offers")
        self.action_button.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 4, 6)
        layout.addWidget(self.message, 1)
        layout.addLayout(at_top(self.action_button))
        # The button stays at the top of a message that wraps onto several lines.
        layout.addLayout(at_top(self.close_button))
        self.close_button.clicked.connect(self.on_close_button_clicked)
        self.action_button.clicked.connect(self.action_triggered)
        self.hide()

    def text(self) -> str:
        return self.message.text()

    def show_message(self, text: str, action: str | None = None) -> None:
        """Say `text`; with `action`, a button of that label emits `action_triggered`."""
        self.message.setText(text)
        self.setAccessibleName(text)
        self.action_button.setText(action or "")
        self.action_button.setAccessibleName((action or "Message action").replace("&", ""))
        self.action_button.setVisible(action is not None)
        self.show()

    def clear(self) -> None:
        self.message.clear()
        self.action_button.hide()
        self.hide()

    @property
    def offering(self) -> bool:
        """Whether the message on show offers its action (its button is there)."""
        return self.isVisibleTo(self.parentWidget()) and not self.action_button.isHidden()

    @Slot()
    def on_close_button_clicked(self) -> None:
        self.dismissed.emit()  # before it is cleared: `offering` still says what was closed
        self.clear()
