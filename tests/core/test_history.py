"""LinkHistory on real SQLite files: schema and migrations, writes, pages, filters, search."""

from __future__ import annotations

import itertools
import random
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linkdesk.core import history as history_module
from linkdesk.core.errors import Cancelled
from linkdesk.core.history import (
    SCHEMA_VERSION,
    HistoryError,
    HistoryFilter,
    LinkHistory,
    Source,
    StateFilter,
    StoredLink,
)
from linkdesk.core.links import Environment, LinkState, PaymentLink
from linkdesk.core.paths import default_data_dir, history_path, resolve_data_dir

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
_ids = itertools.count(1)


def make_link(
    minutes_ago: float = 0,
    *,
    link_id: str | None = None,
    amount: str = "29.99",
    description: str | None = "Coffee",
    lifetime: int | None = 900,
    environment: Environment = Environment.SANDBOX,
    method: str | None = "pm_default",
) -> PaymentLink:
    link_id = link_id or f"pl_{next(_ids):024x}"
    created = NOW - timedelta(minutes=minutes_ago)
    return PaymentLink(
        id=link_id,
        url=f"https://pay.billing.io/{link_id}",
        amount_usd=Decimal(amount),
        payment_method_id=method,
        description=description,
        expires_at=None if lifetime is None else created + timedelta(seconds=lifetime),
        environment=environment,
        created_at=created,
        org_id="org_test",
    )


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def history(path: Path):
    with LinkHistory(path) as opened:
        yield opened


@pytest.fixture(params=[True, False], ids=["fts", "no-fts"])
def searchable(request, path: Path, monkeypatch: pytest.MonkeyPatch):
    """A history with its full-text index, and one as an SQLite without trigrams has it."""
    if not request.param:
        monkeypatch.setattr(history_module, "trigram_available", lambda: False)
    with LinkHistory(path) as opened:
        assert opened.search_index is request.param
        yield opened


def ids(links: list[StoredLink]) -> list[str]:
    return [link.id for link in links]


def everything(history: LinkHistory, flt: HistoryFilter, now: datetime = NOW) -> list[str]:
    """Every id a filter shows, by walking its pages."""
    found: list[str] = []
    before = None
    while page := history.page(flt, now, limit=7, before=before):
        found += ids(page)
        before = page[-1].position
    return found


# Opening and the schema -----------------------------------------------------------------


def test_a_new_file_is_made_with_the_current_schema_in_wal_mode(path: Path):
    with LinkHistory(path) as history:
        db = history._db
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    assert path.exists()


def test_an_empty_version_0_file_is_migrated(path: Path):
    path.parent.mkdir(parents=True)
    sqlite3.connect(path).close()  # an empty database: user_version 0
    with LinkHistory(path) as history:
        history.record(make_link(), environment=Environment.SANDBOX, method_name="USDT")
    with LinkHistory(path) as history:
        assert history.count(HistoryFilter(), NOW) == 1


def test_reopening_a_current_file_keeps_its_links(path: Path):
    with LinkHistory(path) as history:
        stored = history.record(make_link(), environment=Environment.SANDBOX, method_name="USDT")
    with LinkHistory(path) as history:
        assert history.get(stored.id) == stored


