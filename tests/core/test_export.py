"""CSV export: the golden file, formula injection, round trips, and the all-or-nothing write.

The golden file ``golden/links.csv`` pins every byte of the format for the links in
``golden/links.json``. After a deliberate change of the format, rewrite it with
``python -m tests.core.test_export`` and review the difference.
"""

from __future__ import annotations

import csv
import json
import os
import random
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from linkdesk.core.errors import Cancelled
from linkdesk.core.export import (
    HEADER,
    INJECTION_PREFIXES,
    ExportError,
    export_csv,
)
from linkdesk.core.history import HistoryFilter, HistoryRows, LinkHistory, Source, StoredLink
from linkdesk.core.links import Environment, parse_timestamp

GOLDEN = Path(__file__).parent / "golden"


def load_golden() -> tuple[datetime, list[StoredLink]]:
    data = json.loads((GOLDEN / "links.json").read_text(encoding="utf-8"))
    links = [
        StoredLink(
            id=item["id"],
            url=item["url"],
            amount_usd=Decimal(item["amount_usd"]),
            payment_method_id=item["payment_method_id"],
            payment_method_name=item["payment_method_name"],
            description=item["description"],
            expires_at=parse_timestamp(item["expires_at"]),
            created_at=_time(item["created_at"]),
            environment=Environment(item["environment"]),
            source=Source(item["source"]),
            org_id=item["org_id"],
        )
        for item in data["links"]
    ]
    return _time(data["now"]), links


def _time(text: str) -> datetime:
    moment = parse_timestamp(text)
    assert moment is not None
    return moment


def stored(description: str | None = "Coffee", **fields: object) -> StoredLink:
    values: dict[str, object] = {
        "id": "pl_" + random.Random(str(description)).randbytes(12).hex(),
        "url": "",
        "amount_usd": Decimal("29.99"),
        "payment_method_id": "pm_default",
        "payment_method_name": "USDT on Tron",
        "description": description,
        "expires_at": None,
        "created_at": datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        "environment": Environment.LIVE,
        "source": Source.APP,
    }
    values.update(fields)
    if not values["url"]:
        values["url"] = f"https://pay.billing.io/{values['id']}"
    return StoredLink(**values)  # type: ignore[arg-type]


def in_history(path: Path, links: list[StoredLink]) -> LinkHistory:
    history = LinkHistory(path)
    for link in links:
        history.restore(link)  # as it was, with its source and method name
    return history


