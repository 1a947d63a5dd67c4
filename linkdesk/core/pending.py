"""A create whose answer linkdesk has not seen yet, kept on disk until it has.

The window writes the request and its Idempotency-Key here before it sends the request,
and removes them once billing.io has answered for certain (the link, or a refusal). If
linkdesk ends in between (a crash, the power, Ctrl+Q during a timeout), the file is
still there at the next start: the window offers the same request again with the same
key, and billing.io answers a repeat with the link it already made instead of making a
second one. Its own key memory lasts 24 hours, so a pending create older than
`MAX_AGE` is left to the history's sync, which brings the link in if it was made.

No secret is written: the request, the key that makes it idempotent (a random UUID, not
the API key), the environment and the time.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from linkdesk.core.errors import InvalidInput
from linkdesk.core.links import Environment, LinkRequest

log = logging.getLogger(__name__)

# The files' names, before "-sandbox.json" or "-live.json".
WINDOW_JOURNAL = "pending-create"
CLI_JOURNAL = "pending-create-cli"
# billing.io keeps an Idempotency-Key for 24 hours; an hour of margin for clocks.
MAX_AGE = timedelta(hours=23)
_FORMAT = 1
# What `to_json` writes for an amount: digits, and at most two after the point. Read
# back nothing else, such as an exponent a Decimal would try to spell out in full.
_AMOUNT = re.compile(r"[0-9]{1,18}(\.[0-9]{1,2})?")
# A pending create is well under a kilobyte; a bigger file is not one.
_LARGEST = 64 * 1024


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PendingCreate:
    """A request sent (or about to be) whose outcome is not known."""

    request: LinkRequest
    idempotency_key: str
    environment: Environment
    started_at: datetime

    def too_old(self, now: datetime | None = None) -> bool:
        """Sent longer ago than billing.io remembers its key (or later than now, by a
        clock set back since): sending it again could make a second link."""
        age = (utc_now() if now is None else now) - self.started_at
        return not timedelta(0) <= age <= MAX_AGE

    def to_json(self) -> str:
        request = self.request
        return json.dumps(
            {
                "format": _FORMAT,
                "amount_usd": format(request.amount, "f"),
                "payment_method_id": request.payment_method_id,
                "description": request.description,
                "expires_in_seconds": request.lifetime,
                "idempotency_key": self.idempotency_key,
                "environment": self.environment.value,
                "started_at": self.started_at.astimezone(UTC).isoformat(),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> PendingCreate:
        """Read what `to_json` wrote; `ValueError` for anything else (a file edited by
        hand, half a disk block, another program's JSON)."""
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            raise ValueError("not JSON") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError("not a pending create")
        texts = ("amount_usd", "payment_method_id", "idempotency_key", "environment", "started_at")
        if not all(isinstance(data.get(name), str) and data[name] for name in texts):
            raise ValueError("a field missing or not text")
        if not _AMOUNT.fullmatch(data["amount_usd"]):
            raise ValueError("an amount that is not plain digits")
        description, lifetime = data.get("description"), data.get("expires_in_seconds")
        if not isinstance(description, str | None):
            raise ValueError("a description that is not text")
        if isinstance(lifetime, bool) or not isinstance(lifetime, int | None):
            raise ValueError("a lifetime that is not a whole number")
        try:
            started = datetime.fromisoformat(data["started_at"])
            environment = Environment(data["environment"])
            request = LinkRequest.build(
                Decimal(data["amount_usd"]), data["payment_method_id"], description, lifetime
            )
        except (ValueError, InvalidOperation, InvalidInput) as exc:
            raise ValueError(f"not a pending create: {type(exc).__name__}") from None
        if started.tzinfo is None:
            raise ValueError("a time without its zone")
        return cls(request, data["idempotency_key"], environment, started)


class PendingJournal:
    """The one pending create of a data folder and an environment, in a small JSON file.

    Each environment has its own file, so a test link made meanwhile never overwrites a
    live create waiting to be finished. Used from one thread (the window's API thread, or
    the command), so its writes keep their order. Each write goes to a file beside it, is
    flushed to the disk, then renamed over the old one: a crash leaves the old file or
    the new one, never half of one.
    """

    def __init__(
        self,
        folder: Path,
        environment: Environment,
        *,
        name: str = WINDOW_JOURNAL,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.environment = environment
        self.path = folder / f"{name}-{environment.value}.json"
        self._clock = clock

    def save(self, request: LinkRequest, idempotency_key: str) -> None:
        """Keep this create until `clear`. Sent again with the same key, it keeps the time
        it was first sent: billing.io's memory of the key runs from then."""
        started = self._clock()
        kept = self._read()
        if isinstance(kept, PendingCreate) and kept.idempotency_key == idempotency_key:
            started = kept.started_at
        pending = PendingCreate(request, idempotency_key, self.environment, started)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".new")
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(pending.to_json())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def load(self) -> PendingCreate | None:
        """The pending create, if there is one young enough to finish with its key."""
        pending = self._read()
        if not isinstance(pending, PendingCreate):
            return None
        if pending.environment is not self.environment or pending.too_old(self._clock()):
            log.info("the pending create of %s cannot be finished now", pending.started_at)
            return None
        return pending

    def clear(self, idempotency_key: str | None = None) -> None:
        """Forget the pending create; given a key, only if it is that key's (a later
        create may have taken its place meanwhile)."""
        if idempotency_key is not None:
            kept = self._read()
            if isinstance(kept, PendingCreate) and kept.idempotency_key != idempotency_key:
                return
        self.path.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".new").unlink(missing_ok=True)

    def _read(self) -> PendingCreate | bool:
        """What the file holds; False when there is none, True when it cannot be read."""
        try:
            with open(self.path, "rb") as file:
                data = file.read(_LARGEST + 1)
        except FileNotFoundError:
            return False
        except OSError as exc:
            log.info("could not read the pending create %s: %s", self.path, exc)
            return True
        try:
            if len(data) > _LARGEST:
                raise ValueError("too large")
            return PendingCreate.from_json(data.decode("utf-8"))
        except Exception as exc:  # whatever the file holds, a create is never refused for it
            log.info("ignoring the pending create %s: %s", self.path, type(exc).__name__)
            return True
