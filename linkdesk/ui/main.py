"""Start the window: the QApplication, the services the window is given, and `--smoke`."""

from __future__ import annotations

import functools
import os
import sys
from importlib import resources
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from linkdesk.core.billing import BillingClient, resolve_base_url
from linkdesk.core.errors import ConfigurationError
from linkdesk.core.settings import Settings
from linkdesk.ui.main_window import MainWindow, Services
from linkdesk.ui.qsettings_store import QSettingsStorage
from linkdesk.ui.worker import ClientFactory

if TYPE_CHECKING:
    from linkdesk.core.secrets import SecretStore

APP_NAME = "linkdesk"
SMOKE_TIMEOUT_MS = 20_000
EXIT_SMOKE_TIMEOUT = 3
EXIT_CONFIGURATION = 2


def client_factory(base_url: str, **options: object) -> ClientFactory:
    """A `ClientFactory` for one API address (options go to `BillingClient`)."""
    return functools.partial(BillingClient, base_url=base_url, **options)  # type: ignore[arg-type]


def resource_text(name: str) -> str | None:
    """A file shipped in linkdesk/ui/resources, or None when it is missing."""
    try:
        return resources.files("linkdesk.ui").joinpath("resources", name).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None


def resource_path(name: str) -> str | None:
    path = resources.files("linkdesk.ui").joinpath("resources", name)
    return str(path) if path.is_file() else None


def create_application(argv: list[str]) -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setDesktopFileName(APP_NAME)
    icon = resource_path("linkdesk.svg")
    if icon:
        app.setWindowIcon(QIcon(icon))
    style = resource_text("linkdesk.qss")
    if style:
        app.setStyleSheet(style)
    return app


def system_secret_store() -> SecretStore:
    """The system keyring's store; called on the keyring thread (finding one can block),
    and only when a key is needed, so demo mode never loads keyring at all."""
    from linkdesk.core.secrets import SecretStore

    return SecretStore()


class _Demo:
    """Starts the demo emulator once, on first use, and stops it at the end."""

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


def run_gui(*, demo: bool, api_base: str | None, smoke: bool, argv: list[str]) -> int:
    """Open the window and run until it closes; the exit code of the application."""
    app = create_application(argv)
    try:
        base_url = resolve_base_url(api_base, os.environ)
    except ConfigurationError as exc:
        print(f"linkdesk: {exc.message}", file=sys.stderr)
        return EXIT_CONFIGURATION

    demo_session = _Demo()
    services = Services(
        client_factory=client_factory(base_url),
        secrets=system_secret_store,
        settings=Settings(QSettingsStorage(QSettings())),
        api_base=base_url,
        demo=demo,
        start_demo=demo_session.start,
    )
    window = MainWindow(services)
    app.aboutToQuit.connect(window.shutdown)
    if smoke:
        _exit_when_ready(app, window)
    window.show()
    try:
        code = app.exec()
    finally:
        window.shutdown()
        demo_session.stop()
    return code


def _exit_when_ready(app: QApplication, window: MainWindow) -> None:
    """`--smoke`: exit 0 once the window is ready for input, non-zero if it never is."""

    def ready() -> None:
        print("linkdesk: ready", file=sys.stderr)
        app.exit(0)

    def too_slow() -> None:
        print(
            f"linkdesk: the window was not ready after {SMOKE_TIMEOUT_MS // 1000} s",
            file=sys.stderr,
        )
        app.exit(EXIT_SMOKE_TIMEOUT)

    window.ready.connect(ready)
    timer = QTimer(window)
    timer.setSingleShot(True)
    timer.timeout.connect(too_slow)
    timer.start(SMOKE_TIMEOUT_MS)
