"""A linkdesk window in a process of its own, killed by `test_pending_create` mid-create.

    python -m tests.ui.pending_child API_BASE API_KEY DATA_FOLDER AMOUNT

It opens the window (offscreen: the test sets the platform) on that emulator with that
fake key and that data folder, types the amount, presses Enter and waits: the test kills
it with SIGKILL once the emulator has the request, before any answer comes back.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from linkdesk.core.secrets import SecretStore
from linkdesk.core.settings import Settings
from linkdesk.ui.history_options import HistoryOptions
from linkdesk.ui.main import client_factory
from linkdesk.ui.main_window import MainWindow, Services
from linkdesk.ui.qsettings_store import QSettingsStorage
from tests.keyring_memory import MemoryKeyring


def main(api_base: str, api_key: str, folder: str, amount: str) -> int:
    app = QApplication(sys.argv[:1])
    data = Path(folder)
    settings = QSettings(str(data / "child.ini"), QSettings.Format.IniFormat)
    services = Services(
        client_factory=client_factory(api_base, timeout=60.0),
        secrets=SecretStore(backend=MemoryKeyring()),
        settings=Settings(QSettingsStorage(settings)),
        api_base=api_base,
        api_key=api_key,
        history=HistoryOptions(data / "history.sqlite3", sync_on_start=False),
    )
    window = MainWindow(services)

    def type_and_enter() -> None:
        if not window.form.methods_ready:
            QTimer.singleShot(10, type_and_enter)
            return
        QTest.keyClicks(window.form.amount, amount)
        QTest.keyClick(window.form.amount, Qt.Key.Key_Return)
        print("sent", flush=True)

    window.ready.connect(type_and_enter)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
