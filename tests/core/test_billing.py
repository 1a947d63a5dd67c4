"""BillingClient against the emulator over real loopback HTTP: success, errors, retries."""

from __future__ import annotations

import logging
import threading
import time
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkdesk import __version__
from linkdesk.core import api, billing, errors
from linkdesk.core.api import (
    DEFAULT_BASE_URL,
    RetryNotice,
    check_base_url,
    new_idempotency_key,
    resolve_base_url,
)
from linkdesk.core.billing import BillingClient
from linkdesk.core.links import Environment, LinkRequest, PaymentLink
from linkdesk.emulator import Emulator
from tests.scripted_server import Scripted, ScriptedServer

KEY = "sk_test_CoreTestsFAKE00000000"
OTHER_KEY = "sk_test_OtherShopFAKE0000000"
LIVE_KEY = "sk_live_" + "CoreTestsFAKE00000000"
CREATE = "POST /v1/payment-links"
FAST = {"backoff": (0.01, 0.01, 0.01), "max_retry_after": 0.05}


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator(port=0).start()
    yield emu
    emu.stop()


@pytest.fixture
def emu(emulator):
    emulator.clear_faults()
    yield emulator
    emulator.clear_faults()


@pytest.fixture
def key():
    """A fresh organisation per test, so counts start at zero."""
    return "sk_test_" + new_idempotency_key().replace("-", "")


@pytest.fixture
def client(emu, key):
    with BillingClient(key, emu.base_url, timeout=2.0, **FAST) as c:
        yield c


@pytest.fixture
def scripted():
    server = ScriptedServer().start()
    yield server
    server.stop()


def default_method(client: BillingClient):
    return next(m for m in client.list_payment_methods() if m.is_default)


def request_for(client: BillingClient, amount="29.99", **fields) -> LinkRequest:
    method_id = fields.pop("payment_method_id", None) or default_method(client).id
    return LinkRequest.build(amount, method_id, fields.get("description"), fields.get("lifetime"))


# Success ------------------------------------------------------------------------------


def test_health(client):
    assert client.health()["status"] == "healthy"


def test_create_returns_every_field(client, emu, key):
    request = request_for(client, "29.99", description="Two coffees", lifetime=900)
    link = client.create_payment_link(request, new_idempotency_key())
    assert isinstance(link, PaymentLink)
    assert link.id.startswith("pl_")
    assert link.url == f"https://pay.billing.io/{link.id}"
    assert link.amount_usd == Decimal("29.99")
    assert link.description == "Two coffees"
    assert link.environment is Environment.SANDBOX
    assert link.created_at is not None
    assert link.expires_at is not None
    assert (link.expires_at - link.created_at).total_seconds() == 900
    assert emu.links_created(key) == 1


def test_methods_are_active_only_with_one_default(client):
    methods = client.list_payment_methods()
    assert len(methods) == 2
    assert sum(m.is_default for m in methods) == 1
    assert all(m.status == "active" for m in methods)
    assert len(client.list_payment_methods(status="disabled")) == 1
    limited = [m for m in methods if m.min_amount_usd is not None]
    assert limited
    assert limited[0].max_amount_usd is not None


def test_methods_follow_next_cursor(emu, client, key):
    for number in range(30):
        response = httpx.post(
            f"{emu.base_url}/payment-methods",
            headers={"Authorization": f"Bearer {key}"},
            json={"wallet_id": f"w{number}", "chain": "base", "token": "USDC"},
        )
        assert response.status_code == 201
    assert len(client.list_payment_methods()) == 32


def test_links_page_newest_first(emu, client, key):
    emu.add_links(key, 30)
    first = client.list_payment_links(limit=25)
    assert len(first.links) == 25
    assert first.has_more
    second = client.list_payment_links(cursor=first.next_cursor, limit=25)
    assert len(second.links) == 5
    assert not second.has_more
    ids = [link.id for link in first.links + second.links]
    assert len(set(ids)) == 30
    created = [link.created_at for link in first.links + second.links]
    assert created == sorted(created, reverse=True)


