"""CSV export of the link history, in a fixed format an accountant's spreadsheet opens cleanly.

The format (also in the README):

- One header line, always these columns in this order::

    id,created_at,amount_usd,description,payment_method_id,payment_method_name,url,expires_at,state,environment,source

- RFC 4180: commas between cells, a cell in double quotes only when it holds a comma,
  a quote or a line break, quotes inside doubled, every line ending in CRLF.
- UTF-8 with a byte-order mark. Excel reads a CSV file without one in the computer's
  legacy code page, so "Café" becomes "CafÃ©" and Arabic or emoji turn to noise; with
  the mark it reads UTF-8. LibreOffice, Numbers and Google Sheets accept the mark, and
  Python reads the file with ``encoding="utf-8-sig"``.
- ``amount_usd``: two decimals with a dot, no thousands separator (``1234.50``).
- ``created_at``, ``expires_at``: ISO 8601 in UTC to the second (``2026-11-24T10:00:00Z``);
  ``expires_at`` is empty for a link that never expires.
- ``state``: ``active``, ``expired`` or ``no expiry``, as at the moment of the export.
- ``environment``: ``sandbox`` or ``live``; ``source``: ``app`` (made by linkdesk on this
  computer) or ``billing.io`` (pulled from billing.io: another counter, the dashboard).
- A missing value (no description, say) is an empty cell.
- Spreadsheet formula injection (OWASP's "CSV injection"): a text cell that begins with
  ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets an apostrophe in front, so
  a spreadsheet shows it as text instead of running it as a formula: a description
  ``=HYPERLINK(…)`` is written ``'=HYPERLINK(…)``, and ``-5 discount`` ``'-5 discount``.
  Text cells are the id, description, payment method id and name, and URL; amounts,
  times and the fixed words are never changed (an amount is never negative).

The target file is only ever replaced by a complete export: rows go to a temporary
file beside it, which is flushed to disk and then renamed over the target. A cancelled
or failed export leaves the old file as it was and removes the temporary one.
"""

from __future__ import annotations

import csv
import math
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import islice
from pathlib import Path
from typing import Final, TextIO

from linkdesk.core.errors import Cancelled, LinkdeskError
from linkdesk.core.history import HistoryRows, StoredLink
from linkdesk.core.links import LinkState
from linkdesk.core.money import CENT

HEADER: Final = (
    "id",
    "created_at",
    "amount_usd",
    "description",
    "payment_method_id",
    "payment_method_name",
    "url",
    "expires_at",
    "state",
    "environment",
    "source",
)
# What begins a formula in Excel, LibreOffice or Google Sheets (OWASP's list).
INJECTION_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
ENCODING: Final = "utf-8-sig"  # how to read an export back: UTF-8 after a byte-order mark
PROGRESS_EVERY: Final = 10_000


class ExportError(LinkdeskError):
    """The export file could not be written."""

    default_message = "The export could not be written; choose another folder and try again."


def neutralise(text: str) -> str:
    """A text cell as the export writes it: an apostrophe before a formula's first sign."""
    return "'" + text if text.startswith(INJECTION_PREFIXES) else text


def iso_utc(moment: datetime | None) -> str:
    """``2026-11-24T10:00:00Z``, or an empty cell."""
    if moment is None:
        return ""
    m = moment.astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


def amount_text(amount: Decimal) -> str:
    """Two decimals, rounded half up as the history rounds to cents: ``1234.50``."""
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):f}"


def record(link: StoredLink, now: datetime) -> tuple[str, ...]:
    """One link's cells, in `HEADER` order."""
    return (
        neutralise(link.id),
        iso_utc(link.created_at),
        amount_text(link.amount_usd),
        neutralise(link.description or ""),
        neutralise(link.payment_method_id or ""),
        neutralise(link.payment_method_name or ""),
        neutralise(link.url),
        iso_utc(link.expires_at),
        link.state(now).value,
        link.environment.value,
        link.source.value,
    )


# The same cells, computed by SQLite for rows straight from the history: a million
# StoredLinks built and formatted in Python made an export three times slower than the
# csv module alone. tests/core/test_export.py checks that both ways give the same bytes.
def _neutralised_sql(column: str) -> str:
    codes = ", ".join(str(ord(prefix)) for prefix in INJECTION_PREFIXES)
    text = f"coalesce({column}, '')"
    return f"CASE WHEN unicode({text}) IN ({codes}) THEN '''' || {text} ELSE {text} END"


def _iso_sql(column: str) -> str:
    return f"replace(datetime({column}, 'unixepoch'), ' ', 'T') || 'Z'"


