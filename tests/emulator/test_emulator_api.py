"""The emulator's routes over real HTTP: health, auth, organizations, links, methods, validation."""

from __future__ import annotations

import json
import re
import socket
from decimal import Decimal

import httpx
import pytest

from linkdesk.emulator import Emulator

OTHER_KEY = "sk_test_OTHERorganization0000"
LIVE_KEY = "sk_live_" + "0123456789abcdefFAKE"


def create(client: httpx.Client, raw: str, **headers: str) -> httpx.Response:
    """POST a link with a body written by hand, so number tokens are exactly as given."""
    return client.post(
        "/payment-links",
        content=raw.encode(),
        headers={"Content-Type": "application/json", **headers},
    )


def assert_error(
    response: httpx.Response, status: int, type_: str, code: str, param: str | None
) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert (error["type"], error["code"], error["param"]) == (type_, code, param)
    assert error["message"]


# health and routing


def test_health_answers_without_a_key(emulator, connect):
    response = connect(emulator, key=None).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "healthy", "version": "1.0.0"}


def test_health_ignores_a_bad_key(emulator, connect):
    response = connect(emulator, key="nonsense").get("/health")
    assert response.status_code == 200


def test_base_url_names_the_real_port(emulator):
    assert emulator.port > 0
    assert emulator.base_url == f"http://127.0.0.1:{emulator.port}/v1"


def test_unknown_route_is_404_in_the_error_format(emulator, connect):
    anonymous = connect(emulator, key=None)
    for path in ("/nope", "/payment-links/pl_123", "/payment-links/"):
        assert_error(anonymous.get(path), 404, "not_found", "route_not_found", None)
    outside = httpx.get(f"http://127.0.0.1:{emulator.port}/health")
    assert_error(outside, 404, "not_found", "route_not_found", None)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/payment-links", "GET, POST"),
        ("PUT", "/payment-methods", "GET, POST"),
        ("POST", "/health", "GET"),
        ("PATCH", "/health", "GET"),
        ("BREW", "/payment-links", "GET, POST"),
    ],
)
def test_wrong_method_is_405_with_allow(client, method, path, allow):
    response = client.request(method, path)
    assert_error(response, 405, "invalid_request", "method_not_allowed", None)
    assert response.headers["allow"] == allow


def test_head_gets_headers_and_no_body(client):
    response = client.head("/health")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.content == b""
    # The connection is still usable: the promised body was not sent by mistake.
    assert client.get("/health").status_code == 200


def test_malformed_http_is_answered_in_the_error_format(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(b"GET /v1/health junk HTTP/1.1\r\n\r\n")
        answer = _read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["code"] == "malformed_http_request"


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


# authentication


def test_missing_key_is_401_api_key_missing(emulator, connect):
    anonymous = connect(emulator, key=None)
    for method, path in [("GET", "/payment-links"), ("POST", "/payment-links")]:
        response = anonymous.request(method, path, json={})
        assert_error(response, 401, "authentication_error", "api_key_missing", None)
    empty_bearer = anonymous.get("/payment-links", headers={"Authorization": "Bearer"})
    assert_error(empty_bearer, 401, "authentication_error", "api_key_missing", None)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer sk_prod_0123456789abcdefFAKE",
        "Bearer sk_test_short",
        "Bearer sk_test_0123456789abcdef-FAKE",
        "Bearer sk_test_0123456789abcdéfFAKE",
        "Bearer pk_test_0123456789abcdefFAKE",
        "Basic c2tfdGVzdF8wMTIzNDU2Nzg5YWJjZGVmRkFLRQ==",
        "sk_test_0123456789abcdefFAKE",
        "Bearer sk_test_0123456789abcdefFAKE extra",
    ],
)
def test_malformed_key_is_401_api_key_invalid(emulator, connect, authorization):
    response = connect(emulator, key=None).get(
        "/payment-links", headers={"Authorization": authorization.encode()}
    )
    assert_error(response, 401, "authentication_error", "api_key_invalid", None)
    assert "0123456789abcdef" not in response.text


def test_bearer_scheme_is_case_insensitive(emulator, connect):
    response = connect(emulator, key=None).get(
        "/payment-methods", headers={"Authorization": "bearer sk_test_0123456789abcdefFAKE"}
    )
    assert response.status_code == 200


