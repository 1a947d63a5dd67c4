"""Sync of 10,000 remote links from the emulator against raw httpx paging through the same
list, in the same run.

The emulator runs in its own process (so it does not compete with the measured side for
the GIL) with the links already made. The baseline is a bare `httpx.Client` asking for
every page (100 links each) and decoding its JSON, nothing more. `sync_links` also asks
for the payment methods once, reads amounts as exact decimals, checks every link, and
commits each page with its checkpoint to a fresh history file (synchronous=FULL).
Rounds alternate; the ratio is of the medians (baseline time / sync time). Target: at
least 0.8.

For information only, after the rounds: the CPU time this process used (every thread)
for the raw paging and for a sync, the load average, and what storing the same links
costs with no network at all (the pages fetched once, then written as the sync's writer
thread writes them, a page to a transaction and twenty to a transaction). The sync
stores on a thread of its own while the next page is fetched, so on an idle two-core
machine that storing overlaps the paging; when other work holds a core it adds to it.

    python benchmarks/sync_speed.py [--links 10000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from linkdesk.core.billing import BillingClient
from linkdesk.core.history import HistoryFilter, LinkHistory, SyncGap
from linkdesk.core.links import Environment, PaymentLink
from linkdesk.core.sync import sync_links

KEY = "sk_test_SyncSpeedBenchFAKE0000"
TARGET = 0.8

SERVER = """
import sys
from linkdesk.emulator import Emulator
emulator = Emulator(port=0).start()
emulator.add_links(sys.argv[1], int(sys.argv[2]))
print(emulator.base_url, flush=True)
sys.stdin.read()  # serve until the benchmark closes our stdin
emulator.stop()
"""


def raw(base_url: str) -> int:
    count = 0
    params: dict[str, str | int] = {"limit": 100}
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}) as http:
        while True:
            body = http.get(f"{base_url}/payment-links", params=params).json()
            count += len(body["data"])
            if not body["has_more"]:
                return count
            params["cursor"] = body["next_cursor"]


def client_only(base_url: str) -> int:
    """BillingClient paging through the same list, storing nothing: the client's own share."""
    count = 0
    cursor = None
    with BillingClient(KEY, base_url) as client:
        while True:
            page = client.list_payment_links(cursor, 100)
            count += len(page.links)
            if not page.has_more:
                return count
            cursor = page.next_cursor


def pages_of(base_url: str) -> list[list[PaymentLink]]:
    pages = []
    cursor = None
    with BillingClient(KEY, base_url) as client:
        while True:
            page = client.list_payment_links(cursor, 100)
            pages.append(list(page.links))
            if not page.has_more:
                return pages
            cursor = page.next_cursor


def stored_alone(path: Path, pages: list[list[PaymentLink]], per_transaction: int) -> float:
    """Seconds to store `pages` as the sync's writer does, with no network."""
    gap = SyncGap(1, Environment.SANDBOX, "cursor", None)
    with LinkHistory(path) as history:
        started = time.perf_counter()
        for start in range(0, len(pages), per_transaction):
            run = pages[start : start + per_transaction]
            history.record_sync_page(
                [link for page in run for link in page],
                environment=Environment.SANDBOX,
                gap=gap,
                next_gap=gap,
            )
        return time.perf_counter() - started


def synced(history: LinkHistory, base_url: str) -> int:
    with BillingClient(KEY, base_url) as client:
        result = sync_links(client, history, Environment.SANDBOX)
    assert result.complete, result.error
    return result.new


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, KEY, str(args.links)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="linkdesk-sync-"))
    raw_times: list[float] = []
    client_times: list[float] = []
    sync_times: list[float] = []
    raw_cpu: list[float] = []
    sync_cpu: list[float] = []
    load_before = os.getloadavg()[0]
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        raw(base_url)  # warm the emulator's and the client's first-use costs alike
        for round_number in range(1, args.rounds + 1):
            started, cpu = time.perf_counter(), time.process_time()
            assert raw(base_url) == args.links
            raw_times.append(time.perf_counter() - started)
            raw_cpu.append(time.process_time() - cpu)
            started = time.perf_counter()
            assert client_only(base_url) == args.links
            client_times.append(time.perf_counter() - started)
            # The history file exists before a sync starts, as it does in linkdesk.
            with LinkHistory(folder / f"history-{round_number}.sqlite3") as history:
                started, cpu = time.perf_counter(), time.process_time()
                assert synced(history, base_url) == args.links
                sync_times.append(time.perf_counter() - started)
                sync_cpu.append(time.process_time() - cpu)
                assert history.count(HistoryFilter(), datetime.now(UTC)) == args.links
            print(
                f"round {round_number}: raw httpx {raw_times[-1]:.2f} s, "
                f"BillingClient alone {client_times[-1]:.2f} s, "
                f"sync_links {sync_times[-1]:.2f} s ({raw_times[-1] / sync_times[-1]:.2f})"
            )
        pages = pages_of(base_url)
        alone = {
            size: statistics.median(
                stored_alone(folder / f"alone-{size}-{n}.sqlite3", pages, size) for n in range(3)
            )
            for size in (1, 20)
        }
        load_after = os.getloadavg()[0]
    finally:
        if server.stdin:
            server.stdin.close()
        server.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    raw_median = statistics.median(raw_times)
    client_median = statistics.median(client_times)
    sync_median = statistics.median(sync_times)
    ratio = raw_median / sync_median
    print(
        f"{args.links:,} links: raw httpx {raw_median:.2f} s, sync {sync_median:.2f} s "
        f"({args.links / sync_median:,.0f} links/s); sync runs at {ratio:.2f}× the raw speed "
        f"({'meets' if ratio >= TARGET else 'misses'} the {TARGET}× target)"
    )
    print(
        f"BillingClient alone, storing nothing: {client_median:.2f} s, "
        f"{raw_median / client_median:.2f}× the raw speed"
    )
    print(
        f"CPU time of this process (all threads), medians: raw httpx "
        f"{statistics.median(raw_cpu):.2f} s, sync {statistics.median(sync_cpu):.2f} s; "
        f"load average {load_before:.2f} before, {load_after:.2f} after"
    )
    print(
        f"storing the {args.links:,} links alone, no network (median of 3): "
        f"{alone[1]:.2f} s a page to a transaction, {alone[20]:.2f} s twenty to a transaction"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