def read_back(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


# The format ---------------------------------------------------------------------------


def test_golden_file_from_links(tmp_path: Path):
    now, links = load_golden()
    target = tmp_path / "links.csv"
    assert export_csv(links, target, now=now) == len(links)
    assert target.read_bytes() == (GOLDEN / "links.csv").read_bytes()


def test_golden_file_from_the_history(tmp_path: Path):
    now, links = load_golden()
    with in_history(tmp_path / "history.sqlite3", links) as history:
        rows = history.rows(HistoryFilter(), now)
        assert isinstance(rows, HistoryRows)  # the cells are formatted by SQLite
        assert export_csv(rows, tmp_path / "links.csv", now=now) == len(links)
    assert (tmp_path / "links.csv").read_bytes() == (GOLDEN / "links.csv").read_bytes()


def test_the_file_starts_with_a_bom_and_the_documented_header(tmp_path: Path):
    target = tmp_path / "out.csv"
    export_csv([], target, now=datetime.now(UTC))
    assert target.read_bytes() == (
        b"\xef\xbb\xbfid,created_at,amount_usd,description,payment_method_id,"
        b"payment_method_name,url,expires_at,state,environment,source\r\n"
    )
    assert tuple(read_back(target)[0]) == HEADER


def test_cells(tmp_path: Path):
    now = datetime(2026, 11, 24, 10, 0, 30, 500_000, tzinfo=UTC)
    links = [
        stored("a", amount_usd=Decimal("29.9"), expires_at=now + timedelta(minutes=5)),
        stored("b", amount_usd=Decimal("3"), expires_at=now.replace(microsecond=0)),
        stored("c", amount_usd=Decimal("0.125"), environment=Environment.SANDBOX),
        stored(None, source=Source.BILLING_IO, payment_method_id=None, payment_method_name=None),
    ]
    target = tmp_path / "out.csv"
    export_csv(links, target, now=now)
    rows = [dict(zip(HEADER, row, strict=True)) for row in read_back(target)[1:]]
    assert [r["amount_usd"] for r in rows] == ["29.90", "3.00", "0.13", "29.99"]
    assert [r["state"] for r in rows] == ["active", "expired", "no expiry", "no expiry"]
    assert rows[0]["created_at"] == "2026-11-24T09:00:00Z"
    assert rows[0]["expires_at"] == "2026-11-24T10:05:30Z"
    assert rows[2]["expires_at"] == ""
    assert rows[2]["environment"] == "sandbox"
    assert rows[3]["description"] == rows[3]["payment_method_id"] == ""
    assert rows[3]["source"] == "billing.io"


# Formula injection --------------------------------------------------------------------


@pytest.mark.parametrize("prefix", INJECTION_PREFIXES)
@pytest.mark.parametrize("path", ["links", "history"])
def test_every_injection_prefix_is_neutralised_in_every_text_cell(
    tmp_path: Path, prefix: str, path: str
):
    text = f"{prefix}1+2"
    link = stored(
        text,
        id=f"{prefix}pl_id",
        url=f"{prefix}https://pay.billing.io/x",
        payment_method_id=f"{prefix}pm",
        payment_method_name=f"{prefix}name",
    )
    now = datetime.now(UTC)
    target = tmp_path / "out.csv"
    if path == "links":
        export_csv([link], target, now=now)
    else:
        with in_history(tmp_path / "history.sqlite3", [link]) as history:
            export_csv(history.rows(HistoryFilter(), now), target, now=now)
    row = dict(zip(HEADER, read_back(target)[1], strict=True))
    assert row["description"] == f"'{text}"
    assert row["id"] == f"'{prefix}pl_id"
    assert row["url"] == f"'{prefix}https://pay.billing.io/x"
    assert row["payment_method_id"] == f"'{prefix}pm"
    assert row["payment_method_name"] == f"'{prefix}name"
    assert row["amount_usd"] == "29.99"  # a number, never touched


@pytest.mark.parametrize("text", ["a=1", " =1", "1-2", "'quoted", "€5", "", "\n=x"])
def test_cells_that_start_otherwise_are_left_alone(tmp_path: Path, text: str):
    export_csv([stored(text)], tmp_path / "out.csv", now=datetime.now(UTC))
    assert read_back(tmp_path / "out.csv")[1][3] == text


# Round trips --------------------------------------------------------------------------

AWKWARD = [
    "comma, inside",
    'quote " inside',
    '"starts and ends with quotes"',
    "line\nbreak",
    "windows\r\nbreak",
    "trailing newline\n",
    "Café crème, s'il vous plaît",
    "قهوة عربية مع الهيل",  # right to left
    "שלום — RTL ‏mark‏ inside",
    "emoji ☕🍰🇸🇦👩‍👩‍👧 sequence",
    "tab\tinside",
    "x" * 512,
    ('é, "ü"\n' * 100)[:512],
]


@pytest.mark.parametrize("path", ["links", "history"])
def test_awkward_descriptions_survive_a_round_trip(tmp_path: Path, path: str):
    links = [
        stored(text, created_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC) - timedelta(minutes=i))
        for i, text in enumerate(AWKWARD)
    ]
    now = datetime.now(UTC)
    target = tmp_path / "out.csv"
    if path == "links":
        export_csv(links, target, now=now)
    else:
        with in_history(tmp_path / "history.sqlite3", links) as history:
            export_csv(history.rows(HistoryFilter(), now), target, now=now)
    rows = read_back(target)
    assert rows[0] == list(HEADER)
    assert [row[3] for row in rows[1:]] == AWKWARD
    assert all(len(row) == len(HEADER) for row in rows)


