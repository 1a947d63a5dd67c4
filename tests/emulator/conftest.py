"""Fixtures for the emulator's tests: a running emulator, a settable clock, httpx clients."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from linkdesk.emulator import Emulator

# Obviously fake keys; each is its own organization in the emulator.
TEST_KEY = "sk_test_0123456789abcdefFAKE"


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: datetime = datetime(2025, 1, 31, 9, 30, 0, 750_000, tzinfo=UTC)):
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += timedelta(**delta)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """A started emulator on a free loopback port, stopped after the test."""
    with Emulator().start() as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def clocked_emulator(clock: FakeClock) -> Iterator[Emulator]:
    """A started emulator whose time is `clock`."""
    with Emulator(clock=clock).start() as running:
        yield running


@pytest.fixture(scope="session")
def tls_context() -> ssl.SSLContext:
    # The emulator speaks plain HTTP, but every httpx.Client builds a TLS context anyway,
    # ~20 ms each; sharing one keeps the folder fast.
    return ssl.create_default_context()


@pytest.fixture
def connect(tls_context: ssl.SSLContext) -> Iterator[Callable[..., httpx.Client]]:
    """Make httpx clients for an emulator (with a key unless key=None); all closed afterwards."""
    clients: list[httpx.Client] = []

    def make(emulator: Emulator, key: str | None = TEST_KEY, timeout: float = 5.0) -> httpx.Client:
        headers = {} if key is None else {"Authorization": f"Bearer {key}"}
        client = httpx.Client(
            base_url=emulator.base_url, headers=headers, timeout=timeout, verify=tls_context
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(emulator: Emulator, connect: Callable[..., httpx.Client]) -> httpx.Client:
    """An httpx client for `emulator`, authenticated with the test key."""
    return connect(emulator)


@pytest.fixture
def key() -> str:
    """The API key the `client` fixture uses."""
    return TEST_KEY


@pytest.fixture
def methods_of() -> Callable[[Emulator, str], dict[str, str]]:
    """Look up a key's seeded payment method ids by role: default, limited, disabled."""

    def lookup(emulator: Emulator, api_key: str) -> dict[str, str]:
        found = emulator.payment_methods(api_key)
        return {
            "default": next(m["id"] for m in found if m["is_default"]),
            "limited": next(m["id"] for m in found if m["min_amount_usd"] is not None),
            "disabled": next(m["id"] for m in found if m["status"] == "disabled"),
        }

    return lookup


@pytest.fixture
def methods(
    emulator: Emulator, methods_of: Callable[[Emulator, str], dict[str, str]]
) -> dict[str, str]:
    """The test key's seeded payment method ids in `emulator`, by role."""
    return methods_of(emulator, TEST_KEY)
