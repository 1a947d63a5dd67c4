"""Start the window: the QApplication, the services the window is given, and `--smoke`.

Nothing slow is loaded here: the window must be on screen before the HTTP stack, the
keyring or the demo emulator are needed, and those are loaded on the worker threads.
`--smoke` exits once the window is ready for input; with `LINKDESK_SMOKE_UNTIL=methods`
it waits for the payment methods as well, which proves the whole API path.
"""

from __future__ import annotations

import _signal
import logging
import os
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, QTimer, Slot, qVersion
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
    import socket

    from PySide6.QtCore import QSocketNotifier

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


class InterruptCloses(QObject):
    """Ctrl+C in the terminal (SIGINT) closes the window the way Ctrl+Q does, then quits.

    Python's default turns SIGINT into a KeyboardInterrupt in whatever slot runs next: a
    traceback, and the window stays open. Python runs a signal handler only between its
    own bytecodes, and Qt's event loop waiting for events runs none; `wake_on_signals`
    makes the signal itself wake the loop (`signal.set_wakeup_fd` writes a byte that a
    `QSocketNotifier` sees), so Python gets its turn at once. It is called once the
    window is ready: before that, Python code runs all the time anyway.
    """

    def __init__(self, app: QApplication, window: MainWindow, held: Sequence[int] = ()) -> None:
        """Take Ctrl+C over; `held` lists the ones that came while the window was being
        built (linkdesk.app holds them until now)."""
        super().__init__(app)
        self._app = app
        self._window = window
        self._previous: Any = None
        self._ends: tuple[socket.socket, socket.socket] | None = None
        self._notifier: QSocketNotifier | None = None
        # Handlers and wake-up can only be set from the main thread (tests run others).
        self._enabled = threading.current_thread() is threading.main_thread()
        if self._enabled:
            # _signal is the C module under signal, with the same calls; signal itself
            # builds enums on import, half a millisecond of the window's start.
            self._previous = _signal.signal(_signal.SIGINT, self._on_interrupt)
        if held:
            self._on_interrupt(_signal.SIGINT, None)

    def _on_interrupt(self, _signum: int, _frame: FrameType | None) -> None:
        # Not in the middle of whatever Python code the signal arrived in: from the loop.
        QTimer.singleShot(0, self, self.close_window)

    @Slot()
    def close_window(self) -> None:
        self._window.close()
        # A dialog left open (a problem report) would keep the application running.
        self._app.quit()

    def wake_on_signals(self) -> None:
        if not self._enabled or self._ends is not None:
            return
        import socket

        from PySide6.QtCore import QSocketNotifier

        reader, writer = socket.socketpair()  # a pipe on POSIX would do; Windows needs this
        reader.setblocking(False)
        writer.setblocking(False)
        _signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        self._ends = (reader, writer)
        self._notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self.on_notifier_activated)

    @Slot()
    def on_notifier_activated(self) -> None:
        # Python has run the handler on entering this slot; empty the pipe for the next.
        if self._ends is not None:
            try:
                while self._ends[0].recv(512):
                    pass
            except BlockingIOError:
                pass

    def uninstall(self) -> None:
        if not self._enabled:
            return
        self._enabled = False
        if self._ends is not None:
            _signal.set_wakeup_fd(-1)
            if self._notifier is not None:
                self._notifier.setEnabled(False)
            for end in self._ends:
                end.close()
            self._ends = None
        if self._previous is not None:  # None: a handler set outside Python, left alone
            _signal.signal(_signal.SIGINT, self._previous)


def run_gui(
    *,
    demo: bool,
    api_base: str | None,
    smoke: bool,
    argv: list[str],
    data_dir: str | None = None,
    interrupts: Sequence[int] = (),
) -> int:
    """Open the window and run until it closes; the exit code of the application.

    While it runs, an uncaught exception shows a report instead of ending it
    (`CrashHandler`), reference cycles are collected on the GUI thread only
    (`GuiThreadCollector`), a second start of linkdesk brings this window to the front
    (`SingleInstance`; --smoke runs take no part, --demo ones count among themselves), and
    Ctrl+C in the terminal closes the window as Ctrl+Q does, with exit code 0
    (`InterruptCloses`): the window ends the usual way, its size and workers seen to.
    `interrupts` are the Ctrl+C presses `linkdesk.app` held while this was loading.
    """
    app = create_application(argv)
    crash = CrashHandler(app).install()
    collector = GuiThreadCollector(app).start()
    try:
        return _run(
            app,
            crash,
            demo=demo,
            api_base=api_base,
            smoke=smoke,
            data_dir=data_dir,
            interrupts=interrupts,
        )
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
    interrupts: Sequence[int],
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
    interrupt = InterruptCloses(app, window, interrupts)
    if instance is not None:
        from linkdesk.ui.single_instance import bring_to_front

        instance.activation_requested.connect(lambda: bring_to_front(window))
    if smoke:
        _exit_when_ready(app, window, until_methods=os.environ.get(SMOKE_UNTIL_ENV) == "methods")
    # A turn of the event loop after ready (whatever waits for ready goes first): the log
    # file, kept in memory until now, and the versions in it.
    window.ready.connect(lambda: QTimer.singleShot(0, lambda: _after_ready(crash, interrupt)))
    window.show()
    try:
        code = app.exec()
    finally:
        interrupt.uninstall()
        window.shutdown()
        demo_session.stop()
    return code


def _after_ready(crash: CrashHandler, interrupt: InterruptCloses) -> None:
    """Once the window is ready: let Ctrl+C wake the event loop, open the log file (if
    logging asked for one), record hard crashes beside it, and log the versions (reading
    them costs some milliseconds)."""
    import platform

    interrupt.wake_on_signals()

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
