"""BillingClient: billing.io's API over one httpx.Client, with timeouts, retries and idempotency.

One client holds one connection pool, so the second link of the day reuses the warm
connection. Every failure leaves this module as a `LinkdeskError` subclass with a
sentence for the shop owner. Retries follow billing.io's guidance: on 429 wait
`Retry-After` (capped), on 5xx and broken connections back off 1 s, 2 s, 4 s, at most
three retries, always with the same Idempotency-Key so a retried create never makes a
second link. Other 4xx answers are final.

The address checks, `RetryNotice` and `new_idempotency_key` live in `linkdesk.core.api`,
which the window can load without an HTTP stack; they are re-exported here.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from linkdesk import version
from linkdesk.core import errors
from linkdesk.core.api import API_BASE_ENV as API_BASE_ENV
from linkdesk.core.api import DEFAULT_BASE_URL as DEFAULT_BASE_URL
from linkdesk.core.api import RetryNotice as RetryNotice
from linkdesk.core.api import check_base_url as check_base_url
from linkdesk.core.api import new_idempotency_key as new_idempotency_key
from linkdesk.core.api import resolve_base_url as resolve_base_url
from linkdesk.core.links import Environment, LinkRequest, PaymentLink, PaymentMethod

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 4 * 1024 * 1024
_MAX_PAGES = 1000
_RETRY_AFTER_DEFAULT = 5.0


@dataclass(frozen=True)
class LinkPage:
    links: list[PaymentLink]
    has_more: bool
    next_cursor: str | None


class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, error: errors.LinkdeskError, wait: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.wait = wait


class BillingClient:
    """billing.io's payment-link API for one secret key."""

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        timeout: float = 10.0,
        answer_within: float = 30.0,
        max_retries: int = 3,
        backoff: Sequence[float] = (1.0, 2.0, 4.0),
        max_retry_after: float = 30.0,
        on_retry: Callable[[RetryNotice], None] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.environment = Environment.for_key(api_key)
        self.base_url = check_base_url(base_url)
        # How many times a failed attempt is made again; callers may lower it.
        self.max_retries = max_retries
        self._backoff = tuple(backoff) or (1.0,)
        self._max_retry_after = max_retry_after
        # `timeout` bounds each wait for bytes; this bounds a whole answer, which a server
        # sending a byte now and then could otherwise stretch for ever.
        self._answer_within = answer_within
        self.on_retry = on_retry
        self._http = httpx.Client(
            base_url=self.base_url + "/",
            headers={
                "Authorization": f"Bearer {api_key}",
                "User-Agent": f"linkdesk/{version()}",
                "Accept": "application/json",
            },
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"BillingClient({self.environment.value}, {self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BillingClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # The API ----------------------------------------------------------------------------

    def health(self, cancel: threading.Event | None = None) -> dict[str, Any]:
        data = self._call("GET", "health", cancel=cancel)
        if not isinstance(data, dict):
            raise errors.MalformedResponse()
        return data

    def list_payment_methods(
        self, status: str | None = "active", cancel: threading.Event | None = None
    ) -> list[PaymentMethod]:
        params = {"status": status} if status else {}
        methods = []
        for item in self._pages("payment-methods", params, cancel):
            try:
                methods.append(PaymentMethod.from_api(item))
            except errors.MalformedResponse:
                # One unreadable method should not hide the others from the cashier.
                log.warning("skipped a payment method without a usable id")
        return methods

    def list_payment_links(
        self,
        cursor: str | None = None,
        limit: int = 100,
        cancel: threading.Event | None = None,
    ) -> LinkPage:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        data, has_more, next_cursor = self._page("payment-links", params, cancel)
        return LinkPage([PaymentLink.from_api(item) for item in data], has_more, next_cursor)

    def create_payment_link(
        self,
        request: LinkRequest,
        idempotency_key: str,
        cancel: threading.Event | None = None,
    ) -> PaymentLink:
        data = self._call(
            "POST",
            "payment-links",
            content=request.to_json(),
            headers={"Idempotency-Key": idempotency_key, "Content-Type": "application/json"},
            cancel=cancel,
        )
        return PaymentLink.from_api(data)

    # Paging -----------------------------------------------------------------------------

    def _pages(
        self, path: str, params: dict[str, Any], cancel: threading.Event | None
    ) -> Iterator[object]:
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            data, has_more, next_cursor = self._page(path, params, cancel)
            yield from data
            if not has_more or not next_cursor or next_cursor in seen:
                return
            seen.add(next_cursor)
            params = {**params, "cursor": next_cursor}

    def _page(
        self, path: str, params: dict[str, Any], cancel: threading.Event | None
    ) -> tuple[list[object], bool, str | None]:
        body = self._call("GET", path, params=params, cancel=cancel)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise errors.MalformedResponse(
                "billing.io sent a list linkdesk cannot read; try again, and if it keeps "
                "happening check the API address."
            )
        cursor = body.get("next_cursor")
        return (
            body["data"],
            body.get("has_more") is True,
            cursor if isinstance(cursor, str) else None,
        )

    # One call, with retries -------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        cancel: threading.Event | None,
        params: dict[str, Any] | None = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> object:
        cancel = cancel or threading.Event()
        attempt = 1
        while True:
            if cancel.is_set():
                raise errors.Cancelled()
            try:
                return self._attempt(method, path, params, content, headers)
            except _Retry as retry:
                if attempt > self.max_retries:
                    raise retry.error from None
                if retry.wait is None:
                    wait = self._backoff[min(attempt - 1, len(self._backoff) - 1)]
                else:
                    wait = min(retry.wait, self._max_retry_after)
                notice = RetryNotice(attempt + 1, self.max_retries, wait, retry.error.message)
                log.info(
                    "%s %s: retry %d of %d in %.1f s",
                    method,
                    path,
                    attempt,
                    self.max_retries,
                    wait,
                )
                if self.on_retry:
                    self.on_retry(notice)
                if cancel.wait(wait):
                    raise errors.Cancelled() from None
                attempt += 1

    def _attempt(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None,
        content: bytes | None,
        headers: dict[str, str] | None,
    ) -> object:
        started = time.monotonic()
        try:
            request = self._http.build_request(
                method, path, params=params, content=content, headers=headers
            )
            response = self._http.send(request, stream=True)
        except httpx.TimeoutException:
            raise _Retry(errors.RequestTimeout()) from None
        except httpx.ConnectError as exc:
            if _is_tls_failure(exc):
                raise errors.TlsError() from None
            raise _Retry(errors.ConnectionRefused()) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
            raise _Retry(errors.ConnectionDropped()) from None
        except httpx.HTTPError:
            raise _Retry(errors.NetworkError()) from None
        try:
            raw = _read_capped(response, started + self._answer_within)
        finally:
            response.close()
        log.debug(
            "%s %s -> %d in %.0f ms",
            method,
            path,
            response.status_code,
            (time.monotonic() - started) * 1000,
        )
        return _interpret(response, raw)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "SSL" in str(exc) or "certificate" in str(exc).lower()


def _read_capped(response: httpx.Response, deadline: float) -> bytes:
    """The body, at most MAX_BODY_BYTES of it, read by `deadline` (time.monotonic)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise errors.ResponseTooLarge()
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise errors.ResponseTooLarge()
            if time.monotonic() > deadline:
                raise _Retry(errors.RequestTimeout())
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise _Retry(errors.RequestTimeout()) from None
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError):
        raise _Retry(errors.TruncatedResponse()) from None
    return b"".join(chunks)


def _decode(raw: bytes) -> object:
    """JSON with exact decimals, or a sentinel when the body is not JSON at all."""
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, RecursionError):
        return _NOT_JSON


_NOT_JSON = object()


def _interpret(response: httpx.Response, raw: bytes) -> object:
    status = response.status_code
    body = _decode(raw)
    if 200 <= status < 300:
        if body is _NOT_JSON:
            raise errors.NotJsonResponse()
        return body

    detail = body.get("error") if isinstance(body, dict) else None
    detail = detail if isinstance(detail, dict) else {}
    kind = _text(detail.get("type"))
    code = _text(detail.get("code"))
    param = _text(detail.get("param"))

    if status == 429 or kind in {"rate_limited", "rate_limit_error"}:
        wait = _retry_after(response.headers.get("Retry-After"))
        error = errors.RateLimited(status=status, code=code, retry_after=wait)
        raise _Retry(error, wait=wait)
    if status >= 500:
        if status in {502, 503, 504} and not detail:
            raise _Retry(errors.ProxyError(status=status))
        raise _Retry(errors.ServerError(status=status, code=code))
    if status in {400, 422} or kind in {"invalid_request", "validation_error"}:
        raise errors.FieldError(_field_message(code, param), status=status, code=code, param=param)
    if status == 401 or kind == "authentication_error":
        raise errors.AuthenticationError(_AUTH_MESSAGES.get(code or ""), status=status, code=code)
    if status == 404:
        raise errors.NotFoundError(status=status, code=code)
    if status == 409 or kind == "idempotency_conflict":
        raise errors.IdempotencyConflict(status=status, code=code)
    raise errors.UnexpectedStatus(status=status, code=code)


def _text(value: object) -> str | None:
    return value[:100] if isinstance(value, str) and value else None


def _retry_after(header: str | None) -> float:
    try:
        seconds = float(header) if header is not None else _RETRY_AFTER_DEFAULT
    except ValueError:
        seconds = _RETRY_AFTER_DEFAULT
    if seconds != seconds or seconds < 0:  # NaN or negative
        seconds = _RETRY_AFTER_DEFAULT
    return seconds


_AUTH_MESSAGES = {
    "api_key_missing": "linkdesk has no API key to send; open Keys and paste your secret key.",
    "api_key_invalid": "billing.io does not recognise this API key; open Keys and paste it again.",
    "api_key_revoked": (
        "This API key was revoked in the billing.io dashboard; create a new one and paste it "
        "in Keys."
    ),
}

_FIELD_MESSAGES = {
    ("amount_usd", "amount_too_small"): "The amount is below what this payment method accepts.",
    ("amount_usd", "amount_too_large"): "The amount is above what this payment method accepts.",
    ("amount_usd", None): "billing.io did not accept this amount; check it and try again.",
    ("payment_method_id", None): (
        "This payment method is not available any more; choose another one."
    ),
    ("description", None): "billing.io did not accept the description; shorten or change it.",
    ("expires_in_seconds", "expires_too_short"): "A link must stay valid for at least 5 minutes.",
    ("expires_in_seconds", None): "billing.io did not accept this lifetime; choose another one.",
}


def _field_message(code: str | None, param: str | None) -> str:
    if param:
        message = _FIELD_MESSAGES.get((param, code)) or _FIELD_MESSAGES.get((param, None))
        if message:
            return message
    return "billing.io did not accept the request; check the form and try again."