def test_a_file_from_a_newer_linkdesk_is_refused(path: Path):
    LinkHistory(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(HistoryError, match="newer linkdesk") as caught:
        LinkHistory(path)
    assert f"format {SCHEMA_VERSION + 1}" in caught.value.message
    with pytest.raises(HistoryError, match="newer linkdesk"):
        LinkHistory.open_reader(path)


def test_a_file_that_is_not_a_database_is_refused(path: Path):
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is a spreadsheet, not a database" * 100)
    with pytest.raises(HistoryError, match="not a linkdesk history"):
        LinkHistory(path)


def test_a_folder_that_cannot_be_made_is_reported(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(HistoryError, match="cannot be opened"):
        LinkHistory(blocker / "history.sqlite3")


# Writing ------------------------------------------------------------------------------


def test_record_keeps_every_field(history: LinkHistory):
    link = make_link(3, amount="1234.5", description="Table 4 — ☕ شكرا", lifetime=None)
    stored = history.record(
        link, environment=Environment.SANDBOX, method_name="USDT on Tron", source=Source.APP
    )
    assert stored == history.get(link.id)
    assert stored.id == link.id
    assert stored.url == link.url
    assert stored.amount_usd == Decimal("1234.5")
    assert str(stored.amount_usd) == "1234.5"  # the exact text billing.io sent
    assert stored.payment_method_id == "pm_default"
    assert stored.payment_method_name == "USDT on Tron"
    assert stored.description == "Table 4 — ☕ شكرا"
    assert stored.expires_at is None
    assert stored.created_at == link.created_at
    assert stored.created_at.tzinfo is UTC
    assert stored.environment is Environment.SANDBOX
    assert stored.source is Source.APP
    assert stored.org_id == "org_test"
    assert stored.recorded_at is not None
    assert stored.state(NOW) is LinkState.NO_EXPIRY
    row = history._db.execute(
        "SELECT amount_usd, amount_cents, created_at FROM links WHERE id = ?", (link.id,)
    ).fetchone()
    assert row == ("1234.5", 123450, int(link.created_at.timestamp()))


def test_record_returns_what_get_reads(history: LinkHistory):
    tokyo = timezone(timedelta(hours=9))
    link = PaymentLink(
        id="pl_" + "b" * 24,
        url="https://pay.billing.io/x",
        amount_usd=Decimal("1.5"),
        created_at=datetime(2026, 11, 24, 19, 0, 0, 700_000, tzinfo=tokyo),
        expires_at=datetime(2026, 11, 24, 19, 15, 0, 300_000, tzinfo=tokyo),
    )
    stored = history.record(link, environment=Environment.LIVE, method_name=None)
    assert stored == history.get(link.id)
    assert stored.created_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def test_record_is_idempotent_on_the_id(history: LinkHistory):
    link = make_link()
    first = history.record(link, environment=Environment.SANDBOX, method_name="USDT")
    again = history.record(link, environment=Environment.SANDBOX, method_name="Other name")
    assert again == first
    assert history.count(HistoryFilter(), NOW) == 1


def test_a_link_without_a_creation_time_is_placed_when_it_was_recorded(history: LinkHistory):
    link = PaymentLink(id="pl_" + "a" * 24, url="https://pay.billing.io/x", amount_usd=Decimal(5))
    stored = history.record(link, environment=Environment.LIVE, method_name=None)
    assert stored.environment is Environment.LIVE
    assert abs(stored.created_at - datetime.now(UTC)) < timedelta(minutes=1)


def test_record_many_counts_only_new_links_and_skips_duplicates(history: LinkHistory):
    links = [make_link(i) for i in range(5)]
    history.record(links[0], environment=Environment.SANDBOX, method_name=None)
    new = history.record_many(
        [*links, links[1]],
        environment=Environment.SANDBOX,
        source=Source.BILLING_IO,
        method_names={"pm_default": "USDT on Tron"},
    )
    assert new == 4
    assert history.count(HistoryFilter(), NOW) == 5
    assert history.get(links[0].id).source is Source.APP
    assert history.get(links[1].id).source is Source.BILLING_IO
    assert history.get(links[1].id).payment_method_name == "USDT on Tron"
    assert history.known([link.id for link in links] + ["pl_unknown"]) == {
        link.id for link in links
    }


link_ids = st.sampled_from(["pl_0123456789abcdef01234567", "pl_ABCDEF0", "pl_12", "x", ""]) | (
    st.text(alphabet="pl_0123456789abcdefABCDEF ", max_size=12)
)
_ODD_AMOUNTS = "29.99 29.9 30 1E+2 0.005 -0 0.125 1E-7 12345678901234567.89"
amounts = st.decimals(allow_nan=False, allow_infinity=False, places=None) | st.sampled_from(
    [Decimal(text) for text in _ODD_AMOUNTS.split()]
)
moments = st.none() | st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@given(
    link_id=link_ids,
    amount=amounts,
    created=moments,
    expires=moments,
    environment=st.sampled_from([None, *Environment]),
    method=st.sampled_from([None, "", "pm_default", "pm_other"]),
)
def test_rows_of_a_sync_are_the_rows_record_keeps(
    link_id, amount, created, expires, environment, method
):
    """A sync builds its rows without a StoredLink; they must be what `record` would store."""
    try:
        expected_cents = history_module._cents(amount)
    except ArithmeticError:
        return  # amounts past Decimal's precision are refused on both ways
    link = PaymentLink(
        id=link_id,
        url="https://pay.billing.io/x",
        amount_usd=amount,
        payment_method_id=method,
        description="Tea",
        expires_at=expires,
        environment=environment,
        created_at=created,
        org_id="org_test",
    )
    names = {"pm_default": "USDT on Tron"}
    now = datetime(2026, 11, 24, 10, 0, 5, tzinfo=UTC)
    (row,) = history_module._link_rows(
        [link], Environment.LIVE, names, Source.BILLING_IO, int(now.timestamp())
    )
    stored = history_module._stored_from(
        link, Environment.LIVE, names.get(method or ""), Source.BILLING_IO, now
    )
    assert row == history_module._stored_row(stored)
    assert row[4] == expected_cents


def test_many_links_are_staged_in_several_statements(history: LinkHistory):
    # More rows than one staging statement holds, a link listed twice and two links
    # whose keys clash within the batch.
    history._rows_per_statement = 7
    twins = [make_link(1, link_id=f"pl_abcdef{n}" + "0" * 17) for n in (0, 1)]
    links = [make_link(i, link_id=f"pl_{i:07x}" + "e" * 17) for i in range(40)] + twins
    new = history.record_many(
        [*links, links[3]], environment=Environment.SANDBOX, source=Source.BILLING_IO
    )
    assert new == 42
    assert history.count(HistoryFilter(), NOW) == 42
    assert sorted(everything(history, HistoryFilter())) == sorted(link.id for link in links)
    assert {history.get(twin.id).created_at for twin in twins} == {twins[0].created_at}


def test_remove_and_restore(history: LinkHistory):
    links = [make_link(i) for i in range(3)]
    history.record_many(links, environment=Environment.SANDBOX, source=Source.APP)
    kept = history.get(links[1].id)
    removed = history.remove(links[1].id)
    assert removed is not None
    assert removed == kept  # whole, for an undo
    assert history.remove(links[1].id) is None
    assert everything(history, HistoryFilter()) == [links[0].id, links[2].id]
    assert history.get(links[1].id) is None
    # A sync does not bring a removed link back...
    assert history.known([links[1].id]) == {links[1].id}
    assert (
        history.record_many([links[1]], environment=Environment.SANDBOX, source=Source.BILLING_IO)
        == 0
    )
    # ...an undo does, in its place and with what it had.
    history.restore(removed)
    assert history.get(links[1].id) == removed
    assert everything(history, HistoryFilter()) == [link.id for link in links]
    assert history.page(HistoryFilter(text="coffee"), NOW, limit=10)[1] == removed


def test_a_write_from_another_thread_is_refused(history: LinkHistory):
    failures: list[BaseException] = []

    def write() -> None:
        try:
            history.record(make_link(), environment=Environment.SANDBOX, method_name=None)
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    thread.join()
    assert isinstance(failures[0], RuntimeError)
    assert "open_reader" in str(failures[0])


def test_a_reader_on_another_thread_sees_committed_writes(history: LinkHistory, path: Path):
    history.record(make_link(1), environment=Environment.SANDBOX, method_name=None)
    results: list[int] = []
    started, written = threading.Event(), threading.Event()

    def read() -> None:
        with LinkHistory.open_reader(path) as reader:
            results.append(reader.count(HistoryFilter(), NOW))
            started.set()
            written.wait(10)
            results.append(reader.count(HistoryFilter(), NOW))
            with pytest.raises(HistoryError, match="reading only"):
                reader.record(make_link(), environment=Environment.SANDBOX, method_name=None)

    thread = threading.Thread(target=read)
    thread.start()
    assert started.wait(10)
    history.record(make_link(0), environment=Environment.SANDBOX, method_name=None)
    written.set()
    thread.join(10)
    assert results == [1, 2]


def test_interrupt_turns_a_running_query_into_cancelled(history: LinkHistory):
    history.record_many(
        [make_link(i) for i in range(50)], environment=Environment.SANDBOX, source=Source.APP
    )
    history._db.set_progress_handler(lambda: history.interrupt(), 1)
    with pytest.raises(Cancelled):
        history.count(HistoryFilter(text="zz"), NOW)
    history._db.set_progress_handler(None, 1)
    assert history.count(HistoryFilter(), NOW) == 50


# Order and pages ----------------------------------------------------------------------


def test_pages_are_newest_first_and_cover_everything_once(history: LinkHistory):
    rng = random.Random(7)
    # Many links in the same second, and two whose ids start alike (the same sort key).
    links = [make_link(rng.randrange(0, 30) / 60) for _ in range(60)]
    twin_a = make_link(5, link_id="pl_abcdef0" + "0" * 17)
    twin_b = make_link(5, link_id="pl_abcdef0" + "f" * 17)
    odd = make_link(5, link_id="not-a-billing-io-id")
    everyone = [*links, twin_a, twin_b, odd]
    rng.shuffle(everyone)
    for chunk in (everyone[:20], everyone[20:]):
        history.record_many(chunk, environment=Environment.SANDBOX, source=Source.APP)
    walked = everything(history, HistoryFilter())
    assert sorted(walked) == sorted(link.id for link in everyone)
    created = {link.id: link.created_at for link in everyone}
    times = [created[i] for i in walked]
    assert times == sorted(times, reverse=True)
    # The same rows by offset, and the same through rows().
    by_offset = []
    for offset in range(0, len(everyone), 9):
        by_offset += ids(history.page(HistoryFilter(), NOW, limit=9, offset=offset))
    assert by_offset == walked
    assert ids(list(history.rows(HistoryFilter(), NOW))) == walked
    assert history.count(HistoryFilter(), NOW) == len(everyone)


def test_before_a_removed_link_still_pages_on(history: LinkHistory):
    links = [make_link(i) for i in range(6)]
    history.record_many(links, environment=Environment.SANDBOX, source=Source.APP)
    first = history.page(HistoryFilter(), NOW, limit=3)
    history.remove(first[-1].id)
    rest = history.page(HistoryFilter(), NOW, limit=10, before=first[-1].position)
    assert ids(rest) == [link.id for link in links[3:]]


# Filters ------------------------------------------------------------------------------


def test_state_environment_and_dates(history: LinkHistory):
    active = make_link(5, lifetime=900)  # 10 minutes left
    expired = make_link(20, lifetime=900)
    just_expired = make_link(15, lifetime=900)  # expires exactly now
    forever = make_link(60 * 24 * 400, lifetime=None)
    live = make_link(30, lifetime=None, environment=Environment.LIVE)
    history.record_many(
        [active, expired, just_expired, forever], environment=Environment.SANDBOX, source=Source.APP
    )
    history.record(live, environment=Environment.LIVE, method_name=None)

    def shown(**kwargs: object) -> set[str]:
        flt = HistoryFilter(**kwargs)  # type: ignore[arg-type]
        found = set(everything(history, flt))
        assert history.count(flt, NOW) == len(found)
        return found

    assert shown(state="active") == {active.id, forever.id, live.id}
    assert shown(state=StateFilter.EXPIRED) == {expired.id, just_expired.id}
    assert shown(environment=Environment.LIVE) == {live.id}
    assert shown(environment=Environment.SANDBOX, state="active") == {active.id, forever.id}
    assert shown(since=NOW - timedelta(minutes=20)) == {active.id, expired.id, just_expired.id}
    assert shown(until=NOW - timedelta(minutes=20)) == {forever.id, live.id}
    assert shown(since=NOW - timedelta(minutes=20), until=NOW - timedelta(minutes=15)) == {
        expired.id
    }
    stored = history.get(just_expired.id)
    assert stored is not None
    assert stored.state(NOW) is LinkState.EXPIRED
    assert stored.state(NOW - timedelta(seconds=1)) is LinkState.ACTIVE


def test_a_filter_needs_aware_times():
    with pytest.raises(ValueError, match="aware"):
        HistoryFilter(since=datetime(2026, 1, 1))
    assert HistoryFilter(state="expired").state is StateFilter.EXPIRED


# Search -------------------------------------------------------------------------------

CORPUS = [
    ("Coffee and croissant", "4.50"),
    ("COFFEE beans 1 kg", "29.95"),
    ("Café crème", "3.20"),
    ("CAFÉ au lait", "29.99"),
    ("قهوة عربية", "12.00"),
    ("☕ Espresso doppio", "2.90"),
    ("Discount 100% off_label", "100.00"),
    ("Invoice 29.90 of last week", "7.00"),
    ('He said "quoted" AND (bracketed) *star*', "1.00"),
    (None, "29.00"),
    ("Bike repair", "290.00"),
    ("x", "1,234.50"),
    ("Кофе и пирожное", "3.50"),
]


@pytest.fixture
def corpus(searchable: LinkHistory) -> tuple[LinkHistory, dict[str, str]]:
    links = [
        make_link(i, description=text, amount=amount.replace(",", ""))
        for i, (text, amount) in enumerate(CORPUS)
    ]
    searchable.record_many(links, environment=Environment.SANDBOX, source=Source.APP)
    return searchable, {link.description or "": link.id for link in links}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("coffee", ["Coffee and croissant", "COFFEE beans 1 kg"]),
        ("COF", ["Coffee and croissant", "COFFEE beans 1 kg"]),
        ("co", ["Coffee and croissant", "COFFEE beans 1 kg", "Discount 100% off_label"]),
        ("c", None),  # checked by count below
        ("café", ["Café crème", "CAFÉ au lait"]),
        ("قهوة", ["قهوة عربية"]),
        ("☕", ["☕ Espresso doppio"]),
        ("espresso ☕", ["☕ Espresso doppio"]),
        ("coffee kg", ["COFFEE beans 1 kg"]),
        ("29.9", ["COFFEE beans 1 kg", "CAFÉ au lait", "Invoice 29.90 of last week"]),
        ("29,99", ["CAFÉ au lait"]),
        ("29", ["COFFEE beans 1 kg", "CAFÉ au lait", "Invoice 29.90 of last week", ""]),
        ("$290", ["Bike repair"]),
        ("1,234.50", ["x"]),
        ("100%", ["Discount 100% off_label"]),
        ("%", ["Discount 100% off_label"]),
        ("_", [text or "" for text, _ in CORPUS]),  # every id has one: pl_
        ("off_", ["Discount 100% off_label"]),
        ('"quoted"', ['He said "quoted" AND (bracketed) *star*']),
        ("AND", ["Coffee and croissant", 'He said "quoted" AND (bracketed) *star*']),
        ("(bracketed)", ['He said "quoted" AND (bracketed) *star*']),
        ("*star*", ['He said "quoted" AND (bracketed) *star*']),
        ("к", ["Кофе и пирожное"]),
        ("КО", ["Кофе и пирожное"]),
        ("кофе", ["Кофе и пирожное"]),
        ("nothing-like-this", []),
    ],
)
def test_search(corpus, text: str, expected: list[str] | None):
    history, by_text = corpus
    flt = HistoryFilter(text=text)
    found = everything(history, flt)
    assert history.count(flt, NOW) == len(found)
    if expected is not None:
        assert sorted(found) == sorted(by_text[t] for t in expected)