def test_keys_are_separate_organisations(emu, client, key):
    client.create_payment_link(request_for(client), new_idempotency_key())
    with BillingClient(LIVE_KEY, emu.base_url, **FAST) as live:
        assert live.environment is Environment.LIVE
        assert all(link.environment is Environment.LIVE for link in live.list_payment_links().links)
    with BillingClient(OTHER_KEY, emu.base_url, **FAST) as other:
        assert key not in OTHER_KEY
        assert all(
            link.id not in {x.id for x in client.list_payment_links().links}
            for link in other.list_payment_links().links
        )


def test_hundred_creates_use_one_connection(emu, client, key):
    before = emu.connections_opened()
    request = request_for(client, "1")
    for _ in range(100):
        client.create_payment_link(request, new_idempotency_key())
    assert emu.connections_opened() - before == 1
    assert emu.links_created(key) == 100


# Errors billing.io reports --------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "method", "description", "lifetime", "param", "code"),
    [
        (Decimal("0.001"), None, None, None, "amount_usd", None),
        (Decimal("0"), None, None, None, "amount_usd", "amount_too_small"),
        (Decimal("1"), "pm_doesnotexist", None, None, "payment_method_id", None),
        (Decimal("1"), "disabled", None, None, "payment_method_id", None),
        (Decimal("1"), "limited", None, None, "amount_usd", "amount_too_small"),
        (Decimal("501"), "limited", None, None, "amount_usd", "amount_too_large"),
        (Decimal("1"), None, "x" * 513, None, "description", None),
        (Decimal("1"), None, None, 299, "expires_in_seconds", "expires_too_short"),
    ],
)
def test_validation_errors_name_the_field(client, emu, key, amount, method, description,
                                          lifetime, param, code):  # fmt: skip
    methods = client.list_payment_methods() + client.list_payment_methods(status="disabled")
    by_role = {
        None: next(m for m in methods if m.is_default).id,
        "disabled": next(m for m in methods if m.status == "disabled").id,
        "limited": next(m for m in methods if m.min_amount_usd is not None).id,
    }
    # Built directly, skipping LinkRequest.build, to see what billing.io itself says.
    request = LinkRequest(amount, by_role.get(method, method), description, lifetime)
    with pytest.raises(errors.FieldError) as caught:
        client.create_payment_link(request, new_idempotency_key())
    assert caught.value.param == param
    assert caught.value.status == 400
    if code:
        assert caught.value.code == code
    assert caught.value.message.endswith(".")
    assert emu.links_created(key) == 0


def test_unknown_key_is_an_authentication_error(emu):
    with BillingClient("sk_test_short", emu.base_url, **FAST) as client:
        with pytest.raises(errors.AuthenticationError) as caught:
            client.list_payment_methods()
    assert caught.value.code == "api_key_invalid"
    assert "Keys" in caught.value.message


def test_idempotent_replay_returns_the_same_link(client, emu, key):
    request = request_for(client)
    idempotency_key = new_idempotency_key()
    first = client.create_payment_link(request, idempotency_key)
    again = client.create_payment_link(request, idempotency_key)
    assert again == first
    assert emu.links_created(key) == 1


def test_changed_body_with_same_key_is_a_conflict(client, emu, key):
    idempotency_key = new_idempotency_key()
    client.create_payment_link(request_for(client, "10"), idempotency_key)
    with pytest.raises(errors.IdempotencyConflict):
        client.create_payment_link(request_for(client, "11"), idempotency_key)
    assert emu.links_created(key) == 1


# Faults: each ends in the right typed error or a successful retry ---------------------

RETRIED = [
    ("500", errors.ServerError),
    ("502_html", errors.ProxyError),
    ("503", errors.ServerError),
    ("429", errors.RateLimited),
    ("drop_before_body", errors.ConnectionDropped),
    ("drop_mid_body", errors.TruncatedResponse),
    ("hang", errors.RequestTimeout),
]


@pytest.mark.parametrize(("fault", "error"), RETRIED)
def test_one_fault_is_retried_into_one_link(emu, key, fault, error):
    notices: list[RetryNotice] = []
    with BillingClient(key, emu.base_url, timeout=0.5, on_retry=notices.append, **FAST) as c:
        request = request_for(c)
        emu.add_fault(fault, count=1, route=CREATE, seconds=2 if fault == "hang" else 0.01)
        link = c.create_payment_link(request, new_idempotency_key())
    assert link.url.endswith(link.id)
    assert emu.links_created(key) == 1
    assert len(notices) == 1
    assert notices[0].text.endswith("Retrying (1 of 3)…")
    assert notices[0].reason == error.default_message


