"""CSV export of a large history against a bare `csv.writer`, in the same run.

The baseline reads the same rows with the same query (the history's own newest-first
query, as plain columns) and hands them to a bare ``csv.writer``: no formatting, no
formula neutralising, no byte-order mark, no progress or Cancel checks, no fsync and no
rename. `export_csv` does all of those. Rounds alternate between the two, and the ratio
is of the medians (speed: baseline time / export time). Target: at least 0.8.

    python benchmarks/generate_history.py --links 1000000 --output /tmp/history-1m.sqlite3
    python benchmarks/export_speed.py --history /tmp/history-1m.sqlite3
"""

from __future__ import annotations

import argparse
import csv
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from linkdesk.core.export import export_csv
from linkdesk.core.history import _LINK_COLUMNS, HistoryFilter, LinkHistory

TARGET = 0.8


def bare(history: LinkHistory, target: Path, now: datetime) -> int:
    rows = history.rows(HistoryFilter(), now)
    written = 0
    with target.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        for batch in rows.select(_LINK_COLUMNS):
            writer.writerows(batch)
            written += len(batch)
    return written


def exported(history: LinkHistory, target: Path, now: datetime) -> int:
    return export_csv(history.rows(HistoryFilter(), now), target, now=now)


def from_objects(history: LinkHistory, target: Path, now: datetime) -> int:
    """The same export fed StoredLink objects: what the SQLite-formatted cells save."""
    links = (link for link in history.rows(HistoryFilter(), now))  # not HistoryRows
    return export_csv(links, target, now=now)


def timed(work: object, *args: object) -> tuple[float, int]:
    started = time.perf_counter()
    count = work(*args)  # type: ignore[operator]
    return time.perf_counter() - started, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, required=True, help="from generate_history.py")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--objects", action="store_true", help="also time the StoredLink path")
    args = parser.parse_args()
    if not args.history.exists():
        print(f"{args.history} does not exist; run generate_history.py first", file=sys.stderr)
        return 2
    folder = Path(tempfile.mkdtemp(prefix="linkdesk-export-"))
    now = datetime.now(UTC)
    bare_times: list[float] = []
    export_times: list[float] = []
    try:
        with LinkHistory.open_reader(args.history) as history:
            for round_number in range(1, args.rounds + 1):
                seconds, rows = timed(bare, history, folder / "bare.csv", now)
                bare_times.append(seconds)
                seconds, exported_rows = timed(exported, history, folder / "export.csv", now)
                export_times.append(seconds)
                assert rows == exported_rows
                print(
                    f"round {round_number}: bare csv.writer {bare_times[-1]:.2f} s, "
                    f"export_csv {export_times[-1]:.2f} s "
                    f"({bare_times[-1] / export_times[-1]:.2f})"
                )
            if args.objects:
                seconds, _ = timed(from_objects, history, folder / "objects.csv", now)
                print(f"export_csv fed StoredLink objects: {seconds:.2f} s")
        size = (folder / "export.csv").stat().st_size / 1e6
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    bare_median = statistics.median(bare_times)
    export_median = statistics.median(export_times)
    ratio = bare_median / export_median
    print(
        f"{rows:,} rows, {size:,.0f} MB: bare {bare_median:.2f} s, export {export_median:.2f} s "
        f"({rows / export_median:,.0f} rows/s); export runs at {ratio:.2f}× the bare speed "
        f"({'meets' if ratio >= TARGET else 'misses'} the {TARGET}× target)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
