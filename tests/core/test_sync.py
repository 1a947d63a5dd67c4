"""Sync from billing.io against the emulator over loopback: interruptions resume without a
duplicate and without a hole."""

from __future__ import annotations

import itertools
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from linkdesk.core import errors
from linkdesk.core.api import RetryNotice
from linkdesk.core.billing import BillingClient
from linkdesk.core.history import HistoryError, HistoryFilter, LinkHistory, Source, SyncGap
from linkdesk.core.links import Environment, LinkRequest
from linkdesk.core.sync import SyncProgress, SyncResult, sync_links
from linkdesk.emulator import Emulator

FAST = {"timeout": 3.0, "backoff": (0.01, 0.01, 0.01), "max_retry_after": 0.05}
ROUTE = "GET /v1/payment-links"
_keys = itertools.count(1)


@pytest.fixture
def emulator():
    emu = Emulator(port=0).start()
    yield emu
    emu.stop()


@pytest.fixture
def key() -> str:
    return f"sk_test_synctest{os.getpid()}x{next(_keys):012d}"


@pytest.fixture
def client(emulator: Emulator, key: str):
    with BillingClient(key, emulator.base_url, **FAST) as made:  # type: ignore[arg-type]
        yield made


@pytest.fixture
def history(tmp_path: Path):
    with LinkHistory(tmp_path / "history.sqlite3") as opened:
        yield opened


def remote_ids(emulator: Emulator, key: str) -> list[str]:
    """Every link billing.io has for `key`, newest first, read with plain httpx."""
    found: list[str] = []
    params: dict[str, str | int] = {"limit": 100}
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as http:
        while True:
            body = http.get(f"{emulator.base_url}/payment-links", params=params).json()
            found += [item["id"] for item in body["data"]]
            if not body["has_more"]:
                return found
            params["cursor"] = body["next_cursor"]


def local_ids(history: LinkHistory) -> list[str]:
    return [link.id for link in history.rows(HistoryFilter(), datetime.now(UTC))]


def assert_in_step(history: LinkHistory, emulator: Emulator, key: str) -> None:
    """The history holds exactly billing.io's links, each once, in the same order."""
    local = local_ids(history)
    assert len(local) == len(set(local))
    assert local == remote_ids(emulator, key)
    assert history.count(HistoryFilter(), datetime.now(UTC)) == len(local)


def add_newer(emulator: Emulator, key: str, count: int, after: int) -> int:
    """`count` links made elsewhere after the one-second mark `after`; the newest mark."""
    start = datetime.fromtimestamp(after + 1, UTC)
    emulator.add_links(key, count, start=start)
    return after + count


def newest_mark(emulator: Emulator, key: str) -> int:
    with httpx.Client(headers={"Authorization": f"Bearer {key}"}) as http:
        body = http.get(f"{emulator.base_url}/payment-links", params={"limit": 1}).json()
    created = datetime.fromisoformat(body["data"][0]["created_at"].replace("Z", "+00:00"))
    return int(created.timestamp())


def fault_after(emulator: Emulator, pages: int, kind: str = "500", count: int = 4):
    """A progress callback that makes billing.io fail once `pages` pages are in."""
    seen: list[SyncProgress | RetryNotice] = []

    def progress(event: SyncProgress | RetryNotice) -> None:
        seen.append(event)
        first = not any(isinstance(e, SyncProgress) and e.pages == pages for e in seen[:-1])
        if isinstance(event, SyncProgress) and event.pages == pages and first:
            emulator.add_fault(kind, count=count, route=ROUTE)

    return progress, seen


# Whole syncs --------------------------------------------------------------------------


def test_a_first_sync_pulls_every_link(emulator, key, client, history):
    emulator.add_links(key, 250)
    seen: list[SyncProgress | RetryNotice] = []
    result = sync_links(client, history, Environment.SANDBOX, progress=seen.append)
    assert result == SyncResult(new=250, pages=3, complete=True)
    # Pages are stored while the next is fetched: the count of new links may trail.
    assert [event.pages for event in seen][:3] == [1, 2, 3]  # type: ignore[union-attr]
    assert seen[-1] == SyncProgress(3, 250)
    assert_in_step(history, emulator, key)
    link = history.page(HistoryFilter(), datetime.now(UTC), limit=1)[0]
    assert link.source is Source.BILLING_IO
    assert link.payment_method_name == "USDT on Tron"
    assert link.environment is Environment.SANDBOX


