"""`LinkForm`: what the cashier fills in (amount, payment method, description, lifetime).

The form validates as the cashier types with the core's own rules (`LinkRequest.build`,
`PaymentMethod.limit_problem`) and shows each problem beside its field. Enter anywhere
in the form asks for a link; the form only emits `submitted` with a valid `LinkRequest`
and never talks to billing.io itself. Enter while the payment methods are still loading
is kept: the form waits for them (Cancel stops waiting) and then submits with the method
they preselect.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal, Slot
from PySide6.QtGui import QFont, QHideEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from linkdesk.core.errors import InvalidInput, LinkdeskError
from linkdesk.core.links import (
    DEFAULT_LIFETIME,
    LIFETIMES,
    MAX_DESCRIPTION,
    MAX_LIFETIME,
    MIN_LIFETIME,
    LinkRequest,
    PaymentMethod,
)
from linkdesk.core.money import AmountError, parse_amount
from linkdesk.ui.lifetimes import CUSTOM_LABEL, Clock, local_now, minutes_text, stops_working
from linkdesk.ui.style import repolish, set_enum_property, styled

AMOUNT = "amount_usd"
METHOD = "payment_method_id"
DESCRIPTION = "description"
LIFETIME = "expires_in_seconds"
FIELDS = (AMOUNT, METHOD, DESCRIPTION, LIFETIME)

LOADING_METHODS = "Loading payment methods…"
WAIT_FOR_METHODS = "Wait a moment: the payment methods are still loading."
WAITING_FOR_METHODS = "Waiting for payment methods…"
CREATING = "Creating link…"
NO_METHODS = (
    "This billing.io account has no active payment method; add one in the billing.io "
    "dashboard, then press Retry."
)
# The sentence under the lifetime names a clock time; redrawn often enough to stay right.
LIFETIME_REFRESH_MS = 15_000
CUSTOM_INDEX = len(LIFETIMES)
DESCRIPTION_CUT = (
    f"Cut to {MAX_DESCRIPTION} characters, the most a description can hold; check the end."
)


class Note(QLabel):
    """The line under a field: a quiet hint, or a problem to fix (styled as an error)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        set_enum_property(self, "textFormat", "PlainText")
        self.setObjectName("note")
        styled(self)
        self.setProperty("error", False)
        self._hint = ""
        self._error = ""

    @property
    def error(self) -> str:
        return self._error

    def set_hint(self, text: str) -> None:
        self._hint = text
        self._render()

    def set_error(self, text: str) -> None:
        self._error = text
        self._render()

    def _render(self) -> None:
        is_error = bool(self._error)
        self.setText(self._error or self._hint)
        self.setVisible(bool(self._error or self._hint))
        if self.property("error") != is_error:
            self.setProperty("error", is_error)
            repolish(self)
        self.setAccessibleName("Problem" if is_error else "Hint")