def test_search_by_id(corpus):
    history, by_text = corpus
    link_id = by_text["Bike repair"]
    for text in (link_id, link_id.upper(), link_id[:9], link_id[-8:], link_id[4:7]):
        found = everything(history, HistoryFilter(text=text))
        assert link_id in found, text
    assert everything(history, HistoryFilter(text=link_id)) == [link_id]
    # Every id starts with pl_: on its own it narrows nothing.
    assert len(everything(history, HistoryFilter(text="pl_"))) == len(CORPUS)


def test_capped_count(corpus):
    history, _ = corpus
    flt = HistoryFilter(text="c")
    exact = history.count(flt, NOW)
    assert exact > 3
    assert history.count(flt, NOW, cap=3) == 3
    assert history.count(flt, NOW, cap=exact + 10) == exact


def test_search_with_filters_and_pages(searchable: LinkHistory):
    links = [
        make_link(i, description=f"Coffee {i}", lifetime=None if i % 3 else 60) for i in range(40)
    ]
    searchable.record_many(links, environment=Environment.SANDBOX, source=Source.APP)
    flt = HistoryFilter(text="coffee", state="expired")
    expected = [link.id for i, link in enumerate(links) if i % 3 == 0 and i > 0]
    assert everything(searchable, flt) == expected
    assert searchable.count(flt, NOW) == len(expected)
    assert ids(searchable.page(flt, NOW, limit=3, offset=3)) == expected[3:6]