@pytest.mark.parametrize(("fault", "error"), RETRIED)
def test_persistent_fault_ends_in_its_own_error(emu, key, fault, error):
    with BillingClient(key, emu.base_url, timeout=0.5, **FAST) as c:
        request = request_for(c)
        emu.add_fault(fault, count=4, route=CREATE, seconds=2 if fault == "hang" else 0.01)
        with pytest.raises(error) as caught:
            c.create_payment_link(request, new_idempotency_key())
    assert caught.value.message == error.default_message
    # Faults that lose the answer after the work still make exactly one link, because
    # every attempt carried the same Idempotency-Key.
    assert emu.links_created(key) <= 1
    assert emu.request_count(CREATE) >= 4


@pytest.mark.parametrize(
    ("fault", "error"),
    [("non_json_200", errors.NotJsonResponse), ("incomplete_201", errors.MalformedResponse)],
)
def test_unreadable_success_is_reported_and_recovered_by_the_same_key(emu, client, key, fault,
                                                                      error):  # fmt: skip
    request = request_for(client)
    idempotency_key = new_idempotency_key()
    emu.add_fault(fault, count=1, route=CREATE)
    with pytest.raises(error):
        client.create_payment_link(request, idempotency_key)
    # Pressing Create again with the same request replays the link the server made.
    link = client.create_payment_link(request, idempotency_key)
    assert link.url.endswith(link.id)
    assert emu.links_created(key) == 1


def test_route_scoped_fault_leaves_other_routes_alone(emu, client):
    emu.add_fault("500", count=5, route=CREATE)
    assert client.health()["status"] == "healthy"
    assert client.list_payment_methods()


def test_rate_limit_waits_as_told_but_capped(emu, key):
    notices: list[RetryNotice] = []
    with BillingClient(key, emu.base_url, backoff=(0.01,), max_retry_after=0.2,
                       on_retry=notices.append) as c:  # fmt: skip
        emu.add_fault("429", count=1, seconds=60)
        started = time.monotonic()
        c.health()
    assert notices[0].wait == pytest.approx(0.2)
    assert time.monotonic() - started < 5


def test_refused_connection():
    closed = Emulator(port=0).start()
    url = closed.base_url
    closed.stop()
    with BillingClient(KEY, url, **FAST) as c, pytest.raises(errors.ConnectionRefused):
        c.health()


def test_tls_failure_against_a_plain_http_port(emu):
    url = emu.base_url.replace("http://", "https://")
    with BillingClient(KEY, url, **FAST) as c, pytest.raises(errors.TlsError) as caught:
        c.health()
    assert "secure connection" in caught.value.message


def test_cancel_stops_between_attempts(emu, key):
    cancel = threading.Event()

    def cancel_on_retry(_notice: RetryNotice) -> None:
        cancel.set()

    with BillingClient(key, emu.base_url, backoff=(30.0,), on_retry=cancel_on_retry) as c:
        request = request_for(c)
        emu.add_fault("503", count=1, route=CREATE)
        started = time.monotonic()
        with pytest.raises(errors.Cancelled):
            c.create_payment_link(request, new_idempotency_key(), cancel=cancel)
    assert time.monotonic() - started < 5
    assert emu.links_created(key) == 0


# The rest of the world: answers the emulator never gives ------------------------------


def test_same_idempotency_key_and_user_agent_on_every_attempt(scripted):
    body = b'{"id":"pl_1","url":"https://pay.billing.io/pl_1","amount_usd":1.5}'
    scripted.script.extend([Scripted(503, b"{}"), Scripted(500, b"oops"), Scripted(201, body)])
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        link = c.create_payment_link(LinkRequest.build("1.50", "pm_1"), "fixed-key")
    assert link.amount_usd == Decimal("1.5")
    keys = {seen.headers["Idempotency-Key"] for seen in scripted.requests}
    assert keys == {"fixed-key"}
    assert len(scripted.requests) == 3
    assert {seen.headers["User-Agent"] for seen in scripted.requests} == {f"linkdesk/{__version__}"}
    assert scripted.requests[0].body == b'{"amount_usd":1.50,"payment_method_id":"pm_1"}'


