"""billing.io's API as the emulator answers it: routing, auth, rate limits, idempotency, validation.

This module knows nothing of sockets: it turns an `ApiRequest` into a `Reply`, so the
HTTP server (`linkdesk.emulator.server`) stays a thin transport that can also lose or
mangle replies on purpose.

Choices where billing.io's documents are silent, kept here so the OpenAPI description
(`openapi.yaml`) and the tests can point at one place:

- A body that is not JSON, or JSON that is not an object, is 400 ``invalid_request_body``
  with ``param: null``.
- ``null`` for a required field counts as missing (``missing_required_field``); ``null``
  for an optional field (``description``, ``expires_in_seconds``, a method's limits and
  display name) counts as omitted.
- ``expires_in_seconds`` must be written as a JSON integer: ``300.0`` and ``3e2`` are
  refused like ``300.5``. A lifetime ending after the year 9999 is ``invalid_field_value``.
- Idempotency records are kept for successful creates only: a request refused by
  validation may be retried with the same key and a corrected body. The key is compared
  per organization, and a key used on one route conflicts with the same key on another.
- Payment methods list oldest first (the seeded default comes first), links newest first.
- The health route has no organization, so it is never rate limited.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TypeAlias
from urllib.parse import parse_qs

from linkdesk.emulator import jsonio
from linkdesk.emulator.jsonio import JsonValue
from linkdesk.emulator.store import (
    IDEMPOTENCY_TTL_SECONDS,
    MAX_TIMESTAMP,
    IdempotencyRecord,
    Identity,
    Organization,
    PaymentLinkRecord,
    PaymentMethodRecord,
    Store,
    identify,
    new_link_id,
    new_method_id,
)

__all__ = [
    "HEALTH_PATH",
    "MAX_BODY_BYTES",
    "ROUTES",
    "Api",
    "ApiError",
    "ApiRequest",
    "Reply",
    "error_payload",
]

API_VERSION = "1.0.0"
HEALTH_PATH = "/v1/health"
LINKS_PATH = "/v1/payment-links"
METHODS_PATH = "/v1/payment-methods"
# Every route the emulator serves, with its methods; the OpenAPI test compares against it.
ROUTES: Mapping[str, tuple[str, ...]] = {
    HEALTH_PATH: ("GET",),
    LINKS_PATH: ("GET", "POST"),
    METHODS_PATH: ("GET", "POST"),
}
MAX_BODY_BYTES = 1024 * 1024

MIN_AMOUNT = Decimal("0.01")
MIN_LIFETIME_SECONDS = 300
MAX_DESCRIPTION = 512
MAX_DISPLAY_NAME = 256
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
CHAINS = ("tron", "arbitrum", "base")
TOKENS = ("USDT", "USDC")
METHOD_STATUSES = ("active", "disabled")

Headers: TypeAlias = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str  # without the query string
    query: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer ready to send; `payload` keeps the JSON value for faults that rewrite it."""

    status: int
    body: bytes
    content_type: str = "application/json"
    payload: JsonValue = None
    headers: Headers = ()

    @classmethod
    def json(cls, status: int, payload: JsonValue, headers: Headers = ()) -> Reply:
        body = jsonio.dumps(payload).encode("utf-8")
        return cls(status=status, body=body, payload=payload, headers=headers)

    def with_headers(self, extra: Headers) -> Reply:
        return replace(self, headers=self.headers + extra) if extra else self


def error_payload(type_: str, code: str, message: str, param: str | None = None) -> JsonValue:
    return {"error": {"type": type_, "code": code, "message": message, "param": param}}


