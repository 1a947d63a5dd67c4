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

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
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
# Pages fetched ahead of the writer at most; also the most one transaction stores.
_QUEUED_PAGES: Final = 20


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
    the client's; each is also passed to `progress` as a `RetryNotice`. `progress` is
    called on the calling thread; its `SyncProgress.new` may trail the pages by a few,
    as pages are stored on a thread of their own while the next one is fetched.
    """
    if client.environment is not environment:
        raise ValueError("the client's key belongs to the other environment")
    run = _Run(client, history, environment, cancel or threading.Event(), progress)
    return run.sync(max(1, min(page_size, MAX_PAGE_SIZE)), method_names)


@dataclass(frozen=True)
class _Step:
    """One fetched page for the writer: its links and what it changes in the gaps."""

    links: Sequence[PaymentLink]
    gap: SyncGap | None  # the stretch as stored before this page (None: a first page)
    remaining: SyncGap | None  # what is left of it after this page
    top: int | None = None

    @property
    def stretch(self) -> int | None:
        chosen = self.remaining or self.gap
        return None if chosen is None else chosen.gap_id


class _Writer:
    """Stores fetched pages on a thread of its own, with its own connection, while the
    next page is fetched: SQLite does its work without the GIL, so a sync takes little
    longer than the fetching. Pages that queue up meanwhile go in together, in fewer
    and larger transactions, each still carrying the gap as it stands after them.
    """

    def __init__(self, history: LinkHistory, environment: Environment) -> None:
        self._path = history.path
        self._environment = environment
        self._queue: queue.Queue[_Step | None] = queue.Queue(maxsize=_QUEUED_PAGES)
        self.names: Mapping[str, str] = {}
        self.new = 0
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="linkdesk-sync-writer")
        self._thread.start()

    def put(self, step: _Step) -> None:
        self._queue.put(step)

    def finish(self) -> None:
        """Store what is queued, then stop."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        finished = False
        try:
            with LinkHistory(self._path) as history:
                while not finished:
                    steps: list[_Step] = []
                    item = self._queue.get()
                    while item is not None:
                        steps.append(item)
                        if len(steps) >= _QUEUED_PAGES:
                            break
                        try:
                            item = self._queue.get_nowait()
                        except queue.Empty:
                            break
                    finished = item is None
                    for run in _runs(steps):
                        self.new += history.record_sync_page(
                            [link for step in run for link in step.links],
                            environment=self._environment,
                            method_names=self.names,
                            gap=run[0].gap,
                            next_gap=run[-1].remaining,
                            top=max((s.top for s in run if s.top is not None), default=None),
                        )
        except BaseException as exc:
            self.error = exc
            # Keep taking pages, so the fetching side never waits on a full queue.
            while not finished:
                finished = self._queue.get() is None


def _runs(steps: list[_Step]) -> list[list[_Step]]:
    """Consecutive steps of one stretch, which one transaction can store together."""
    runs: list[list[_Step]] = []
    for step in steps:
        if runs and runs[-1][-1].stretch == step.stretch and step.stretch is not None:
            runs[-1].append(step)
        else:
            runs.append([step])
    return runs


class _Run:
    """One sync: the fetching on the calling thread, the storing on the writer's."""

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
        self.reported: SyncProgress | None = None

    def sync(self, page_size: int, method_names: Mapping[str, str] | None) -> SyncResult:
        previous = self.client.on_retry

        def on_retry(notice: RetryNotice) -> None:
            if previous is not None:
                previous(notice)
            if self.progress is not None:
                self.progress(notice)

        old_top = self.history.sync_top(self.environment)
        gaps = self.history.sync_gaps(self.environment)
        new_gap_id = self.history.new_gap_id()
        writer = _Writer(self.history, self.environment)
        self.client.on_retry = on_retry
        error: errors.LinkdeskError | None = None
        try:
            writer.names = method_names if method_names is not None else self._method_names()
            first = self._first_page(writer, page_size, old_top, new_gap_id)
            for gap in [first, *gaps]:
                self._work(writer, gap, page_size)
        except errors.LinkdeskError as failure:
            error = failure
        finally:
            self.client.on_retry = previous
            writer.finish()
        if writer.error is not None:
            if not isinstance(writer.error, errors.LinkdeskError):
                raise writer.error
            error = writer.error
        self._report(writer)
        return SyncResult(writer.new, self.pages, complete=error is None, error=error)

    def _method_names(self) -> dict[str, str]:
        methods = self.client.list_payment_methods(status=None, cancel=self.cancel)
        return {method.id: method.label for method in methods}

    def _first_page(
        self, writer: _Writer, page_size: int, old_top: int | None, gap_id: int
    ) -> SyncGap | None:
        """The newest links; what lies between them and the old top becomes a gap."""
        page = self._fetch(writer, None, page_size)
        stop = None if old_top is None else old_top - OVERLAP_SECONDS
        gap = None
        if not _ends(page, stop):
            gap = SyncGap(gap_id, self.environment, page.next_cursor, stop)
        top = max((_second(link) for link in page.links), default=None)
        self._hand_over(writer, _Step(page.links, None, gap, top))
        return gap

    def _work(self, writer: _Writer, gap: SyncGap | None, page_size: int) -> None:
        """Fetch a gap page by page until it closes."""
        seen: set[str | None] = set()
        while gap is not None:
            if gap.cursor in seen:
                raise errors.MalformedResponse(
                    "billing.io sent the same page of links twice; try the sync again later."
                )
            seen.add(gap.cursor)
            try:
                page = self._fetch(writer, gap.cursor, page_size)
            except errors.FieldError as error:
                if gap.cursor is None or not _cursor_refused(error):
                    raise
                # The cursor has expired: walk this stretch again from the newest link.
                # Nothing is lost, only time: what is known is skipped.
                restart = SyncGap(gap.gap_id, self.environment, None, gap.stop_before)
                writer.put(_Step([], gap, restart))
                gap = restart
                seen.clear()
                continue
            remaining = None
            if not _ends(page, gap.stop_before):
                remaining = SyncGap(gap.gap_id, self.environment, page.next_cursor, gap.stop_before)
            self._hand_over(writer, _Step(page.links, gap, remaining))
            gap = remaining

    def _fetch(self, writer: _Writer, cursor: str | None, page_size: int) -> LinkPage:
        if writer.error is not None:
            raise _WriterFailed()
        if self.cancel.is_set():
            raise errors.Cancelled("Sync cancelled; it continues from here next time.")
        return self.client.list_payment_links(cursor, page_size, cancel=self.cancel)

    def _hand_over(self, writer: _Writer, step: _Step) -> None:
        writer.put(step)
        self.pages += 1
        self._report(writer)

    def _report(self, writer: _Writer) -> None:
        now = SyncProgress(self.pages, writer.new)
        if self.progress is not None and now != self.reported:
            self.reported = now
            self.progress(now)


class _WriterFailed(errors.LinkdeskError):
    """Internal: the writer stopped; its own error is the one reported."""


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
