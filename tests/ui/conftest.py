"""Fixtures for the window tests: a real emulator on loopback, temp settings, a memory keyring."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable

import pytest
from PySide6.QtCore import QSettings

from linkdesk.core.secrets import SecretStore
from linkdesk.core.settings import Settings
from linkdesk.emulator import Emulator
from linkdesk.ui.main import client_factory
from linkdesk.ui.main_window import MainWindow, Services
from linkdesk.ui.qsettings_store import QSettingsStorage
from linkdesk.ui.worker import ClientFactory
from tests.keyring_memory import MemoryKeyring

_keys = itertools.count(1)

# Retries without the real 1-2-4 s waits, and a timeout short enough for a hung answer.
FAST = {"timeout": 3.0, "backoff": (0.01, 0.01, 0.01), "max_retry_after": 0.05}


@pytest.fixture
def emulator():
    emulator = Emulator(port=0).start()
    yield emulator
    emulator.stop()


@pytest.fixture
def api_key() -> str:
    """A sandbox key of its own for each test, so the emulator's counts are the test's."""
    return f"sk_test_uitest{os.getpid()}x{next(_keys):012d}"


@pytest.fixture
def factory(emulator) -> ClientFactory:
    return client_factory(emulator.base_url, **FAST)


@pytest.fixture
def settings_path(tmp_path):
    return str(tmp_path / "linkdesk.ini")


@pytest.fixture
def settings(settings_path) -> Settings:
    return Settings(QSettingsStorage(QSettings(settings_path, QSettings.Format.IniFormat)))


@pytest.fixture
def keyring_backend() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def services(factory, settings, keyring_backend, api_key, emulator) -> Services:
    """Services for a window with a known key, talking to the emulator."""
    return Services(
        client_factory=factory,
        secrets=SecretStore(backend=keyring_backend),
        settings=settings,
        api_base=emulator.base_url,
        api_key=api_key,
        start_demo=lambda: (factory, api_key),
    )


@pytest.fixture
def open_window(qtbot) -> Callable[..., MainWindow]:
    """Build a window from services, show it and wait until it is ready for input, then
    (settle) until its start-up work is done: the payment methods loaded, or the key
    dialog open.

    The windows are kept until the test ends, so pytest-qt closes them the way a person
    would (closeEvent and all) rather than Python freeing them.
    """
    opened: list[MainWindow] = []

    def open_(services: Services, *, wait_ready: bool = True, settle: bool = True) -> MainWindow:
        window = MainWindow(services)
        opened.append(window)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        if wait_ready:
            qtbot.waitUntil(lambda: window.is_ready, timeout=10_000)
        if wait_ready and settle:
            qtbot.waitUntil(
                lambda: window.form.methods_ready or window.key_dialog is not None,
                timeout=10_000,
            )
        return window

    return open_


class Gate:
    """Holds whatever calls `wait()` on a worker thread until the test opens it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self._open = threading.Event()

    def wait(self) -> None:
        self.entered.set()
        # Bounded, so a failing test cannot leave a worker thread waiting forever.
        self._open.wait(timeout=10)

    def open(self) -> None:
        self._open.set()


@pytest.fixture
def gate():
    """A `Gate`. Open it in the test: pytest-qt closes the windows before fixtures end,
    and closing waits for a worker held at the gate (10 s at most)."""
    gate = Gate()
    yield gate
    gate.open()


@pytest.fixture
def gated_factory(factory, gate) -> ClientFactory:
    """A client factory that waits at the gate: the API thread is busy until it opens."""

    def make_client(api_key: str):
        gate.wait()
        return factory(api_key)

    return make_client


@pytest.fixture
def window(open_window, services) -> MainWindow:
    return open_window(services)