class ApiError(Exception):
    """An answer in billing.io's error format; messages never quote an API key."""

    def __init__(
        self,
        status: int,
        type_: str,
        code: str,
        message: str,
        param: str | None = None,
        headers: Headers = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers

    def reply(self) -> Reply:
        payload = error_payload(self.type, self.code, self.message, self.param)
        return Reply.json(self.status, payload, self.headers)


def invalid(code: str, message: str, param: str | None) -> ApiError:
    return ApiError(400, "invalid_request", code, message, param)


def _field_error(param: str, message: str) -> ApiError:
    return invalid("invalid_field_value", message, param)


_Operation: TypeAlias = Callable[["Api", Organization, ApiRequest], Reply]


class Api:
    """The emulated API over one `Store`."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def handle(self, request: ApiRequest) -> Reply:
        try:
            return self._handle(request)
        except ApiError as error:
            return error.reply()

    def _handle(self, request: ApiRequest) -> Reply:
        allowed = ROUTES.get(request.path)
        if allowed is None:
            raise ApiError(
                404,
                "not_found",
                "route_not_found",
                "There is no such route. The emulator serves /v1/health, "
                "/v1/payment-links and /v1/payment-methods.",
            )
        if request.method not in allowed:
            raise ApiError(
                405,
                "invalid_request",
                "method_not_allowed",
                f"This route answers {' and '.join(allowed)} only.",
                headers=(("Allow", ", ".join(allowed)),),
            )
        if request.path == HEALTH_PATH:
            return Reply.json(200, {"status": "healthy", "version": API_VERSION})
        identity = authenticate(request.headers.get("authorization"))
        store = self._store
        with store.lock:
            org = store.organization(identity)
            decision = store.take_token(org)
            limit_headers = decision.headers() if decision is not None else ()
            if decision is not None and not decision.allowed:
                raise ApiError(
                    429,
                    "rate_limited",
                    "too_many_requests",
                    f"Rate limit exceeded. Retry after {decision.retry_after} seconds.",
                    headers=limit_headers,
                )
            handler = _HANDLERS[(request.method, request.path)]
            try:
                reply = handler(self, org, request)
            except ApiError as error:
                reply = error.reply()
            return reply.with_headers(limit_headers)

    # creates, with idempotency

    def _create(
        self,
        org: Organization,
        request: ApiRequest,
        make: Callable[[Organization, dict[str, JsonValue]], JsonValue],
    ) -> Reply:
        body = parse_body(request.body)
        key = request.headers.get("idempotency-key") or None
        fingerprint = (request.method, request.path, jsonio.canonical(body))
        now = self._store.now().timestamp()
        if key is not None:
            record = org.idempotency.get(key)
            if record is not None and now - record.stored_at >= IDEMPOTENCY_TTL_SECONDS:
                del org.idempotency[key]
                record = None
            if record is not None:
                if record.fingerprint != fingerprint:
                    raise ApiError(
                        409,
                        "idempotency_conflict",
                        "idempotency_key_reused",
                        "This idempotency key was already used with different parameters.",
                    )
                return Reply.json(200, record.payload, (("Idempotent-Replayed", "true"),))
        payload = make(org, body)
        if key is not None:
            org.idempotency[key] = IdempotencyRecord(fingerprint, payload, now)
        return Reply.json(201, payload)

    def create_link(self, org: Organization, request: ApiRequest) -> Reply:
        return self._create(org, request, self._make_link)

    def create_method(self, org: Organization, request: ApiRequest) -> Reply:
        return self._create(org, request, self._make_method)

    def _make_link(self, org: Organization, body: dict[str, JsonValue]) -> JsonValue:
        amount = _amount(body)
        method_id = _required(body, "payment_method_id")
        if not isinstance(method_id, str):
            raise _field_error("payment_method_id", "payment_method_id must be a string.")
        description = body.get("description")
        if description is not None:
            if not isinstance(description, str):
                raise _field_error("description", "description must be a string or null.")
            if len(description) > MAX_DESCRIPTION:
                raise _field_error(
                    "description", f"description must be at most {MAX_DESCRIPTION} characters."
                )
        lifetime = body.get("expires_in_seconds")
        if lifetime is not None:
            if isinstance(lifetime, bool) or not isinstance(lifetime, int):
                raise _field_error(
                    "expires_in_seconds", "expires_in_seconds must be a whole number of seconds."
                )
            if lifetime < MIN_LIFETIME_SECONDS:
                raise invalid(
                    "expires_too_short",
                    f"expires_in_seconds must be at least {MIN_LIFETIME_SECONDS}.",
                    "expires_in_seconds",
                )
        method = org.method(method_id)
        if method is None or method.status != "active":
            raise _field_error(
                "payment_method_id", "payment_method_id must name an active payment method."
            )
        if method.min_amount_usd is not None and amount < method.min_amount_usd:
            raise invalid(
                "amount_too_small",
                f"This payment method accepts at least {method.min_amount_usd} USD.",
                "amount_usd",
            )
        if method.max_amount_usd is not None and amount > method.max_amount_usd:
            raise invalid(
                "amount_too_large",
                f"This payment method accepts at most {method.max_amount_usd} USD.",
                "amount_usd",
            )
        created = self._store.now_unix()
        expires = None if lifetime is None else created + lifetime
        if expires is not None and expires > MAX_TIMESTAMP:
            raise _field_error("expires_in_seconds", "expires_in_seconds is too large.")
        link = PaymentLinkRecord(
            id=new_link_id(),
            org_id=org.org_id,
            amount_usd=amount,
            payment_method_id=method.id,
            description=description,
            expires_at=expires,
            environment=org.environment,
            created_at=created,
            seq=self._store.next_seq(),
        )
        org.add_links([link])
        return link.as_json()

    def _make_method(self, org: Organization, body: dict[str, JsonValue]) -> JsonValue:
        wallet_id = _required(body, "wallet_id")
        if not isinstance(wallet_id, str) or not wallet_id.strip():
            raise _field_error("wallet_id", "wallet_id must be a non-empty string.")
        chain = _required(body, "chain")
        if chain not in CHAINS:
            raise _field_error("chain", f"chain must be one of {', '.join(CHAINS)}.")
        token = _required(body, "token")
        if token not in TOKENS:
            raise _field_error("token", f"token must be one of {', '.join(TOKENS)}.")
        display_name = body.get("display_name")
        if display_name is not None and (
            not isinstance(display_name, str) or len(display_name) > MAX_DISPLAY_NAME
        ):
            raise _field_error(
                "display_name",
                f"display_name must be a string of at most {MAX_DISPLAY_NAME} characters.",
            )
        confirmations = body.get("required_confirmations", 1)
        if isinstance(confirmations, bool) or not isinstance(confirmations, int):
            raise _field_error(
                "required_confirmations", "required_confirmations must be an integer."
            )
        if confirmations < 1:
            raise _field_error(
                "required_confirmations", "required_confirmations must be at least 1."
            )
        minimum = _optional_limit(body, "min_amount_usd")
        maximum = _optional_limit(body, "max_amount_usd")
        if minimum is not None and maximum is not None and minimum > maximum:
            raise _field_error(
                "max_amount_usd", "max_amount_usd must not be less than min_amount_usd."
            )
        is_default = body.get("is_default", False)
        if not isinstance(is_default, bool):
            raise _field_error("is_default", "is_default must be true or false.")
        now = self._store.now_unix()
        method = PaymentMethodRecord(
            id=new_method_id(),
            org_id=org.org_id,
            wallet_id=wallet_id,
            chain=chain,
            token=token,
            display_name=display_name,
            status="active",
            is_default=is_default,
            required_confirmations=confirmations,
            min_amount_usd=minimum,
            max_amount_usd=maximum,
            environment=org.environment,
            created_at=now,
            updated_at=now,
        )
        org.add_method(method)
        return method.as_json()

    # lists

    def list_links(self, org: Organization, request: ApiRequest) -> Reply:
        query = _query(request.query)
        limit = _limit(query)
        after = _cursor(query, "links")
        key = None
        if after is not None:
            created, seq = _cursor_numbers(after, 2)
            key = (created, seq)
        links, has_more = org.links_before(key, limit)
        next_cursor = None
        if has_more:
            created, seq = links[-1].sort_key
            next_cursor = _encode_cursor("links", created, seq)
        return Reply.json(
            200,
            {
                "data": [link.as_json() for link in links],
                "has_more": has_more,
                "next_cursor": next_cursor,
            },
        )

    def list_methods(self, org: Organization, request: ApiRequest) -> Reply:
        query = _query(request.query)
        status = query.get("status")
        if status is not None and status not in METHOD_STATUSES:
            raise _field_error("status", "status must be active or disabled.")
        limit = _limit(query)
        after = _cursor(query, "methods")
        position = -1 if after is None else _cursor_numbers(after, 1)[0]
        found, has_more = org.methods_after(position, limit, status)
        next_cursor = _encode_cursor("methods", found[-1][0]) if has_more else None
        return Reply.json(
            200,
            {
                "data": [method.as_json() for _, method in found],
                "has_more": has_more,
                "next_cursor": next_cursor,
            },
        )


_HANDLERS: Mapping[tuple[str, str], _Operation] = {
    ("GET", LINKS_PATH): Api.list_links,
    ("POST", LINKS_PATH): Api.create_link,
    ("GET", METHODS_PATH): Api.list_methods,
    ("POST", METHODS_PATH): Api.create_method,
}


def authenticate(header: str | None) -> Identity:
    """The organization an ``Authorization: Bearer <key>`` header speaks for."""
    scheme, _, key = (header or "").strip().partition(" ")
    key = key.strip()
    if not scheme or (scheme.lower() == "bearer" and not key):
        raise ApiError(
            401,
            "authentication_error",
            "api_key_missing",
            "No API key was sent. Send 'Authorization: Bearer <your secret key>'.",
        )
    if scheme.lower() != "bearer":
        raise ApiError(
            401,
            "authentication_error",
            "api_key_invalid",
            "The Authorization header must be 'Bearer <your secret key>'.",
        )
    try:
        return identify(key)
    except ValueError:
        raise ApiError(
            401, "authentication_error", "api_key_invalid", "The API key provided is invalid."
        ) from None


def parse_body(raw: bytes) -> dict[str, JsonValue]:
    try:
        body = jsonio.loads(raw)
    except ValueError:
        raise invalid(
            "invalid_request_body", "The request body must be a JSON object.", None
        ) from None
    if not isinstance(body, dict):
        raise invalid("invalid_request_body", "The request body must be a JSON object.", None)
    return body


def _required(body: Mapping[str, JsonValue], name: str) -> JsonValue:
    value = body.get(name)
    if value is None:
        raise invalid("missing_required_field", f"The '{name}' field is required.", name)
    return value


def _number(value: JsonValue, name: str) -> Decimal:
    # bool is an int in Python, but `true` is not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _field_error(name, f"{name} must be a number.")
    number = Decimal(value)
    if not number.is_finite():
        raise _field_error(name, f"{name} must be a finite number.")
    return number


def _amount(body: Mapping[str, JsonValue]) -> Decimal:
    amount = _number(_required(body, "amount_usd"), "amount_usd")
    if amount < MIN_AMOUNT:
        raise invalid("amount_too_small", "amount_usd must be at least 0.01.", "amount_usd")
    if jsonio.decimal_places(amount) > 2:
        raise _field_error("amount_usd", "amount_usd must have at most two decimal places.")
    return amount


def _optional_limit(body: Mapping[str, JsonValue], name: str) -> Decimal | None:
    value = body.get(name)
    if value is None:
        return None
    number = _number(value, name)
    if number < 0 or jsonio.decimal_places(number) > 2:
        raise _field_error(name, f"{name} must be zero or more, with at most two decimals.")
    return number


def _query(text: str) -> dict[str, str]:
    # A repeated parameter counts once, with its last value.
    return {name: values[-1] for name, values in parse_qs(text, keep_blank_values=True).items()}


def _limit(query: Mapping[str, str]) -> int:
    text = query.get("limit")
    if text is None:
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise invalid(
            "invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}.", "limit"
        )
    return int(text)


def _cursor(query: Mapping[str, str], kind: str) -> str | None:
    """The cursor's payload after its kind, or None on a first page."""
    text = query.get("cursor")
    if text is None:
        return None
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (ValueError, binascii.Error):
        decoded = ""
    prefix, _, rest = decoded.partition(":")
    if prefix != kind or not rest:
        raise _bad_cursor()
    return rest


def _cursor_numbers(payload: str, count: int) -> tuple[int, ...]:
    parts = payload.split(":")
    if len(parts) != count or not all(p.isascii() and p.isdigit() and len(p) < 19 for p in parts):
        raise _bad_cursor()
    return tuple(int(p) for p in parts)


def _encode_cursor(kind: str, *numbers: int) -> str:
    text = ":".join([kind, *(str(n) for n in numbers)])
    return base64.urlsafe_b64encode(text.encode("ascii")).decode("ascii").rstrip("=")


def _bad_cursor() -> ApiError:
    return invalid(
        "invalid_cursor",
        "cursor is not one this API handed out; start again without a cursor.",
        "cursor",
    )
