"""`linkdesk --smoke`: the real entry point opens the window and says when it is ready."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run_linkdesk(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.pop("LINKDESK_API_BASE", None)
    return subprocess.run(
        [sys.executable, "-m", "linkdesk", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--demo", "--smoke"), id="demo: methods loaded, amount focused"),
        pytest.param(("--smoke",), id="no key: the key dialog is shown"),
    ],
)
def test_smoke_exits_zero_once_ready(tmp_path, args):
    result = run_linkdesk(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert "linkdesk: ready" in result.stderr
    assert "sk_test_" not in result.stderr + result.stdout


def test_a_bad_api_address_is_one_sentence_and_exit_2(tmp_path):
    result = run_linkdesk(tmp_path, "--smoke", "--api-base", "ftp://example.com")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("linkdesk: The API address must")
