"""`KeyDialog`: paste, test, save and clear the billing.io secret key (never shown in full).

Testing talks to billing.io on the API worker; saving and clearing talk to the keyring on
the keyring worker; the dialog only ever shows masked keys. On a first start without a
key it says in one line what it needs and offers the demo instead.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from linkdesk.core.errors import InvalidKey, LinkdeskError
from linkdesk.core.links import Environment
from linkdesk.ui.style import repolish, styled
from linkdesk.ui.worker import (
    ActiveKey,
    ApiService,
    ClientFactory,
    KeyService,
    KeyStatus,
    KeyTest,
)

FIRST_START = (
    "linkdesk needs your billing.io secret key to create payment links: paste it below, "
    "or try the demo first."
)
ENVIRONMENT_NAMES = {Environment.SANDBOX: "Test (sandbox)", Environment.LIVE: "Live"}


class KeyDialog(QDialog):
    """Manages the secret keys; `key_changed` carries the `ActiveKey` after a save or clear.

    The window learns of a new key from `KeyService` itself, so closing the dialog while a
    save is under way loses nothing.
    """

    key_changed = Signal(object)
    demo_requested = Signal()

    def __init__(
        self,
        api: ApiService,
        keys: KeyService,
        client_factory: ClientFactory,
        *,
        first_start: bool = False,
        demo_available: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle("Keys")
        self._api = api
        self._keys = keys
        self._factory = client_factory
        self._test_job: int | None = None
        self._key_job: int | None = None
        self._key_action = ""
        self._status_job: int | None = None

        self.intro = QLabel(FIRST_START)
        self.intro.setWordWrap(True)

        self.key = QLineEdit()
        self.key.setObjectName("keyField")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText("sk_test_… or sk_live_…")
        self.key.setAccessibleName("Secret API key")
        self.key.setMaxLength(256)
        key_label = QLabel("&Secret key")
        key_label.setBuddy(self.key)
        self.show_key = QToolButton()
        self.show_key.setText("Show")
        self.show_key.setCheckable(True)
        self.show_key.setToolTip("Show or hide the pasted key")

        self.test_button = QPushButton("&Test")
        self.test_button.setToolTip("Ask billing.io whether this key works")
        self.save_button = QPushButton("Sa&ve")
        self.save_button.setToolTip("Store the key in the system keyring and use it")
        self.demo_button = QPushButton("Try the &demo")
        self.demo_button.setToolTip("Use a built-in billing.io emulator; no account needed")
        for button in (self.test_button, self.save_button, self.demo_button):
            button.setAutoDefault(False)

        self.result = QLabel()
        self.result.setObjectName("keyResult")
        styled(self.result)
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)

        self.stored = QGroupBox("Stored keys")
        grid = QGridLayout(self.stored)
        self.masked: dict[Environment, QLabel] = {}
        self.clear_buttons: dict[Environment, QPushButton] = {}
        for row, environment in enumerate(Environment):
            grid.addWidget(QLabel(ENVIRONMENT_NAMES[environment]), row, 0)
            masked = QLabel("…")
            masked.setTextFormat(Qt.TextFormat.PlainText)
            grid.addWidget(masked, row, 1)
            clear = QPushButton("Clear")
            clear.setAutoDefault(False)
            clear.setEnabled(False)
            clear.setToolTip(f"Remove the {environment.badge} key from the keyring")
            clear.clicked.connect(self.on_clear_button_clicked)
            clear.setProperty("environment", environment.value)
            grid.addWidget(clear, row, 2)
            self.masked[environment] = masked
            self.clear_buttons[environment] = clear
        grid.setColumnStretch(1, 1)
        self.problem = QLabel()
        self.problem.setObjectName("keyProblem")
        styled(self.problem)
        self.problem.setWordWrap(True)
        self.problem.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # Enter in the key field saves; it must not also close the dialog.
        buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)

        key_row = QHBoxLayout()
        key_row.addWidget(key_label)
        key_row.addWidget(self.key, 1)
        key_row.addWidget(self.show_key)
        action_row = QHBoxLayout()
        action_row.addWidget(self.test_button)
        action_row.addWidget(self.save_button)
        action_row.addStretch(1)
        action_row.addWidget(self.demo_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(key_row)
        layout.addLayout(action_row)
        layout.addWidget(self.result)
        layout.addWidget(self.stored)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        # Only once they have a parent: showing a parentless widget opens it as a window.
        self.intro.setVisible(first_start)
        self.demo_button.setVisible(demo_available)

        self.show_key.toggled.connect(self.on_show_key_toggled)
        self.test_button.clicked.connect(self.on_test_button_clicked)
        self.save_button.clicked.connect(self.on_save_button_clicked)
        self.demo_button.clicked.connect(self.on_demo_button_clicked)
        self.key.returnPressed.connect(self.on_key_return_pressed)
        api.finished.connect(self.on_api_finished)
        api.failed.connect(self.on_api_failed)
        keys.finished.connect(self.on_keys_finished)
        keys.failed.connect(self.on_keys_failed)
        self.refresh()

    @property
    def busy(self) -> bool:
        return self._test_job is not None or self._key_job is not None

    def refresh(self) -> None:
        """Ask the keyring what it holds (answers arrive in `on_keys_finished`)."""
        self._status_job = self._keys.status()

    def show_status(self, status: KeyStatus) -> None:
        for environment, masked in status.keys:
            self.masked[environment].setText(masked or "none stored")
            self.clear_buttons[environment].setEnabled(masked is not None and not self.busy)
        self.problem.setText(status.problem or "")
        self.problem.setVisible(bool(status.problem))
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Answers arrive after the dialog is shown; a wrapped sentence must not be clipped."""
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def say(self, sentence: str, *, problem: bool = False) -> None:
        self.result.setText(sentence)
        self.result.setProperty("error", problem)
        repolish(self.result)
        self._grow_to_fit()

    def _pasted_key(self) -> str | None:
        # Imported here: linkdesk.core.secrets loads keyring, which the window does not
        # need until a key is pasted.
        from linkdesk.core.secrets import check_key

        try:
            key, _environment = check_key(self.key.text())
        except InvalidKey as exc:
            self.say(exc.message, problem=True)
            self.key.setFocus()
            return None
        return key

    def _set_busy(self) -> None:
        busy = self.busy
        self.test_button.setEnabled(not busy)
        self.save_button.setEnabled(not busy)
        for button in self.clear_buttons.values():
            if busy:
                button.setEnabled(False)
        if not busy:
            self.refresh()

    # Slots ------------------------------------------------------------------------

    @Slot(bool)
    def on_show_key_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.key.setEchoMode(mode)
        self.show_key.setText("Hide" if shown else "Show")

    @Slot()
    def on_test_button_clicked(self) -> None:
        key = self._pasted_key()
        if key is None or self.busy:
            return
        self.say("Testing the key with billing.io…")
        self._test_job = self._api.test_key(self._factory, key)
        self._set_busy()

    @Slot()
    def on_save_button_clicked(self) -> None:
        key = self._pasted_key()
        if key is None or self.busy:
            return
        self.say("Saving the key…")
        self._key_action = "Saved"
        self._key_job = self._keys.save(key)
        self._set_busy()

    @Slot()
    def on_key_return_pressed(self) -> None:
        self.on_save_button_clicked()

    @Slot()
    def on_clear_button_clicked(self) -> None:
        button = self.sender()
        if self.busy or button is None:
            return
        environment = Environment(button.property("environment"))
        self.say(f"Removing the {environment.badge} key…")
        self._key_action = "Removed"
        self._key_job = self._keys.clear(environment)
        self._set_busy()

    @Slot()
    def on_demo_button_clicked(self) -> None:
        self.demo_requested.emit()
        self.accept()

    @Slot(int, object)
    def on_api_finished(self, job_id: int, result: object) -> None:
        if job_id != self._test_job:
            return
        self._test_job = None
        if isinstance(result, KeyTest):
            self.say(result.sentence)
        self._set_busy()

    @Slot(int, object)
    def on_api_failed(self, job_id: int, error: object) -> None:
        if job_id != self._test_job:
            return
        self._test_job = None
        self.say(_message(error), problem=True)
        self._set_busy()

    @Slot(int, object)
    def on_keys_finished(self, job_id: int, result: object) -> None:
        if job_id == self._status_job and isinstance(result, KeyStatus):
            self._status_job = None
            self.show_status(result)
        elif job_id == self._key_job and isinstance(result, ActiveKey):
            self._key_job = None
            self.key.clear()
            if result.warning:
                self.say(result.warning, problem=True)
            elif result.environment is not None:
                self.say(
                    f"{self._key_action}; linkdesk now uses the {result.environment.badge} key."
                )
            else:
                self.say(f"{self._key_action}; linkdesk has no key now.")
            self.show_status(result.status)
            self._set_busy()
            self.key_changed.emit(result)

    @Slot(int, object)
    def on_keys_failed(self, job_id: int, error: object) -> None:
        if job_id == self._status_job:
            self._status_job = None
            self.problem.setText(_message(error))
            self.problem.show()
            self._grow_to_fit()
        elif job_id == self._key_job:
            self._key_job = None
            self.say(_message(error), problem=True)
            self._set_busy()


def _message(error: object) -> str:
    return error.message if isinstance(error, LinkdeskError) else LinkdeskError().message
