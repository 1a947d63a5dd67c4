"""Sync from billing.io: bring the links made elsewhere (other counters, the dashboard) into
the history, without a duplicate and without a hole, however often a sync is cut short.

billing.io lists links newest first, a page at a time, with an opaque cursor and no
filter. "Stop at the first known link" would be wrong twice over: links this counter made
are known and sit between links made elsewhere, and a sync that failed half-way leaves
older pages unfetched below links that are now known. So the history keeps, per
environment, two things (see `LinkHistory.sync_top` and `LinkHistory.sync_gaps`):

- the top: the creation second of the newest link a sync has seen; every link older
  than it is in the history, except for
- gaps: stretches of the list still to fetch, each a cursor (None: from the newest)
  and the second below which the stretch ends.

A sync reads the first page; what lies between it and the old top becomes a gap; then
every gap is worked, newest first. Each page's links and what remains of its gap are
committed in one transaction, so a sync stopped at any point (an error, Cancel, a
crash) resumes exactly where it stopped. A gap whose cursor billing.io no longer accepts
(`invalid_cursor`) starts again from the newest link, skipping what is known.

Use a `LinkHistory` of the sync's own thread (a second writer on the same file is fine).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from linkdesk.core import errors
from linkdesk.core.api import RetryNotice
from linkdesk.core.billing import BillingClient, LinkPage
from linkdesk.core.history import LinkHistory, SyncGap
from linkdesk.core.links import Environment, PaymentLink

# Links are looked for this far below the old top: billing.io's clocks may disagree by
# a little, and a link stamped a few seconds before the top may appear after a sync.
OVERLAP_SECONDS: Final = 60
MAX_PAGE_SIZE: Final = 100


@dataclass(frozen=True)
class SyncProgress:
    """Told after every page: pages fetched and links new to the history so far."""

    pages: int
    new: int


@dataclass(frozen=True)
class SyncResult:
    """How a sync went. `complete` is False when it stopped early; `error` says why
    (`errors.Cancelled` for Cancel). What was fetched is kept either way."""

    new: int
    pages: int
    complete: bool
    error: errors.LinkdeskError | None = None


ProgressCallback = Callable[[SyncProgress | RetryNotice], None]


def sync_links(
    client: BillingClient,
    history: LinkHistory,
    environment: Environment,
    *,
    cancel: threading.Event | None = None,
    progress: ProgressCallback | None = None,
    page_size: int = MAX_PAGE_SIZE,
    method_names: Mapping[str, str] | None = None,
) -> SyncResult:
    """Fetch what the history lacks of `environment`'s links; see the module docstring.

    `method_names` labels the links with their payment method's name; by default the
    account's methods are asked for once. Retries (a 429 with Retry-After, a 5xx) are
    the client's; each is also passed to `progress` as a `RetryNotice`.
    """
    if client.environment is not environment:
        raise ValueError("the client's key belongs to the other environment")
    run = _Run(client, history, environment, cancel or threading.Event(), progress)
    return run.sync(max(1, min(page_size, MAX_PAGE_SIZE)), method_names)


class _Run:
    """One sync: its counters, and the client's retry notices passed on as progress."""

    def __init__(
        self,
        client: BillingClient,
        history: LinkHistory,
        environment: Environment,
        cancel: threading.Event,
        progress: ProgressCallback | None,
    ) -> None:
        self.client = client
        self.history = history
        self.environment = environment
        self.cancel = cancel
        self.progress = progress
        self.pages = 0
        self.new = 0
        self.names: Mapping[str, str] = {}

    def sync(self, page_size: int, method_names: Mapping[str, str] | None) -> SyncResult:
        previous = self.client.on_retry

        def on_retry(notice: RetryNotice) -> None:
            if previous is not None:
                previous(notice)
            if self.progress is not None:
                self.progress(notice)

        self.client.on_retry = on_retry
        try:
            self.names = method_names if method_names is not None else self._method_names()
            self._first_page(page_size)
            for gap in self.history.sync_gaps(self.environment):
                self._work(gap, page_size)
        except errors.LinkdeskError as error:
            return SyncResult(self.new, self.pages, complete=False, error=error)
        finally:
            self.client.on_retry = previous
        return SyncResult(self.new, self.pages, complete=True)

    def _method_names(self) -> dict[str, str]:
        methods = self.client.list_payment_methods(status=None, cancel=self.cancel)
        return {method.id: method.label for method in methods}

    def _first_page(self, page_size: int) -> None:
        """The newest links; what lies between them and the old top becomes a gap."""
        old_top = self.history.sync_top(self.environment)
        page = self._fetch(None, page_size)
        stop = None if old_top is None else old_top - OVERLAP_SECONDS
        gap = None
        if not _ends(page, stop):
            gap = SyncGap(0, self.environment, page.next_cursor, stop)
        top = max((_second(link) for link in page.links), default=None)
        self._record(page, None, gap, top)

    def _work(self, gap: SyncGap | None, page_size: int) -> None:
        """Fetch a gap page by page until it closes."""
        seen: set[str | None] = set()
        while gap is not None:
            if gap.cursor in seen:
                raise errors.MalformedResponse(
                    "billing.io sent the same page of links twice; try the sync again later."
                )
            seen.add(gap.cursor)
            try:
                page = self._fetch(gap.cursor, page_size)
            except errors.FieldError as error:
                if gap.cursor is None or not _cursor_refused(error):
                    raise
                # The cursor has expired: walk this stretch again from the newest link.
                # Nothing is lost, only time: what is known is skipped.
                restart = SyncGap(gap.gap_id, self.environment, None, gap.stop_before)
                _, gap = self.history.record_sync_page(
                    [], environment=self.environment, gap=gap, next_gap=restart
                )
                seen.clear()
                continue
            remaining = None
            if not _ends(page, gap.stop_before):
                remaining = SyncGap(gap.gap_id, self.environment, page.next_cursor, gap.stop_before)
            gap = self._record(page, gap, remaining, None)

    def _fetch(self, cursor: str | None, page_size: int) -> LinkPage:
        if self.cancel.is_set():
            raise errors.Cancelled("Sync cancelled; it continues from here next time.")
        return self.client.list_payment_links(cursor, page_size, cancel=self.cancel)

    def _record(
        self, page: LinkPage, gap: SyncGap | None, remaining: SyncGap | None, top: int | None
    ) -> SyncGap | None:
        new, stored = self.history.record_sync_page(
            page.links,
            environment=self.environment,
            method_names=self.names,
            gap=gap,
            next_gap=remaining,
            top=top,
        )
        self.pages += 1
        self.new += new
        if self.progress is not None:
            self.progress(SyncProgress(self.pages, self.new))
        return stored


def _ends(page: LinkPage, stop_before: int | None) -> bool:
    """Whether nothing older than `page` is needed: the list ended, or it reached links
    created before `stop_before`."""
    if not page.has_more or not page.next_cursor:
        return True
    if stop_before is None:
        return False
    return any(link.created_at is not None and _second(link) < stop_before for link in page.links)


def _second(link: PaymentLink) -> int:
    created: datetime | None = link.created_at
    return 0 if created is None else int(created.timestamp())


def _cursor_refused(error: errors.FieldError) -> bool:
    return error.code == "invalid_cursor" or error.param == "cursor"
