"""LinkHistory: the local record of every payment link, in one SQLite file.

One row per link with every field billing.io sends, the environment, the payment
method's name at creation and where the link came from (`Source`). The file is the
merchant's record, so writes are careful: WAL, one transaction per write, and
``synchronous=FULL`` so that a write this class has returned from survives a power cut
too (NORMAL only survives a crashed process; the fsync costs well under a millisecond
per link, and counters make a link a minute).

Finding a link among a million must feel instant, which shapes the table:

- The INTEGER PRIMARY KEY is the sort key (`sort_key`): the creation second in the high
  bits and the id's first hex digits below. Newest first is a backwards walk of the
  table, date ranges are key ranges, and the full-text index (whose rowid is the same
  key) hands out matches newest first, so the first page of any search stops after a
  page's worth of rows.
- Text search uses an FTS5 table with the trigram tokenizer (SQLite 3.34+) over the
  description and the id, for words of three characters or more. Shorter words, and
  every word where that SQLite lacks the tokenizer, are matched while walking the table
  newest first, which finds a page quickly because short words match often; their counts
  can be capped (`count(..., cap=...)`) so that a rare two-letter word does not count
  through a million rows on every keystroke.
- A word that reads as an amount also matches amounts: ``29.9`` finds 29.90 to 29.99,
  ``29,99`` finds 29.99 and ``29`` finds 29.00 to 29.99. A word starting with ``pl_``
  matches ids starting with it.

A `LinkHistory` belongs to the thread that made it (sqlite3's rule). Other threads, such
as the view's query worker or an export, call `LinkHistory.open_reader(path)` on their own
thread: WAL lets readers run while the owner writes.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, product
from pathlib import Path
from typing import Any, Final

from linkdesk.core.errors import Cancelled, LinkdeskError
from linkdesk.core.links import Environment, LinkState, PaymentLink
from linkdesk.core.money import CENT, AmountError, parse_amount

SCHEMA_VERSION: Final = 1
BUSY_TIMEOUT_SECONDS: Final = 5.0
# Ids, counts and keys go through SQL parameters in chunks below SQLite's oldest limit.
_CHUNK = 500
_BATCH = 5000  # rows read at a time by `rows`
_KEY_BITS = 25
_MAX_CREATED = 253_402_300_799  # 9999-12-31T23:59:59Z, the last second billing.io can name


class HistoryError(LinkdeskError):
    """The history file cannot be opened, read or written."""

    default_message = (
        "The link history on this computer could not be used; check that the disk is not "
        "full, then restart linkdesk."
    )


class Source(enum.Enum):
    """Where a link in the history came from."""

    APP = "app"  # made by linkdesk on this computer
    BILLING_IO = "billing.io"  # pulled from billing.io: other counters, the dashboard


class StateFilter(enum.StrEnum):
    """Which links a view shows: all, those still payable, or those past their expiry."""

    ALL = "all"
    ACTIVE = "active"  # not yet expired, including links that never expire
    EXPIRED = "expired"


@dataclass(frozen=True)
class StoredLink:
    """One link as the history keeps it; times are aware UTC datetimes."""

    id: str
    url: str
    amount_usd: Decimal
    payment_method_id: str | None
    payment_method_name: str | None
    description: str | None
    expires_at: datetime | None
    created_at: datetime
    environment: Environment
    source: Source
    org_id: str | None = None
    recorded_at: datetime | None = None

    def state(self, now: datetime) -> LinkState:
        if self.expires_at is None:
            return LinkState.NO_EXPIRY
        return LinkState.ACTIVE if now < self.expires_at else LinkState.EXPIRED

    @property
    def position(self) -> tuple[int, str]:
        """Where the link sits in newest-first order: pass it as `before` for the next page."""
        return int(self.created_at.timestamp()), self.id


@dataclass(frozen=True)
class HistoryFilter:
    """What a view or an export shows. `since` is inclusive, `until` exclusive."""

    text: str = ""
    state: StateFilter = StateFilter.ALL
    environment: Environment | None = None
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        # Plain strings ("active") are accepted as well as the enum.
        object.__setattr__(self, "state", StateFilter(self.state))
        for moment in (self.since, self.until):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("since and until must be aware datetimes")


@dataclass(frozen=True)
class SyncGap:
    """A stretch of billing.io's list still to fetch: from `cursor` (None: from the newest)
    down to the first link created before `stop_before` (None: to the end of the list)."""

    gap_id: int
    environment: Environment
    cursor: str | None
    stop_before: int | None


# The schema --------------------------------------------------------------------------

# _MIGRATIONS[n] takes a file from user_version n to n + 1. Never edit a published step;
# add the next one.
_MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (
    (
        """
        CREATE TABLE links (
            sort_key INTEGER PRIMARY KEY,        -- see _sort_key
            id TEXT NOT NULL UNIQUE,
            org_id TEXT,
            amount_usd TEXT NOT NULL,            -- exact decimal, as billing.io sent it
            amount_cents INTEGER NOT NULL,       -- for sorting and searching
            payment_method_id TEXT,
            payment_method_name TEXT,            -- the name the cashier saw at creation
            description TEXT,
            url TEXT NOT NULL,
            expires_at INTEGER,                  -- unix seconds, UTC; NULL: never expires
            created_at INTEGER NOT NULL,         -- unix seconds, UTC
            environment TEXT NOT NULL CHECK (environment IN ('sandbox', 'live')),
            source TEXT NOT NULL CHECK (source IN ('app', 'billing.io')),
            recorded_at INTEGER NOT NULL         -- when this computer learnt of the link
        )
        """,
        "CREATE INDEX links_by_amount ON links (amount_cents)",
        "CREATE INDEX links_by_expiry ON links (expires_at)",
        "CREATE INDEX links_by_environment ON links (environment, expires_at)",
        # What the environment and state filters read, by key: checking the matches of a
        # search against the filters reads this small index instead of whole rows.
        "CREATE INDEX links_filter ON links (sort_key, environment, expires_at)",
        # Links removed from this computer's history, so that a sync does not bring them
        # back (billing.io itself cannot delete a link).
        """
        CREATE TABLE removed (
            id TEXT PRIMARY KEY,
            removed_at INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        # Per environment: the creation second of the newest link a sync has seen. Every
        # older link is in `links` unless a gap below says otherwise.
        """
        CREATE TABLE sync_state (
            environment TEXT PRIMARY KEY,
            top_created_at INTEGER NOT NULL
        ) WITHOUT ROWID
        """,
        # Stretches of billing.io's list an interrupted sync has yet to fetch.
        """
        CREATE TABLE sync_gaps (
            gap_id INTEGER PRIMARY KEY,
            environment TEXT NOT NULL,
            cursor TEXT,
            stop_before INTEGER
        )
        """,
    ),
)

