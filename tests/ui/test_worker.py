"""The worker threads: jobs in and outcomes out by signal, off the GUI thread, clean stops."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QCoreApplication

from linkdesk.core.billing import RetryNotice
from linkdesk.core.errors import Cancelled, ConfigurationError, InvalidKey, LinkdeskError
from linkdesk.core.links import Environment, LinkRequest, PaymentLink, PaymentMethod
from linkdesk.core.secrets import SecretStore
from linkdesk.ui.main import client_factory
from linkdesk.ui.worker import ActiveKey, ApiService, KeyService, KeyStatus, KeyTest
from tests.keyring_memory import MemoryKeyring


class Outcomes:
    """Collects a host's outcomes by job id."""

    def __init__(self, host) -> None:
        self.results: dict[int, object] = {}
        host.finished.connect(self.results.__setitem__)
        host.failed.connect(self.results.__setitem__)

    def wait(self, qtbot, job_id: int, timeout: int = 10_000) -> object:
        qtbot.waitUntil(lambda: job_id in self.results, timeout=timeout)
        return self.results[job_id]


@pytest.fixture
def api(qtbot):
    service = ApiService()
    yield service
    service.stop()


def test_methods_and_links_come_back_as_plain_objects(qtbot, api, factory, api_key, emulator):
    outcomes = Outcomes(api)
    assert outcomes.wait(qtbot, api.use(factory, api_key)) is Environment.SANDBOX
    methods = outcomes.wait(qtbot, api.list_methods())
    assert [m.label for m in methods] == ["USDT on Tron", "USDC on Base"]
    assert all(isinstance(m, PaymentMethod) for m in methods)
    request = LinkRequest.build("3.50", methods[0].id)
    first = outcomes.wait(qtbot, api.create_link(request, "key-1"))
    again = outcomes.wait(qtbot, api.create_link(request, "key-1"))
    assert isinstance(first, PaymentLink)
    assert again == first
    assert emulator.links_created(api_key) == 1
    assert emulator.connections_opened() == 1


def test_without_a_key_every_call_says_how_to_add_one(qtbot, api):
    outcomes = Outcomes(api)
    error = outcomes.wait(qtbot, api.list_methods())
    assert isinstance(error, ConfigurationError)
    assert "File > Keys…" in error.message


def test_a_bad_key_or_a_bug_becomes_a_sentence_not_a_traceback(qtbot, api, caplog):
    outcomes = Outcomes(api)
    assert isinstance(
        outcomes.wait(qtbot, api.use(client_factory("http://127.0.0.1:9/v1"), "x")), InvalidKey
    )

    def broken(_key: str):
        raise RuntimeError("a bug")

    error = outcomes.wait(qtbot, api.use(broken, "sk_test_abcdefghijklmnop"))
    assert type(error) is LinkdeskError
    assert error.message == LinkdeskError.default_message
    assert "background job use failed" in caplog.text


def test_retry_notices_reach_the_gui_thread_and_cancel_stops_the_waits(
    qtbot, api, emulator, api_key
):
    slow = client_factory(emulator.base_url, backoff=(30.0,), max_retries=3)
    outcomes = Outcomes(api)
    notices: list[RetryNotice] = []
    api.retrying.connect(notices.append)
    outcomes.wait(qtbot, api.use(slow, api_key))
    emulator.add_fault("503", count=10)
    job = api.list_methods()
    qtbot.waitUntil(lambda: len(notices) == 1)
    assert notices[0].text.endswith("Retrying (1 of 3)…")
    started = time.monotonic()
    api.cancel(job)
    assert isinstance(outcomes.wait(qtbot, job), Cancelled)
    assert time.monotonic() - started < 2


def test_a_key_test_uses_a_client_of_its_own(qtbot, api, factory, api_key, emulator):
    outcomes = Outcomes(api)
    result = outcomes.wait(qtbot, api.test_key(factory, api_key))
    assert result == KeyTest(Environment.SANDBOX, 2)
    assert result.sentence == "The key works: TEST account with 2 active payment methods."
    assert KeyTest(Environment.LIVE, 1).sentence.endswith("1 active payment method.")
    assert "no active payment method" in KeyTest(Environment.LIVE, 0).sentence