def test_both_ways_give_the_same_bytes_for_random_links(tmp_path: Path):
    rng = random.Random(11)
    alphabet = ["a", "Z", " ", ",", '"', "\n", "\r", "\t", "=", "+", "-", "@", "é", "ش", "☕", "'"]
    now = datetime(2026, 11, 24, 10, 0, 0, 250_000, tzinfo=UTC)
    links = []
    for i in range(300):
        created = now - timedelta(seconds=rng.randrange(10**7))
        text = "".join(rng.choices(alphabet, k=rng.randrange(0, 12))) if i % 7 else None
        lifetime = rng.choice([None, 300, 900, 10**7])
        links.append(
            stored(
                text,
                id=f"pl_{rng.getrandbits(96):024x}",
                created_at=created,
                expires_at=None if lifetime is None else created + timedelta(seconds=lifetime),
                amount_usd=Decimal(rng.randrange(1, 10**9)).scaleb(-2),
                environment=rng.choice(list(Environment)),
                source=rng.choice(list(Source)),
                payment_method_name=rng.choice([None, "=x", "USDT"]),
            )
        )
    links.sort(key=lambda link: (link.created_at, link.id), reverse=True)
    export_csv(links, tmp_path / "a.csv", now=now)
    with in_history(tmp_path / "history.sqlite3", links) as history:
        export_csv(history.rows(HistoryFilter(), now), tmp_path / "b.csv", now=now)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


# Writing all or nothing ---------------------------------------------------------------


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "old.csv")


def test_cancel_leaves_the_old_file_and_no_temporary_file(tmp_path: Path):
    target = tmp_path / "old.csv"
    target.write_bytes(b"the accountant's previous export")
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int) -> None:
        seen.append(done)
        cancel.set()

    links = (stored(str(i)) for i in range(50_000))
    with pytest.raises(Cancelled):
        export_csv(links, target, now=datetime.now(UTC), progress=progress, cancel=cancel)
    assert seen == [10_000]
    assert target.read_bytes() == b"the accountant's previous export"
    assert leftovers(tmp_path) == []


def test_a_failure_half_way_leaves_the_old_file(tmp_path: Path):
    target = tmp_path / "old.csv"
    target.write_bytes(b"previous")

    def failing():
        for i in range(12_000):
            yield stored(str(i))
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="disk is full"):
        export_csv(failing(), target, now=datetime.now(UTC))
    assert target.read_bytes() == b"previous"
    assert leftovers(tmp_path) == []


def test_a_missing_folder_is_reported(tmp_path: Path):
    with pytest.raises(ExportError, match="does not exist"):
        export_csv([stored()], tmp_path / "nowhere" / "out.csv", now=datetime.now(UTC))


@pytest.mark.parametrize("name", ["history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"])
def test_an_export_never_replaces_the_history_or_its_side_files(tmp_path: Path, name: str):
    now = datetime.now(UTC)
    with in_history(tmp_path / "history.sqlite3", [stored()]) as history:
        target = tmp_path / name
        assert target.exists()  # SQLite keeps the -wal and -shm files while it is open
        before = target.read_bytes()
        with pytest.raises(ExportError, match="is a database"):
            export_csv(history.rows(HistoryFilter(), now), target, now=now)
        assert target.read_bytes() == before
        assert history.count(HistoryFilter(), now) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_file_that_merely_ends_like_a_side_file_is_replaced(tmp_path: Path):
    target = tmp_path / "till-2-wal"
    target.write_text("old")
    export_csv([stored()], target, now=datetime.now(UTC))
    assert target.read_text(encoding="utf-8-sig").startswith("id,created_at")


def test_progress_and_count(tmp_path: Path):
    seen: list[int] = []
    written = export_csv(
        (stored(str(i)) for i in range(25_000)),
        tmp_path / "out.csv",
        now=datetime.now(UTC),
        progress=seen.append,
    )
    assert written == 25_000
    assert seen == [10_000, 20_000, 25_000]
    assert len(read_back(tmp_path / "out.csv")) == 25_001


def test_the_new_file_gets_the_usual_permissions(tmp_path: Path):
    umask = os.umask(0o022)
    os.umask(umask)
    export_csv([stored()], tmp_path / "out.csv", now=datetime.now(UTC))
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_export_from_a_reader_on_another_thread(tmp_path: Path):
    now, links = load_golden()
    in_history(tmp_path / "history.sqlite3", links).close()
    result: list[int] = []

    def work() -> None:
        with LinkHistory.open_reader(tmp_path / "history.sqlite3") as reader:
            flt = HistoryFilter(state="expired", environment=Environment.LIVE)
            result.append(export_csv(reader.rows(flt, now), tmp_path / "out.csv", now=now))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(30)
    rows = read_back(tmp_path / "out.csv")[1:]
    assert result == [len(rows)]
    assert {row[8] for row in rows} == {"expired"}
    assert {row[9] for row in rows} == {"live"}


def _regenerate() -> None:
    now, links = load_golden()
    target = GOLDEN / "links.csv"
    export_csv(links, target, now=now)
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    _regenerate()
