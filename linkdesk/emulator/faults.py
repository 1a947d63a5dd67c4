"""Switchable faults: the broken answers real networks give, queued for the next requests.

Each kind happens either *before* the emulator does any work (the request never reached
billing.io, nothing is created) or *after* it (the link exists, but its answer is lost or
mangled on the way back). The second group is what idempotent retries exist for: a
client that retries with the same Idempotency-Key must get the link that was already
made, not a second one.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass

__all__ = ["ActiveFault", "Fault", "FaultBook", "parse_route"]


class Fault(enum.StrEnum):
    """What a faulty answer looks like; the value is how tests and the command line name it."""

    INTERNAL_ERROR = "500"  # JSON internal_error, before the work
    BAD_GATEWAY_HTML = "502_html"  # a proxy's HTML page, before the work
    SERVICE_UNAVAILABLE = "503"  # JSON, before the work
    TOO_MANY_REQUESTS = "429"  # JSON rate_limited with Retry-After, before the work
    HANG = "hang"  # the work is done, the answer comes only after `seconds`
    DROP_BEFORE_BODY = "drop_before_body"  # connection closed, no answer, before the work
    DROP_MID_BODY = "drop_mid_body"  # the work is done, half the answer, then closed
    NON_JSON_200 = "non_json_200"  # the work is done, 200 with a plain-text body
    INCOMPLETE_201 = "incomplete_201"  # the work is done, JSON missing required fields

    @property
    def after_work(self) -> bool:
        """True when the request is really carried out and only its answer is lost."""
        return self in _AFTER_WORK

    @property
    def default_seconds(self) -> float | None:
        """How long `HANG` waits and what `TOO_MANY_REQUESTS` puts in Retry-After."""
        return {Fault.HANG: 30.0, Fault.TOO_MANY_REQUESTS: 1.0}.get(self)


_AFTER_WORK = frozenset({Fault.HANG, Fault.DROP_MID_BODY, Fault.NON_JSON_200, Fault.INCOMPLETE_201})


def parse_route(route: str) -> tuple[str | None, str]:
    """Split ``"POST /v1/payment-links"`` into method and path; a bare path fits any method."""
    method, sep, path = route.strip().partition(" ")
    if not sep:
        method, path = "", method
    path = path.strip()
    if not path.startswith("/") or " " in path:
        raise ValueError(f"a route looks like 'POST /v1/payment-links', not {route!r}")
    return (method.upper() or None), path


@dataclass(frozen=True, slots=True)
class ActiveFault:
    """The fault one request was chosen for."""

    kind: Fault
    seconds: float | None


@dataclass(slots=True)
class _Rule:
    # Not frozen: `remaining` counts down as requests take the fault.
    kind: Fault
    remaining: int
    method: str | None
    path: str | None
    seconds: float | None

    def matches(self, method: str, path: str) -> bool:
        if self.path is not None and self.path != path:
            return False
        return self.method is None or self.method == method


class FaultBook:
    """Queued faults, first added first served; shares the emulator's one lock."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._rules: list[_Rule] = []

    def add(
        self,
        kind: str | Fault,
        count: int = 1,
        route: str | None = None,
        seconds: float | None = None,
    ) -> None:
        fault = Fault(kind)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError("count must be a whole number of requests, at least 1")
        if seconds is not None and not seconds >= 0:
            raise ValueError("seconds must be zero or more")
        method, path = parse_route(route) if route is not None else (None, None)
        if seconds is None:
            seconds = fault.default_seconds
        with self._lock:
            self._rules.append(_Rule(fault, count, method, path, seconds))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def pending(self) -> int:
        """How many faulty answers are still queued."""
        with self._lock:
            return sum(rule.remaining for rule in self._rules)

    def take(self, method: str, path: str) -> ActiveFault | None:
        """The fault this request gets, if any, used up as it is handed out."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.matches(method, path):
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        del self._rules[index]
                    return ActiveFault(rule.kind, rule.seconds)
        return None
