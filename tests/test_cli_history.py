"""The history from a terminal: `create` records, `links` lists, `export` writes CSV (real
processes, a history in tmp_path, the emulator over loopback)."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from linkdesk.core.history import LinkHistory, Source
from linkdesk.core.links import Environment, PaymentLink
from linkdesk.emulator import Emulator

KEY = "sk_test_CliHistoryFAKE0000000"


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator(port=0).start()
    yield emu
    emu.stop()


def linkdesk(*args: str, data_dir: Path | None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ)
    for name in ("BILLING_API_KEY", "LINKDESK_API_BASE", "LINKDESK_DATA_DIR"):
        environ.pop(name, None)
    environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    environ["BILLING_API_KEY"] = KEY
    environ["TZ"] = "UTC"
    if data_dir is not None:
        environ["LINKDESK_DATA_DIR"] = str(data_dir)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "linkdesk", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def one_line_failure(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("linkdesk: ")
    return lines[0]


def listed(data_dir: Path, *args: str) -> list[dict[str, object]]:
    result = linkdesk("links", "--json", *args, data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# create and links ---------------------------------------------------------------------


def test_create_records_the_link_before_printing_it(emulator, tmp_path: Path):
    result = linkdesk(
        "create", "--amount", "12,50", "--description", "Table 4 ☕", "--api-base",
        emulator.base_url, data_dir=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    links = listed(tmp_path)
    assert len(links) == 1
    assert links[0]["url"] == url
    assert links[0]["amount_usd"] == "12.50"
    assert links[0]["description"] == "Table 4 ☕"
    assert links[0]["payment_method_name"] == "USDT on Tron"
    assert links[0]["environment"] == "sandbox"
    assert links[0]["source"] == "app"
    assert links[0]["state"] == "no expiry"
    assert (tmp_path / "history.sqlite3").exists()


def test_data_dir_option_wins_over_the_environment(emulator, tmp_path: Path):
    chosen = tmp_path / "chosen"
    result = linkdesk(
        "create", "--amount", "5", "--data-dir", str(chosen), "--api-base", emulator.base_url,
        data_dir=tmp_path / "from-env",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (chosen / "history.sqlite3").exists()
    assert not (tmp_path / "from-env").exists()
    assert len(listed(tmp_path / "ignored", "--data-dir", str(chosen))) == 1


def test_a_link_that_cannot_be_recorded_is_still_printed(emulator, tmp_path: Path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    before = emulator.links_created(KEY)
    result = linkdesk("create", "--amount", "7", "--api-base", emulator.base_url, data_dir=blocker)
    assert result.returncode == 0
    assert result.stdout.startswith("https://pay.billing.io/pl_")
    assert "not saved in this computer's history" in result.stderr
    assert "Traceback" not in result.stderr
    assert emulator.links_created(KEY) == before + 1


def test_links_lists_newest_first_with_a_limit(tmp_path: Path):
    now = datetime.now(UTC).replace(microsecond=0)
    with LinkHistory(tmp_path / "history.sqlite3") as history:
        for minutes in (30, 10, 20):
            history.record(
                link(f"Order {minutes}\x1b[31m red", now - timedelta(minutes=minutes)),
                environment=Environment.LIVE,
                method_name="USDT on Tron",
            )
    assert [item["description"] for item in listed(tmp_path, "--limit", "2")] == [
        "Order 10\x1b[31m red",
        "Order 20\x1b[31m red",
    ]
    result = linkdesk("links", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert "$29.99  LIVE  active  Order 10[31m red  https://pay.billing.io/" in lines[0]
    assert "\x1b" not in result.stdout  # nothing a terminal would obey


def test_demo_links_are_kept_apart_from_the_real_history(tmp_path: Path):
    created = linkdesk("--demo", "create", "--amount", "3", "--json", data_dir=tmp_path)
    assert created.returncode == 0, created.stderr
    link_id = json.loads(created.stdout)["id"]
    assert [item["id"] for item in listed(tmp_path, "--demo")] == [link_id]
    assert listed(tmp_path) == []
    out = tmp_path / "real.csv"
    assert linkdesk("export", "--output", str(out), data_dir=tmp_path).returncode == 0
    assert exported(out) == []


def test_links_without_a_history(tmp_path: Path):
    result = linkdesk("links", data_dir=tmp_path / "empty")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "No links in the history yet" in result.stderr
    assert listed(tmp_path / "empty") == []
    assert not (tmp_path / "empty").exists()


@pytest.mark.parametrize("limit", ["0", "-3", "many"])
def test_links_with_a_bad_limit_exits_2(tmp_path: Path, limit: str):
    failure = one_line_failure(linkdesk("links", "--limit", limit, data_dir=tmp_path), 2)
    assert "--limit" in failure


# export -------------------------------------------------------------------------------


def link(description: str, created: datetime, *, lifetime: int | None = 3600) -> PaymentLink:
    link_id = "pl_" + os.urandom(12).hex()
    return PaymentLink(
        id=link_id,
        url=f"https://pay.billing.io/{link_id}",
        amount_usd=Decimal("29.99"),
        payment_method_id="pm_default",
        description=description,
        expires_at=None if lifetime is None else created + timedelta(seconds=lifetime),
        created_at=created,
    )


@pytest.fixture
def november(tmp_path: Path) -> Path:
    """A history of November 2026: one link a day at 04:30 UTC, live on even days, all
    expired by now except the last, which never expires."""
    with LinkHistory(tmp_path / "history.sqlite3") as history:
        for day in range(1, 31):
            created = datetime(2026, 11, day, 4, 30, tzinfo=UTC)
            environment = Environment.LIVE if day % 2 == 0 else Environment.SANDBOX
            history.record_many(
                [link(f"Day {day}", created, lifetime=None if day == 30 else 3600)],
                environment=environment,
                source=Source.APP,
            )
    return tmp_path


def exported(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.DictReader(file))


def test_export_everything(november: Path):
    out = november / "all.csv"
    result = linkdesk("export", "--output", str(out), data_dir=november)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Exported 30 links to {out}."
    rows = exported(out)
    assert [row["description"] for row in rows] == [f"Day {d}" for d in range(30, 0, -1)]
    assert rows[0]["state"] == "no expiry"


def test_export_with_every_filter(november: Path):
    out = november / "some.csv"
    result = linkdesk(
        "export", "--output", str(out), "--since", "2026-11-10", "--until", "2026-11-20",
        "--state", "expired", "--environment", "live", data_dir=november,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [row["description"] for row in exported(out)] == [
        f"Day {d}" for d in (20, 18, 16, 14, 12, 10)
    ]
    assert {row["environment"] for row in exported(out)} == {"live"}


def test_export_days_are_local_days(november: Path):
    """04:30 UTC on the 15th is still the 14th in New York: --since 2026-11-15 there
    starts at 05:00 UTC."""
    out = november / "ny.csv"
    result = linkdesk(
        "export", "--output", str(out), "--since", "2026-11-15", "--until", "2026-11-15",
        data_dir=november, TZ="America/New_York",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [row["description"] for row in exported(out)] == ["Day 16"]
    exact = november / "exact.csv"
    result = linkdesk(
        "export", "--output", str(exact), "--since", "2026-11-15T04:30Z", "--until",
        "2026-11-15T04:31Z", data_dir=november, TZ="America/New_York",
    )  # fmt: skip
    assert [row["description"] for row in exported(exact)] == ["Day 15"]


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "yesterday"],
        ["--until", "2026-13-01"],
        ["--since", "2026-11-20", "--until", "2026-11-10"],
    ],
)
def test_export_with_a_bad_date_exits_2(november: Path, args: list[str]):
    out = november / "bad.csv"
    one_line_failure(linkdesk("export", "--output", str(out), *args, data_dir=november), 2)
    assert not out.exists()


def test_export_days_may_be_written_without_dashes(november: Path):
    out = november / "compact.csv"
    result = linkdesk(
        "export", "--output", str(out), "--since", "20261110", "--until", "20261111",
        data_dir=november,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert [row["description"] for row in exported(out)] == ["Day 11", "Day 10"]


def test_the_first_and_last_days_a_date_can_name_are_no_bound(november: Path):
    out = november / "edges.csv"
    result = linkdesk(
        "export", "--output", str(out), "--since", "0001-01-01", "--until", "9999-12-31",
        data_dir=november, TZ="America/New_York",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(exported(out)) == 30


def test_a_limit_larger_than_any_history_lists_it_all(november: Path):
    assert len(listed(november, "--limit", "99999999999999999999")) == 30


def test_export_without_a_file_name_exits_2(november: Path):
    assert "--output" in one_line_failure(linkdesk("export", "--output", " ", data_dir=november), 2)


def test_export_onto_the_history_itself_leaves_it_whole(november: Path):
    failure = one_line_failure(
        linkdesk("export", "--output", str(november / "history.sqlite3"), data_dir=november), 1
    )
    assert "is a database" in failure
    assert len(listed(november, "--limit", "100")) == 30


def test_export_into_a_missing_folder_exits_1(november: Path):
    failure = one_line_failure(
        linkdesk("export", "--output", str(november / "no" / "x.csv"), data_dir=november), 1
    )
    assert "does not exist" in failure


def test_export_without_a_history_writes_the_header(tmp_path: Path):
    out = tmp_path / "empty.csv"
    result = linkdesk("export", "--output", str(out), data_dir=tmp_path / "none")
    assert result.returncode == 0, result.stderr
    assert "Exported 0 links" in result.stdout
    assert f"No links in the history yet ({tmp_path / 'none'}" in result.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbfid,created_at,amount_usd,")
    assert exported(out) == []


def test_help_names_the_history_commands():
    result = linkdesk("--help", data_dir=None)
    assert "links      list the links" in result.stdout
    assert "export     write the history" in result.stdout
    assert "--data-dir DIR" in result.stdout


# a create that got no answer ----------------------------------------------------------


def test_a_create_without_an_answer_is_finished_by_running_the_command_again(
    emulator, tmp_path: Path
):
    key = "sk_test_CliPendingFAKE00000001"
    command = ("create", "--amount", "42", "--description", "Order 17", "--api-base",
               emulator.base_url)  # fmt: skip
    # billing.io makes the link; every answer to it is cut on the way back.
    emulator.add_fault("drop_mid_body", count=4, route="POST /v1/payment-links")
    first = linkdesk(*command, data_dir=tmp_path, BILLING_API_KEY=key)
    line = one_line_failure(first, 4)
    assert line.endswith(
        "Run the same command again: if billing.io made the link, you get that one, not a second."
    )
    assert emulator.links_created(key) == 1
    pending = tmp_path / "pending-create-cli-sandbox.json"
    assert pending.exists()
    assert "sk_" not in pending.read_text(encoding="utf-8")

    again = linkdesk(*command, data_dir=tmp_path, BILLING_API_KEY=key)
    assert again.returncode == 0, again.stderr
    assert emulator.links_created(key) == 1  # the same link, not a second one
    assert [link["url"] for link in listed(tmp_path)] == [again.stdout.strip()]
    assert not pending.exists()

    other = linkdesk(*command[:2], "43", *command[3:], data_dir=tmp_path, BILLING_API_KEY=key)
    assert other.returncode == 0, other.stderr
    assert emulator.links_created(key) == 2  # another request is another link


def test_a_refused_create_leaves_nothing_to_finish(emulator, tmp_path: Path):
    result = linkdesk("create", "--amount", "1", "--method", "pm_unknown", "--api-base",
                      emulator.base_url, data_dir=tmp_path)  # fmt: skip
    one_line_failure(result, 3)
    assert not (tmp_path / "pending-create-cli-sandbox.json").exists()


def test_ctrl_c_while_billing_io_holds_the_request_says_to_run_it_again(emulator, tmp_path: Path):
    key = "sk_test_CliPendingFAKE00000002"
    route = "POST /v1/payment-links"
    emulator.add_fault("hang", route=route, seconds=3)
    before = emulator.request_count(route)
    environ = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
               "BILLING_API_KEY": key, "LINKDESK_DATA_DIR": str(tmp_path)}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "linkdesk", "create", "--amount", "9", "--api-base",
         emulator.base_url],
        env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # Until billing.io (the emulator) holds the request; it answers only after 3 s.
        deadline = time.monotonic() + 30
        while emulator.request_count(route) == before:
            assert process.poll() is None
            assert time.monotonic() < deadline
            threading.Event().wait(0.01)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert stderr.strip() == (
        "linkdesk: Stopped. Run the same command again: if billing.io made the link, you get "
        "that one, not a second."
    )
    assert (tmp_path / "pending-create-cli-sandbox.json").exists()
    again = linkdesk("create", "--amount", "9", "--api-base", emulator.base_url,
                     data_dir=tmp_path, BILLING_API_KEY=key)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert emulator.links_created(key) == 1


def test_without_a_place_to_keep_it_a_create_without_an_answer_promises_nothing(
    emulator, tmp_path: Path
):
    key = "sk_test_CliPendingFAKE00000003"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    emulator.add_fault("drop_mid_body", count=4, route="POST /v1/payment-links")
    result = linkdesk("create", "--amount", "6", "--api-base", emulator.base_url,
                      data_dir=blocker, BILLING_API_KEY=key)  # fmt: skip
    line = one_line_failure(result, 4)
    assert "Run the same command again" not in line


def test_a_link_made_but_not_yet_printed_is_kept_to_finish(emulator, tmp_path, monkeypatch, capsys):
    """Ctrl+C between billing.io's answer and the printed link: the same command again
    prints that link, it does not make a second one."""
    from linkdesk import cli
    from linkdesk.app import parse_arguments

    key = "sk_test_CliPendingFAKE00000004"
    monkeypatch.setenv("BILLING_API_KEY", key)
    monkeypatch.setenv("LINKDESK_DATA_DIR", str(tmp_path))
    arguments = ["create", "--amount", "11", "--api-base", emulator.base_url]
    record = cli._record

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_record", interrupted)
    assert cli.run(parse_arguments(arguments)) == 130
    assert "Run the same command again" in capsys.readouterr().err
    assert emulator.links_created(key) == 1

    monkeypatch.setattr(cli, "_record", record)
    assert cli.run(parse_arguments(arguments)) == 0
    assert capsys.readouterr().out.startswith("https://pay.billing.io/pl_")
    assert emulator.links_created(key) == 1
    assert not (tmp_path / "pending-create-cli-sandbox.json").exists()


@pytest.mark.parametrize(
    "content",
    ['{"format": 1, "payment_method_id": 5}', '{"format": 1, "amount_usd": "1e999999999999"}'],
)
def test_a_damaged_journal_does_not_stop_a_create(emulator, tmp_path: Path, content: str):
    (tmp_path / "pending-create-cli-sandbox.json").write_text(content, encoding="utf-8")
    result = linkdesk("create", "--amount", "8", "--api-base", emulator.base_url,
                      data_dir=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://pay.billing.io/pl_")
    assert not (tmp_path / "pending-create-cli-sandbox.json").exists()
