"""SecretStore against a real Secret Service: a private D-Bus and gnome-keyring in a temp dir.

The test starts its own session bus (``dbus-daemon --session --fork``) and its own
``gnome-keyring-daemon --foreground --unlock --components=secrets``, which reads the
login password from stdin and creates an unlocked ``login`` collection with it. HOME and
the XDG directories point into the temp dir, so the keyring of whoever runs the tests is
never touched. The keyring calls run in child processes that inherit the private
``DBUS_SESSION_BUS_ADDRESS`` from their environment, exactly as linkdesk would; the second
child plays linkdesk after a restart.

Debian's session bus can start gnome-keyring on demand (D-Bus activation), which would
create a second, locked daemon this test did not start. The child therefore waits until
the daemon started here owns ``org.freedesktop.secrets`` before any keyring call, and the
test checks that the owner's pid is that daemon's.

Without dbus-daemon or gnome-keyring-daemon the test skips locally and fails in CI.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.secret_service

REPO = Path(__file__).resolve().parents[2]
FAKE_KEY = "sk_test_SecretServiceRoundTrip0123456789"
LOGIN_PASSWORD = b"linkdesk-test-login"
CHILD_TIMEOUT = 10.0

CHILD = r"""
import json, os, sys, time

from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection
from keyring.backends import SecretService

from linkdesk.core.links import Environment
from linkdesk.core.secrets import SecretStore

key = os.environ["LINKDESK_TEST_KEY"]
report = {}

# Wait for the daemon the test started; asking the Secret Service anything earlier would
# let D-Bus activation start another one.
with open_dbus_connection(bus="SESSION") as bus:
    deadline = time.monotonic() + 5
    while not bus.send_and_get_reply(message_bus.NameHasOwner("org.freedesktop.secrets")).body[0]:
        if time.monotonic() > deadline:
            sys.exit("org.freedesktop.secrets never appeared on the private bus")
        time.sleep(0.02)
    pid = message_bus.GetConnectionUnixProcessID("org.freedesktop.secrets")
    report["owner_pid"] = bus.send_and_get_reply(pid).body[0]

store = SecretStore(backend=SecretService.Keyring())
report["problem"] = store.problem
report["persistent"] = store.persistent

if sys.argv[1] == "save":
    report["saved"] = store.save(key + "\n").value
    report["read_back"] = store.get(Environment.SANDBOX) == key
    report["live"] = store.get(Environment.LIVE)
else:
    report["active"] = getattr(store.active_environment(), "value", None)
    report["active_key_matches"] = store.active_key() == key
    report["status"] = [[e.value, masked] for e, masked in store.status()]
    store.clear(Environment.SANDBOX)
    report["after_clear"] = store.get(Environment.SANDBOX)
    report["after_restart"] = SecretStore(backend=SecretService.Keyring()).get(
        Environment.SANDBOX
    )
    store.clear(Environment.SANDBOX)  # a second clear finds nothing and is fine
    report["problem_after"] = store.problem

print(json.dumps(report))
"""


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        reason = f"{tool} is not installed (Debian packages dbus-daemon and gnome-keyring)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI must run the Secret Service test, but {reason}")
        pytest.skip(reason)
    return path


def _private_environment(root: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        # Anything that could lead the children to the real session, a real display
        # (for an unlock prompt) or a forced keyring backend stays out.
        if name
        not in {
            "DBUS_SESSION_BUS_ADDRESS",
            "GNOME_KEYRING_CONTROL",
            "SSH_AUTH_SOCK",
            "DISPLAY",
            "WAYLAND_DISPLAY",
            "PYTHON_KEYRING_BACKEND",
            "PYTHONPATH",
        }
        and not name.startswith("KEYRING_PROPERTY_")
    }
    for name, folder in {
        "HOME": "home",
        "XDG_DATA_HOME": "data",
        "XDG_CONFIG_HOME": "config",
        "XDG_RUNTIME_DIR": "run",
        "XDG_CACHE_HOME": "cache",
    }.items():
        path = root / folder
        path.mkdir(mode=0o700)
        env[name] = str(path)
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.fixture
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A private session bus with an unlocked gnome-keyring; yields env and pids."""
    dbus_daemon = _require("dbus-daemon")
    keyring_daemon = _require("gnome-keyring-daemon")
    root = tmp_path_factory.mktemp("ss")
    env = _private_environment(root)
    bus_socket = root / "run" / "bus"
    assert len(str(bus_socket)) < 100, f"socket path too long for AF_UNIX: {bus_socket}"

    started = subprocess.run(
        [
            dbus_daemon,
            "--session",
            "--fork",
            "--print-address=1",
            "--print-pid=1",
            f"--address=unix:path={bus_socket}",
        ],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=True,
    )
    lines = started.stdout.split()
    address = next(line for line in lines if line.startswith("unix:"))
    bus_pid = int(next(line for line in lines if line.isdigit()))
    env["DBUS_SESSION_BUS_ADDRESS"] = address

    log_path = root / "gnome-keyring.log"
    keyring: subprocess.Popen[bytes] | None = None
    try:
        with log_path.open("wb") as log:
            # --foreground keeps the daemon our child, so its pid is known and it can be
            # stopped by that pid; --unlock reads the login password from stdin up to EOF.
            keyring = subprocess.Popen(
                [keyring_daemon, "--foreground", "--unlock", "--components=secrets"],
                env=env,
                cwd=root,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        assert keyring.stdin is not None
        keyring.stdin.write(LOGIN_PASSWORD)
        keyring.stdin.close()
        yield {"env": env, "root": root, "keyring_pid": keyring.pid, "log": log_path}
    finally:
        if keyring is not None:
            keyring.terminate()
            try:
                keyring.wait(timeout=5)
            except subprocess.TimeoutExpired:
                keyring.kill()
                keyring.wait(timeout=5)
        # dbus-daemon forked away from us, so only its printed pid can stop it.
        with contextlib.suppress(ProcessLookupError):
            os.kill(bus_pid, signal.SIGTERM)


def _run_child(service: dict[str, Any], mode: str) -> dict[str, Any]:
    env = dict(service["env"], LINKDESK_TEST_KEY=FAKE_KEY)
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode],
        env=env,
        cwd=service["root"],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    daemon_log = service["log"].read_text(errors="replace")
    assert result.returncode == 0, (
        f"child ({mode}) failed:\n{result.stderr}\n--- gnome-keyring-daemon ---\n{daemon_log}"
    )
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["owner_pid"] == service["keyring_pid"], "a daemon the test did not start"
    return report


@pytest.mark.timeout(30)
def test_round_trip_through_gnome_keyring(secret_service: dict[str, Any]) -> None:
    saved = _run_child(secret_service, "save")
    assert saved["problem"] is None
    assert saved["persistent"] is True
    assert saved["saved"] == "sandbox"
    assert saved["read_back"] is True
    assert saved["live"] is None

    # A new process is linkdesk after a restart: the key comes back from gnome-keyring.
    later = _run_child(secret_service, "check")
    assert later["problem"] is None
    assert later["active"] == "sandbox"
    assert later["active_key_matches"] is True
    assert later["status"] == [["sandbox", "sk_test_…6789"], ["live", None]]
    assert later["after_clear"] is None
    assert later["after_restart"] is None
    assert later["problem_after"] is None

    # gnome-keyring encrypts its file with the login password: no plaintext copy anywhere.
    keyrings = Path(secret_service["env"]["XDG_DATA_HOME"]) / "keyrings"
    assert (keyrings / "login.keyring").is_file()
    for path in Path(secret_service["root"]).rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), path
