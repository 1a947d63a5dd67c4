"""The pending-create journal: a create's request and key on disk until it is answered."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from linkdesk.core.errors import OUTCOME_UNKNOWN, FieldError, NetworkError, ServerError
from linkdesk.core.links import Environment, LinkRequest
from linkdesk.core.pending import CLI_JOURNAL, MAX_AGE, PendingCreate, PendingJournal

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
    return PendingJournal(tmp_path / "data", Environment.LIVE, clock=clock)


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
    journal.save(request_, KEY)
    pending = journal.load()
    assert pending == PendingCreate(request_, KEY, Environment.LIVE, NOW)
    assert pending.request.amount == request_.amount


def test_nothing_pending_without_a_file(journal):
    assert journal.load() is None


def test_each_environment_keeps_its_own(tmp_path, clock):
    live = PendingJournal(tmp_path, Environment.LIVE, clock=clock)
    sandbox = PendingJournal(tmp_path, Environment.SANDBOX, clock=clock)
    cli = PendingJournal(tmp_path, Environment.LIVE, name=CLI_JOURNAL, clock=clock)
    assert len({live.path, sandbox.path, cli.path}) == 3
    live.save(REQUEST, KEY)
    sandbox.save(LinkRequest.build("3", "pm_b"), "sandbox-key")
    assert live.load().idempotency_key == KEY
    assert sandbox.load().idempotency_key == "sandbox-key"
    assert cli.load() is None
    sandbox.clear()
    assert live.load() is not None


def test_a_file_of_the_other_environment_is_not_offered(tmp_path, clock):
    live = PendingJournal(tmp_path, Environment.LIVE, clock=clock)
    live.save(REQUEST, KEY)
    sandbox = PendingJournal(tmp_path, Environment.SANDBOX, clock=clock)
    sandbox.path.write_bytes(live.path.read_bytes())  # copied by hand, say
    assert sandbox.load() is None


def test_sent_again_with_its_key_it_keeps_the_time_it_was_first_sent(journal, clock):
    """billing.io remembers a key for 24 hours from its first use, not from the last."""
    journal.save(REQUEST, KEY)
    clock.now = NOW + timedelta(hours=20)
    journal.save(REQUEST, KEY)
    assert journal.load().started_at == NOW
    clock.now = NOW + MAX_AGE + timedelta(minutes=1)
    assert journal.load() is None
    journal.save(REQUEST, "a-new-key")
    assert journal.load().started_at == clock.now


def test_clear_with_a_key_leaves_a_later_create_alone(journal):
    journal.save(REQUEST, KEY)
    journal.save(LinkRequest.build("3", "pm_b"), "later-key")
    journal.clear(KEY)
    assert journal.load().idempotency_key == "later-key"
    journal.clear("later-key")
    assert not journal.path.exists()


def test_clear_with_a_key_removes_a_damaged_file(journal):
    journal.path.parent.mkdir(parents=True)
    journal.path.write_text("{", encoding="utf-8")
    journal.clear(KEY)
    assert not journal.path.exists()


def test_a_create_older_than_billing_io_keeps_its_key_is_not_offered(journal, clock):
    journal.save(REQUEST, KEY)
    clock.now = NOW + MAX_AGE
    assert journal.load() is not None
    clock.now = NOW + MAX_AGE + timedelta(seconds=1)
    assert journal.load() is None
    assert timedelta(hours=24) > MAX_AGE


def test_a_create_from_the_future_is_not_offered(journal, clock):
    """A clock set back since: its age is unknown, so it is left to the sync."""
    journal.save(REQUEST, KEY)
    clock.now = NOW - timedelta(minutes=1)
    assert journal.load() is None


def test_clear_removes_the_file_and_a_half_written_one(journal):
    journal.save(REQUEST, KEY)
    leftover = journal.path.with_name(journal.path.name + ".new")
    leftover.write_text("{", encoding="utf-8")
    journal.clear()
    assert not journal.path.exists()
    assert not leftover.exists()
    journal.clear()  # twice is fine


def test_a_save_replaces_the_last_one(journal):
    journal.save(REQUEST, KEY)
    other = LinkRequest.build("3", "pm_b")
    journal.save(other, "another-key")
    pending = journal.load()
    assert (pending.request, pending.idempotency_key) == (other, "another-key")
    assert [p.name for p in journal.path.parent.iterdir()] == [journal.path.name]


def _saved(journal: PendingJournal) -> dict:
    journal.save(REQUEST, KEY)
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
        lambda data: json.dumps({**data, "payment_method_id": 5}),
        lambda data: json.dumps({**data, "description": 5}),
        lambda data: json.dumps({**data, "description": ["Table 4"]}),
        lambda data: json.dumps({**data, "expires_in_seconds": True}),
        lambda data: json.dumps({**data, "environment": 5}),
        lambda data: json.dumps({**data, "idempotency_key": {"a": 1}}),
        lambda data: "[" * 100_000,
        lambda data: json.dumps({**data, "amount_usd": "1e999999999999999999"}),
        lambda data: json.dumps({**data, "amount_usd": "1e999999999"}),
        lambda data: json.dumps({**data, "amount_usd": "12.345"}),
        lambda data: json.dumps({**data, "amount_usd": " 12"}),
        lambda data: json.dumps({**data, "description": "x" * 70_000}),
    ],
)
def test_a_damaged_file_is_ignored_not_a_crash(journal, damage):
    text = damage(_saved(journal))
    journal.path.write_bytes(text.encode("utf-8", "surrogateescape"))
    assert journal.load() is None
    journal.save(REQUEST, "next-key")  # and the next create is kept as usual
    assert journal.load().idempotency_key == "next-key"


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
    journal = PendingJournal(blocker, Environment.LIVE)
    with pytest.raises((FileExistsError, NotADirectoryError)):
        journal.save(REQUEST, KEY)


def test_which_failures_leave_the_outcome_unknown():
    assert issubclass(NetworkError, OUTCOME_UNKNOWN)
    assert issubclass(ServerError, OUTCOME_UNKNOWN)
    assert not issubclass(FieldError, OUTCOME_UNKNOWN)