class LinkForm(QWidget):
    """The new-link form; Enter anywhere in it creates."""

    submitted = Signal(object)  # a valid LinkRequest
    cancel_requested = Signal()
    edited = Signal()  # the cashier changed something: a new create from now on
    lifetime_chosen = Signal(object)  # seconds, or None for no expiry
    methods_retry_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, clock: Clock = local_now) -> None:
        super().__init__(parent)
        self.setObjectName("linkForm")
        self._clock = clock
        self._methods: list[PaymentMethod] = []
        # The method chosen before the list was emptied to load it again.
        self._method_choice: str | None = None
        self._methods_ready = False
        self._methods_loading = False
        self._busy = False
        self._waiting = False  # Enter was pressed while the methods were loading
        self._filling = False  # True while the form itself changes a field
        self._show_all = False  # after a press of Create, even untouched fields speak

        self.amount = QLineEdit()
        self.amount.setObjectName("amount")
        self.amount.setPlaceholderText("e.g. 29.99")  # not to be taken for an amount typed
        self.amount.setMaxLength(64)
        self.amount.setAccessibleName("Amount in US dollars")
        self.amount.setAccessibleDescription(
            "Type the amount, such as 29.99, and press Enter to create the link"
        )
        self.amount.setToolTip("The amount in US dollars; Enter creates the link")
        font = QFont(self.amount.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.amount.setFont(font)
        self.amount_note = Note()

        self.method = QComboBox()
        self.method.setObjectName("method")
        self.method.setAccessibleName("Payment method")
        self.method.setAccessibleDescription("The coin and network the customer pays with")
        self.method.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.method.setMinimumContentsLength(14)
        self.method_retry = QPushButton("&Retry")
        self.method_retry.setAutoDefault(False)
        self.method_retry.setToolTip("Load the payment methods again")
        self.method_retry.setAccessibleName("Retry")
        self.method_retry.setAccessibleDescription("Load the payment methods again")
        self.method_retry.hide()
        self.method_note = Note()

        self.description = QLineEdit()
        self.description.setObjectName("description")
        self.description.setPlaceholderText("Optional: shown to the customer")
        # A cap, not just a check: a 10 MB paste must not be laid out by the line edit. The
        # field counts UTF-16 units (an emoji is two) and billing.io counts characters: room
        # for the longest description, cut to length in on_description_text_changed.
        self.description.setMaxLength(2 * MAX_DESCRIPTION)
        self.description.setAccessibleName("Description")
        self.description.setAccessibleDescription(
            "Optional text the customer sees with the payment, such as the order number"
        )
        self.description_note = Note()
        self._description_cut = False

        self.lifetime = QComboBox()
        self.lifetime.setObjectName("lifetime")
        self.lifetime.setAccessibleName("Lifetime of the link")
        self.lifetime.setAccessibleDescription(
            "How long the customer can pay with the link; Custom sets the minutes yourself"
        )
        for choice in LIFETIMES:
            self.lifetime.addItem(choice.label)
        self.lifetime.addItem(CUSTOM_LABEL)
        self.lifetime.setCurrentIndex(LIFETIMES.index(DEFAULT_LIFETIME))
        self.custom_minutes = QSpinBox()
        self.custom_minutes.setObjectName("customMinutes")
        self.custom_minutes.setRange(MIN_LIFETIME // 60, MAX_LIFETIME // 60)
        self.custom_minutes.setValue(30)
        self.custom_minutes.setSuffix(" min")
        self.custom_minutes.setAccessibleName("Custom lifetime in minutes")
        self.custom_minutes.setAccessibleDescription(
            "How many minutes the link stays payable, at least 5"
        )
        self.custom_minutes.setToolTip("Minutes the link stays payable (at least 5)")
        self.custom_minutes.hide()
        self.lifetime_note = Note()
        self._lifetime_timer = QTimer(self)
        self._lifetime_timer.setInterval(LIFETIME_REFRESH_MS)
        self._lifetime_timer.timeout.connect(self.on_lifetime_timer_timeout)

        self.create_button = QPushButton("&Create link")
        self.create_button.setObjectName("createButton")
        self.create_button.setAutoDefault(False)
        self.create_button.setToolTip("Create the payment link (Enter)")
        self.create_button.setAccessibleName("Create link")
        self.create_button.setAccessibleDescription("Create the payment link (Enter)")

        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.setAccessibleName("Creating link")
        self.progress.setAccessibleDescription("Shown while billing.io makes the link")
        self.busy_label = QLabel(CREATING)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setToolTip("Stop waiting (Esc)")
        self.cancel_button.setAccessibleName("Cancel")
        self.cancel_button.setAccessibleDescription("Stop waiting for the link (Esc)")
        self.busy_row = QWidget()
        busy_layout = QHBoxLayout(self.busy_row)
        busy_layout.setContentsMargins(0, 0, 0, 0)
        busy_layout.addWidget(self.busy_label)
        busy_layout.addWidget(self.progress, 1)
        busy_layout.addWidget(self.cancel_button)
        self.busy_row.hide()

        self._notes = {
            AMOUNT: self.amount_note,
            METHOD: self.method_note,
            DESCRIPTION: self.description_note,
            LIFETIME: self.lifetime_note,
        }
        self._inputs: dict[str, QWidget] = {
            AMOUNT: self.amount,
            METHOD: self.method,
            DESCRIPTION: self.description,
            LIFETIME: self.lifetime,
        }
        self._layout()
        self._connect()
        self.set_methods_loading()
        self._update_description_count()
        self._update_lifetime_hint()
        self.setFocusProxy(self.amount)

    def _layout(self) -> None:
        self.fields = QWidget()
        grid = QGridLayout(self.fields)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 1)

        method_row = QHBoxLayout()
        method_row.setContentsMargins(0, 0, 0, 0)
        method_row.addWidget(self.method, 1)
        method_row.addWidget(self.method_retry)

        lifetime_row = QHBoxLayout()
        lifetime_row.setContentsMargins(0, 0, 0, 0)
        lifetime_row.addWidget(self.lifetime, 1)
        lifetime_row.addWidget(self.custom_minutes)

        rows: list[tuple[str, QWidget, QWidget | QHBoxLayout, Note]] = [
            ("&Amount (USD)", self.amount, self.amount, self.amount_note),
            ("&Payment method", self.method, method_row, self.method_note),
            ("&Description", self.description, self.description, self.description_note),
            ("&Lifetime", self.lifetime, lifetime_row, self.lifetime_note),
        ]
        for index, (text, buddy, field, note) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(buddy)
            row = index * 2
            # Filling its cell, the label's text sits centred on the field's line.
            grid.addWidget(label, row, 0)
            if isinstance(field, QHBoxLayout):
                grid.addLayout(field, row, 1)
            else:
                grid.addWidget(field, row, 1)
            grid.addWidget(note, row + 1, 1)
            # Room between one field's note and the next field.
            grid.setRowMinimumHeight(row + 1, 10)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.create_button)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.fields)
        outer.addLayout(buttons)
        outer.addWidget(self.busy_row)
        # Not Maximum: that caps the height at the size hint, which is worked out at the
        # hint's width; at a narrower width the notes need more lines than that leaves.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def _connect(self) -> None:
        self.amount.textEdited.connect(self.on_field_edited)
        self.description.textEdited.connect(self.on_field_edited)
        self.description.textChanged.connect(self.on_description_text_changed)
        self.description.inputRejected.connect(self.on_description_input_rejected)
        self.method.currentIndexChanged.connect(self.on_method_current_index_changed)
        self.lifetime.currentIndexChanged.connect(self.on_lifetime_current_index_changed)
        self.custom_minutes.valueChanged.connect(self.on_custom_minutes_value_changed)
        self.method_retry.clicked.connect(self.on_method_retry_clicked)
        self.create_button.clicked.connect(self.on_create_button_clicked)
        self.cancel_button.clicked.connect(self.on_cancel_button_clicked)

    # What the window tells the form -------------------------------------------------

    @property
    def methods_ready(self) -> bool:
        return self._methods_ready

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def waiting(self) -> bool:
        """Enter was pressed while the methods were loading: it is sent when they arrive."""
        return self._waiting

    def set_methods_loading(self) -> None:
        chosen = self.selected_method()
        if chosen is not None:
            self._method_choice = chosen.id
        self._methods_ready = False
        self._methods_loading = True
        self._fill_methods([], LOADING_METHODS)
        self._hide_retry()
        self.method_note.set_error("")
        self.method_note.set_hint("")

    def set_methods(self, methods: list[PaymentMethod]) -> None:
        """Offer these methods (disabled ones are left out); keep the choice if it is still
        offered, else preselect the account's default. A create waiting for them is sent
        now, if what was typed suits the method."""
        offered = [m for m in methods if (m.status or "active") == "active"]
        selected = self.selected_method()
        previous = selected.id if selected is not None else self._method_choice
        waiting = self._stop_waiting()
        self._methods_ready = bool(offered)
        self._methods_loading = False
        if not offered:
            self._fill_methods([], "None active")
            self.method_retry.show()
            self.method_note.set_error(NO_METHODS)
            return
        self._fill_methods(offered, None)
        chosen = next((m for m in offered if m.id == previous), None)
        chosen = chosen or next((m for m in offered if m.is_default), offered[0])
        self._filling = True
        self.method.setCurrentIndex(offered.index(chosen))
        self._filling = False
        self._hide_retry()
        self.method_note.set_error("")
        self._revalidate()
        if waiting:
            self.submit()

    def set_methods_failed(self, message: str, *, needs_key: bool = False) -> None:
        """Say why there are no methods; a create waiting for them is dropped (what was
        typed stays). With `needs_key` the button beside them offers to add a key."""
        self._stop_waiting()
        self._methods_ready = False
        self._methods_loading = False
        self._fill_methods([], "Not loaded")
        what = "Add an API key" if needs_key else "Load the payment methods again"
        # Alt+Y: Alt+A is the amount's.
        self.method_retry.setText("Add ke&y…" if needs_key else "&Retry")
        self.method_retry.setToolTip(what)
        self.method_retry.setAccessibleName(what)
        self.method_retry.show()
        self.method_note.set_error(message)

    def _hide_retry(self) -> None:
        if self.method_retry.hasFocus():
            self.amount.setFocus()
        self.method_retry.hide()

    def _fill_methods(self, methods: list[PaymentMethod], placeholder: str | None) -> None:
        self._filling = True
        self._methods = list(methods)
        self.method.clear()
        if placeholder is not None:
            self.method.addItem(placeholder)
            self.method.setEnabled(False)
        else:
            for method in methods:
                self.method.addItem(method.label, method.id)
            self.method.setEnabled(True)
        self._filling = False
        self._update_method_hint()

    def set_lifetime(self, seconds: int | None) -> None:
        """Choose a preset; any other whole number of minutes (5 at least) is the custom one."""
        index = next((i for i, c in enumerate(LIFETIMES) if c.seconds == seconds), None)
        if index is None:
            if seconds is None or seconds < MIN_LIFETIME or seconds % 60:
                return
            self.set_custom_minutes(seconds // 60)
            index = CUSTOM_INDEX
        self._filling = True
        self.lifetime.setCurrentIndex(index)
        self._filling = False
        self._show_custom()

    def set_custom_minutes(self, minutes: int) -> None:
        """The custom lifetime offered (chosen or not), as remembered from last time."""
        self._filling = True
        self.custom_minutes.setValue(minutes)
        self._filling = False
        self._update_lifetime_hint()

    def lifetime_is_custom(self) -> bool:
        return self.lifetime.currentIndex() == CUSTOM_INDEX

    def _show_custom(self) -> None:
        custom = self.lifetime_is_custom()
        self.custom_minutes.setVisible(custom)
        self.lifetime.setToolTip(
            f"Custom: {minutes_text(self.custom_minutes.value())}" if custom else ""
        )
        self._update_lifetime_hint()

    def _update_lifetime_hint(self) -> None:
        self.lifetime_note.set_hint(stops_working(self.selected_lifetime(), self._clock()))

    def set_busy(self, busy: bool) -> None:
        """While a link is being created the fields are locked and Cancel is offered."""
        self._busy = busy
        self._lock(CREATING if busy else None)

    def _lock(self, activity: str | None) -> None:
        """Lock the fields and offer Cancel while something happens (None: unlock)."""
        locked = activity is not None
        self.fields.setEnabled(not locked)
        self.create_button.setEnabled(not locked)
        self.busy_label.setText(activity or "")
        self.progress.setAccessibleName((activity or "").rstrip("…"))
        self.busy_row.setVisible(locked)
        if locked:
            self.cancel_button.setFocus()
        else:
            self.focus_amount()

    def _stop_waiting(self) -> bool:
        """Forget an Enter waiting for the methods; whether there was one."""
        if not self._waiting:
            return False
        self._waiting = False
        self._lock(None)
        return True

    def focus_amount(self) -> None:
        self.amount.setFocus()
        self.amount.selectAll()

    def show_error(self, error: LinkdeskError) -> bool:
        """Show a failure beside the field it names; False when it names none of them."""
        if isinstance(error, InvalidInput):
            shown = False
            for field, message in error.errors.items():
                if field in self._notes:
                    self._notes[field].set_error(message)
                    shown = True
            return shown
        if error.param in self._notes:
            self._notes[error.param].set_error(error.message)
            self._inputs[error.param].setFocus()
            return True
        return False

    def method_named(self, method_id: str) -> PaymentMethod | None:
        """The listed payment method of that id, if it is listed."""
        return next((m for m in self._methods if m.id == method_id), None)

    def offers(self, request: LinkRequest) -> bool:
        """Whether this request can be sent as it is: its payment method is in the list
        and takes its amount."""
        method = self.method_named(request.payment_method_id)
        return method is not None and not method.limit_problem(request.amount)

    def clear(self) -> None:
        """Empty the amount and description for the next customer; keep method and lifetime."""
        self._stop_waiting()
        self.amount.clear()
        self.description.clear()
        self._show_all = False
        self._revalidate()

    # What the cashier typed ---------------------------------------------------------

    def selected_method(self) -> PaymentMethod | None:
        index = self.method.currentIndex()
        if 0 <= index < len(self._methods):
            return self._methods[index]
        return None

    def selected_lifetime(self) -> int | None:
        if self.lifetime_is_custom():
            return self.custom_minutes.value() * 60
        return LIFETIMES[max(self.lifetime.currentIndex(), 0)].seconds

    def problems(self) -> dict[str, str]:
        """Every field's problem with what is typed now (empty when a link can be made)."""
        method = self.selected_method()
        problems: dict[str, str] = {}
        try:
            LinkRequest.build(
                self.amount.text(),
                method.id if method else None,
                self.description.text(),
                self.selected_lifetime(),
            )
        except InvalidInput as exc:
            problems.update(exc.errors)
        if not self._methods_ready:
            problems[METHOD] = WAIT_FOR_METHODS
        if AMOUNT not in problems and method is not None:
            try:
                limit = method.limit_problem(parse_amount(self.amount.text()))
            except AmountError:
                limit = None
            if limit:
                problems[AMOUNT] = limit
        return problems

    def request(self) -> LinkRequest:
        """The request the form describes, or `InvalidInput` naming every problem."""
        problems = self.problems()
        if problems:
            raise InvalidInput(problems)
        method = self.selected_method()
        assert method is not None  # problems() names a missing method
        return LinkRequest.build(
            self.amount.text(), method.id, self.description.text(), self.selected_lifetime()
        )

    def submit(self) -> bool:
        """What Enter does: emit `submitted` with a valid request, or point at the problem.

        While the methods are loading, a form valid in every other way waits for them
        (True: it will be submitted when they arrive)."""
        if self._busy or self._waiting:
            return False
        if self._methods_loading and set(self.problems()) == {METHOD}:
            self._waiting = True
            self._lock(WAITING_FOR_METHODS)
            return True
        self._show_all = True
        problems = self._revalidate()
        if problems:
            first = next(field for field in FIELDS if field in problems)
            if first != METHOD or self.method.isEnabled():
                self._inputs[first].setFocus()
            return False
        self.submitted.emit(self.request())
        return True

    def _revalidate(self) -> dict[str, str]:
        problems = self.problems()
        amount_problem = problems.get(AMOUNT, "")
        if not self._show_all and not self.amount.text().strip():
            amount_problem = ""  # an untouched empty amount is not a mistake yet
        self.amount_note.set_error(amount_problem)
        if self._methods_ready:
            self.method_note.set_error(problems.get(METHOD, "") if self._show_all else "")
        elif self._show_all and not self.method_note.error:
            # Enter while the list is still loading: say why nothing happens.
            self.method_note.set_error(problems[METHOD])
        description_problem = problems.get(DESCRIPTION, "")
        if not description_problem and self._description_cut:
            description_problem = DESCRIPTION_CUT
        self.description_note.set_error(description_problem)
        self.lifetime_note.set_error(problems.get(LIFETIME, ""))
        return problems

    def _update_method_hint(self) -> None:
        method = self.selected_method()
        hint = method.limits_hint if method else ""
        self.method_note.set_hint(f"Takes {hint}." if hint else "")

    def _update_description_count(self) -> None:
        left = MAX_DESCRIPTION - len(self.description.text())
        self.description_note.set_hint(
            f"{left} character{'s' if left != 1 else ''} left" if left < MAX_DESCRIPTION else ""
        )

    # Slots ------------------------------------------------------------------------

    @Slot(str)
    def on_field_edited(self, _text: str) -> None:
        self.edited.emit()
        self._revalidate()

    @Slot(str)
    def on_description_text_changed(self, text: str) -> None:
        if len(text) > MAX_DESCRIPTION:
            self._description_cut = True
            self.description.setText(text[:MAX_DESCRIPTION])  # comes back here, cut
            self._revalidate()
            return
        self._update_description_count()
        if self._description_cut and len(text) < MAX_DESCRIPTION:
            self._description_cut = False
            self._revalidate()

    @Slot()
    def on_description_input_rejected(self) -> None:
        self._description_cut = True
        self._revalidate()

    @Slot(int)
    def on_method_current_index_changed(self, _index: int) -> None:
        self._update_method_hint()
        if not self._filling:
            self.edited.emit()
            self._revalidate()

    @Slot(int)
    def on_lifetime_current_index_changed(self, _index: int) -> None:
        self._show_custom()
        if not self._filling:
            self.edited.emit()
            self.lifetime_chosen.emit(self.selected_lifetime())
            self._revalidate()

    @Slot(int)
    def on_custom_minutes_value_changed(self, _minutes: int) -> None:
        self._show_custom()
        if not self._filling and self.lifetime_is_custom():
            self.edited.emit()
            self.lifetime_chosen.emit(self.selected_lifetime())
            self._revalidate()

    @Slot()
    def on_lifetime_timer_timeout(self) -> None:
        self._update_lifetime_hint()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        # The clock time under the lifetime only needs to move while someone can see it.
        self._update_lifetime_hint()
        self._lifetime_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        self._lifetime_timer.stop()
        super().hideEvent(event)

    @Slot()
    def on_method_retry_clicked(self) -> None:
        self.methods_retry_requested.emit()

    @Slot()
    def on_create_button_clicked(self) -> None:
        self.submit()

    @Slot()
    def on_cancel_button_clicked(self) -> None:
        self.cancel()

    def cancel(self) -> None:
        """What Cancel and Esc do: stop waiting for the methods, or ask to cancel the create."""
        if not self._stop_waiting():
            self.cancel_requested.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        from PySide6.QtCore import Qt  # not at start: see linkdesk.ui.style

        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submit()
            return
        if event.key() == Qt.Key.Key_Escape and (self._busy or self._waiting):
            event.accept()
            self.cancel()
            return
        super().keyPressEvent(event)