def test_the_key_never_appears_in_answers_or_logs(capsys, connect):
    with Emulator(log_requests=True).start() as emulator:
        client = connect(emulator)
        answers = [
            client.get("/payment-links"),
            client.post("/payment-links", json={"amount_usd": 1}),
            client.post("/payment-links", content=b"{"),
            client.get("/payment-links", params={"cursor": "x"}),
            client.delete("/payment-links"),
        ]
    logged = capsys.readouterr().err
    assert "POST /v1/payment-links" in logged
    secret_part = "0123456789abcdefFAKE"
    assert secret_part not in logged
    for answer in answers:
        assert secret_part not in answer.text
        assert all(secret_part not in value for value in answer.headers.values())


# organizations


def test_each_key_is_an_isolated_organization(emulator, connect, methods_of, key):
    first, second = connect(emulator), connect(emulator, OTHER_KEY)
    first_methods = methods_of(emulator, key)
    second_methods = methods_of(emulator, OTHER_KEY)
    assert set(first_methods.values()).isdisjoint(second_methods.values())

    made = first.post(
        "/payment-links", json={"amount_usd": 5, "payment_method_id": first_methods["default"]}
    )
    assert made.status_code == 201
    assert second.get("/payment-links").json()["data"] == []
    assert emulator.links_created(OTHER_KEY) == 0
    assert emulator.links_created(key) == 1

    # Another organization's payment method is unknown here.
    borrowed = second.post(
        "/payment-links", json={"amount_usd": 5, "payment_method_id": first_methods["default"]}
    )
    assert_error(borrowed, 400, "invalid_request", "invalid_field_value", "payment_method_id")

    org_ids = {first.get("/payment-methods").json()["data"][0]["org_id"]}
    org_ids.add(second.get("/payment-methods").json()["data"][0]["org_id"])
    assert len(org_ids) == 2
    assert all(re.fullmatch(r"org_[0-9a-f]{24}", org_id) for org_id in org_ids)


def test_live_and_sandbox_never_mix(emulator, connect, methods_of, key):
    sandbox, live = connect(emulator), connect(emulator, LIVE_KEY)
    sandbox_link = sandbox.post(
        "/payment-links",
        json={"amount_usd": 1, "payment_method_id": methods_of(emulator, key)["default"]},
    ).json()
    live_link = live.post(
        "/payment-links",
        json={"amount_usd": 2, "payment_method_id": methods_of(emulator, LIVE_KEY)["default"]},
    ).json()
    assert sandbox_link["environment"] == "sandbox"
    assert live_link["environment"] == "live"
    assert [link["id"] for link in live.get("/payment-links").json()["data"]] == [live_link["id"]]
    assert [link["id"] for link in sandbox.get("/payment-links").json()["data"]] == [
        sandbox_link["id"]
    ]
    assert {m["environment"] for m in live.get("/payment-methods").json()["data"]} == {"live"}
    assert sandbox_link["org_id"] != live_link["org_id"]


def test_same_key_means_same_organization_across_emulators(connect):
    org_ids = []
    for _ in range(2):
        with Emulator().start() as emulator:
            org_ids.append(connect(emulator).get("/payment-methods").json()["data"][0]["org_id"])
    assert org_ids[0] == org_ids[1]


# payment methods


def test_new_organizations_are_seeded_with_three_methods(client):
    found = client.get("/payment-methods").json()
    assert found["has_more"] is False
    assert found["next_cursor"] is None
    by_chain = {m["chain"]: m for m in found["data"]}
    assert set(by_chain) == {"tron", "base", "arbitrum"}

    tron = by_chain["tron"]
    assert (tron["token"], tron["display_name"], tron["status"]) == (
        "USDT",
        "USDT on Tron",
        "active",
    )
    assert tron["is_default"] is True
    assert found["data"][0]["id"] == tron["id"]  # methods list oldest first: default first

    base = by_chain["base"]
    assert (base["token"], base["status"], base["is_default"]) == ("USDC", "active", False)
    assert (base["min_amount_usd"], base["max_amount_usd"]) == (5.0, 500.0)

    arbitrum = by_chain["arbitrum"]
    assert (arbitrum["status"], arbitrum["display_name"]) == ("disabled", None)
    assert sum(m["is_default"] for m in found["data"]) == 1
    assert all(re.fullmatch(r"pm_[0-9a-f]{24}", m["id"]) for m in found["data"])


def test_limits_are_sent_exactly(client):
    text = client.get("/payment-methods").text
    assert '"min_amount_usd":5.00' in text
    assert '"max_amount_usd":500.00' in text


