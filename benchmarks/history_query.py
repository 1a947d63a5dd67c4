"""Search-as-you-type in a large history: what each keystroke costs the view's query thread.

For each typed text, the median time of the first page (200 links, newest first) and of
the count the view asks for with it (capped at 5,000, as the view's first count is), and
of the exact count it asks for afterwards; against the baseline of a plain newest-first
``SELECT … LIMIT 200`` on the same file in the same run. Target: page + capped count at
most 50 ms at the median, for the typical keystrokes.

    python benchmarks/generate_history.py --links 1000000 --output /tmp/history-1m.sqlite3
    python benchmarks/history_query.py --history /tmp/history-1m.sqlite3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from linkdesk.core.history import _LINK_COLUMNS, HistoryFilter, LinkHistory, StateFilter

TYPICAL = ["c", "co", "cof", "coffee", "29.9", "29,99", "pl_3f"]
MORE = ["kuchen", "к", "ко", "قهوة", "☕", "coffee 29", "3f2a", "100", "zq"]
COUNT_CAP = 5_000
TARGET_MS = 50.0


def median_ms(work: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=Path, required=True, help="from generate_history.py")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if not args.history.exists():
        print(f"{args.history} does not exist; run generate_history.py first", file=sys.stderr)
        return 2
    rounds = args.rounds
    history = LinkHistory.open_reader(args.history)
    now = datetime.now(UTC)
    total = history.count(HistoryFilter(), now)
    db = history._db  # the baseline runs on the same connection, outside the class

    plain = f"SELECT {_LINK_COLUMNS} FROM links ORDER BY sort_key DESC LIMIT 200"  # noqa: S608
    baseline = median_ms(lambda: db.execute(plain).fetchall(), rounds)
    unindexed = f"SELECT {_LINK_COLUMNS} FROM links ORDER BY created_at DESC LIMIT 200"  # noqa: S608
    naive = median_ms(lambda: db.execute(unindexed).fetchall(), 1)
    print(f"{total:,} links in {args.history}, SQLite {history.search_note or 'with trigrams'}")
    print(f"baseline: plain newest-first SELECT … LIMIT 200: {baseline:.2f} ms")
    print(f"  (the same ORDER BY created_at with no index on it: {naive:,.0f} ms)")
    print()
    header = f"{'typed':<12}{'state':<9}{'page':>9}{'count≤5k':>10}{'sum':>9}{'×base':>8}"
    print(header + f"{'exact count':>14}")

    sums: list[float] = []
    for label, texts in (("typical", TYPICAL), ("more", MORE)):
        for text in texts:
            for state in (StateFilter.ALL, StateFilter.ACTIVE):
                flt = HistoryFilter(text=text, state=state)
                page = median_ms(lambda f=flt: history.page(f, now, limit=200), rounds)
                capped = median_ms(lambda f=flt: history.count(f, now, cap=COUNT_CAP), rounds)
                exact_rounds = max(1, rounds // 3)
                exact = median_ms(lambda f=flt: history.count(f, now), exact_rounds)
                both = page + capped
                if label == "typical" and state is StateFilter.ALL:
                    sums.append(both)
                print(
                    f"{text!r:<12}{state.value:<9}{page:>7.1f}ms{capped:>8.1f}ms{both:>7.1f}ms"
                    f"{both / baseline:>7.0f}×{exact:>12.1f}ms"
                )
        print()

    jump = median_ms(lambda: history.page(HistoryFilter(), now, limit=200, offset=total // 2), 5)
    print(f"jump to the middle (offset {total // 2:,}): {jump:.1f} ms")
    typical = statistics.median(sums)
    verdict = "meets" if typical <= TARGET_MS else "misses"
    print(
        f"typical keystrokes, page + capped count: median {typical:.1f} ms "
        f"({typical / baseline:.0f}× the baseline); {verdict} the {TARGET_MS:.0f} ms target"
    )
    history.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
