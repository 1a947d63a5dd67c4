"""Injected faults as a client sees them, and whether the emulator did the work behind them."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from linkdesk.emulator import Emulator, Fault

CREATE = "POST /v1/payment-links"


@pytest.fixture
def create(client, methods):
    """POST one link with an Idempotency-Key, so a retry can find out what happened."""

    def send(http: httpx.Client = client, key: str = "retry-me") -> httpx.Response:
        return http.post(
            "/payment-links",
            json={"amount_usd": 12.5, "payment_method_id": methods["default"]},
            headers={"Idempotency-Key": key},
        )

    return send


def test_fault_values_are_the_documented_names():
    assert {fault.value for fault in Fault} == {
        "500",
        "502_html",
        "503",
        "429",
        "hang",
        "drop_before_body",
        "drop_mid_body",
        "non_json_200",
        "incomplete_201",
    }
    assert Fault("502_html") is Fault.BAD_GATEWAY_HTML
    assert isinstance(Fault.HANG, str)
    after = {fault for fault in Fault if fault.after_work}
    assert after == {Fault.HANG, Fault.DROP_MID_BODY, Fault.NON_JSON_200, Fault.INCOMPLETE_201}


# before the work: nothing is created


def test_500(emulator, create):
    emulator.add_fault("500", route=CREATE)
    response = create()
    assert response.status_code == 500
    assert response.json()["error"] == {
        "type": "internal_error",
        "code": "internal_server_error",
        "message": "An unexpected error occurred.",
        "param": None,
    }
    assert emulator.links_created() == 0
    assert create().status_code == 201


def test_502_html(emulator, create):
    emulator.add_fault(Fault.BAD_GATEWAY_HTML)
    response = create()
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert b"502 Bad Gateway" in response.content
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert emulator.links_created() == 0


def test_503(emulator, create):
    emulator.add_fault("503")
    response = create()
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert emulator.links_created() == 0


def test_429_with_default_retry_after(emulator, create):
    emulator.add_fault("429")
    response = create()
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["type"] == "rate_limited"
    assert emulator.links_created() == 0


@pytest.mark.parametrize(("seconds", "header"), [(3, "3"), (0.2, "1"), (0, "0")])
def test_429_retry_after_is_configurable(emulator, create, seconds, header):
    emulator.add_fault("429", seconds=seconds)
    assert create().headers["retry-after"] == header


def test_drop_before_body(emulator, create):
    emulator.add_fault("drop_before_body", route=CREATE)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        create()
    assert emulator.links_created() == 0
    retried = create()
    assert retried.status_code == 201  # the first attempt left nothing to replay


# after the work: the link exists, the answer is lost


def test_drop_mid_body(emulator, create):
    emulator.add_fault("drop_mid_body", route=CREATE)
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        create()
    assert emulator.links_created() == 1
    retried = create()
    assert retried.status_code == 200
    assert retried.headers["idempotent-replayed"] == "true"
    assert emulator.links_created() == 1


def test_drop_mid_body_sends_half_of_what_it_promised(emulator, client, methods):
    emulator.add_fault("drop_mid_body")
    with client.stream(
        "POST",
        "/payment-links",
        json={"amount_usd": 1, "payment_method_id": methods["default"]},
    ) as response:
        assert response.status_code == 201
        promised = int(response.headers["content-length"])
        received = bytearray()

        def read_everything() -> None:
            for chunk in response.iter_raw():
                received.extend(chunk)

        with pytest.raises(httpx.RemoteProtocolError):
            read_everything()
    assert len(received) == promised // 2


def test_non_json_200(emulator, create):
    emulator.add_fault("non_json_200")
    response = create()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert emulator.links_created() == 1
    assert create().status_code == 200  # the retry finds the link


def test_incomplete_201(emulator, create):
    emulator.add_fault("incomplete_201", route=CREATE)
    response = create()
    assert response.status_code == 201
    partial = response.json()
    assert "id" not in partial
    assert "url" not in partial
    assert partial["amount_usd"] == 12.5
    assert emulator.links_created() == 1
    complete = create().json()
    assert complete["url"] == "https://pay.billing.io/" + complete["id"]


def test_incomplete_on_a_list_drops_its_data(emulator, client):
    emulator.add_fault("incomplete_201", route="GET /v1/payment-methods")
    response = client.get("/payment-methods")
    assert response.status_code == 200
    assert response.json() == {"next_cursor": None}


def test_hang_outlasts_the_client_timeout(emulator, connect, create):
    emulator.add_fault("hang", route=CREATE, seconds=2)
    impatient = connect(emulator, timeout=0.5)
    with pytest.raises(httpx.ReadTimeout):
        create(impatient)
    assert emulator.links_created() == 1
    assert create(connect(emulator)).status_code == 200


def test_hang_answers_late_to_a_patient_client(emulator, create):
    emulator.add_fault("hang", seconds=0.3)
    started = time.monotonic()
    response = create()
    assert time.monotonic() - started >= 0.3
    assert response.status_code == 201


def test_stop_releases_a_hanging_answer_at_once(connect):
    emulator = Emulator().start()
    try:
        emulator.add_fault("hang", seconds=30)
        with pytest.raises(httpx.ReadTimeout):
            connect(emulator, timeout=0.2).get("/payment-links")
        # The handler is still waiting out its 30 seconds.
    finally:
        started = time.monotonic()
        emulator.stop()
        stopped_in = time.monotonic() - started
    assert stopped_in < 1.0
    alive = [t for t in threading.enumerate() if t.name.startswith("linkdesk-emulator")]
    assert alive == []


# choosing which requests get a fault


def test_route_scoped_faults_leave_other_routes_alone(emulator, client, create):
    emulator.add_fault("500", count=2, route=CREATE)
    assert client.get("/health").status_code == 200
    assert client.get("/payment-links").status_code == 200
    assert client.get("/payment-methods").status_code == 200
    assert client.post("/payment-methods", json={}).status_code == 400
    assert emulator.faults_pending() == 2
    assert create().status_code == 500
    assert create().status_code == 500
    assert create().status_code == 201
    assert emulator.faults_pending() == 0


def test_a_bare_path_matches_every_method(emulator, client):
    emulator.add_fault("503", count=2, route="/v1/payment-links")
    assert client.get("/payment-methods").status_code == 200
    assert client.get("/payment-links").status_code == 503
    assert client.post("/payment-links", json={}).status_code == 503
    assert client.get("/payment-links").status_code == 200


def test_unscoped_faults_hit_any_request(emulator, client):
    emulator.add_fault("503", count=3)
    statuses = [client.get(path).status_code for path in ("/health", "/payment-links", "/x")]
    assert statuses == [503, 503, 503]
    assert client.get("/health").status_code == 200


def test_faults_are_served_in_order(emulator, client):
    emulator.add_fault("500")
    emulator.add_fault("503", count=2)
    emulator.add_fault("429")
    statuses = [client.get("/health").status_code for _ in range(5)]
    assert statuses == [500, 503, 503, 429, 200]


def test_clear_faults(emulator, client):
    emulator.add_fault("500", count=10)
    emulator.clear_faults()
    assert emulator.faults_pending() == 0
    assert client.get("/health").status_code == 200


def test_keep_alive_survives_answered_faults(emulator, client):
    for kind in ("500", "502_html", "503", "429", "non_json_200", "incomplete_201"):
        emulator.add_fault(kind)
        client.get("/payment-links")
    assert client.get("/payment-links").status_code == 200
    assert emulator.connections_opened() == 1


@pytest.mark.parametrize(
    ("kind", "count", "route", "seconds"),
    [
        ("404", 1, None, None),
        ("hang", 0, None, None),
        ("hang", True, None, None),
        ("hang", 1, "POST", None),
        ("hang", 1, "POST /a b", None),
        ("hang", 1, None, -1),
    ],
)
def test_add_fault_refuses_nonsense(emulator, kind, count, route, seconds):
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        emulator.add_fault(kind, count=count, route=route, seconds=seconds)
    assert emulator.faults_pending() == 0