def test_payment_methods_match_the_python_view(emulator, client, key):
    assert (
        emulator.payment_methods(key)
        == client.get("/payment-methods").json(parse_float=Decimal)["data"]
    )


@pytest.mark.parametrize(("status", "count"), [("active", 2), ("disabled", 1)])
def test_methods_filter_by_status(client, status, count):
    found = client.get("/payment-methods", params={"status": status}).json()["data"]
    assert len(found) == count
    assert {m["status"] for m in found} == {status}


@pytest.mark.parametrize("status", ["", "enabled", "ACTIVE"])
def test_unknown_method_status_is_refused(client, status):
    response = client.get("/payment-methods", params={"status": status})
    assert_error(response, 400, "invalid_request", "invalid_field_value", "status")


def test_create_payment_method(client, emulator, key):
    response = client.post(
        "/payment-methods",
        content=b'{"wallet_id": "wal_1", "chain": "base", "token": "USDT", '
        b'"display_name": "Tether on Base", "required_confirmations": 3, '
        b'"min_amount_usd": 1.50, "max_amount_usd": null, "is_default": false, "x": 1}',
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["wallet_id"] == "wal_1"
    assert (made["chain"], made["token"], made["status"]) == ("base", "USDT", "active")
    assert (made["required_confirmations"], made["is_default"]) == (3, False)
    assert '"min_amount_usd":1.50' in response.text
    assert made["max_amount_usd"] is None
    assert made["environment"] == "sandbox"
    assert len(emulator.payment_methods(key)) == 4


def test_create_method_with_defaults(client):
    made = client.post(
        "/payment-methods", json={"wallet_id": "w", "chain": "tron", "token": "USDC"}
    ).json()
    assert made["display_name"] is None
    assert made["required_confirmations"] == 1
    assert (made["min_amount_usd"], made["max_amount_usd"], made["is_default"]) == (
        None,
        None,
        False,
    )


def test_a_new_default_method_clears_the_old_one(client):
    made = client.post(
        "/payment-methods",
        json={"wallet_id": "w", "chain": "arbitrum", "token": "USDT", "is_default": True},
    ).json()
    listed = client.get("/payment-methods").json()["data"]
    defaults = [m["id"] for m in listed if m["is_default"]]
    assert defaults == [made["id"]]
    old = next(m for m in listed if m["display_name"] == "USDT on Tron")
    assert old["is_default"] is False


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"chain": "tron", "token": "USDT"}, "missing_required_field", "wallet_id"),
        ({"wallet_id": "", "chain": "tron", "token": "USDT"}, "invalid_field_value", "wallet_id"),
        ({"wallet_id": 7, "chain": "tron", "token": "USDT"}, "invalid_field_value", "wallet_id"),
        ({"wallet_id": "w", "token": "USDT"}, "missing_required_field", "chain"),
        ({"wallet_id": "w", "chain": "solana", "token": "USDT"}, "invalid_field_value", "chain"),
        ({"wallet_id": "w", "chain": "tron"}, "missing_required_field", "token"),
        ({"wallet_id": "w", "chain": "tron", "token": "DAI"}, "invalid_field_value", "token"),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "display_name": "x" * 257},
            "invalid_field_value",
            "display_name",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "display_name": 5},
            "invalid_field_value",
            "display_name",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "required_confirmations": 0},
            "invalid_field_value",
            "required_confirmations",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "required_confirmations": True},
            "invalid_field_value",
            "required_confirmations",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "required_confirmations": "3"},
            "invalid_field_value",
            "required_confirmations",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "min_amount_usd": "5"},
            "invalid_field_value",
            "min_amount_usd",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "min_amount_usd": -1},
            "invalid_field_value",
            "min_amount_usd",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "max_amount_usd": False},
            "invalid_field_value",
            "max_amount_usd",
        ),
        (
            {
                "wallet_id": "w",
                "chain": "tron",
                "token": "USDT",
                "min_amount_usd": 10,
                "max_amount_usd": 5,
            },
            "invalid_field_value",
            "max_amount_usd",
        ),
        (
            {"wallet_id": "w", "chain": "tron", "token": "USDT", "is_default": "yes"},
            "invalid_field_value",
            "is_default",
        ),
    ],
)
def test_payment_method_validation(client, emulator, key, body, code, param):
    response = client.post("/payment-methods", json=body)
    assert_error(response, 400, "invalid_request", code, param)
    assert len(emulator.payment_methods(key)) == 3


