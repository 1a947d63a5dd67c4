"""A history on a read-only disk (a backup on a stick, a folder mounted read-only) can be
read: SQLite cannot make the files a shared reader needs there, so the file is read as it
stands, by the window's readers and by `linkdesk links` and `linkdesk export`. Tested on a
real read-only bind mount in a mount namespace of the test's own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from linkdesk.core.history import LinkHistory
from linkdesk.core.links import Environment, PaymentLink

ROOT = Path(__file__).parents[2]

READER = r"""
import sys
from datetime import UTC, datetime
from pathlib import Path

from linkdesk.core.history import HistoryError, HistoryFilter, LinkHistory

path = Path(sys.argv[1])
try:
    LinkHistory(path, read_only=True)
except HistoryError:
    print("plain reader refused")
with LinkHistory.open_reader(path) as history:
    print(history.count(HistoryFilter(), datetime.now(UTC)))
"""


def read_only_mount_available() -> None:
    """Fail in CI, skip on a developer's machine, without a way to mount read-only."""
    problem = None
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        problem = "needs unshare and mount (Debian package util-linux)"
    else:
        probe = subprocess.run(
            ["unshare", "-m", "true"], capture_output=True, text=True, check=False
        )
        if probe.returncode != 0:
            problem = f"cannot make a mount namespace here: {probe.stderr.strip()}"
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(problem)
    pytest.skip(problem)


def test_a_history_on_a_read_only_disk_is_read_as_it_stands(tmp_path: Path):
    read_only_mount_available()
    source, mounted = tmp_path / "backup", tmp_path / "stick"
    mounted.mkdir()
    now = datetime.now(UTC).replace(microsecond=0)
    with LinkHistory(source / "history.sqlite3") as history:
        for n in range(3):
            link_id = f"pl_{n:024x}"
            history.record(
                PaymentLink(
                    id=link_id,
                    url=f"https://pay.billing.io/{link_id}",
                    amount_usd=Decimal("4.50"),
                    payment_method_id="pm_default",
                    created_at=now - timedelta(minutes=n),
                ),
                environment=Environment.LIVE,
                method_name="USDT on Tron",
            )
    assert sorted(p.name for p in source.iterdir()) == ["history.sqlite3"]  # closed whole

    cli = f"{sys.executable} -m linkdesk --data-dir {mounted}"
    script = (
        f"mount --bind {source} {mounted} && mount -o remount,bind,ro {mounted} && "
        f"{sys.executable} -c '{READER}' {mounted / 'history.sqlite3'} && "
        f"{cli} links && {cli} export --output {tmp_path / 'links.csv'}"
    )
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:2] == ["plain reader refused", "3"]
    # linkdesk links and linkdesk export read it too.
    assert [line.endswith(f"pl_{n:024x}") for n, line in enumerate(lines[2:5])] == [True] * 3
    assert lines[5] == f"Exported 3 links to {tmp_path / 'links.csv'}."
    assert sorted(p.name for p in source.iterdir()) == ["history.sqlite3"]  # nothing written
