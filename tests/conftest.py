"""Project-wide test setup: Qt without a screen, and no test may leave a QThread running."""

from __future__ import annotations

import contextlib
import os
import tempfile

# Before anything imports Qt: widgets render off screen, so tests need no display.
# The Xvfb tests in tests/e2e set their own platform in the subprocesses they start.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from hypothesis import settings

# Property tests check what is true, not how fast: a per-example deadline would fail them
# on a machine busy with other work. Speed belongs in benchmarks/.
settings.register_profile("linkdesk", deadline=None)
settings.load_profile("linkdesk")

# No test, nor any process a test starts, may touch the developer's own history, log
# folder or settings: they all default to one throw-away folder for the run.
_SCRATCH = tempfile.mkdtemp(prefix="linkdesk-tests-")
for _name, _folder in (
    ("LINKDESK_DATA_DIR", "data"),
    ("LINKDESK_LOG_DIR", "log"),
    ("XDG_CONFIG_HOME", "config"),
    ("XDG_STATE_HOME", "state"),
):
    os.environ[_name] = os.path.join(_SCRATCH, _folder)

try:
    from PySide6.QtCore import QThread
except ImportError:  # the core and emulator tests run without Qt installed
    QThread = None


# The offscreen platform says this whenever a top-level window's size limits change;
# it is a fact about the platform plugin, not a problem in linkdesk.
_OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        # Without pytest-qt (core tests on a machine without Qt) the option is unknown.
        with contextlib.suppress(ValueError):
            config.addinivalue_line("qt_log_ignore", _OFFSCREEN_NOISE)


@pytest.fixture(autouse=True)
def no_qthread_left_running(monkeypatch: pytest.MonkeyPatch):
    """Fail a test that starts a QThread and leaves it running when the test ends.

    Every `QThread.start` during the test is recorded; after the test (and after
    pytest-qt has closed the widgets it was given) each of those threads must have
    stopped. A thread left running would outlive its window and crash the process later.
    """
    if QThread is None:
        yield
        return
    started: list[QThread] = []
    original_start = QThread.start

    def recording_start(self: QThread, *args: object) -> None:
        started.append(self)
        original_start(self, *args)

    monkeypatch.setattr(QThread, "start", recording_start)
    yield
    monkeypatch.undo()
    running = []
    for thread in started:
        try:
            if thread.isRunning():
                running.append(thread.objectName() or type(thread).__name__)
        except RuntimeError:  # the C++ object is gone, so is its thread
            continue
    if running:
        for thread in started:
            try:
                thread.quit()
                thread.wait(5000)
            except RuntimeError:
                continue
        pytest.fail(f"the test left QThread(s) running: {', '.join(running)}", pytrace=False)