def test_display_name_of_256_characters_is_accepted(client):
    response = client.post(
        "/payment-methods",
        json={"wallet_id": "w", "chain": "tron", "token": "USDT", "display_name": "x" * 256},
    )
    assert response.status_code == 201


# payment links


def test_create_link_returns_every_field(clocked_emulator, connect, methods_of, key):
    client = connect(clocked_emulator)
    method = methods_of(clocked_emulator, key)["default"]
    response = create(
        client,
        f'{{"amount_usd": 29.99, "payment_method_id": "{method}", '
        f'"description": "Coffee beans", "expires_in_seconds": 3600}}',
    )
    assert response.status_code == 201, response.text
    link = response.json()
    assert set(link) == {
        "id",
        "org_id",
        "amount_usd",
        "payment_method_id",
        "description",
        "url",
        "expires_at",
        "environment",
        "created_at",
    }
    assert re.fullmatch(r"pl_[0-9a-f]{24}", link["id"])
    assert re.fullmatch(r"org_[0-9a-f]{24}", link["org_id"])
    assert link["url"] == "https://pay.billing.io/" + link["id"]
    assert link["payment_method_id"] == method
    assert link["description"] == "Coffee beans"
    assert link["environment"] == "sandbox"
    # The fake clock says 09:30:00.750; billing.io's timestamps stop at the second.
    assert link["created_at"] == "2025-01-31T09:30:00Z"
    assert link["expires_at"] == "2025-01-31T10:30:00Z"
    assert '"amount_usd":29.99,' in response.text


def test_a_link_without_lifetime_or_description_has_nulls(client, methods):
    link = client.post(
        "/payment-links", json={"amount_usd": 1, "payment_method_id": methods["default"]}
    ).json()
    assert link["expires_at"] is None
    assert link["description"] is None


@pytest.mark.parametrize(
    ("token", "written"),
    [
        ("29.99", "29.99"),
        ("0.01", "0.01"),
        ("0.30", "0.30"),
        ("29.990", "29.990"),
        ("30", "30"),
        ("1e2", "1E+2"),
        ("1234567890123.45", "1234567890123.45"),
    ],
)
def test_amount_comes_back_exactly_as_sent(client, methods, token, written):
    raw = f'{{"amount_usd": {token}, "payment_method_id": "{methods["default"]}"}}'
    response = create(client, raw)
    assert response.status_code == 201, response.text
    assert f'"amount_usd":{written},' in response.text
    assert response.json(parse_float=Decimal)["amount_usd"] == Decimal(token)
    listed = client.get("/payment-links", params={"limit": 1})
    assert f'"amount_usd":{written},' in listed.text


@pytest.mark.parametrize(
    ("raw", "code", "param"),
    [
        ('{"payment_method_id": "{DEFAULT}"}', "missing_required_field", "amount_usd"),
        (
            '{"amount_usd": null, "payment_method_id": "{DEFAULT}"}',
            "missing_required_field",
            "amount_usd",
        ),
        ('{"amount_usd": 10}', "missing_required_field", "payment_method_id"),
        (
            '{"amount_usd": 10, "payment_method_id": null}',
            "missing_required_field",
            "payment_method_id",
        ),
        (
            '{"amount_usd": "29.99", "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        (
            '{"amount_usd": true, "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        (
            '{"amount_usd": [5], "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        (
            '{"amount_usd": NaN, "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        (
            '{"amount_usd": Infinity, "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        (
            '{"amount_usd": -Infinity, "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        ('{"amount_usd": 0, "payment_method_id": "{DEFAULT}"}', "amount_too_small", "amount_usd"),
        (
            '{"amount_usd": 0.009, "payment_method_id": "{DEFAULT}"}',
            "amount_too_small",
            "amount_usd",
        ),
        ('{"amount_usd": -5, "payment_method_id": "{DEFAULT}"}', "amount_too_small", "amount_usd"),
        (
            '{"amount_usd": 29.999, "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        (
            '{"amount_usd": 1.005, "payment_method_id": "{DEFAULT}"}',
            "invalid_field_value",
            "amount_usd",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": 17}',
            "invalid_field_value",
            "payment_method_id",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "pm_000000000000000000000000"}',
            "invalid_field_value",
            "payment_method_id",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DISABLED}"}',
            "invalid_field_value",
            "payment_method_id",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "description": 5}',
            "invalid_field_value",
            "description",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "description": ["a"]}',
            "invalid_field_value",
            "description",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "description": "{LONG}"}',
            "invalid_field_value",
            "description",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "expires_in_seconds": "600"}',
            "invalid_field_value",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "expires_in_seconds": true}',
            "invalid_field_value",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "expires_in_seconds": 300.5}',
            "invalid_field_value",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "expires_in_seconds": 600.0}',
            "invalid_field_value",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", '
            '"expires_in_seconds": 100000000000000000000}',
            "invalid_field_value",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "expires_in_seconds": 299}',
            "expires_too_short",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "expires_in_seconds": 0}',
            "expires_too_short",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 10, "payment_method_id": "{DEFAULT}", "expires_in_seconds": -300}',
            "expires_too_short",
            "expires_in_seconds",
        ),
        (
            '{"amount_usd": 4.99, "payment_method_id": "{LIMITED}"}',
            "amount_too_small",
            "amount_usd",
        ),
        (
            '{"amount_usd": 500.01, "payment_method_id": "{LIMITED}"}',
            "amount_too_large",
            "amount_usd",
        ),
    ],
)
def test_link_validation(client, emulator, methods, raw, code, param):
    raw = (
        raw.replace("{DEFAULT}", methods["default"])
        .replace("{LIMITED}", methods["limited"])
        .replace("{DISABLED}", methods["disabled"])
        .replace("{LONG}", "x" * 513)
    )
    assert_error(create(client, raw), 400, "invalid_request", code, param)
    assert emulator.links_created() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"{",
        b"[1, 2]",
        b'"a string"',
        b"null",
        b"42",
        b"\xff\xfe{}",
        b"[" * 100_000,
    ],
)
def test_body_that_is_not_a_json_object(client, emulator, body):
    response = client.post("/payment-links", content=body)
    assert_error(response, 400, "invalid_request", "invalid_request_body", None)
    response = client.post("/payment-methods", content=body)
    assert_error(response, 400, "invalid_request", "invalid_request_body", None)
    assert emulator.links_created() == 0