def test_a_sync_with_nothing_new_reads_one_page(emulator, key, client, history):
    emulator.add_links(key, 250)
    sync_links(client, history, Environment.SANDBOX)
    before = emulator.request_count(ROUTE)
    assert sync_links(client, history, Environment.SANDBOX) == SyncResult(0, 1, True)
    assert emulator.request_count(ROUTE) == before + 1


def test_new_links_at_the_top_are_added(emulator, key, client, history):
    emulator.add_links(key, 120)
    sync_links(client, history, Environment.SANDBOX)
    add_newer(emulator, key, 230, newest_mark(emulator, key))
    result = sync_links(client, history, Environment.SANDBOX)
    assert result.complete
    assert result.new == 230
    assert_in_step(history, emulator, key)


def test_links_made_here_do_not_stop_the_sync_early(emulator, key, client, history):
    """Known links sit between links made elsewhere: the sync must look past them."""
    emulator.add_links(key, 30)
    sync_links(client, history, Environment.SANDBOX)
    top = newest_mark(emulator, key)
    # Made elsewhere, then here (recorded at once), then elsewhere again, all after the
    # last sync; the link made here is the newest known one when the next sync starts.
    add_newer(emulator, key, 20, top + 100)
    method = emulator.payment_methods(key)[0]["id"]
    made_here = client.create_payment_link(LinkRequest.build("4.50", method, "Here"), "k-1")
    history.record(made_here, environment=Environment.SANDBOX, method_name="USDT on Tron")
    result = sync_links(client, history, Environment.SANDBOX)
    assert result.new == 20
    assert_in_step(history, emulator, key)
    stored = history.get(made_here.id)
    assert stored is not None
    assert stored.source is Source.APP


def test_a_link_removed_here_stays_removed(emulator, key, client, history):
    emulator.add_links(key, 40)
    sync_links(client, history, Environment.SANDBOX)
    gone = local_ids(history)[5]
    assert history.remove(gone) is not None
    # Force a walk over everything, as an expired cursor would.
    history.record_sync_page(
        [],
        environment=Environment.SANDBOX,
        gap=None,
        next_gap=SyncGap(0, Environment.SANDBOX, None, None),
    )
    assert sync_links(client, history, Environment.SANDBOX).new == 0
    assert history.get(gone) is None
    assert len(local_ids(history)) == 39


def test_the_other_environment_is_refused(client, history):
    with pytest.raises(ValueError, match="other environment"):
        sync_links(client, history, Environment.LIVE)


# Interrupted syncs --------------------------------------------------------------------


def test_a_failure_half_way_resumes_without_a_hole_or_a_duplicate(emulator, key, client, history):
    emulator.add_links(key, 1000)
    progress, _ = fault_after(emulator, pages=3)
    first = sync_links(client, history, Environment.SANDBOX, progress=progress)
    assert not first.complete
    assert isinstance(first.error, errors.ServerError)
    assert (first.new, first.pages) == (300, 3)
    assert len(local_ids(history)) == 300
    assert len(history.sync_gaps(Environment.SANDBOX)) == 1
    # Meanwhile other counters go on making links.
    add_newer(emulator, key, 150, newest_mark(emulator, key))
    second = sync_links(client, history, Environment.SANDBOX)
    assert second.complete
    assert second.new == 850
    assert history.sync_gaps(Environment.SANDBOX) == []
    assert_in_step(history, emulator, key)


def test_interruptions_on_top_of_interruptions(emulator, key, client, history):
    emulator.add_links(key, 1000)
    progress, _ = fault_after(emulator, pages=3)
    assert not sync_links(client, history, Environment.SANDBOX, progress=progress).complete
    top = add_newer(emulator, key, 500, newest_mark(emulator, key))
    progress, _ = fault_after(emulator, pages=2)
    second = sync_links(client, history, Environment.SANDBOX, progress=progress)
    assert not second.complete
    assert len(history.sync_gaps(Environment.SANDBOX)) == 2
    add_newer(emulator, key, 50, top)
    third = sync_links(client, history, Environment.SANDBOX)
    assert third.complete
    assert_in_step(history, emulator, key)
    assert len(local_ids(history)) == 1550