def test_stop_is_safe_twice_and_later_jobs_are_dropped(qtbot):
    service = ApiService()
    outcomes = Outcomes(service)
    service.stop()
    service.stop()
    assert not service.running
    service.list_methods()
    QCoreApplication.processEvents()
    assert outcomes.results == {}


def test_the_thread_starts_with_the_first_job(qtbot, factory, api_key):
    service = ApiService()
    try:
        assert not service.started
        outcomes = Outcomes(service)
        assert outcomes.wait(qtbot, service.use(factory, api_key)) is Environment.SANDBOX
        assert service.started
    finally:
        service.stop()
    unused = KeyService(SecretStore(backend=MemoryKeyring()))
    unused.stop()
    assert not unused.started


def test_stop_waits_for_the_job_running_and_skips_the_queued_ones(
    qtbot, api, gated_factory, gate, factory, api_key, emulator
):
    made: list[str] = []

    def counting(key: str):
        made.append(key)
        return factory(key)

    outcomes = Outcomes(api)
    first = api.use(gated_factory, api_key)
    queued = [api.use(counting, api_key), api.list_methods()]
    qtbot.waitUntil(gate.entered.is_set)
    threading.Timer(0.2, gate.open).start()
    started = time.monotonic()
    api.stop()
    assert time.monotonic() - started < 3
    assert made == []
    assert emulator.request_count() == 0
    QCoreApplication.processEvents()
    assert set(outcomes.results) & {first, *queued} == set()


def test_the_demo_starts_on_the_api_thread_and_keeps_the_old_client_if_it_cannot(
    qtbot, api, factory, api_key
):
    started_on: list[int] = []

    def start_demo():
        started_on.append(threading.get_ident())
        return factory, api_key

    def broken():
        raise OSError("no free port")

    outcomes = Outcomes(api)
    assert outcomes.wait(qtbot, api.use_demo(start_demo)) is Environment.SANDBOX
    assert started_on
    assert threading.get_ident() not in started_on
    assert type(outcomes.wait(qtbot, api.use_demo(broken))) is LinkdeskError
    methods = outcomes.wait(qtbot, api.list_methods())
    assert [m.label for m in methods] == ["USDT on Tron", "USDC on Base"]


class ThreadRecordingKeyring(MemoryKeyring):
    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()

    def get_password(self, service: str, username: str) -> str | None:
        self.threads.add(threading.get_ident())
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.add(threading.get_ident())
        super().set_password(service, username, password)


def test_the_keyring_is_only_touched_off_the_gui_thread(qtbot, api_key):
    backend = ThreadRecordingKeyring()
    made_on: list[int] = []

    def make_store() -> SecretStore:
        made_on.append(threading.get_ident())
        return SecretStore(backend=backend)

    keys = KeyService(make_store)
    try:
        outcomes = Outcomes(keys)
        assert outcomes.wait(qtbot, keys.load()) == ActiveKey(
            None,
            None,
            KeyStatus(((Environment.SANDBOX, None), (Environment.LIVE, None)), None, True),
        )
        saved = outcomes.wait(qtbot, keys.save(api_key))
        assert saved.key == api_key
        assert saved.environment is Environment.SANDBOX
        status = outcomes.wait(qtbot, keys.status())
        assert status.keys[0][1].startswith("sk_test_…")
        cleared = outcomes.wait(qtbot, keys.clear(Environment.SANDBOX))
        assert cleared.key is None
        assert isinstance(outcomes.wait(qtbot, keys.save("nonsense")), InvalidKey)
    finally:
        keys.stop()
    assert made_on
    assert threading.get_ident() not in made_on
    assert backend.threads
    assert threading.get_ident() not in backend.threads
