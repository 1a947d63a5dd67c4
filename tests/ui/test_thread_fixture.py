"""The project-wide fixture in tests/conftest.py fails a test that leaves a QThread running."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parents[2]

LEAKY = textwrap.dedent(
    """
    from PySide6.QtCore import QThread

    kept = []

    def test_leaves_a_thread_running(qapp):
        thread = QThread()
        thread.setObjectName("forgotten")
        thread.start()
        kept.append(thread)

    def test_stops_its_thread(qapp):
        thread = QThread()
        thread.start()
        thread.quit()
        thread.wait()
    """
)


def test_a_thread_left_running_fails_the_test(tmp_path):
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            os.devnull,
            str(tmp_path / "test_leaky.py"),
        ],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "the test left QThread(s) running: forgotten" in output
    assert "2 passed, 1 error" in output  # the error is the leaky one's teardown
