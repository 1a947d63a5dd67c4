"""The emulator as a server: keep-alive, counters, start and stop, and what it imports."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from linkdesk.emulator import Emulator


def emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("linkdesk-emulator")]


def test_requests_share_one_keep_alive_connection(emulator, client, methods):
    for _ in range(100):
        response = client.post(
            "/payment-links", json={"amount_usd": 1, "payment_method_id": methods["default"]}
        )
        assert response.status_code == 201
    assert client.get("/payment-links").status_code == 200
    assert emulator.connections_opened() == 1
    assert emulator.links_created() == 100


def test_answers_carry_content_length_and_keep_alive(client):
    response = client.get("/health")
    assert response.http_version == "HTTP/1.1"
    assert response.headers["content-length"] == str(len(response.content))
    assert "close" not in response.headers.get("connection", "")


def test_every_new_client_is_a_new_connection(emulator, connect):
    for _ in range(3):
        connect(emulator).get("/health")
    assert emulator.connections_opened() == 3


def test_request_count_by_route(emulator, client):
    client.get("/health")
    client.get("/payment-links", params={"limit": 5})
    client.get("/payment-links")
    client.post("/payment-links", json={})
    client.get("/nowhere")
    assert emulator.request_count() == 5
    assert emulator.request_count("GET /v1/payment-links") == 2
    assert emulator.request_count("POST /v1/payment-links") == 1
    assert emulator.request_count("post /v1/payment-links") == 1
    assert emulator.request_count("/v1/payment-links") == 3
    assert emulator.request_count("GET /v1/nowhere") == 1
    assert emulator.request_count("GET /v1/payment-methods") == 0


def test_nagle_is_off_so_small_answers_are_quick(emulator, client):
    client.get("/health")
    started = time.perf_counter()
    for _ in range(20):
        client.get("/health")
    # With Nagle on, each answer on a reused connection waits ~40 ms for a delayed ACK.
    assert (time.perf_counter() - started) / 20 < 0.02


def test_stop_is_prompt_and_leaves_no_threads(connect):
    emulator = Emulator().start()
    client = connect(emulator)
    client.get("/health")  # an idle keep-alive connection stays open
    assert emulator_threads()
    started = time.monotonic()
    emulator.stop()
    assert time.monotonic() - started < 0.5
    assert emulator_threads() == []
    with pytest.raises(httpx.TransportError):
        client.get("/health")


def test_stop_twice_is_harmless():
    emulator = Emulator().start()
    emulator.stop()
    emulator.stop()


def test_an_emulator_starts_once():
    emulator = Emulator().start()
    try:
        with pytest.raises(RuntimeError):
            emulator.start()
    finally:
        emulator.stop()
    with pytest.raises(RuntimeError):
        emulator.start()


def test_context_manager_starts_and_stops(connect):
    with Emulator() as emulator:
        assert connect(emulator).get("/health").status_code == 200
        port = emulator.port
    with pytest.raises(RuntimeError):
        emulator.base_url  # noqa: B018 - reading it is the test
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_port_is_unknown_before_start():
    with pytest.raises(RuntimeError, match="start"):
        Emulator().port  # noqa: B018 - reading it is the test


def test_a_fixed_port(connect):
    with socket.socket() as finder:
        finder.bind(("127.0.0.1", 0))
        port = finder.getsockname()[1]
    with Emulator(port=port).start() as emulator:
        assert emulator.port == port
        assert emulator.base_url == f"http://127.0.0.1:{port}/v1"
        assert connect(emulator).get("/health").status_code == 200


def test_a_busy_port_fails_at_start():
    with Emulator().start() as first, pytest.raises(OSError, match="in use"):
        Emulator(port=first.port).start()


def test_clock_must_be_aware(connect):
    with Emulator(clock=lambda: datetime(2025, 1, 1)).start() as emulator:
        response = connect(emulator).get("/payment-links")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_server_error"


def test_a_clock_in_another_zone_still_writes_utc(connect, methods_of, key):
    zone = timezone(timedelta(hours=5, minutes=30))
    moment = datetime(2025, 6, 1, 12, 0, 30, tzinfo=zone)
    with Emulator(clock=lambda: moment).start() as emulator:
        method = methods_of(emulator, key)["default"]
        link = connect(emulator).post(
            "/payment-links",
            json={"amount_usd": 1, "payment_method_id": method, "expires_in_seconds": 300},
        )
        assert link.json()["created_at"] == "2025-06-01T06:30:30Z"
        assert link.json()["expires_at"] == "2025-06-01T06:35:30Z"


def test_invalid_keys_are_refused_by_the_python_api(emulator):
    with pytest.raises(ValueError, match="secret key") as caught:
        emulator.links_created("sk_test_tooshort")
    assert "tooshort" not in str(caught.value)
    with pytest.raises(ValueError, match="secret key"):
        emulator.add_links("pk_test_0123456789abcdefFAKE", 1)


def test_importing_the_emulator_pulls_in_neither_qt_nor_httpx():
    probe = (
        "import sys, linkdesk.emulator\n"
        "heavy = {'PySide6', 'shiboken6', 'httpx', 'httpcore'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy"
        " or m.startswith('linkdesk.core')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=30
    )
    assert result.stdout.strip() == "[]"


def _ipv6_loopback_works() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback_works(), reason="no IPv6 loopback here")
def test_an_ipv6_host(connect):
    with Emulator(host="::1").start() as emulator:
        assert emulator.base_url == f"http://[::1]:{emulator.port}/v1"
        assert connect(emulator).get("/health").status_code == 200