def test_a_rate_limit_is_waited_out(emulator, key, client, history):
    emulator.add_links(key, 300)
    progress, seen = fault_after(emulator, pages=1, kind="429", count=1)
    result = sync_links(client, history, Environment.SANDBOX, progress=progress)
    assert result == SyncResult(300, 3, True)
    notices = [event for event in seen if isinstance(event, RetryNotice)]
    assert len(notices) == 1
    assert "too many requests" in notices[0].text
    assert_in_step(history, emulator, key)


def test_a_rate_limit_that_lasts_stops_the_sync_until_later(emulator, key, client, history):
    emulator.add_links(key, 300)
    progress, _ = fault_after(emulator, pages=1, kind="429", count=4)
    result = sync_links(client, history, Environment.SANDBOX, progress=progress)
    assert not result.complete
    assert isinstance(result.error, errors.RateLimited)
    assert sync_links(client, history, Environment.SANDBOX).complete
    assert_in_step(history, emulator, key)


def test_an_expired_cursor_walks_again_from_the_newest(emulator, key, client, history):
    emulator.add_links(key, 600)
    progress, _ = fault_after(emulator, pages=2)
    assert not sync_links(client, history, Environment.SANDBOX, progress=progress).complete
    # billing.io no longer knows the cursor the sync stopped at.
    history._db.execute("UPDATE sync_gaps SET cursor = 'bGlua3M6Z29uZQ'")
    result = sync_links(client, history, Environment.SANDBOX)
    assert result.complete, result.error
    assert result.new == 400
    assert_in_step(history, emulator, key)


def test_cancel_stops_after_a_page_and_the_next_sync_goes_on(emulator, key, client, history):
    emulator.add_links(key, 500)
    cancel = threading.Event()

    def progress(event: SyncProgress | RetryNotice) -> None:
        if isinstance(event, SyncProgress) and event.pages == 2:
            cancel.set()

    result = sync_links(client, history, Environment.SANDBOX, cancel=cancel, progress=progress)
    assert (result.new, result.pages, result.complete) == (200, 2, False)  # both pages stored
    assert isinstance(result.error, errors.Cancelled)
    assert sync_links(client, history, Environment.SANDBOX).new == 300
    assert_in_step(history, emulator, key)


def test_links_stamped_a_little_before_the_top_are_still_found(emulator, key, client, history):
    """billing.io's clocks may disagree by a little: a link can appear below the top."""
    emulator.add_links(key, 10)
    sync_links(client, history, Environment.SANDBOX)
    top = newest_mark(emulator, key)
    emulator.add_links(key, 1, start=datetime.fromtimestamp(top - 30, UTC))
    assert sync_links(client, history, Environment.SANDBOX).new == 1
    assert_in_step(history, emulator, key)


def test_the_default_page_size_and_time_window(emulator, key, client, history):
    emulator.add_links(key, 5, start=datetime.now(UTC) - timedelta(days=900))
    assert sync_links(client, history, Environment.SANDBOX, page_size=500).complete
    assert len(local_ids(history)) == 5


def test_a_history_that_cannot_be_written_stops_the_sync(
    emulator, key, client, history, monkeypatch: pytest.MonkeyPatch
):
    emulator.add_links(key, 800)
    calls: list[int] = []
    original = LinkHistory.record_sync_page

    def failing(self: LinkHistory, *args: object, **kwargs: object) -> int:
        calls.append(1)
        if len(calls) > 1:
            raise HistoryError("The disk is full, so the link history could not be saved.")
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(LinkHistory, "record_sync_page", failing)
    result = sync_links(client, history, Environment.SANDBOX)
    assert not result.complete
    assert isinstance(result.error, HistoryError)
    assert "disk is full" in result.error.message
    monkeypatch.undo()
    assert sync_links(client, history, Environment.SANDBOX).complete
    assert_in_step(history, emulator, key)


def test_a_bug_in_the_writer_is_not_swallowed(
    emulator, key, client, history, monkeypatch: pytest.MonkeyPatch
):
    emulator.add_links(key, 10)

    def broken(self: LinkHistory, *args: object, **kwargs: object) -> int:
        raise RuntimeError("bug")

    monkeypatch.setattr(LinkHistory, "record_sync_page", broken)
    with pytest.raises(RuntimeError, match="bug"):
        sync_links(client, history, Environment.SANDBOX)
