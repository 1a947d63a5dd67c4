"""`ProgressStrip`: a slim, non-modal progress bar with Cancel, for the status bar.

Long routine work (a sync from billing.io, a CSV export) reports here rather than in a
dialog: the cashier keeps working while it runs, and can stop it with one click.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget


class ProgressStrip(QWidget):
    """ "Exporting… [=====   ] Cancel"; hidden while nothing runs."""

    cancel_requested = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(160)
        self.bar.setMaximumHeight(16)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.setAccessibleName(f"Cancel {name}")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)
        self.hide()

    def begin(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until a total is known
        self.cancel_button.setEnabled(True)
        self.show()

    def set_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)

    def set_text(self, text: str) -> None:
        self.label.setText(text)

    def end(self) -> None:
        self.hide()

    @Slot()
    def on_cancel_button_clicked(self) -> None:
        self.cancel_button.setEnabled(False)
        self.cancel_requested.emit()
