"""Start the window: the QApplication, the services the window is given, and `--smoke`.

Nothing slow is loaded here: the window must be on screen before the HTTP stack, the
keyring or the demo emulator are needed, and those are loaded on the worker threads.
`--smoke` exits once the window is ready for input; with `LINKDESK_SMOKE_UNTIL=methods`
it waits for the payment methods as well, which proves the whole API path.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer, qVersion
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from linkdesk import APP_ID
from linkdesk.core.api import resolve_base_url
from linkdesk.core.errors import ConfigurationError
from linkdesk.core.paths import history_path
from linkdesk.core.settings import Settings
from linkdesk.logs import open_log_file
from linkdesk.ui.collector import GuiThreadCollector
from linkdesk.ui.crash import CrashHandler
from linkdesk.ui.history_options import HistoryOptions, data_folder
from linkdesk.ui.main_window import MainWindow, Services
from linkdesk.ui.qsettings_store import QSettingsStorage
from linkdesk.ui.style import resource_path
from linkdesk.ui.worker import ClientFactory

if TYPE_CHECKING:
    from linkdesk.core.billing import BillingClient
    from linkdesk.core.secrets import SecretStore

log = logging.getLogger(__name__)

APP_NAME = "linkdesk"
SMOKE_TIMEOUT_MS = 20_000
SMOKE_UNTIL_ENV = "LINKDESK_SMOKE_UNTIL"
EXIT_SMOKE_TIMEOUT = 3
EXIT_SMOKE_FAILED = 1
EXIT_CONFIGURATION = 2


def client_factory(base_url: str, **options: object) -> ClientFactory:
    """A `ClientFactory` for one API address (options go to `BillingClient`).

    The factory runs on the API thread, and only there is `linkdesk.core.billing` (and
    with it httpx) imported, on the first call.
    """

    def make_client(api_key: str) -> BillingClient:
        from linkdesk.core.billing import BillingClient

        return BillingClient(api_key, base_url=base_url, **options)  # type: ignore[arg-type]

    return make_client


def create_application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    # The desktop entry's name: Wayland matches the window to its menu entry and icon by it.
    app.setDesktopFileName(APP_ID)
    icon = resource_path("linkdesk.svg")
    if icon:
        app.setWindowIcon(QIcon(icon))
    # linkdesk's stylesheet goes on the widgets it styles, not here (linkdesk.ui.style).
    return app


def system_secret_store() -> SecretStore:
    """The system keyring's store; called on the keyring thread (finding one can block),
    and only when a key is needed, so demo mode never loads keyring at all."""
    from linkdesk.core.secrets import SecretStore

    return SecretStore()


class _Demo:
    """Starts the demo emulator once, on first use (on the API thread), and stops it at the
    end (once that thread has stopped)."""

    def __init__(self) -> None:
        self._emulator: object | None = None
        self._session: tuple[ClientFactory, str] | None = None

    def start(self) -> tuple[ClientFactory, str]:
        if self._session is None:
            from linkdesk import demo

            emulator, base_url = demo.start_demo()
            self._emulator = emulator
            self._session = (client_factory(base_url), demo.DEMO_KEY)
        return self._session

    def stop(self) -> None:
        if self._emulator is not None:
            self._emulator.stop()  # type: ignore[attr-defined]
            self._emulator = None


def run_gui(
    *,
    demo: bool,
    api_base: str | None,
    smoke: bool,
    argv: list[str],
    data_dir: str | None = None,
) -> int:
    """Open the window and run until it closes; the exit code of the application.

    While it runs, an uncaught exception shows a report instead of ending it
    (`CrashHandler`), reference cycles are collected on the GUI thread only
    (`GuiThreadCollector`), and a second start of linkdesk brings this window to the front
    (`SingleInstance`; --smoke runs take no part, --demo ones count among themselves).
    """
    app = create_application(argv)
    crash = CrashHandler(app).install()
    collector = GuiThreadCollector(app).start()
    try:
        return _run(app, crash, demo=demo, api_base=api_base, smoke=smoke, data_dir=data_dir)
    finally:
        collector.stop()
        crash.uninstall()
        # Whatever was logged, even if the window never came up.
        open_log_file()


def _run(
    app: QApplication,
    crash: CrashHandler,
    *,
    demo: bool,
    api_base: str | None,
    smoke: bool,
    data_dir: str | None,
) -> int:
    try:
        base_url = resolve_base_url(api_base, os.environ, demo=demo)
    except ConfigurationError as exc:
        print(f"linkdesk: {exc.message}", file=sys.stderr)
        return EXIT_CONFIGURATION

    instance = None
    if not smoke:
        from linkdesk.ui.single_instance import SingleInstance, instance_name

        instance = SingleInstance(instance_name(demo=demo, data_dir=data_dir), app)
        if not instance.claim():
            print("linkdesk is already open; its window was brought to the front.", file=sys.stderr)
            return 0

    demo_session = _Demo()
    services = Services(
        client_factory=client_factory(base_url),
        secrets=system_secret_store,
        settings=Settings(QSettingsStorage(QSettings())),
        api_base=base_url,
        demo=demo,
        start_demo=demo_session.start,
        history=HistoryOptions(history_path(data_folder(data_dir, os.environ))),
    )
    window = MainWindow(services)
    app.aboutToQuit.connect(window.shutdown)
    if instance is not None:
        from linkdesk.ui.single_instance import bring_to_front

        instance.activation_requested.connect(lambda: bring_to_front(window))
    if smoke:
        _exit_when_ready(app, window, until_methods=os.environ.get(SMOKE_UNTIL_ENV) == "methods")
    # A turn of the event loop after ready (whatever waits for ready goes first): the log
    # file, kept in memory until now, and the versions in it.
    window.ready.connect(lambda: QTimer.singleShot(0, lambda: _after_ready(crash)))
    window.show()
    try:
        code = app.exec()
    finally:
        window.shutdown()
        demo_session.stop()
    return code


def _after_ready(crash: CrashHandler) -> None:
    """Once the window is ready: open the log file (if logging asked for one), record
    hard crashes beside it, and log the versions (reading them costs some milliseconds)."""
    import platform

    path = open_log_file()
    if path is not None:
        crash.record_hard_crashes(path.parent)

    from PySide6 import __version__ as pyside_version

    from linkdesk import version

    log.info(
        "linkdesk %s, Qt %s (PySide6 %s), Python %s, %s",
        version(),
        qVersion(),
        pyside_version,
        platform.python_version(),
        platform.platform(),
    )


def _exit_when_ready(app: QApplication, window: MainWindow, *, until_methods: bool) -> None:
    """`--smoke`: exit 0 once the window is ready for input (and, until_methods, once the
    payment methods are loaded too), non-zero if it never is."""

    def done() -> None:
        # Quit the way Ctrl+Q does, by closing the window, so the exit is the real one.
        window.close()
        app.exit(0)

    def ready() -> None:
        print("linkdesk: ready", file=sys.stderr, flush=True)
        if not until_methods:
            done()

    def methods_loaded() -> None:
        print("linkdesk: payment methods loaded", file=sys.stderr, flush=True)
        done()

    def methods_failed(message: str) -> None:
        print(f"linkdesk: the payment methods did not load: {message}", file=sys.stderr)
        app.exit(EXIT_SMOKE_FAILED)

    def too_slow() -> None:
        waited = "the payment methods were not loaded" if until_methods else "not ready"
        print(f"linkdesk: {waited} after {SMOKE_TIMEOUT_MS // 1000} s", file=sys.stderr)
        app.exit(EXIT_SMOKE_TIMEOUT)

    window.ready.connect(ready)
    if until_methods:
        window.methods_loaded.connect(methods_loaded)
        window.methods_failed.connect(methods_failed)
    timer = QTimer(window)
    timer.setSingleShot(True)
    timer.timeout.connect(too_slow)
    timer.start(SMOKE_TIMEOUT_MS)
