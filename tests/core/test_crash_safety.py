"""A process recording links is killed with SIGKILL at random moments: the file stays sound
and every link it reported as saved is there."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linkdesk.core.history import HistoryFilter, LinkHistory

KILLS = 24

WRITER = r"""
import os, sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from linkdesk.core.history import HistoryFilter, LinkHistory
from linkdesk.core.links import Environment, PaymentLink

history = LinkHistory(Path(sys.argv[1]))
print("ready", flush=True)
now = datetime.now(UTC)
n = 0
while True:
    n += 1
    link_id = "pl_" + os.urandom(12).hex()
    link = PaymentLink(
        id=link_id,
        url="https://pay.billing.io/" + link_id,
        amount_usd=Decimal(n % 5000 + 1).scaleb(-2),
        payment_method_id="pm_default",
        description="Crash test ☕ " + "x" * (n % 300),
        expires_at=now + timedelta(minutes=15),
        created_at=now - timedelta(seconds=n),
    )
    history.record(link, environment=Environment.SANDBOX, method_name="USDT on Tron")
    print(link_id, flush=True)  # reported as saved: record() has returned
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_moments_loses_nothing_reported(tmp_path: Path):
    path = tmp_path / "history.sqlite3"
    rng = random.Random(20261124)
    reported: set[str] = set()
    root = Path(__file__).parents[2]
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
        )
        assert writer.stdout is not None
        assert writer.stdout.readline() == "ready\n", writer.stderr.read() if writer.stderr else ""
        # The moment of the kill is the point of the test, so it is drawn, not awaited.
        time.sleep(rng.uniform(0.0, 0.12))
        os.kill(writer.pid, signal.SIGKILL)
        output, _ = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL
        # A line cut off by the kill was not reported.
        lines = output.split("\n")[:-1]
        reported.update(lines)

        db = sqlite3.connect(path)
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            db.execute("INSERT INTO links_fts (links_fts) VALUES ('integrity-check')")
            stored = {row[0] for row in db.execute("SELECT id FROM links")}
        finally:
            db.close()
        missing = reported - stored
        assert not missing, f"{len(missing)} links reported as saved are gone"

    assert len(reported) > KILLS  # the kills did land while links were being written
    with LinkHistory(path) as history:
        assert history.known(reported) == reported


FIRST_OPENS = 12


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_while_the_history_is_first_made_leaves_a_file_that_opens(tmp_path: Path):
    """Killed from its start on: before, during or after the schema and the search index
    are made. The next start must find either no history or a whole one."""
    rng = random.Random(20261125)
    root = Path(__file__).parents[2]
    made = 0
    for n in range(FIRST_OPENS):
        path = tmp_path / f"history-{n}.sqlite3"
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=root,
        )
        # Python starts in some 50 ms here and the file is made soon after: the draw
        # covers the interpreter's start, the first open and the first links.
        time.sleep(rng.uniform(0.02, 0.6))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        made += path.exists()
        with LinkHistory(path) as history:  # prepares what the killed start did not
            assert history.search_index
            history.count(HistoryFilter(), datetime.now(UTC))
        db = sqlite3.connect(path)
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            db.execute("INSERT INTO links_fts (links_fts) VALUES ('integrity-check')")
        finally:
            db.close()
    assert made >= 3  # kills did come once the file was being made