CSV_CELLS_SQL: Final = ", ".join(
    (
        _neutralised_sql("links.id"),
        _iso_sql("links.created_at"),
        "printf('%d.%02d', links.amount_cents / 100, links.amount_cents % 100)",
        _neutralised_sql("links.description"),
        _neutralised_sql("links.payment_method_id"),
        _neutralised_sql("links.payment_method_name"),
        _neutralised_sql("links.url"),
        f"CASE WHEN links.expires_at IS NULL THEN '' ELSE {_iso_sql('links.expires_at')} END",
        f"CASE WHEN links.expires_at IS NULL THEN '{LinkState.NO_EXPIRY.value}' "
        f"WHEN ? < links.expires_at THEN '{LinkState.ACTIVE.value}' "
        f"ELSE '{LinkState.EXPIRED.value}' END",
        "links.environment",
        "links.source",
    )
)


def export_csv(
    rows: Iterable[StoredLink],
    target: Path,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Write `rows` to `target` as CSV; return how many links were written.

    `progress` is called with the number written so far every `PROGRESS_EVERY` links;
    setting `cancel` stops the export with `Cancelled`. Either way, and on any failure,
    `target` is untouched unless the export completed.
    """
    target = Path(target)
    if _is_database(target):
        raise ExportError(
            f"{target.name} is a database, perhaps linkdesk's own history, and an export "
            "would replace it; choose another name for the CSV file."
        )
    batches: Iterator[list[tuple[str, ...]]]
    if isinstance(rows, HistoryRows):
        # Links that expire within the current second count as expired, as in
        # StoredLink.state, which compares the exact time.
        batches = rows.select(CSV_CELLS_SQL, (math.floor(now.timestamp()),))
    else:
        batches = _batched(record(link, now) for link in rows)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        # O_EXCL: never write into a file someone else made; 0o666 lets the umask decide
        # the permissions, as for any file the user saves.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _export_error(exc, target) from exc
    try:
        # The mark is written by hand: TextIOWrapper encodes "utf-8" in C but "utf-8-sig"
        # through a Python call per write, which costs 5% of a large export.
        with open(descriptor, "w", encoding="utf-8", newline="", buffering=1 << 20) as file:
            file.write("\ufeff")
            written = _write(file, batches, progress, cancel)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _export_error(exc, target) from exc
        raise
    _sync_directory(target.parent)
    return written


_SQLITE_HEADER: Final = b"SQLite format 3\x00"
_SQLITE_SIDE_FILES: Final = ("-wal", "-shm", "-journal")


def _is_database(target: Path) -> bool:
    """Whether `target` is an SQLite database, or one of the files SQLite keeps beside
    one: an export must never replace the history (which a save dialog can point at)."""
    for suffix in _SQLITE_SIDE_FILES:
        if target.name.endswith(suffix) and _is_database(
            target.with_name(target.name.removesuffix(suffix))
        ):
            return True
    try:
        with target.open("rb") as file:
            return file.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER
    except OSError:  # missing, a folder, unreadable: the export says what is wrong
        return False


def _batched(records: Iterator[tuple[str, ...]]) -> Iterator[list[tuple[str, ...]]]:
    while batch := list(islice(records, 5000)):
        yield batch


def _write(
    file: TextIO,
    batches: Iterator[list[tuple[str, ...]]],
    progress: Callable[[int], None] | None,
    cancel: threading.Event | None,
) -> int:
    writer = csv.writer(file, lineterminator="\r\n")
    writer.writerow(HEADER)
    written = 0
    reported = 0
    for batch in batches:
        if cancel is not None and cancel.is_set():
            raise Cancelled("Export cancelled; the previous file, if any, is unchanged.")
        # Whole batches through writerows: the loop stays in C between checks.
        writer.writerows(batch)
        written += len(batch)
        if progress is not None and written - reported >= PROGRESS_EVERY:
            progress(written)
            reported = written
    if cancel is not None and cancel.is_set():
        raise Cancelled("Export cancelled; the previous file, if any, is unchanged.")
    if progress is not None and written != reported:
        progress(written)
    return written


def _sync_directory(folder: Path) -> None:
    """Make the rename itself durable, where the system allows opening a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows cannot open a folder; its rename is durable by itself
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _export_error(exc: OSError, target: Path) -> ExportError:
    import errno

    if exc.errno == errno.ENOSPC:
        return ExportError(f"The disk is full, so {target} was not written; free some space.")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(
            f"linkdesk may not write to {target.parent}; choose another folder for the export."
        )
    if exc.errno == errno.ENOENT:
        return ExportError(f"The folder {target.parent} does not exist; choose another one.")
    return ExportError(f"The export to {target} failed ({exc.strerror or exc}).")
