"""`linkdesk --smoke`: the real entry point opens the window and says when it is ready."""

from __future__ import annotations

import re
import time

import pytest

from tests.app_env import run_linkdesk

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