@pytest.mark.parametrize(
    ("extra", "check"),
    [
        ('"description": "{MAX}"', lambda link: len(link["description"]) == 512),
        ('"description": null', lambda link: link["description"] is None),
        ('"description": ""', lambda link: link["description"] == ""),
        ('"description": "Kaffee ☕ für 2"', lambda link: link["description"] == "Kaffee ☕ für 2"),
        ('"expires_in_seconds": 300', lambda link: link["expires_at"] is not None),
        ('"expires_in_seconds": null', lambda link: link["expires_at"] is None),
        ('"unknown_field": {"nested": true}', lambda link: "unknown_field" not in link),
    ],
)
def test_accepted_edge_cases(client, methods, extra, check):
    extra = extra.replace("{MAX}", "d" * 512)
    raw = f'{{"amount_usd": 3.50, "payment_method_id": "{methods["default"]}", {extra}}}'
    response = create(client, raw)
    assert response.status_code == 201, response.text
    assert check(response.json())


@pytest.mark.parametrize("amount", ["5.00", "5", "500.00", "250"])
def test_limited_method_accepts_amounts_within_its_limits(client, methods, amount):
    raw = f'{{"amount_usd": {amount}, "payment_method_id": "{methods["limited"]}"}}'
    assert create(client, raw).status_code == 201


# request bodies


def test_body_over_one_megabyte_is_413(client, emulator):
    response = client.post("/payment-links", content=b" " * (1024 * 1024 + 1))
    assert_error(response, 413, "invalid_request", "request_too_large", None)
    assert response.headers["connection"] == "close"
    assert emulator.links_created() == 0


def test_body_of_exactly_one_megabyte_is_read(client, methods):
    raw = f'{{"amount_usd": 1, "payment_method_id": "{methods["default"]}"}}'.ljust(1024 * 1024)
    assert len(raw.encode()) == 1024 * 1024
    assert create(client, raw).status_code == 201


def test_413_comes_before_the_body_is_read(emulator):
    # The headers promise 50 MB that never come: the answer must not wait for them.
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(
            b"POST /v1/payment-links HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer sk_test_0123456789abcdefFAKE\r\n"
            b"Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{"
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 413")


def test_chunked_body_is_411(client):
    response = client.post("/payment-links", content=iter([b'{"amount_usd": 1}']))
    assert_error(response, 411, "invalid_request", "length_required", None)


def test_invalid_content_length_is_400(emulator):
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
        sock.sendall(b"POST /v1/payment-links HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n")
        answer = _read_all(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert json.loads(body)["error"]["code"] == "invalid_request_body"
