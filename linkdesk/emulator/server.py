"""The emulator's HTTP side: a keep-alive `ThreadingHTTPServer`, faults, and the `Emulator` handle.

The server speaks HTTP/1.1 with keep-alive (every answer carries Content-Length) and
turns Nagle's algorithm off: without that, each answer on a reused connection waits
~40 ms for a delayed ACK, and a client's "warm connection" would be slower than a cold one.
"""

from __future__ import annotations

import contextlib
import logging
import math
import selectors
import socket
import socketserver
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from linkdesk.emulator.api import (
    MAX_BODY_BYTES,
    Api,
    ApiError,
    ApiRequest,
    Reply,
    error_payload,
)
from linkdesk.emulator.faults import ActiveFault, Fault, FaultBook, parse_route
from linkdesk.emulator.ratelimit import RateLimit
from linkdesk.emulator.store import Store, identify

__all__ = ["Emulator"]

log = logging.getLogger(__name__)

# Idle keep-alive connections are closed after this, like a real load balancer does.
_IDLE_SECONDS = 120.0
# After refusing an oversized body, how much of it is read and thrown away (and for how
# long) so that the client, still sending, gets to read the 413 instead of a reset.
_DISCARD_BYTES = 16 * 1024 * 1024
_DISCARD_SECONDS = 1.0
_JOIN_SECONDS = 2.0

_BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
# Fields whose absence makes an answer unusable: ids and urls of objects, a list's data.
_DROPPED_WHEN_INCOMPLETE = frozenset({"id", "url", "data", "has_more", "status", "error"})


@dataclass(frozen=True, slots=True)
class _Services:
    """What request handlers work with, handed to them by the server."""

    api: Api
    store: Store
    faults: FaultBook
    stopping: threading.Event  # set by stop(); releases hanging answers
    log_requests: bool


