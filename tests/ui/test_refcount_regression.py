"""PySide6 6.12.0 on CPython < 3.12 aborts after enough calls of a method returning nothing.

Each such call loses a reference to None; after a few thousand the count reaches zero
and the interpreter dies with "Fatal Python error: none_dealloc". pyproject.toml pins
PySide6 below 6.12 on those Pythons; this test fails if a release with the bug slips in.
It runs in a subprocess because the failure kills the process, not just the test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

CALLS = 100_000

SCRIPT = textwrap.dedent(
    f"""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QObject, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication([])
    thing, timer, widget = QObject(), QTimer(), QWidget()
    for i in range({CALLS}):
        thing.setObjectName("x")  # void
        timer.stop()  # void
        widget.update()  # void
    print("survived", {CALLS})
    """
)


def test_many_calls_of_void_methods_do_not_crash_the_interpreter():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"survived {CALLS}" in result.stdout
