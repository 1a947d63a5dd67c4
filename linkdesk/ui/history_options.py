"""Where the recent links live and how their clock ticks: what the window needs at start.

Kept apart from `history_controller`, which brings the table, its workers and SQLite, so
that `run_gui` can describe the history without loading any of that before the window
is ready for input.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths

TICK_MS = 5_000


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class HistoryOptions:
    """Where the history lives and the clock its states are shown against."""

    path: Path | None  # None: no history (some tests, and a window without a data folder)
    clock: Callable[[], datetime] = field(default=utc_now)
    tick_ms: int = TICK_MS  # how often the one timer moves the states on screen
    sync_on_start: bool = True


def data_folder(explicit: str | None, environ: Mapping[str, str]) -> Path:
    """Where the history lives: --data-dir, else $LINKDESK_DATA_DIR, else Qt's
    AppDataLocation (call after the application's organisation and name are set)."""
    from linkdesk.core.paths import DATA_DIR_ENV

    chosen = explicit or environ.get(DATA_DIR_ENV, "")
    if chosen:
        return Path(chosen).expanduser()
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    if location:
        return Path(location)
    from linkdesk.core.paths import default_data_dir

    return default_data_dir(environ)
