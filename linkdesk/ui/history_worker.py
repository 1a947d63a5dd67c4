"""The link history's two worker threads: one writes, one answers the view's queries.

Both follow `linkdesk.ui.worker`'s one pattern (a `JobWorker` on a long-lived `QThread`
behind a `WorkerHost`). SQLite connections belong to the thread that opened them, so each
worker opens its own: `HistoryWriter` opens the file for writing (and migrates it) as its
first job, after the window is on screen, and then records, removes and restores links;
`HistoryReader` opens a read-only connection once the writer has prepared the file, and
runs the view's searches and page fetches. WAL lets it read while the writer writes, so a
search never waits for a write, and neither ever runs on the GUI thread.

Searches are typed faster than a million rows can be searched, so each query carries a
generation number: the reader skips a query or page of an older generation than the
newest one asked for, and the view drops any answer of an older generation that still
arrives.
"""

from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from linkdesk.core.history import HistoryFilter, LinkHistory, StoredLink
from linkdesk.core.links import Environment, PaymentLink
from linkdesk.ui.worker import JobWorker, WorkerHost

PAGE_SIZE = 200
# Counting stops here while the cashier types; the exact number follows in a second job.
FIRST_COUNT_CAP = 5_000


@dataclass(frozen=True)
class Opened:
    """The history file is ready: where it is and what the reader may say about search."""

    path: Path
    search_note: str | None


@dataclass(frozen=True)
class Stale:
    """The answer to a query the view no longer wants (a newer keystroke overtook it)."""

    generation: int


@dataclass(frozen=True)
class QueryResult:
    """The first page of a query; `complete` when it holds every row the query has."""

    generation: int
    rows: list[StoredLink]

    @property
    def complete(self) -> bool:
        return len(self.rows) < PAGE_SIZE


@dataclass(frozen=True)
class CountResult:
    """How many rows a query has: at least `count` when `capped`, else exactly."""

    generation: int
    count: int
    capped: bool


@dataclass(frozen=True)
class PageResult:
    """Rows `offset` to `offset + len(rows)` of a query, newest first."""

    generation: int
    offset: int
    rows: list[StoredLink]