def test_no_retry_on_other_client_errors(scripted):
    scripted.script.append(Scripted(403, b'{"error":{"type":"forbidden"}}'))
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.UnexpectedStatus):
            c.health()
    assert len(scripted.requests) == 1


def test_422_validation_error_is_a_field_error(scripted):
    scripted.script.append(
        Scripted(422, b'{"error":{"type":"validation_error","code":"x","param":"description"}}')
    )
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.FieldError) as caught:
            c.create_payment_link(LinkRequest.build("1", "pm_1"), "k")
    assert caught.value.param == "description"


def test_rate_limit_error_type_from_sdk_pages_is_a_rate_limit(scripted):
    limited = b'{"error":{"type":"rate_limit_error"}}'
    scripted.script.extend([Scripted(429, limited, {"Retry-After": "0"})] * 4)
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.RateLimited):
            c.health()
    assert len(scripted.requests) == 4


def test_html_502_from_a_proxy(scripted):
    page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
    scripted.script.extend([Scripted(502, page, {"Content-Type": "text/html"})] * 4)
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.ProxyError) as caught:
            c.health()
    assert "gateway" in caught.value.message


@pytest.mark.parametrize("body", [b"[]", b'"pl_1"', b"null", b"5", b'{"data": {}}'])
def test_json_that_is_not_the_expected_object(scripted, body):
    scripted.script.extend([Scripted(201, body), Scripted(200, body)])
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.MalformedResponse):
            c.create_payment_link(LinkRequest.build("1", "pm_1"), "k")
        with pytest.raises(errors.MalformedResponse):
            c.list_payment_methods()


def test_fifty_megabyte_body_is_refused_without_reading_it_all(scripted):
    scripted.script.append(Scripted(200, b"", chunked_size=50 * 1024 * 1024))
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.ResponseTooLarge):
            c.list_payment_methods()


def test_fifty_megabyte_declared_length_is_refused_at_once(scripted):
    big = b"[" + b"0," * (25 * 1024 * 1024) + b"0]"
    scripted.script.append(Scripted(200, big))
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.ResponseTooLarge):
            c.health()


def test_deeply_nested_json_is_not_a_crash(scripted):
    scripted.script.append(Scripted(200, b"[" * 100_000 + b"]" * 100_000))
    with BillingClient(KEY, scripted.base_url, **FAST) as c:
        with pytest.raises(errors.NotJsonResponse):
            c.health()


# Configuration and secrecy ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://api.billing.io/v1",
        "http://127.0.0.1:8080/v1",
        "http://localhost:8080/v1/",
        "http://[::1]:8080/v1",
        "http://127.1.2.3/v1",
    ],
)
def test_accepted_base_urls(url):
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://api.billing.io/v1", "http://10.0.0.5/v1", "ftp://x/v1", "api.billing.io"]
)
def test_refused_base_urls(url):
    with pytest.raises(errors.ConfigurationError):
        check_base_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/v1",
        "http://[::1]x/v1",
        "http://[not-an-address]/v1",
        "http://127.0.0.1:abc/v1",
        "http://127.0.0.1:99999/v1",
        "http://127.0.0.1:0/v1",
        "http://127.0.0.1:-1/v1",
        "http://:8080/v1",
        "https:///v1",
        "https://api.billing .io/v1",
        "https://api.billing.io/v 1",
        "https://api.billing.io\t/v1",
        "https://api.\udce9.io/v1",
        "https://300.1.1.1/v1",
        "https://☃.example/v1",
        "https://api.billing.io@elsewhere.example/v1",
        "https://api.billing.io/v1?x=1",
        "https://" + "a" * 3000 + ".io/v1",
    ],
)
def test_addresses_the_http_client_cannot_use_are_one_sentence(url):
    with pytest.raises(errors.ConfigurationError) as refused:
        check_base_url(url)
    assert refused.value.message.startswith("The ")
    assert refused.value.message.count(".") >= 1
    assert url.strip() not in refused.value.message