def test_the_index_is_rebuilt_once_an_sqlite_with_trigrams_opens_the_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
):
    with LinkHistory(path) as history:
        history.record(
            make_link(2, description="Cold brew"), environment=Environment.SANDBOX, method_name=None
        )
    monkeypatch.setattr(history_module, "trigram_available", lambda: False)
    with LinkHistory(path) as history:
        assert not history.search_index
        assert "3.34" in (history.search_note or "")
        # Written while the index cannot follow.
        history.record(
            make_link(1, description="Cold brew large"),
            environment=Environment.SANDBOX,
            method_name=None,
        )
        assert len(everything(history, HistoryFilter(text="cold brew"))) == 2
    monkeypatch.undo()
    with LinkHistory(path) as history:
        assert history.search_index
        assert history.search_note is None
        assert len(everything(history, HistoryFilter(text="cold brew"))) == 2
        assert len(everything(history, HistoryFilter(text="large"))) == 1


# Where the history lives --------------------------------------------------------------


def test_the_data_folder_follows_each_platforms_rules(tmp_path: Path):
    home = tmp_path / "home"
    linux = default_data_dir({}, "linux", home)
    assert linux == home / ".local" / "share" / "linkdesk" / "linkdesk"
    xdg = default_data_dir({"XDG_DATA_HOME": "/xdg"}, "linux", home)
    assert xdg == Path("/xdg/linkdesk/linkdesk")
    relative = default_data_dir({"XDG_DATA_HOME": "relative"}, "linux", home)
    assert relative == linux  # the XDG specification says to ignore a relative path
    mac = default_data_dir({}, "darwin", home)
    assert mac == home / "Library" / "Application Support" / "linkdesk" / "linkdesk"
    windows = default_data_dir({"APPDATA": r"C:\Users\ana\AppData\Roaming"}, "win32", home)
    assert windows == Path(r"C:\Users\ana\AppData\Roaming") / "linkdesk" / "linkdesk"


def test_data_dir_option_beats_environment_beats_default(tmp_path: Path):
    environ = {"LINKDESK_DATA_DIR": str(tmp_path / "env"), "XDG_DATA_HOME": str(tmp_path / "x")}
    assert resolve_data_dir(str(tmp_path / "opt"), environ) == tmp_path / "opt"
    assert resolve_data_dir(None, environ) == tmp_path / "env"
    assert resolve_data_dir(None, {"XDG_DATA_HOME": str(tmp_path / "x")}) == (
        tmp_path / "x" / "linkdesk" / "linkdesk"
    )
    assert history_path(tmp_path) == tmp_path / "history.sqlite3"


def test_the_history_modules_import_without_qt():
    probe = (
        "import sys\n"
        "class NoQt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PySide6', 'shiboken6'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, NoQt())\n"
        "import linkdesk.core.history, linkdesk.core.export, linkdesk.core.sync\n"
        "import linkdesk.core.paths\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.strip() == "ok", result.stderr
