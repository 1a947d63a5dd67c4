"""The emulator's state: organizations, their payment methods, links and idempotency records.

Every API key is its own organization, derived from a hash of the key so the key itself is
never stored. All state sits behind one lock, which the HTTP handlers hold for the whole
of a request's work, so concurrent retries of one create are seen one after the other.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import re
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeAlias

from linkdesk.emulator.jsonio import JsonValue
from linkdesk.emulator.ratelimit import RateDecision, RateLimit, TokenBucket

__all__ = [
    "IDEMPOTENCY_TTL_SECONDS",
    "MAX_TIMESTAMP",
    "Clock",
    "IdempotencyRecord",
    "Identity",
    "Organization",
    "PaymentLinkRecord",
    "PaymentMethodRecord",
    "Store",
    "format_timestamp",
    "identify",
    "new_link_id",
    "new_method_id",
    "system_clock",
]

Clock: TypeAlias = Callable[[], datetime]

API_KEY_PATTERN = re.compile(r"sk_(test|live)_[A-Za-z0-9]{16,}")
IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60
# 9999-12-31T23:59:59Z: the last instant a timestamp in billing.io's format can name.
MAX_TIMESTAMP = 253_402_300_799


# Every organization starts with these: the default, one with limits, one disabled whose
# missing display name makes clients fall back to a label of their own.
_SEEDED_METHODS: tuple[dict[str, Any], ...] = (
    {
        "chain": "tron",
        "token": "USDT",
        "display_name": "USDT on Tron",
        "status": "active",
        "is_default": True,
        "required_confirmations": 19,
        "min_amount_usd": None,
        "max_amount_usd": None,
    },
    {
        "chain": "base",
        "token": "USDC",
        "display_name": "USDC on Base",
        "status": "active",
        "is_default": False,
        "required_confirmations": 12,
        "min_amount_usd": Decimal("5.00"),
        "max_amount_usd": Decimal("500.00"),
    },
    {
        "chain": "arbitrum",
        "token": "USDC",
        "display_name": None,
        "status": "disabled",
        "is_default": False,
        "required_confirmations": 20,
        "min_amount_usd": None,
        "max_amount_usd": None,
    },
)


def system_clock() -> datetime:
    return datetime.now(UTC)


def format_timestamp(unix: int) -> str:
    """billing.io's timestamp form, UTC to the second: ``2025-01-31T09:30:00Z``."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hex_id(prefix: str) -> str:
    return prefix + secrets.token_hex(12)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a key speaks for; the key itself is not kept."""

    org_id: str
    environment: str  # "live" or "sandbox"


def identify(api_key: str) -> Identity:
    """The organization a well-formed key belongs to; `ValueError` for anything else.

    The error message never contains the key.
    """
    match = API_KEY_PATTERN.fullmatch(api_key) if isinstance(api_key, str) else None
    if match is None:
        raise ValueError("not a billing.io secret key (sk_test_… or sk_live_…)")
    digest = hashlib.sha256(api_key.encode("ascii")).hexdigest()
    environment = "live" if match.group(1) == "live" else "sandbox"
    return Identity(org_id="org_" + digest[:24], environment=environment)


@dataclass(frozen=True, slots=True)
class PaymentMethodRecord:
    id: str
    org_id: str
    wallet_id: str
    chain: str
    token: str
    display_name: str | None
    status: str
    is_default: bool
    required_confirmations: int
    min_amount_usd: Decimal | None
    max_amount_usd: Decimal | None
    environment: str
    created_at: int
    updated_at: int

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "org_id": self.org_id,
            "wallet_id": self.wallet_id,
            "chain": self.chain,
            "token": self.token,
            "display_name": self.display_name,
            "status": self.status,
            "is_default": self.is_default,
            "required_confirmations": self.required_confirmations,
            "min_amount_usd": self.min_amount_usd,
            "max_amount_usd": self.max_amount_usd,
            "environment": self.environment,
            "created_at": format_timestamp(self.created_at),
            "updated_at": format_timestamp(self.updated_at),
        }


@dataclass(frozen=True, slots=True)
class PaymentLinkRecord:
    id: str
    org_id: str
    amount_usd: Decimal
    payment_method_id: str
    description: str | None
    expires_at: int | None
    environment: str
    created_at: int
    seq: int  # breaks ties between links made in the same second

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.created_at, self.seq)

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "id": self.id,
            "org_id": self.org_id,
            "amount_usd": self.amount_usd,
            "payment_method_id": self.payment_method_id,
            "description": self.description,
            "url": "https://pay.billing.io/" + self.id,
            "expires_at": None if self.expires_at is None else format_timestamp(self.expires_at),
            "environment": self.environment,
            "created_at": format_timestamp(self.created_at),
        }


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """The first successful answer to a create, kept to be replayed for 24 hours."""

    fingerprint: object  # route and canonical body of the original request
    payload: JsonValue
    stored_at: float


@dataclass(slots=True)
class Organization:
    # Mutable on purpose: an organization's lists grow as links and methods are made.
    identity: Identity
    methods: list[PaymentMethodRecord] = field(default_factory=list)
    links: list[PaymentLinkRecord] = field(default_factory=list)  # oldest first
    idempotency: dict[str, IdempotencyRecord] = field(default_factory=dict)
    bucket: TokenBucket | None = None

    @property
    def org_id(self) -> str:
        return self.identity.org_id

    @property
    def environment(self) -> str:
        return self.identity.environment

    def method(self, method_id: str) -> PaymentMethodRecord | None:
        return next((m for m in self.methods if m.id == method_id), None)

    def add_method(self, record: PaymentMethodRecord) -> None:
        if record.is_default:
            # At most one default: the new one takes over.
            self.methods = [
                replace(m, is_default=False, updated_at=record.created_at) if m.is_default else m
                for m in self.methods
            ]
        self.methods.append(record)

    def add_links(self, records: Iterable[PaymentLinkRecord]) -> None:
        """Keep `links` ordered by creation time, however the records arrive."""
        records = list(records)
        if not records:
            return
        in_order = (not self.links or self.links[-1].sort_key <= records[0].sort_key) and all(
            a.sort_key <= b.sort_key for a, b in itertools.pairwise(records)
        )
        self.links.extend(records)
        if not in_order:
            self.links.sort(key=lambda link: link.sort_key)

    def links_before(
        self, key: tuple[int, int] | None, limit: int
    ) -> tuple[list[PaymentLinkRecord], bool]:
        """Up to `limit` links older than `key` (from the newest when None), newest first.

        Also says whether older links remain. Cursors carry a sort key, not a position,
        so links created while a client pages through do not shift its pages.
        """
        end = (
            len(self.links)
            if key is None
            else bisect.bisect_left(self.links, key, key=lambda link: link.sort_key)
        )
        start = max(0, end - limit)
        return self.links[start:end][::-1], start > 0

    def methods_after(
        self, position: int, limit: int, status: str | None
    ) -> tuple[list[tuple[int, PaymentMethodRecord]], bool]:
        """Up to `limit` methods after list position `position`, oldest first, with positions.

        Methods are only ever appended, so a position stays valid as a cursor.
        """
        matching = [
            (index, method)
            for index, method in enumerate(self.methods)
            if index > position and (status is None or method.status == status)
        ]
        return matching[:limit], len(matching) > limit


class Store:
    """All organizations, counters and the clock, behind one lock."""

    def __init__(self, clock: Clock | None = None, rate_limit: RateLimit | None = None) -> None:
        self.lock = threading.RLock()
        self._clock = clock or system_clock
        self._orgs: dict[str, Organization] = {}
        self._seq = itertools.count(1)
        self._rate_limit = rate_limit
        self.requests: Counter[str] = Counter()
        self.connections = 0

    # time

    def count_request(self, route: str) -> None:
        with self.lock:
            self.requests[route] += 1

    def now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the emulator's clock must return an aware datetime")
        return now

    def now_unix(self) -> int:
        """The current second, the resolution of billing.io's timestamps."""
        return int(self.now().timestamp())

    def next_seq(self) -> int:
        return next(self._seq)

    # organizations

    def organization(self, identity: Identity) -> Organization:
        """The organization of `identity`, created and seeded the first time it is seen."""
        with self.lock:
            org = self._orgs.get(identity.org_id)
            if org is None:
                org = Organization(identity)
                self._seed(org)
                self._orgs[identity.org_id] = org
            return org

    def existing(self, identity: Identity | None) -> list[Organization]:
        with self.lock:
            if identity is None:
                return list(self._orgs.values())
            org = self._orgs.get(identity.org_id)
            return [] if org is None else [org]

    def _seed(self, org: Organization) -> None:
        now = self.now_unix()
        # Method ids follow from the organization, so a demo shows the same ids every run.
        digest = hashlib.sha256(org.org_id.encode("ascii")).hexdigest()
        for index, fields in enumerate(_SEEDED_METHODS):
            org.methods.append(
                PaymentMethodRecord(
                    id="pm_" + hashlib.sha256(f"{digest}:{index}".encode()).hexdigest()[:24],
                    org_id=org.org_id,
                    wallet_id=f"wal_{fields['chain']}_{digest[:12]}",
                    environment=org.environment,
                    created_at=now,
                    updated_at=now,
                    **fields,
                )
            )

    # rate limiting

    def set_rate_limit(self, rate_limit: RateLimit | None) -> None:
        with self.lock:
            self._rate_limit = rate_limit
            for org in self._orgs.values():
                org.bucket = None

    def take_token(self, org: Organization) -> RateDecision | None:
        """Charge one request to `org`'s bucket; None when rate limiting is off."""
        with self.lock:
            if self._rate_limit is None:
                return None
            now = self.now().timestamp()
            if org.bucket is None:
                org.bucket = TokenBucket(self._rate_limit, now)
            return org.bucket.take(now)

    # bulk links for tests and benchmarks

    def add_links(self, identity: Identity, count: int, start: datetime | None) -> None:
        with self.lock:
            org = self.organization(identity)
            default = next(m for m in org.methods if m.is_default)
            first = self.now_unix() - count if start is None else int(start.timestamp())
            records = []
            for index in range(count):
                created = first + index
                cents = 100 + (index * 37) % 99_900
                records.append(
                    PaymentLinkRecord(
                        id=_hex_id("pl_"),
                        org_id=org.org_id,
                        amount_usd=Decimal(cents).scaleb(-2),
                        payment_method_id=default.id,
                        description=f"Bulk link {index + 1}",
                        # Every other link never expires, the rest live an hour.
                        expires_at=None if index % 2 == 0 else created + 3600,
                        environment=org.environment,
                        created_at=created,
                        seq=self.next_seq(),
                    )
                )
            org.add_links(records)


def new_link_id() -> str:
    return _hex_id("pl_")


def new_method_id() -> str:
    return _hex_id("pm_")