URL_PIECES = st.sampled_from(
    ["http://", "https://", "[", "]", "::1", "127.0.0.1", "localhost", "api.billing.io",
     ":", "8080", "99999", "0", "abc", "/", "v1", "@", "?", "#", " ", "%", "é", "-", "."]
)  # fmt: skip


@given(st.lists(URL_PIECES, max_size=8).map("".join) | st.text(max_size=40))
def test_every_address_accepted_is_one_the_http_client_can_use(text):
    try:
        url = check_base_url(text)
    except errors.ConfigurationError:
        return
    parsed = httpx.URL(url + "/")
    assert parsed.scheme in {"http", "https"}
    assert parsed.host
    assert parsed.port is None or 1 <= parsed.port <= 65535
    with httpx.Client(base_url=url + "/") as http:
        assert http.build_request("GET", "payment-methods").url.host == parsed.host


def test_where_a_bad_address_came_from_is_named():
    with pytest.raises(errors.ConfigurationError, match="check --api-base"):
        resolve_base_url("http://[::1/v1", {})
    env = {"LINKDESK_API_BASE": "http://127.0.0.1:abc/v1"}
    with pytest.raises(errors.ConfigurationError, match="check LINKDESK_API_BASE"):
        resolve_base_url(None, env)


def test_base_url_precedence():
    env = {"LINKDESK_API_BASE": "http://127.0.0.1:9/v1"}
    assert resolve_base_url(None, {}) == DEFAULT_BASE_URL
    assert resolve_base_url(None, env) == "http://127.0.0.1:9/v1"
    assert resolve_base_url("http://localhost:1/v1", env) == "http://localhost:1/v1"


def test_timeouts_are_bounded():
    with BillingClient(KEY) as c:
        timeout = c._http.timeout
    assert 0 < timeout.connect <= 5
    assert 0 < timeout.read <= 10


def test_an_answer_trickling_in_gives_up_at_its_deadline(scripted):
    """A byte every 0.2 s never trips the per-read timeout; the whole answer's does."""
    scripted.script.append(Scripted(200, chunked_size=10_000, trickle=0.2))
    started = time.monotonic()
    with BillingClient(KEY, scripted.base_url, timeout=1.0, answer_within=1.0, max_retries=0) as c:
        with pytest.raises(errors.RequestTimeout):
            c.list_payment_methods()
    # Gave up after about a second; without the deadline the answer would take 2,000 s.
    assert time.monotonic() - started < 10
    assert len(scripted.requests) == 1


def test_key_appears_in_no_error_and_no_log_line(emu, caplog):
    secret = "sk_test_NeverShowThisFAKE0000"
    caught: list[BaseException] = []
    caplog.set_level(logging.DEBUG)
    scenarios = ["500", "502_html", "429", "drop_mid_body", "non_json_200", "incomplete_201"]
    with BillingClient(secret, emu.base_url, timeout=0.5, **FAST) as c:
        request = request_for(c)
        for fault in scenarios:
            emu.add_fault(fault, count=4, route=CREATE, seconds=0.01)
            try:
                c.create_payment_link(request, new_idempotency_key())
            except errors.LinkdeskError as error:
                caught.append(error)
            emu.clear_faults()
        assert secret not in repr(c)
    with BillingClient("sk_test_short", emu.base_url, **FAST) as c:
        with pytest.raises(errors.AuthenticationError) as auth:
            c.health() and c.list_payment_methods()
        caught.append(auth.value)
    assert len(caught) == len(scenarios) + 1
    for error in caught:
        assert secret not in str(error)
        assert secret not in repr(error)
        assert secret not in repr(error.__cause__)
    assert secret not in caplog.text
    assert "sk_test_short" not in caplog.text


def test_billing_still_offers_what_moved_to_the_light_api_module():
    names = [
        "DEFAULT_BASE_URL",
        "API_BASE_ENV",
        "RetryNotice",
        "check_base_url",
        "new_idempotency_key",
        "resolve_base_url",
    ]
    for name in names:
        assert getattr(billing, name) is getattr(api, name), name
