"""The fat-finger guard: above a set amount, Enter asks once before creating the link.

"2999" typed for "29.99" is the costliest slip at a counter, so a large amount is shown
back, written large, with Create as the default button: Enter again creates, Esc goes
back to the amount. A request already confirmed is not asked about again (a retry after
a failure, or a create sent when the payment methods arrive).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget

from linkdesk.core.links import LinkRequest
from linkdesk.core.money import format_usd


def question(amount: Decimal) -> str:
    return f"Create a link for {format_usd(amount)}?"


class ConfirmAmountDialog(QDialog):
    """ "Create a link for $2,999.00?" with the amount in large type; Enter creates."""

    def __init__(self, request: LinkRequest, parent: QWidget | None = None) -> None:
        # Imported here, when a large amount is first confirmed: not at start (and `Qt`
        # builds all its enums, see linkdesk.ui.style).
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QFont
        from PySide6.QtWidgets import QDialogButtonBox

        super().__init__(parent)
        self.request = request
        self.setObjectName("confirmAmountDialog")
        self.setWindowTitle("Check the amount")
        self.question = QLabel(question(request.amount))
        self.question.setObjectName("confirmQuestion")
        self.question.setAccessibleName(question(request.amount))
        self.amount = QLabel(format_usd(request.amount))
        self.amount.setObjectName("confirmAmount")
        self.amount.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.amount.setAccessibleName("Amount")
        self.amount.setAccessibleDescription(f"The link would be for {format_usd(request.amount)}")
        font = QFont(self.amount.font())
        font.setPointSizeF(font.pointSizeF() * 3)
        font.setBold(True)
        self.amount.setFont(font)
        detail = request.description or ""
        self.detail = QLabel(detail)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setWordWrap(True)
        self.detail.setVisible(bool(detail))

        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton(
            "&Create link", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.back_button = buttons.addButton("&Go back", QDialogButtonBox.ButtonRole.RejectRole)
        self.create_button.setDefault(True)
        self.create_button.setAccessibleName("Create link")
        self.create_button.setAccessibleDescription(
            f"Create the payment link for {format_usd(request.amount)} (Enter)"
        )
        self.create_button.setToolTip("Create the link (Enter)")
        self.back_button.setAccessibleName("Go back")
        self.back_button.setAccessibleDescription("Go back to the amount to correct it (Esc)")
        self.back_button.setToolTip("Go back to the amount (Esc)")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(self.question)
        layout.addWidget(self.amount)
        layout.addWidget(self.detail)
        layout.addWidget(buttons)
        self.create_button.setFocus()


class AmountGuard(QObject):
    """Passes a request on (`confirmed`) at once, or after the cashier confirms a large one."""

    confirmed = Signal(object)  # the LinkRequest to create
    declined = Signal()

    def __init__(
        self,
        threshold: Callable[[], int | None],
        parent_widget: QWidget,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._threshold = threshold  # read at each create: the setting may have changed
        self._parent_widget = parent_widget
        self._confirmed: LinkRequest | None = None
        self.dialog: ConfirmAmountDialog | None = None

    def needs_asking(self, request: LinkRequest) -> bool:
        limit = self._threshold()
        return limit is not None and request.amount > limit and request != self._confirmed

    @Slot(object)
    def submit(self, request: LinkRequest) -> None:
        if self.dialog is not None:
            return  # already asking; the dialog is modal, so this is a queued repeat
        if not self.needs_asking(request):
            self.confirmed.emit(request)
            return
        self.dialog = ConfirmAmountDialog(request, self._parent_widget)
        self.dialog.finished.connect(self.on_dialog_finished)
        self.dialog.open()

    @Slot(int)
    def on_dialog_finished(self, result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if result == QDialog.DialogCode.Accepted:
            self._confirmed = dialog.request
            self.confirmed.emit(dialog.request)
        else:
            self.declined.emit()
