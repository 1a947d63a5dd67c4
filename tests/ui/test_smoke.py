"""`linkdesk --smoke`: the real entry point opens the window and says when it is ready."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time

import pytest

from tests.app_env import ROOT, app_env, run_linkdesk

# Slow to load, and not needed to show the window: none of them may be imported before
# it is ready for input (they load on the worker threads afterwards).
HEAVY = ("httpx", "httpcore", "linkdesk.core.billing", "linkdesk.emulator", "linkdesk.demo")
HEAVY += ("keyring", "linkdesk.core.secrets", "qrcode", "PIL", "linkdesk.core.qr")
HEAVY += ("linkdesk.ui.about", "linkdesk.ui.history_controller", "linkdesk.core.history")
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|( *)(\S+)$")
READY = "linkdesk: ready"


def imported_before_ready(stderr: str) -> set[str]:
    """Every module `-X importtime` reported before the ready line (on any thread)."""
    before, ready, _after = stderr.partition(READY)
    assert ready, stderr
    return {match[2] for match in map(IMPORT_LINE.match, before.splitlines()) if match}


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)}


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--demo", "--smoke"), id="demo"),
        pytest.param(("--smoke",), id="no key: the keyring is asked after ready"),
    ],
)
def test_smoke_exits_zero_once_ready_and_promptly(tmp_path, args):
    started = time.monotonic()
    result = run_linkdesk(tmp_path, *args)
    # Generous for a loaded CI machine; a start that needs it is a bug worth seeing.
    assert time.monotonic() - started < 15, result.stderr
    assert result.returncode == 0, result.stderr
    assert READY in result.stderr
    assert "sk_test_" not in result.stderr + result.stdout


def test_smoke_until_methods_proves_the_api_path(tmp_path):
    result = run_linkdesk(tmp_path, "--demo", "--smoke", LINKDESK_SMOKE_UNTIL="methods")
    assert result.returncode == 0, result.stderr
    assert result.stderr.index(READY) < result.stderr.index("linkdesk: payment methods loaded")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--demo", "--smoke"), id="demo"),
        pytest.param(("--smoke",), id="no key"),
    ],
)
def test_nothing_heavy_is_imported_before_the_window_is_ready(tmp_path, args):
    result = run_linkdesk(tmp_path, *args, python=("-X", "importtime"))
    assert result.returncode == 0, result.stderr
    modules = imported_before_ready(result.stderr)
    # The parse is real: the window's own modules are seen...
    assert {"PySide6.QtWidgets", "linkdesk.ui.main_window"} <= modules
    assert heavy(modules) == set()


def test_the_heavy_modules_load_after_ready_when_the_api_is_used(tmp_path):
    # ...and so would the heavy ones be, had they been imported before ready.
    result = run_linkdesk(
        tmp_path, "--demo", "--smoke", python=("-X", "importtime"), LINKDESK_SMOKE_UNTIL="methods"
    )
    assert result.returncode == 0, result.stderr
    _before, _ready, after = result.stderr.partition(READY)
    later = {match[2] for match in map(IMPORT_LINE.match, after.splitlines()) if match}
    assert {"httpx", "linkdesk.core.billing", "linkdesk.emulator"} <= later


def test_a_bad_api_address_is_one_sentence_and_exit_2(tmp_path):
    result = run_linkdesk(tmp_path, "--smoke", "--api-base", "ftp://example.com")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("linkdesk: The API address must")


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param(("--smoke",), {"LINKDESK_API_BASE": "http://[::1/v1"}, id="brackets"),
        pytest.param(("--smoke", "--api-base", "http://127.0.0.1:abc/v1"), {}, id="port"),
        pytest.param(("--demo", "--smoke", "--api-base", "http://[::1/v1"), {}, id="demo"),
    ],
)
def test_an_unusable_api_address_is_one_sentence_not_a_traceback(tmp_path, args, env):
    result = run_linkdesk(tmp_path, *args, **env)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().startswith("linkdesk: The ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_the_demo_window_does_not_read_the_api_address_from_the_environment(tmp_path):
    result = run_linkdesk(tmp_path, "--demo", "--smoke", LINKDESK_API_BASE="http://[::1/v1")
    assert result.returncode == 0, result.stderr
    assert READY in result.stderr


def wait_for_line(process: subprocess.Popen[str], text: str, timeout: float) -> str:
    """Standard error up to and including the first line containing `text`."""
    assert process.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(deadline - time.monotonic()):
                break
            line = process.stderr.readline()
            if not line:
                break
            seen.append(line)
            if text in line:
                return "".join(seen)
    process.kill()
    process.wait(10)
    pytest.fail(f"never said {text!r}:\n{''.join(seen)}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT cannot be sent to one process")
def test_ctrl_c_in_the_terminal_closes_the_window_like_ctrl_q(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "linkdesk", "--demo", "--verbose", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=app_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        before = wait_for_line(process, "ready for input", timeout=20)
        # The versions are logged last after ready; then the loop sits idle, waiting for
        # events, and the signal must wake it.
        before += wait_for_line(process, "(PySide6 ", timeout=20)
        os.kill(process.pid, signal.SIGINT)
        _out, after = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    assert process.returncode == 0, after
    assert "Traceback" not in before + after
    assert "KeyboardInterrupt" not in before + after


# Ctrl+C while the window is being built, the moment PySide's start used to swallow it
# (or turn it into a SystemError): the window comes up, closes, and the process ends.
INTERRUPTED_WHILE_BUILDING = """
import os, signal, sys
from linkdesk.app import main
from linkdesk.ui.main_window import MainWindow

build = MainWindow.__init__

def interrupted(self, *args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    build(self, *args, **kwargs)

MainWindow.__init__ = interrupted
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT cannot be sent to one process")
def test_ctrl_c_while_the_window_is_being_built_closes_it_once_it_can(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_WHILE_BUILDING, "--demo", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
