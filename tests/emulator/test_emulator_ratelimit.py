"""Per-organization token buckets: X-RateLimit-* headers, 429 with Retry-After, refills."""

from __future__ import annotations

import math

import pytest

from linkdesk.emulator import Emulator, RateLimit

OTHER_KEY = "sk_test_OTHERorganization0000"


@pytest.fixture
def limited(clocked_emulator):
    clocked_emulator.set_rate_limit(RateLimit(capacity=3, refill_per_second=1.0))
    return clocked_emulator


def test_headers_count_down_then_429(limited, connect, clock):
    client = connect(limited)
    now = clock().timestamp()
    remaining = []
    for _ in range(3):
        response = client.get("/payment-methods")
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        remaining.append(response.headers["x-ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]

    refused = client.get("/payment-methods")
    assert refused.status_code == 429
    assert refused.json()["error"]["type"] == "rate_limited"
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert refused.headers["retry-after"] == "1"
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert int(refused.headers["x-ratelimit-reset"]) == math.ceil(now + 3)


def test_bucket_refills_with_time(limited, connect, clock):
    client = connect(limited)
    for _ in range(3):
        client.get("/payment-links")
    assert client.get("/payment-links").status_code == 429
    clock.advance(seconds=1)
    assert client.get("/payment-links").status_code == 200
    assert client.get("/payment-links").status_code == 429


def test_a_refused_create_creates_nothing(limited, connect, methods_of, key):
    client = connect(limited)
    method = methods_of(limited, key)["default"]
    statuses = [
        client.post("/payment-links", json={"amount_usd": 1, "payment_method_id": method})
        for _ in range(4)
    ]
    assert [response.status_code for response in statuses] == [201, 201, 201, 429]
    assert limited.links_created() == 3


def test_retry_after_is_whole_seconds_and_at_least_one(clocked_emulator, connect):
    clocked_emulator.set_rate_limit(RateLimit(capacity=1, refill_per_second=0.25))
    client = connect(clocked_emulator)
    client.get("/payment-links")
    assert client.get("/payment-links").headers["retry-after"] == "4"
    clocked_emulator.set_rate_limit(RateLimit(capacity=1, refill_per_second=100.0))
    client.get("/payment-links")
    assert client.get("/payment-links").headers["retry-after"] == "1"


def test_buckets_are_per_organization(limited, connect):
    first, second = connect(limited), connect(limited, OTHER_KEY)
    for _ in range(3):
        first.get("/payment-links")
    assert first.get("/payment-links").status_code == 429
    response = second.get("/payment-links")
    assert response.status_code == 200
    assert response.headers["x-ratelimit-remaining"] == "2"


def test_error_answers_carry_the_headers_too(limited, connect):
    response = connect(limited).get("/payment-links", params={"limit": "0"})
    assert response.status_code == 400
    assert response.headers["x-ratelimit-remaining"] == "2"


def test_health_and_unauthenticated_requests_are_not_limited(limited, connect):
    anonymous = connect(limited, key=None)
    for _ in range(5):
        health = anonymous.get("/health")
        assert health.status_code == 200
        assert "x-ratelimit-limit" not in health.headers
        assert anonymous.get("/payment-links").status_code == 401
    assert connect(limited).get("/payment-links").headers["x-ratelimit-remaining"] == "2"


def test_rate_limit_can_be_turned_off(limited, connect):
    client = connect(limited)
    for _ in range(3):
        client.get("/payment-links")
    limited.set_rate_limit(None)
    response = client.get("/payment-links")
    assert response.status_code == 200
    assert "x-ratelimit-limit" not in response.headers


def test_off_by_default(emulator, client):
    for _ in range(50):
        response = client.get("/payment-methods")
        assert response.status_code == 200
    assert "x-ratelimit-remaining" not in response.headers


def test_rate_limit_given_to_the_constructor(connect):
    with Emulator(rate_limit=RateLimit(1, 0.001)).start() as emulator:
        client = connect(emulator)
        assert client.get("/payment-links").status_code == 200
        assert client.get("/payment-links").status_code == 429


@pytest.mark.parametrize(
    ("capacity", "refill"), [(0, 1.0), (-1, 1.0), (1, 0.0), (1, -2.0), (1, float("inf"))]
)
def test_rate_limit_rejects_nonsense(capacity, refill):
    with pytest.raises(ValueError, match=r"capacity|refill"):
        RateLimit(capacity, refill)


@pytest.mark.parametrize(
    ("text", "expected"), [("10/2", RateLimit(10, 2.0)), ("1/0.5", RateLimit(1, 0.5))]
)
def test_rate_limit_parse(text, expected):
    assert RateLimit.parse(text) == expected


@pytest.mark.parametrize("text", ["10", "a/b", "10/0", "/1"])
def test_rate_limit_parse_refuses(text):
    with pytest.raises(ValueError):  # noqa: PT011 - int() and float() say different things
        RateLimit.parse(text)