class _Server(ThreadingHTTPServer):
    """Counts and tracks connections so that `stop()` can close idle keep-alive ones too."""

    def __init__(self, address: tuple[str, int], services: _Services) -> None:
        self.services = services
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._connections: set[socket.socket] = set()
        # Threads outlive their connection by a moment, so they are tracked apart and
        # joined on stop(): afterwards no emulator thread is left behind.
        self._handler_threads: list[threading.Thread] = []
        # serve_forever() polls for shutdown every few tenths of a second, which makes
        # every stop() that slow; `serve_until` waits on the listening socket and this
        # wake-up pair instead, so stop() is immediate and an idle emulator never wakes.
        self._wake_reader, self._wake_writer = socket.socketpair()
        super().__init__(address, _Handler)  # closes the pair too if binding fails
        self.timeout = 0  # handle_request() only runs when a connection is waiting

    def server_bind(self) -> None:
        # HTTPServer.server_bind() looks up the host's fully qualified name, which can
        # stall for seconds where DNS is broken; the emulator has no use for it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def serve_until(self, stopping: threading.Event) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self and not stopping.is_set():
                        self.handle_request()

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="linkdesk-emulator-connection",
            daemon=True,
        )
        with self.services.store.lock:
            self.services.store.connections += 1
            self._connections.add(request)
            self._handler_threads = [t for t in self._handler_threads if t.is_alive()]
            self._handler_threads.append(thread)
        thread.start()

    def shutdown_request(self, request: Any) -> None:
        with self.services.store.lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> list[threading.Thread]:
        """Cut every open connection; return the threads that may still be running."""
        with self.services.store.lock:
            connections = list(self._connections)
            threads = list(self._handler_threads)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        return threads

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        # Clients that hang up are normal for a test server; anything else is a bug.
        if isinstance(error, ConnectionError | TimeoutError):
            return
        log.error("linkdesk emulator: unexpected error", exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "linkdesk-emulator/1.0"
    sys_version = ""
    timeout = _IDLE_SECONDS
    server: _Server

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks for do_<METHOD>. Answering every method here gives
        # unknown methods a JSON 404 or 405 instead of the stock HTML 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        # Only the request line and status are ever logged, never headers (the API key).
        if self.server.services.log_requests:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed HTTP (bad request line, huge headers) answered in billing.io's format."""
        # `message` quotes the request line; a fixed sentence cannot leak anything.
        payload = error_payload(
            "invalid_request", "malformed_http_request", "The HTTP request is malformed."
        )
        with contextlib.suppress(OSError):
            self._send(Reply.json(code, payload), close=True)

    def handle_expect_100(self) -> bool:
        # Do not invite a client to upload a body that will be refused for its size.
        if self._declared_length() > MAX_BODY_BYTES:
            return True
        return super().handle_expect_100()

    # one request

    def _dispatch(self) -> None:
        services = self.server.services
        target = urlsplit(self.path)
        method = self.command
        services.store.count_request(f"{method} {target.path}")
        body = self._read_body()
        if body is None:
            return
        fault = services.faults.take(method, target.path)
        if fault is not None and not fault.kind.after_work:
            self._fault_before_work(fault)
            return
        request = ApiRequest(
            method=method,
            path=target.path,
            query=target.query,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
        )
        try:
            reply = services.api.handle(request)
        except Exception:
            log.exception("linkdesk emulator: the request failed")
            reply = _internal_error()
        if fault is None:
            self._send(reply)
        else:
            self._fault_after_work(fault, reply)

    def _declared_length(self) -> int:
        text = self.headers.get("Content-Length")
        if text is None:
            return 0
        text = text.strip()
        return int(text) if text.isascii() and text.isdigit() else -1

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering a body that cannot be read."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            # http.server cannot read chunked bodies, and leftovers would poison keep-alive.
            self._send(
                ApiError(
                    411,
                    "invalid_request",
                    "length_required",
                    "Send the request body with a Content-Length header.",
                ).reply(),
                close=True,
            )
            return None
        length = self._declared_length()
        if length < 0:
            self._send(
                ApiError(
                    400, "invalid_request", "invalid_request_body", "Content-Length is not valid."
                ).reply(),
                close=True,
            )
            return None
        if length > MAX_BODY_BYTES:
            self._send(
                ApiError(
                    413,
                    "invalid_request",
                    "request_too_large",
                    f"The request body is larger than {MAX_BODY_BYTES} bytes.",
                ).reply(),
                close=True,
            )
            self._discard_input()
            return None
        return self.rfile.read(length) if length else b""

    def _discard_input(self) -> None:
        """Read and drop what the client is still uploading, within limits, then hang up."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_DISCARD_SECONDS)
            received = 0
            while received < _DISCARD_BYTES:
                chunk = self.connection.recv(65536)
                if not chunk:
                    break
                received += len(chunk)

    # faults

    def _fault_before_work(self, fault: ActiveFault) -> None:
        kind = fault.kind
        if kind is Fault.DROP_BEFORE_BODY:
            self.close_connection = True
        elif kind is Fault.INTERNAL_ERROR:
            self._send(_internal_error())
        elif kind is Fault.BAD_GATEWAY_HTML:
            self._send(Reply(502, _BAD_GATEWAY_HTML, content_type="text/html"))
        elif kind is Fault.SERVICE_UNAVAILABLE:
            payload = error_payload(
                "internal_error",
                "service_unavailable",
                "The service is temporarily unavailable. Try again shortly.",
            )
            self._send(Reply.json(503, payload))
        elif kind is Fault.TOO_MANY_REQUESTS:
            seconds = math.ceil(fault.seconds or 0)
            payload = error_payload(
                "rate_limited",
                "too_many_requests",
                f"Rate limit exceeded. Retry after {seconds} seconds.",
            )
            self._send(Reply.json(429, payload, (("Retry-After", str(seconds)),)))
        else:
            raise AssertionError(f"{kind} is not a before-work fault")

    def _fault_after_work(self, fault: ActiveFault, reply: Reply) -> None:
        kind = fault.kind
        if kind is Fault.HANG:
            if self.server.services.stopping.wait(fault.seconds or 0.0):
                self.close_connection = True  # stop() released us: leave without answering
            else:
                self._send(reply)  # late; the client has most likely given up already
        elif kind is Fault.DROP_MID_BODY:
            self._send(reply, body_bytes=len(reply.body) // 2)
            self.close_connection = True
        elif kind is Fault.NON_JSON_200:
            text = b"OK\n(this proxy answered in plain text)\n"
            self._send(Reply(200, text, content_type="text/plain; charset=utf-8"))
        elif kind is Fault.INCOMPLETE_201:
            payload = reply.payload
            if isinstance(payload, dict):
                payload = {k: v for k, v in payload.items() if k not in _DROPPED_WHEN_INCOMPLETE}
            else:
                payload = {}
            status = 201 if self.command == "POST" else 200
            self._send(Reply.json(status, payload, reply.headers))
        else:
            raise AssertionError(f"{kind} is not an after-work fault")

    # writing

    def _send(self, reply: Reply, *, close: bool = False, body_bytes: int | None = None) -> None:
        """Write `reply`; with `body_bytes`, only that much body though the headers promise all."""
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers:
                self.send_header(name, value)
            if close or self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                body = reply.body if body_bytes is None else reply.body[:body_bytes]
                self.wfile.write(body)
                self.wfile.flush()
        except OSError:
            self.close_connection = True


def _internal_error() -> Reply:
    return Reply.json(
        500,
        error_payload("internal_error", "internal_server_error", "An unexpected error occurred."),
    )


class Emulator:
    """A local, stateful billing.io API on a loopback port.

    >>> with Emulator().start() as emulator:  # doctest: +SKIP
    ...     httpx.get(emulator.base_url + "/health")
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: RateLimit | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        log_requests: bool = False,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._store = Store(clock=clock, rate_limit=rate_limit)
        self._faults = FaultBook(self._store.lock)
        self._stopping = threading.Event()
        self._services = _Services(
            api=Api(self._store),
            store=self._store,
            faults=self._faults,
            stopping=self._stopping,
            log_requests=log_requests,
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # life cycle

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread; returns the emulator itself."""
        if self._server is not None or self._stopping.is_set():
            raise RuntimeError("an Emulator starts once")
        self._server = _Server((self._host, self._requested_port), self._services)
        self._thread = threading.Thread(
            target=self._server.serve_until,
            args=(self._stopping,),
            name="linkdesk-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections, release hanging answers; safe to call twice."""
        self._stopping.set()
        server, self._server = self._server, None
        if server is None:
            return
        server.wake()
        if self._thread is not None:
            self._thread.join(_JOIN_SECONDS)
        for thread in server.close_connections():
            thread.join(_JOIN_SECONDS)
        server.server_close()

    def __enter__(self) -> Self:
        if self._server is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._running().server_address[1]

    @property
    def host(self) -> str:
        return self._host

    @property
    def base_url(self) -> str:
        """Where the API lives, e.g. ``http://127.0.0.1:54321/v1``."""
        host = self._host if ":" not in self._host else f"[{self._host}]"
        return f"http://{host}:{self.port}/v1"

    def _running(self) -> _Server:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._server

    # faults

    def add_fault(
        self,
        kind: str | Fault,
        count: int = 1,
        route: str | None = None,
        seconds: float | None = None,
    ) -> None:
        """Make the next `count` requests (to `route` only, if given) answer with `kind`.

        `route` is ``"METHOD /path"`` (``"POST /v1/payment-links"``) or a bare path for
        any method. `seconds` is how long `hang` waits (default 30) and what `429` puts in
        Retry-After (default 1). Faults queue up first added, first served.
        """
        self._faults.add(kind, count, route, seconds)

    def clear_faults(self) -> None:
        self._faults.clear()

    def faults_pending(self) -> int:
        """How many faulty answers are still queued."""
        return self._faults.pending()

    # what happened

    def links_created(self, api_key: str | None = None) -> int:
        """Links that really exist: in every organization, or in `api_key`'s only."""
        identity = None if api_key is None else identify(api_key)
        with self._store.lock:
            return sum(len(org.links) for org in self._store.existing(identity))

    def request_count(self, route: str | None = None) -> int:
        """Requests received, all of them or those for one ``"METHOD /path"``."""
        with self._store.lock:
            if route is None:
                return self._store.requests.total()
            method, path = parse_route(route)
            return sum(
                count
                for name, count in self._store.requests.items()
                if name.partition(" ")[2] == path and method in (None, name.partition(" ")[0])
            )

    def connections_opened(self) -> int:
        """TCP connections accepted since start."""
        with self._store.lock:
            return self._store.connections

    # state for tests, benchmarks and demos

    def add_links(self, api_key: str, count: int, *, start: datetime | None = None) -> None:
        """Put `count` links straight into `api_key`'s organization, one second apart.

        They start at `start` (default: `count` seconds ago, so the last is the newest),
        use the default payment method, and alternate between never expiring and
        expiring an hour after creation.
        """
        if count < 0:
            raise ValueError("count must be zero or more")
        self._store.add_links(identify(api_key), count, start)

    def payment_methods(self, api_key: str) -> list[dict[str, Any]]:
        """`api_key`'s payment methods as the API shows them (amounts as `Decimal`)."""
        identity = identify(api_key)
        with self._store.lock:
            return [method.as_json() for method in self._store.organization(identity).methods]

    def set_rate_limit(self, rate_limit: RateLimit | None) -> None:
        """Turn rate limiting on (every organization gets a full bucket) or off."""
        self._store.set_rate_limit(rate_limit)