# The full-text index is derived from `links` and can be rebuilt at any time, so it sits
# outside the versioned schema: it is made when the SQLite in use has the trigram
# tokenizer, and its triggers are dropped (leaving it to be rebuilt later) when not.
_FTS_TRIGGERS: Final = ("links_fts_insert", "links_fts_delete", "links_fts_update")
_FTS_CREATE: Final = (
    # columnsize=0: the sizes are only for ranking, and results are ordered by date.
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS links_fts USING fts5(
        description, id, content='links', content_rowid='sort_key',
        tokenize='trigram', columnsize=0
    )
    """,
)
_FTS_TRIGGER_SQL: Final = (
    """
    CREATE TRIGGER links_fts_insert AFTER INSERT ON links BEGIN
        INSERT INTO links_fts (rowid, description, id)
        VALUES (new.sort_key, new.description, new.id);
    END
    """,
    """
    CREATE TRIGGER links_fts_delete AFTER DELETE ON links BEGIN
        INSERT INTO links_fts (links_fts, rowid, description, id)
        VALUES ('delete', old.sort_key, old.description, old.id);
    END
    """,
    """
    CREATE TRIGGER links_fts_update AFTER UPDATE ON links BEGIN
        INSERT INTO links_fts (links_fts, rowid, description, id)
        VALUES ('delete', old.sort_key, old.description, old.id);
        INSERT INTO links_fts (rowid, description, id)
        VALUES (new.sort_key, new.description, new.id);
    END
    """,
)

_COLUMNS: Final = (
    "id, url, amount_usd, payment_method_id, payment_method_name, description, "
    "expires_at, created_at, environment, source, org_id, recorded_at"
)
_STORED_COLUMNS: Final = (
    "sort_key, id, org_id, amount_usd, amount_cents, payment_method_id, payment_method_name, "
    "description, url, expires_at, created_at, environment, source, recorded_at"
)
_WIDTH: Final = len(_STORED_COLUMNS.split(","))
_STAGED_PER_STATEMENT: Final = 256


@functools.lru_cache(maxsize=8)
def _staging_sql(rows: int) -> str:
    """An INSERT of `rows` rows into the staging table."""
    one = "(" + ", ".join(["?"] * _WIDTH) + ")"
    return f"INSERT INTO temp.link_staging ({_STORED_COLUMNS}) VALUES " + ", ".join(  # noqa: S608
        [one] * rows
    )


_LINK_COLUMNS: Final = ", ".join("links." + c.strip() for c in _COLUMNS.split(","))
_ENVIRONMENTS: Final = {e.value: e for e in Environment}
_SOURCES: Final = {s.value: s for s in Source}


@functools.cache
def trigram_available() -> bool:
    """Whether the SQLite in this Python can build the full-text index (3.34+ with FTS5)."""
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True


class LinkHistory:
    """Every link this computer knows of, in an SQLite file at `path`."""

    def __init__(self, path: Path, *, read_only: bool = False, immutable: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only or immutable
        self._thread = threading.get_ident()
        try:
            if self.read_only:
                uri = self.path.absolute().as_uri() + "?mode=ro"
                if immutable:
                    uri += "&immutable=1"
                self._db = sqlite3.connect(
                    uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
                )
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(
                    self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
                )
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(
                f"The link history at {self.path} cannot be opened ({_reason(exc)})."
            ) from exc
        try:
            self._configure()
            self.search_index = self._prepare_search()
        except sqlite3.Error as exc:
            self._db.close()
            raise HistoryError(
                f"The link history at {self.path} cannot be opened ({_reason(exc)})."
            ) from exc
        except BaseException:
            self._db.close()
            raise

    @classmethod
    def open_reader(cls, path: Path) -> LinkHistory:
        """A read-only history for the calling thread (a query or export worker).

        In a folder nobody may write to (a backup on a read-only disk), SQLite cannot make
        the files a reader shares with writers; there, where no writer can be either, the
        file is read as it stands.
        """
        try:
            return cls(path, read_only=True)
        except HistoryError:
            if os.access(Path(path).parent, os.W_OK) or not Path(path).is_file():
                raise
            return cls(path, immutable=True)

    def close(self) -> None:
        if not self.read_only:
            # Keeps the planner's statistics fresh. The limit makes ANALYZE sample instead
            # of reading a million rows, which took half a second at closing time.
            with suppress(sqlite3.Error):
                self._db.execute("PRAGMA analysis_limit = 1000")
                self._db.execute("PRAGMA optimize")
        self._db.close()

    def __enter__(self) -> LinkHistory:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def interrupt(self) -> None:
        """Stop the query this history is running; may be called from any thread.

        A search worker calls it when a newer keystroke makes the running query moot;
        the interrupted call raises `Cancelled`.
        """
        self._db.interrupt()

    @property
    def search_note(self) -> str | None:
        """Why search may be slow on this computer, or None when it has its index."""
        if self.search_index:
            return None
        return (
            f"This computer's SQLite ({sqlite3.sqlite_version}) has no trigram full-text "
            "index (it needs 3.34 or newer), so searching a long history is slower."
        )

    # Opening ----------------------------------------------------------------------------

    def _configure(self) -> None:
        self._db.create_function("linkdesk_contains", 2, _contains, deterministic=True)
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
            if self.read_only:
                self._db.execute("PRAGMA query_only = ON")
                version = self._version()
                if version != SCHEMA_VERSION:
                    raise self._version_error(version)
                return
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise HistoryError(
                    f"The link history at {self.path} cannot be shared safely on this disk "
                    "(write-ahead logging is not available); choose a local folder."
                )
            self._db.execute("PRAGMA synchronous = FULL")
            self._migrate()
            self._db.execute(
                "CREATE TEMP TABLE IF NOT EXISTS link_staging AS SELECT * FROM links WHERE 0"
            )
            variables = self._db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            self._rows_per_statement = max(1, min(_STAGED_PER_STATEMENT, variables // _WIDTH))
        except sqlite3.DatabaseError as exc:
            raise HistoryError(
                f"The file {self.path} is not a linkdesk history or is damaged ({_reason(exc)})."
            ) from exc

    def _version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _version_error(self, version: int) -> HistoryError:
        if version > SCHEMA_VERSION:
            return HistoryError(
                f"The link history at {self.path} was written by a newer linkdesk (format "
                f"{version}; this one reads up to {SCHEMA_VERSION}); update linkdesk."
            )
        return HistoryError(
            f"The link history at {self.path} has not been prepared yet (format {version}); "
            "start linkdesk once to prepare it."
        )

    def _migrate(self) -> None:
        version = self._version()
        if version > SCHEMA_VERSION:
            raise self._version_error(version)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction():
                # Another process may have migrated since the version was read.
                if self._version() >= target:
                    continue
                for statement in _MIGRATIONS[target - 1]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {target}")

    def _prepare_search(self) -> bool:
        """Make, keep or set aside the full-text index; True when searches may use it."""
        names = {
            row[0]
            for row in self._db.execute(
                "SELECT name FROM sqlite_master WHERE name = 'links_fts' OR type = 'trigger'"
            )
        }
        has_index = "links_fts" in names
        in_step = all(name in names for name in _FTS_TRIGGERS)
        available = trigram_available()
        if self.read_only:
            return available and has_index and in_step
        if available and has_index and in_step:
            return True
        with self._transaction():
            if not available:
                # Without its tokenizer the index cannot follow new rows: stop the triggers,
                # and rebuild it once an SQLite that has one opens the file.
                for name in _FTS_TRIGGERS:
                    self._db.execute(f"DROP TRIGGER IF EXISTS {name}")
                return False
            for statement in _FTS_CREATE:
                self._db.execute(statement)
            for name in _FTS_TRIGGERS:
                self._db.execute(f"DROP TRIGGER IF EXISTS {name}")
            for statement in _FTS_TRIGGER_SQL:
                self._db.execute(statement)
            self._db.execute("INSERT INTO links_fts (links_fts) VALUES ('rebuild')")
        return True

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction, taking the write lock at once so it cannot deadlock."""
        self._check_thread()
        if self.read_only:
            raise HistoryError("This copy of the history is for reading only.")
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _write_error(exc) from exc
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise _write_error(exc) from exc

    def _check_thread(self) -> None:
        if threading.get_ident() != self._thread:
            raise RuntimeError(
                "a LinkHistory is used on the thread that opened it; "
                "call LinkHistory.open_reader() on the other thread"
            )

    # Writing ----------------------------------------------------------------------------

    def record(
        self,
        link: PaymentLink,
        *,
        environment: Environment,
        method_name: str | None,
        source: Source = Source.APP,
    ) -> StoredLink:
        """Keep `link`; when its id is already kept, return what is kept. Committed on return."""
        now = _now()
        stored = _stored_from(link, environment, method_name, source, now)
        try:
            with self._transaction():
                existing = self._get(link.id)
                if existing is not None:
                    return existing
                self._insert([stored])
                # A link recorded on purpose is wanted, even if it was once removed.
                self._db.execute("DELETE FROM removed WHERE id = ?", (link.id,))
        except sqlite3.Error as exc:
            raise _write_error(exc) from exc
        return stored

    def record_many(
        self,
        links: Iterable[PaymentLink],
        *,
        environment: Environment,
        source: Source,
        method_names: Mapping[str, str] | None = None,
    ) -> int:
        """Keep every link not already known (kept or removed), in one transaction.

        Returns how many were new.
        """
        try:
            with self._transaction():
                return self._record_many(links, environment, source, method_names or {})
        except sqlite3.Error as exc:
            raise _write_error(exc) from exc

    def _record_many(
        self,
        links: Iterable[PaymentLink],
        environment: Environment,
        source: Source,
        method_names: Mapping[str, str],
    ) -> int:
        self._stage(_link_rows(links, environment, method_names, source, _unix(_now())))
        self._db.execute(
            "DELETE FROM temp.link_staging WHERE "
            "EXISTS (SELECT 1 FROM links WHERE links.id = link_staging.id) "
            "OR EXISTS (SELECT 1 FROM removed WHERE removed.id = link_staging.id)"
        )
        return self._insert_staged()

    def _insert(self, links: Iterable[StoredLink]) -> None:
        self._stage(_stored_row(stored) for stored in links)
        self._insert_staged()

    def _stage(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Put rows (in `_STORED_COLUMNS` order) in the staging table, one per id, with
        distinct keys.

        Rows reach `links` from there in one INSERT … SELECT: FTS5 flushes what it has
        buffered at every statement's savepoint, so a row-by-row executemany would write
        one index segment per link (four times slower, and a fragmented index). They
        reach the staging table a few hundred to a statement rather than through
        executemany, which is a quarter slower and gives up and takes back the GIL
        around every row (a sync stores on a thread of its own while another fetches).
        """
        staged = _distinct_rows(rows)
        per_statement = self._rows_per_statement
        for start in range(0, len(staged), per_statement):
            chunk = staged[start : start + per_statement]
            self._db.execute(_staging_sql(len(chunk)), list(chain.from_iterable(chunk)))

    def _insert_staged(self) -> int:
        """Move the staged rows into `links`; returns how many."""
        clashes = self._db.execute(
            "SELECT id, sort_key FROM temp.link_staging AS staged "
            "WHERE EXISTS (SELECT 1 FROM links WHERE links.sort_key = staged.sort_key)"
        ).fetchall()
        if clashes:
            # Two links of the same second whose ids start alike: the later one takes
            # the next free key, which keeps it in the same second.
            staged = {row[0] for row in self._db.execute("SELECT sort_key FROM temp.link_staging")}
            for link_id, key in clashes:
                free = key + 1
                while free in staged or self._key_taken(free):
                    free += 1
                staged.add(free)
                self._db.execute(
                    "UPDATE temp.link_staging SET sort_key = ? WHERE id = ?", (free, link_id)
                )
        inserted = self._db.execute(
            f"INSERT INTO links ({_STORED_COLUMNS}) "  # noqa: S608
            f"SELECT {_STORED_COLUMNS} FROM temp.link_staging ORDER BY sort_key"
        ).rowcount
        self._db.execute("DELETE FROM temp.link_staging")
        return int(inserted)

    def _key_taken(self, key: int) -> bool:
        row = self._db.execute("SELECT 1 FROM links WHERE sort_key = ?", (key,)).fetchone()
        return row is not None

    def remove(self, link_id: str) -> StoredLink | None:
        """Forget a link on this computer (billing.io keeps it); returns it for an undo."""
        try:
            with self._transaction():
                stored = self._get(link_id)
                if stored is None:
                    return None
                self._db.execute("DELETE FROM links WHERE id = ?", (link_id,))
                self._db.execute(
                    "INSERT OR REPLACE INTO removed (id, removed_at) VALUES (?, ?)",
                    (link_id, _unix(_now())),
                )
        except sqlite3.Error as exc:
            raise _write_error(exc) from exc
        return stored

    def restore(self, stored: StoredLink) -> None:
        """Undo `remove`: the link comes back where it was, with what it had."""
        try:
            with self._transaction():
                if self._get(stored.id) is None:
                    self._insert([stored])
                self._db.execute("DELETE FROM removed WHERE id = ?", (stored.id,))
        except sqlite3.Error as exc:
            raise _write_error(exc) from exc

    # Reading ----------------------------------------------------------------------------

    def known(self, ids: Iterable[str]) -> set[str]:
        """Which of `ids` this history has, kept or removed."""
        self._check_thread()
        try:
            return self._known(list(ids))
        except sqlite3.Error as exc:
            raise _read_error(exc) from exc

    def _known(self, ids: Iterable[str]) -> set[str]:
        wanted = list(ids)
        found: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in self._db.execute(
                    f"SELECT id FROM links WHERE id IN ({marks}) "  # noqa: S608
                    f"UNION ALL SELECT id FROM removed WHERE id IN ({marks})",
                    chunk + chunk,
                )
            )
        return found

    def get(self, link_id: str) -> StoredLink | None:
        self._check_thread()
        try:
            return self._get(link_id)
        except sqlite3.Error as exc:
            raise _read_error(exc) from exc

    def _get(self, link_id: str) -> StoredLink | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM links WHERE id = ?",  # noqa: S608
            (link_id,),
        ).fetchone()
        return None if row is None else _stored_from_row(row)

    def count(self, flt: HistoryFilter, now: datetime, *, cap: int | None = None) -> int:
        """How many links `flt` shows; with `cap`, counting stops there (the answer is then
        `cap`, to be read as "at least")."""
        self._check_thread()
        query = _Query.build(flt, now, self.search_index)
        sql, params = query.count_sql(cap)
        try:
            return int(self._db.execute(sql, params).fetchone()[0])
        except sqlite3.Error as exc:
            raise _read_error(exc) from exc

    def page(
        self,
        flt: HistoryFilter,
        now: datetime,
        *,
        limit: int,
        before: tuple[int, str] | None = None,
        offset: int = 0,
    ) -> list[StoredLink]:
        """Up to `limit` links, newest first: those older than the link at `before` (its
        `StoredLink.position`; None to start from the newest), after skipping `offset`.

        `before` is the way to the next page; `offset` is for a jump (a scroll bar
        dragged to the middle) and costs a walk over the skipped keys, some 10 ms per
        500,000 of them.
        """
        self._check_thread()
        if limit < 1:
            return []
        query = _Query.build(flt, now, self.search_index)
        try:
            below = None if before is None else self._key_of(before)
            sql, params = query.rows_sql(below, limit, offset=max(0, offset))
            return [_stored_from_row(row) for row in self._db.execute(sql, params)]
        except sqlite3.Error as exc:
            raise _read_error(exc) from exc

    def rows(self, flt: HistoryFilter, now: datetime) -> HistoryRows:
        """Every link `flt` shows, newest first, read as it is consumed (for an export)."""
        self._check_thread()
        return HistoryRows(self, _Query.build(flt, now, self.search_index))

    def _batches(
        self, query: _Query, columns: str, params: Sequence[Any]
    ) -> Iterator[list[tuple[Any, ...]]]:
        self._check_thread()
        sql, where_params = query.rows_sql(None, None, columns)
        try:
            cursor = self._db.execute(sql, [*params, *where_params])
            while batch := cursor.fetchmany(_BATCH):
                yield batch
        except sqlite3.Error as exc:
            raise _read_error(exc) from exc

    def _key_of(self, position: tuple[int, str]) -> int:
        created_at, link_id = position
        row = self._db.execute("SELECT sort_key FROM links WHERE id = ?", (link_id,)).fetchone()
        return int(row[0]) if row else _sort_key(created_at, link_id)

    # Sync bookkeeping (used by linkdesk.core.sync) ---------------------------------------

    def sync_top(self, environment: Environment) -> int | None:
        """The creation second of the newest link a sync of `environment` has seen."""
        self._check_thread()
        row = self._db.execute(
            "SELECT top_created_at FROM sync_state WHERE environment = ?", (environment.value,)
        ).fetchone()
        return None if row is None else int(row[0])

    def sync_gaps(self, environment: Environment) -> list[SyncGap]:
        """What interrupted syncs left to fetch, newest stretch first."""
        self._check_thread()
        return [
            SyncGap(int(gap_id), environment, cursor, stop_before)
            for gap_id, cursor, stop_before in self._db.execute(
                "SELECT gap_id, cursor, stop_before FROM sync_gaps WHERE environment = ? "
                "ORDER BY gap_id DESC",
                (environment.value,),
            )
        ]

    def new_gap_id(self) -> int:
        """An id for a gap a sync is about to leave (one past the largest in use)."""
        self._check_thread()
        row = self._db.execute("SELECT max(gap_id) FROM sync_gaps").fetchone()
        return int(row[0] or 0) + 1

    def record_sync_page(
        self,
        links: Sequence[PaymentLink],
        *,
        environment: Environment,
        method_names: Mapping[str, str] | None = None,
        gap: SyncGap | None,
        next_gap: SyncGap | None,
        top: int | None = None,
    ) -> int:
        """Fetched links and what is left to fetch, in one transaction, so that a sync
        stopped at any point resumes without a hole and without a duplicate.

        `gap` is the stretch as it was stored before these links (None for a first
        page); `next_gap` is what remains of it (None when it is done); `top`, when
        given, moves the synced top up. Returns how many links were new.
        """
        try:
            with self._transaction():
                new = self._record_many(links, environment, Source.BILLING_IO, method_names or {})
                if gap is not None:
                    self._db.execute("DELETE FROM sync_gaps WHERE gap_id = ?", (gap.gap_id,))
                if next_gap is not None:
                    self._db.execute(
                        "INSERT OR REPLACE INTO sync_gaps (gap_id, environment, cursor, "
                        "stop_before) VALUES (?, ?, ?, ?)",
                        (next_gap.gap_id, environment.value, next_gap.cursor, next_gap.stop_before),
                    )
                if top is not None:
                    self._db.execute(
                        "INSERT INTO sync_state (environment, top_created_at) VALUES (?, ?) "
                        "ON CONFLICT (environment) DO UPDATE SET "
                        "top_created_at = max(top_created_at, excluded.top_created_at)",
                        (environment.value, top),
                    )
        except sqlite3.Error as exc:
            raise _write_error(exc) from exc
        return new


class HistoryRows:
    """The links of one filter, newest first, read from the database as they are consumed.

    Iterating gives `StoredLink`s. `select` reads the same rows as other SQL
    expressions over ``links``: the CSV export formats its cells that way, in SQLite,
    where a million rows cost a fraction of what a million Python objects do. Use it on
    the history's own thread, like the history.
    """

    def __init__(self, history: LinkHistory, query: _Query) -> None:
        self._history = history
        self._query = query

    def __iter__(self) -> Iterator[StoredLink]:
        for batch in self._history._batches(self._query, _LINK_COLUMNS, ()):
            for row in batch:
                yield _stored_from_row(row)

    def select(self, columns: str, params: Sequence[Any] = ()) -> Iterator[list[tuple[Any, ...]]]:
        """The same rows as `columns` (SQL over ``links``, `params` for its ``?``), in
        batches, so that a consumer such as ``csv.writer.writerows`` stays in C."""
        return self._history._batches(self._query, columns, params)


# Queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    """One word of a search: what it matches and how."""

    text: str
    amount: tuple[int, int] | None  # cents range when the word reads as an amount
    id_prefix: str | None  # for a word starting "pl_": the id prefix it asks for

    @classmethod
    def parse(cls, word: str) -> _Word:
        if word[:3].lower() == "pl_":
            return cls(word, None, "pl_" + word[3:].lower())
        return cls(word, _amount_range(word), None)

    @property
    def indexable(self) -> bool:
        """Whether the full-text index alone can find every row this word matches."""
        return self.id_prefix is None and self.amount is None and len(self.text) >= 3


@dataclass
class _Query:
    """A filter turned into SQL: a walk over candidate rows newest first, and checks."""

    match: str | None = None  # an FTS5 query every row must match
    union: tuple[str, list[Any]] | None = None  # a key subquery every row must be in
    words: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)  # text checks
    # Environment and state checks; "{p}" before a column becomes "+" in the walk, which
    # keeps SQLite on the table's own (newest-first) order instead of an index it would
    # then have to sort; counts drop it and use the indexes.
    filters: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    low: int | None = None  # sort key range from since/until
    high: int | None = None

    @classmethod
    def build(cls, flt: HistoryFilter, now: datetime, search_index: bool) -> _Query:
        words = [_Word.parse(w) for w in flt.text.split()]
        words = [w for w in words if w.id_prefix != "pl_"]  # every id starts with pl_
        query = cls()
        fts_words = [w for w in words if w.indexable] if search_index else []
        rest = words
        if fts_words:
            query.match = " AND ".join(_fts_phrase(w.text) for w in fts_words)
            rest = [w for w in words if w not in fts_words]
        elif (driver := _union_driver(words, search_index)) is not None:
            chosen, query.union = driver
            rest = [w for w in words if w is not chosen]
        query.words = [_word_check(word) for word in rest]
        if flt.environment is not None:
            query.filters.append(("{p}links.environment = ?", (flt.environment.value,)))
        stamp = _unix(now)
        if flt.state is StateFilter.ACTIVE:
            query.filters.append(
                ("({p}links.expires_at IS NULL OR {p}links.expires_at > ?)", (stamp,))
            )
        elif flt.state is StateFilter.EXPIRED:
            query.filters.append(("{p}links.expires_at <= ?", (stamp,)))
        if flt.since is not None:
            query.low = _sort_key(_unix(flt.since), "")
        if flt.until is not None:
            query.high = _sort_key(_unix(flt.until), "")
        return query

    def _where(self, key: str, below: int | None, plus: str) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.match is not None:
            clauses.append("links_fts MATCH ?")
            params.append(self.match)
        if self.union is not None:
            clauses.append(f"{key} IN ({self.union[0]})")
            params.extend(self.union[1])
        for bound, op in ((self.low, ">="), (self.high, "<"), (below, "<")):
            if bound is not None:
                clauses.append(f"{key} {op} ?")
                params.append(bound)
        # Cheap column tests before the text tests: SQLite evaluates them in this order.
        for sql, values in (*self.filters, *self.words):
            clauses.append(sql.format(p=plus))
            params.extend(values)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def rows_sql(
        self, below: int | None, limit: int | None, columns: str = "", offset: int = 0
    ) -> tuple[str, list[Any]]:
        if self.match is not None:
            # The index hands out matches newest first; each joins its row by key.
            source = "links_fts JOIN links ON links.sort_key = links_fts.rowid"
            key = "links_fts.rowid"
        else:
            source, key = "links", "links.sort_key"
        where, params = self._where(key, below, "+")
        selected = columns or _LINK_COLUMNS
        if offset:
            # Skip by key alone, so SQLite can walk a narrow index instead of whole rows.
            keys = f"SELECT {key} FROM {source}{where} ORDER BY {key} DESC LIMIT ? OFFSET ?"  # noqa: S608
            sql = (
                f"SELECT {selected} FROM links WHERE links.sort_key IN ({keys}) "  # noqa: S608
                "ORDER BY links.sort_key DESC"
            )
            return sql, [*params, -1 if limit is None else limit, offset]
        sql = f"SELECT {selected} FROM {source}{where} ORDER BY {key} DESC"  # noqa: S608
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return sql, params

    def count_sql(self, cap: int | None) -> tuple[str, list[Any]]:
        # Without text checks the rows need not be read: the small links_filter index
        # has all the filters look at (SQLite would otherwise pick the table).
        links = "links" if self.words else "links INDEXED BY links_filter"
        if self.match is None:
            source, key = links, "links.sort_key"
            if self.union is None and not self.words:
                links = source = "links"  # free to use the environment and expiry indexes
        elif self.words or self.filters or self.low is not None or self.high is not None:
            source = f"links_fts JOIN {links} ON links.sort_key = links_fts.rowid"
            key = "links_fts.rowid"
        else:
            source, key = "links_fts", "links_fts.rowid"  # the index alone knows
        # With text to check in every row, reading the table in order beats hopping to
        # it from the expiry index; without, the indexes answer alone.
        where, params = self._where(key, None, "+" if self.words else "")
        if cap is None:
            return f"SELECT count(*) FROM {source}{where}", params  # noqa: S608
        return (
            f"SELECT count(*) FROM (SELECT 1 FROM {source}{where} LIMIT ?)",  # noqa: S608
            [*params, cap],
        )


def _word_check(word: _Word) -> tuple[str, tuple[Any, ...]]:
    """A word tested on each row: in the description or id, or as the amount."""
    if word.id_prefix is not None:
        return "substr(links.id, 1, ?) = ?", (len(word.id_prefix), word.id_prefix)
    pattern = "%" + _like_escape(word.text) + "%"
    params: tuple[Any, ...]
    if not any(not c.isascii() and c.lower() != c.upper() for c in word.text):
        text = "links.description LIKE ? ESCAPE '\\'"
        params = (pattern, pattern)
    elif len(word.text) <= 2:
        # LIKE ignores case for ASCII letters only, and "к" must find "Кофе" as the
        # full-text index would: a short word is looked for in each of its (at most
        # four) spellings, by instr in C.
        spellings = sorted(
            {"".join(s) for s in product(*((c.lower(), c.upper()) for c in word.text))}
        )
        text = "(" + " OR ".join(["instr(links.description, ?) > 0"] * len(spellings)) + ")"
        params = (*spellings, pattern)
    else:
        # Longer words reach this only without the full-text index: compared in Python.
        text = "linkdesk_contains(links.description, ?)"
        params = (word.text.lower(), pattern)
    sql = f"({text} OR links.id LIKE ? ESCAPE '\\'"
    if word.amount is None:
        return sql + ")", params
    return sql + " OR {p}links.amount_cents BETWEEN ? AND ?)", (*params, *word.amount)


def _contains(text: str | None, folded_word: str) -> bool:
    """SQL linkdesk_contains(text, word): the word, already lower case, is in the text."""
    return text is not None and folded_word in text.lower()


def _union_driver(
    words: list[_Word], search_index: bool
) -> tuple[_Word, tuple[str, list[Any]]] | None:
    """For a search with no word the index can answer alone, a word whose matches can
    still be listed without walking the table: an id prefix past "pl_", or an amount of
    three characters or more (its text through the index, its amount by its index)."""
    for word in words:
        if word.id_prefix is not None:
            return word, (
                "SELECT sort_key FROM links WHERE id >= ? AND id < ?",
                [word.id_prefix, word.id_prefix + "\U0010ffff"],
            )
    if not search_index:
        return None
    for word in words:
        if word.amount is not None and len(word.text) >= 3:
            return word, (
                "SELECT rowid FROM links_fts WHERE links_fts MATCH ? "
                "UNION SELECT sort_key FROM links WHERE amount_cents BETWEEN ? AND ?",
                [_fts_phrase(word.text), *word.amount],
            )
    return None


# Conversions -------------------------------------------------------------------------


def _sort_key(created_at: int, link_id: str) -> int:
    """Creation second, then the id's leading bits: newest-first order as one integer."""
    second = min(max(created_at, 0), _MAX_CREATED)
    standard = _STANDARD_ID.match(link_id)
    if standard:
        low = int(standard.group(1), 16) >> 3
    elif link_id:
        # Ids of another shape still get a fixed place within their second.
        low = int.from_bytes(hashlib.sha256(link_id.encode()).digest()[:4], "big") >> 7
    else:
        low = 0  # the start of the second, for since/until bounds
    return (second << _KEY_BITS) | low


_STANDARD_ID = re.compile(r"pl_([0-9a-f]{7})")


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _unix(moment: datetime) -> int:
    return int(moment.timestamp())


def _unix_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def _from_unix(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _cents(amount: Decimal) -> int:
    return int(amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def _distinct_rows(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """One row per id (of a link listed twice, the later copy), with distinct keys."""
    kept: dict[str, tuple[Any, ...]] = {}
    keys: set[int] = set()
    for row in rows:
        key, link_id = row[0], row[1]
        if link_id in kept:
            keys.discard(kept[link_id][0])
        if key in keys:  # two links of one batch with the same key
            while key in keys:
                key += 1
            row = (key, *row[1:])
        keys.add(key)
        kept[link_id] = row
    return list(kept.values())


def _link_rows(
    links: Iterable[PaymentLink],
    environment: Environment,
    method_names: Mapping[str, str],
    source: Source,
    now: int,
) -> list[tuple[Any, ...]]:
    """New links' rows in `_STORED_COLUMNS` order, straight from what billing.io sent: the
    rows `_stored_row` makes of what `record` keeps, without a StoredLink on the way (a
    sync makes thousands of these)."""
    rows = []
    for link in links:
        created = now if link.created_at is None else int(link.created_at.timestamp())
        amount = link.amount_usd
        expires_at = link.expires_at
        rows.append(
            (
                _sort_key(created, link.id),
                link.id,
                link.org_id,
                f"{amount:f}",
                _cents(amount),
                link.payment_method_id,
                method_names.get(link.payment_method_id or ""),
                link.description,
                link.url,
                None if expires_at is None else int(expires_at.timestamp()),
                created,
                (link.environment or environment).value,
                source.value,
                now,
            )
        )
    return rows


def _stored_row(s: StoredLink) -> tuple[Any, ...]:
    created = _unix(s.created_at)
    return (
        _sort_key(created, s.id),
        s.id,
        s.org_id,
        f"{s.amount_usd:f}",
        _cents(s.amount_usd),
        s.payment_method_id,
        s.payment_method_name,
        s.description,
        s.url,
        _unix_or_none(s.expires_at),
        created,
        s.environment.value,
        s.source.value,
        _unix(s.recorded_at or _now()),
    )


def _stored_from(
    link: PaymentLink,
    environment: Environment,
    method_name: str | None,
    source: Source,
    now: datetime,
) -> StoredLink:
    return StoredLink(
        id=link.id,
        url=link.url,
        amount_usd=link.amount_usd,
        payment_method_id=link.payment_method_id,
        payment_method_name=method_name,
        description=link.description,
        # As stored: whole seconds in UTC, so what record() returns equals what get() reads.
        expires_at=_from_unix(_unix_or_none(link.expires_at)),
        # A link without a creation time (billing.io always sends one) is placed at the
        # moment this computer learnt of it.
        created_at=datetime.fromtimestamp(_unix(link.created_at or now), UTC),
        environment=link.environment or environment,
        source=source,
        org_id=link.org_id,
        recorded_at=now,
    )


def _stored_from_row(row: Sequence[Any]) -> StoredLink:
    return StoredLink(
        id=row[0],
        url=row[1],
        amount_usd=Decimal(row[2]),
        payment_method_id=row[3],
        payment_method_name=row[4],
        description=row[5],
        expires_at=_from_unix(row[6]),
        created_at=datetime.fromtimestamp(row[7], UTC),
        environment=_ENVIRONMENTS[row[8]],
        source=_SOURCES[row[9]],
        org_id=row[10],
        recorded_at=_from_unix(row[11]),
    )


_AMOUNT_WORD = re.compile(r"\$?(\d{1,10})(?:[.,](\d{0,2}))?")


def _amount_range(word: str) -> tuple[int, int] | None:
    """The cents an amount-like word asks for: ``29.9`` is 29.90 to 29.99."""
    text = "".join(str(int(c)) if c.isdecimal() else c for c in word)
    found = _AMOUNT_WORD.fullmatch(text)
    if found:
        whole = int(found.group(1)) * 100
        fraction = found.group(2) or ""
        if not fraction:
            return whole, whole + 99
        if len(fraction) == 1:
            low = whole + int(fraction) * 10
            return low, low + 9
        return whole + int(fraction), whole + int(fraction)
    try:
        cents = int(parse_amount(text) * 100)  # 1,234.50 and the other typed forms
    except AmountError:
        return None
    return cents, cents


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _write_error(exc: sqlite3.Error) -> HistoryError:
    text = str(exc).lower()
    if "full" in text:
        return HistoryError("The disk is full, so the link history could not be saved.")
    if "locked" in text or "busy" in text:
        return HistoryError(
            "Another program is holding the link history, so it could not be saved; "
            "close other copies of linkdesk and try again."
        )
    if "readonly" in text or "read-only" in text:
        return HistoryError("The link history is read-only, so it could not be saved.")
    return HistoryError(f"The link history could not be saved ({_reason(exc)}).")


def _read_error(exc: sqlite3.Error) -> LinkdeskError:
    if "interrupt" in str(exc).lower():
        return Cancelled()
    return HistoryError(f"The link history could not be read ({_reason(exc)}).")
