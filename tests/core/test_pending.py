"""The pending-create journal: a create's request and key on disk until it is answered."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from linkdesk.core.errors import OUTCOME_UNKNOWN, FieldError, NetworkError, ServerError
from linkdesk.core.links import Environment, LinkRequest
from linkdesk.core.pending import MAX_AGE, PENDING_FILE, PendingCreate, PendingJournal

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = "6f1c2a7e-3b9d-4c55-9e2f-0d8a1b2c3d4e"
REQUEST = LinkRequest.build("29.99", "pm_usdt_tron", "Table 4 — café ☕", 900)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journal(tmp_path, clock) -> PendingJournal:
    return PendingJournal(tmp_path / "data" / PENDING_FILE, clock=clock)


@pytest.mark.parametrize(
    "request_",
    [
        REQUEST,
        LinkRequest.build("0.01", "pm_a"),
        LinkRequest.build("1234567.5", "pm_a", "", None),
        LinkRequest.build("5", "pm_a", '‏שלום, "quoted"\nline', 300),
        LinkRequest.build("10", "pm_a", "x" * 512, 7 * 86400),
    ],
)
def test_a_saved_create_reads_back_equal(journal, request_):
    journal.save(request_, KEY, Environment.LIVE)
    pending = journal.load(Environment.LIVE)
    assert pending == PendingCreate(request_, KEY, Environment.LIVE, NOW)
    assert pending.request.amount == request_.amount


def test_nothing_pending_without_a_file(journal):
    assert journal.load(Environment.SANDBOX) is None


def test_the_other_environment_sees_nothing_and_leaves_the_file(journal):
    journal.save(REQUEST, KEY, Environment.LIVE)
    assert journal.load(Environment.SANDBOX) is None
    assert journal.load(Environment.LIVE) is not None


def test_a_create_older_than_billing_io_keeps_its_key_is_not_offered(journal, clock):
    journal.save(REQUEST, KEY, Environment.LIVE)
    clock.now = NOW + MAX_AGE
    assert journal.load(Environment.LIVE) is not None
    clock.now = NOW + MAX_AGE + timedelta(seconds=1)
    assert journal.load(Environment.LIVE) is None
    assert timedelta(hours=24) > MAX_AGE


def test_a_create_from_the_future_is_not_offered(journal, clock):
    """A clock set back since: its age is unknown, so it is left to the sync."""
    journal.save(REQUEST, KEY, Environment.LIVE)
    clock.now = NOW - timedelta(minutes=1)
    assert journal.load(Environment.LIVE) is None


def test_clear_removes_the_file_and_a_half_written_one(journal):
    journal.save(REQUEST, KEY, Environment.LIVE)
    leftover = journal.path.with_name(journal.path.name + ".new")
    leftover.write_text("{", encoding="utf-8")
    journal.clear()
    assert not journal.path.exists()
    assert not leftover.exists()
    journal.clear()  # twice is fine


def test_a_save_replaces_the_last_one(journal):
    journal.save(REQUEST, KEY, Environment.LIVE)
    other = LinkRequest.build("3", "pm_b")
    journal.save(other, "another-key", Environment.LIVE)
    pending = journal.load(Environment.LIVE)
    assert (pending.request, pending.idempotency_key) == (other, "another-key")
    assert [p.name for p in journal.path.parent.iterdir()] == [PENDING_FILE]


def _saved(journal: PendingJournal) -> dict:
    journal.save(REQUEST, KEY, Environment.LIVE)
    return json.loads(journal.path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: "",
        lambda data: "{",
        lambda data: "[]",
        lambda data: "\udcff",
        lambda data: json.dumps({**data, "format": 99}),
        lambda data: json.dumps({k: v for k, v in data.items() if k != "idempotency_key"}),
        lambda data: json.dumps({**data, "idempotency_key": ""}),
        lambda data: json.dumps({**data, "amount_usd": "NaN"}),
        lambda data: json.dumps({**data, "amount_usd": "0"}),
        lambda data: json.dumps({**data, "amount_usd": None}),
        lambda data: json.dumps({**data, "payment_method_id": None}),
        lambda data: json.dumps({**data, "expires_in_seconds": 12}),
        lambda data: json.dumps({**data, "expires_in_seconds": "900"}),
        lambda data: json.dumps({**data, "environment": "staging"}),
        lambda data: json.dumps({**data, "started_at": "yesterday"}),
        lambda data: json.dumps({**data, "started_at": "2026-11-24T12:00:00"}),
    ],
)
def test_a_damaged_file_is_ignored_not_a_crash(journal, damage):
    text = damage(_saved(journal))
    journal.path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert journal.load(Environment.LIVE) is None


def test_the_file_holds_no_secret_and_no_more_than_the_request(journal):
    data = _saved(journal)
    assert set(data) == {
        "format",
        "amount_usd",
        "payment_method_id",
        "description",
        "expires_in_seconds",
        "idempotency_key",
        "environment",
        "started_at",
    }
    assert "sk_" not in journal.path.read_text(encoding="utf-8")
    assert data["amount_usd"] == "29.99"
    assert Decimal(data["amount_usd"]) == REQUEST.amount


def test_an_unwritable_folder_raises_oserror_for_the_caller_to_log(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    journal = PendingJournal(blocker / PENDING_FILE)
    with pytest.raises((FileExistsError, NotADirectoryError)):
        journal.save(REQUEST, KEY, Environment.LIVE)


def test_which_failures_leave_the_outcome_unknown():
    assert issubclass(NetworkError, OUTCOME_UNKNOWN)
    assert issubclass(ServerError, OUTCOME_UNKNOWN)
    assert not issubclass(FieldError, OUTCOME_UNKNOWN)