class HistoryWriter(JobWorker):
    """Owns the writable `LinkHistory` of the window (opened by the first job)."""

    def __init__(self, opener: Callable[[Path], LinkHistory] = LinkHistory) -> None:
        super().__init__()
        self._opener = opener
        self._history: LinkHistory | None = None

    def do_open(self, path: Path) -> Opened:
        self.release()
        self._history = self._opener(path)
        return Opened(path, self._history.search_note)

    def do_record(
        self, link: PaymentLink, environment: Environment, method_name: str | None
    ) -> StoredLink:
        return self._require().record(link, environment=environment, method_name=method_name)

    def do_remove(self, link_id: str) -> StoredLink | None:
        return self._require().remove(link_id)

    def do_restore(self, stored: StoredLink) -> StoredLink:
        self._require().restore(stored)
        return stored

    def _require(self) -> LinkHistory:
        if self._history is None:
            from linkdesk.core.history import HistoryError

            raise HistoryError()
        return self._history

    def release(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None


class HistoryService(WorkerHost):
    """The window's way to write the history: every call returns a job id at once."""

    def __init__(
        self,
        opener: Callable[[Path], LinkHistory] = LinkHistory,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(HistoryWriter(opener), "linkdesk-history", parent)

    def open(self, path: Path) -> int:
        """Open (and migrate) the file; finishes with `Opened`."""
        return self.submit("open", path)

    def record(self, link: PaymentLink, environment: Environment, method_name: str | None) -> int:
        return self.submit("record", link, environment, method_name)

    def remove(self, link_id: str) -> int:
        """Forget a link here; finishes with the `StoredLink` removed (for an undo) or None."""
        return self.submit("remove", link_id)

    def restore(self, stored: StoredLink) -> int:
        return self.submit("restore", stored)


class Wanted:
    """The newest generation the view wants, shared by the GUI thread (which writes it)
    and the reader threads (which read it before each job, and during a long walk)."""

    def __init__(self) -> None:
        self.generation = 0


class HistoryReader(JobWorker):
    """Runs the view's queries on its own read-only connection, newest generation only.

    Two of them run: one for the pages the view shows, one for counts, so that counting
    a large result never holds up the first page of the next keystroke.
    """

    def __init__(self, wanted: Wanted) -> None:
        super().__init__()
        self._history: LinkHistory | None = None
        self._path: Path | None = None
        self._wanted = wanted
        # Where each page of the current generation ends: the next page starts below it.
        self._ends: dict[int, tuple[int, str]] = {}
        self._ends_generation = -1
        self._has_offset: bool | None = None

    def _stale(self, generation: int) -> bool:
        return generation != self._wanted.generation

    def _reader(self, path: Path) -> LinkHistory:
        if self._history is None or self._path != path:
            self.release()
            self._history = LinkHistory.open_reader(path)
            self._path = path
            self._has_offset = "offset" in inspect.signature(self._history.page).parameters
        return self._history

    def do_query(
        self, generation: int, path: Path, flt: HistoryFilter, now: datetime
    ) -> QueryResult | Stale:
        if self._stale(generation):
            return Stale(generation)
        rows = self._reader(path).page(flt, now, limit=PAGE_SIZE)
        self._ends = {0: rows[-1].position} if rows else {}
        self._ends_generation = generation
        return QueryResult(generation, rows)

    def do_count(
        self, generation: int, path: Path, flt: HistoryFilter, now: datetime, cap: int | None
    ) -> CountResult | Stale:
        if self._stale(generation):
            return Stale(generation)
        count = self._reader(path).count(flt, now, cap=cap)
        return CountResult(generation, count, cap is not None and count >= cap)

    def do_page(
        self, generation: int, path: Path, flt: HistoryFilter, now: datetime, page: int
    ) -> PageResult | Stale:
        if self._stale(generation):
            return Stale(generation)
        history = self._reader(path)
        if self._ends_generation != generation:
            self._ends = {}
            self._ends_generation = generation
        offset = page * PAGE_SIZE
        before = self._ends.get(page - 1)
        if page == 0:
            rows = history.page(flt, now, limit=PAGE_SIZE)
        elif before is not None:
            rows = history.page(flt, now, limit=PAGE_SIZE, before=before)
        elif self._has_offset:
            rows = history.page(flt, now, limit=PAGE_SIZE, offset=offset)  # type: ignore[call-arg]
        else:
            walked = self._walk_to(history, generation, flt, now, page)
            if walked is None:
                return Stale(generation)
            rows = walked
        if rows:
            self._ends[page] = rows[-1].position
        return PageResult(generation, offset, rows)

    def _walk_to(
        self,
        history: LinkHistory,
        generation: int,
        flt: HistoryFilter,
        now: datetime,
        page: int,
    ) -> list[StoredLink] | None:
        """Page `page` found by walking from the nearest page whose end is known (for a
        history without offsets); None when a newer query overtook the walk."""
        known = [p for p in self._ends if p < page]
        start = max(known) if known else -1
        before = self._ends.get(start)
        rows: list[StoredLink] = []
        for current in range(start + 1, page + 1):
            if self._stale(generation):
                return None
            rows = history.page(flt, now, limit=PAGE_SIZE, before=before)
            if not rows:
                return []
            before = rows[-1].position
            self._ends[current] = before
            # Building rows holds the GIL; let the GUI thread have it between pages.
            time.sleep(0)
        return rows

    def release(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None
            self._path = None


class QueryService(QObject):
    """The view's way to read the history; a new query makes every older one stale.

    Pages and counts run on two threads; both report through `finished` and `failed`.
    """

    finished = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._wanted = Wanted()
        self.pages = WorkerHost(HistoryReader(self._wanted), "linkdesk-history-query", self)
        self.counts = WorkerHost(HistoryReader(self._wanted), "linkdesk-history-count", self)
        for host in (self.pages, self.counts):
            host.finished.connect(self.finished)
            host.failed.connect(self.failed)

    @property
    def generation(self) -> int:
        return self._wanted.generation

    def query(self, path: Path, flt: HistoryFilter, now: datetime) -> int:
        """Start a new query: its first page comes as `QueryResult` (or `Stale`), and
        unless that page holds every row, a capped `CountResult` follows."""
        self._wanted.generation += 1
        generation = self._wanted.generation
        job = self.pages.submit("query", generation, path, flt, now)
        self.counts.submit("count", generation, path, flt, now, FIRST_COUNT_CAP)
        return job

    def count(self, path: Path, flt: HistoryFilter, now: datetime) -> int:
        """The exact count of the current query (after a capped one)."""
        return self.counts.submit("count", self.generation, path, flt, now, None)

    def page(self, path: Path, flt: HistoryFilter, now: datetime, page: int) -> int:
        return self.pages.submit("page", self.generation, path, flt, now, page)

    def stop(self) -> None:
        # A walk or a count in progress sees the generation move and stops early.
        self._wanted.generation += 1
        self.pages.stop()
        self.counts.stop()


class Progress(QObject):
    """Carries progress from a worker thread's callback to the GUI thread (queued)."""

    changed = Signal(int, int)  # done, total (0: unknown)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel = threading.Event()

    def report(self, done: int, total: int | None = None) -> None:
        """Called on the worker thread."""
        self.changed.emit(int(done), int(total or 0))
