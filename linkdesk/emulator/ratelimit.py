"""Per-organization token buckets, the emulator's model of billing.io's undocumented rate limit."""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["RateDecision", "RateLimit", "TokenBucket"]


@dataclass(frozen=True, slots=True)
class RateLimit:
    """A bucket of `capacity` requests that refills `refill_per_second` requests a second."""

    capacity: int
    refill_per_second: float

    def __post_init__(self) -> None:
        if isinstance(self.capacity, bool) or not isinstance(self.capacity, int):
            raise TypeError("capacity must be an int")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        if not math.isfinite(self.refill_per_second) or self.refill_per_second <= 0:
            raise ValueError("refill_per_second must be a positive number")

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        """Read ``CAPACITY/REFILL_PER_SECOND`` as typed on the command line, e.g. ``10/2``."""
        capacity, sep, refill = text.partition("/")
        if not sep:
            raise ValueError("expected CAPACITY/REFILL_PER_SECOND, for example 10/2")
        return cls(int(capacity), float(refill))


@dataclass(frozen=True, slots=True)
class RateDecision:
    """What one request got from its bucket, with the numbers the headers report."""

    allowed: bool
    limit: int
    remaining: int
    reset_at: int  # unix time at which the bucket is full again
    retry_after: int  # whole seconds until one request is allowed; 0 when allowed

    def headers(self) -> tuple[tuple[str, str], ...]:
        fields = [
            ("X-RateLimit-Limit", str(self.limit)),
            ("X-RateLimit-Remaining", str(self.remaining)),
            ("X-RateLimit-Reset", str(self.reset_at)),
        ]
        if not self.allowed:
            fields.append(("Retry-After", str(self.retry_after)))
        return tuple(fields)


class TokenBucket:
    """Mutable by nature: it drains and refills. Callers hold the emulator's lock."""

    __slots__ = ("_limit", "_tokens", "_updated")

    def __init__(self, limit: RateLimit, now: float) -> None:
        self._limit = limit
        self._tokens = float(limit.capacity)
        self._updated = now

    def take(self, now: float) -> RateDecision:
        """Spend one token if there is one; either way say what the headers should carry."""
        limit = self._limit
        # A clock moved backwards (tests can do that) must not drain the bucket.
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(limit.capacity, self._tokens + elapsed * limit.refill_per_second)
        self._updated = max(now, self._updated)
        allowed = self._tokens >= 1.0
        if allowed:
            self._tokens -= 1.0
        missing = limit.capacity - self._tokens
        reset_at = math.ceil(now + missing / limit.refill_per_second)
        retry_after = 0
        if not allowed:
            retry_after = max(1, math.ceil((1.0 - self._tokens) / limit.refill_per_second))
        return RateDecision(
            allowed=allowed,
            limit=limit.capacity,
            remaining=math.floor(self._tokens),
            reset_at=reset_at,
            retry_after=retry_after,
        )
