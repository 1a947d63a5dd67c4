"""Idempotency-Key on the emulator's creates: replays, conflicts, 24-hour expiry, concurrency."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

OTHER_KEY = "sk_test_OTHERorganization0000"


@pytest.fixture
def post(client):
    def send(raw: str, key: str | None = "key-1", path: str = "/payment-links"):
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return client.post(path, content=raw.encode(), headers=headers)

    return send


def link_body(method_id: str, amount: str = "29.99", extra: str = "") -> str:
    return f'{{"amount_usd": {amount}, "payment_method_id": "{method_id}"{extra}}}'


def test_same_key_and_body_replays_the_original(post, emulator, methods):
    first = post(link_body(methods["default"]))
    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers

    again = post(link_body(methods["default"]))
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content
    assert emulator.links_created() == 1


def test_replay_compares_json_values_not_bytes(post, emulator, methods):
    method = methods["default"]
    first = post(f'{{"amount_usd": 29.99, "payment_method_id": "{method}"}}')
    # Other key order, other spacing, the same number written differently.
    again = post(f'{{ "payment_method_id" : "{method}",\n "amount_usd": 29.990 }}')
    assert again.status_code == 200
    assert again.json() == first.json()
    assert emulator.links_created() == 1


@pytest.mark.parametrize(
    ("second_amount", "second_extra"),
    [
        ("30.00", ', "flag": true'),
        ("29.99", ', "flag": true, "description": "changed"'),
        ("29.99", ', "flag": 1'),  # equal in Python (True == 1), not in JSON
    ],
)
def test_same_key_other_body_is_409(post, emulator, methods, second_amount, second_extra):
    assert post(link_body(methods["default"], extra=', "flag": true')).status_code == 201
    conflict = post(link_body(methods["default"], second_amount, second_extra))
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (
        "idempotency_conflict",
        "idempotency_key_reused",
        None,
    )
    assert emulator.links_created() == 1


def test_without_a_key_every_post_creates(post, emulator, methods):
    for _ in range(3):
        assert post(link_body(methods["default"]), key=None).status_code == 201
    assert emulator.links_created() == 3


def test_different_keys_create_different_links(post, emulator, methods):
    first = post(link_body(methods["default"]), key="a").json()
    second = post(link_body(methods["default"]), key="b").json()
    assert first["id"] != second["id"]
    assert emulator.links_created() == 2


def test_keys_are_per_organization(post, emulator, connect, methods, methods_of):
    assert post(link_body(methods["default"]), key="shared").status_code == 201
    other = connect(emulator, OTHER_KEY)
    response = other.post(
        "/payment-links",
        content=link_body(methods_of(emulator, OTHER_KEY)["default"]).encode(),
        headers={"Idempotency-Key": "shared"},
    )
    assert response.status_code == 201
    assert emulator.links_created(OTHER_KEY) == 1


def test_refused_requests_are_not_remembered(post, emulator, methods):
    refused = post(link_body(methods["default"], amount="0"))
    assert refused.status_code == 400
    fixed = post(link_body(methods["default"]))
    assert fixed.status_code == 201
    assert emulator.links_created() == 1


def test_a_key_used_on_another_route_conflicts(post, methods):
    assert post(link_body(methods["default"])).status_code == 201
    response = post(link_body(methods["default"]), path="/payment-methods")
    assert response.status_code == 409


def test_payment_method_creates_are_idempotent_too(post, emulator, key):
    raw = '{"wallet_id": "w", "chain": "base", "token": "USDT"}'
    first = post(raw, key="pm-1", path="/payment-methods")
    again = post(raw, key="pm-1", path="/payment-methods")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert len(emulator.payment_methods(key)) == 4


def test_keys_live_24_hours(clocked_emulator, clock, connect, methods_of, key):
    client = connect(clocked_emulator)
    raw = link_body(methods_of(clocked_emulator, key)["default"])

    def send():
        return client.post("/payment-links", content=raw, headers={"Idempotency-Key": "k"})

    original = send()
    assert original.status_code == 201
    clock.advance(hours=23, minutes=59, seconds=59)
    replay = send()
    assert replay.status_code == 200
    assert replay.json()["id"] == original.json()["id"]
    assert clocked_emulator.links_created() == 1

    clock.advance(seconds=1)
    fresh = send()
    assert fresh.status_code == 201
    assert fresh.json()["id"] != original.json()["id"]
    assert clocked_emulator.links_created() == 2


def test_an_expired_key_no_longer_conflicts(clocked_emulator, clock, connect, methods_of, key):
    client = connect(clocked_emulator)
    method = methods_of(clocked_emulator, key)["default"]
    headers = {"Idempotency-Key": "k"}
    client.post("/payment-links", content=link_body(method), headers=headers)
    clock.advance(hours=24)
    other_body = client.post("/payment-links", content=link_body(method, "5"), headers=headers)
    assert other_body.status_code == 201


def test_concurrent_retries_create_one_link(emulator, connect, methods):
    raw = link_body(methods["default"])
    statuses: Counter[int] = Counter()
    ids: set[str] = set()
    lock = threading.Lock()
    start = threading.Barrier(8)

    clients = [connect(emulator) for _ in range(8)]

    def retry(client) -> None:
        start.wait()
        response = client.post("/payment-links", content=raw, headers={"Idempotency-Key": "race"})
        with lock:
            statuses[response.status_code] += 1
            ids.add(response.json()["id"])

    threads = [threading.Thread(target=retry, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == Counter({201: 1, 200: 7})
    assert len(ids) == 1
    assert emulator.links_created() == 1
