"""One linkdesk per user: a second start fronts the first window and exits 0.

In-process tests drive `SingleInstance` with the asking side on a Python thread (the
listening side needs the GUI thread's event loop to answer); the last test starts two
real `python -m linkdesk --demo` processes on a socket of its own.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from linkdesk.core.paths import default_data_dir
from linkdesk.ui.single_instance import (
    ACTIVATE,
    ANSWER,
    INSTANCE_ENV,
    SingleInstance,
    bring_to_front,
    instance_name,
)
from tests.app_env import app_env
from tests.e2e.drive import lines_of, wait_for

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support raise\(\)")

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def name(tmp_path) -> str:
    # A path of its own, so no test meets another's linkdesk (or the developer's).
    return str(tmp_path / "instance")


@pytest.fixture
def first(qtbot, name):
    instance = SingleInstance(name)
    assert instance.claim() is True
    yield instance
    instance.close()


def ask_from_a_thread(path: str) -> tuple[threading.Thread, list[bytes]]:
    """Ask the way a second start does, from a thread (the listening side answers on the
    GUI thread's event loop); the answer lands in the list.

    A plain socket plays the second start: Qt's QLocalSocket waits for its answer in vain
    on a second thread of the process that listens (it is fine between two processes,
    as the last test shows).
    """
    answers: list[bytes] = []

    def ask() -> None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(5)
            client.connect(path)
            client.sendall(json.dumps({"action": ACTIVATE}).encode() + b"\n")
            answers.append(client.recv(16))

    thread = threading.Thread(target=ask, name="second-start")
    thread.start()
    return thread, answers


def test_names_are_per_user_and_demo_apart(tmp_path):
    assert instance_name(demo=False, environ={}) == f"linkdesk-{os.getuid()}"
    assert instance_name(demo=True, environ={}) == f"linkdesk-{os.getuid()}-demo"
    runtime = {"XDG_RUNTIME_DIR": str(tmp_path)}
    assert instance_name(demo=False, environ=runtime) == str(tmp_path / f"linkdesk-{os.getuid()}")
    # A runtime folder that does not exist is not used.
    missing = {"XDG_RUNTIME_DIR": str(tmp_path / "gone")}
    assert instance_name(demo=False, environ=missing) == f"linkdesk-{os.getuid()}"
    assert instance_name(demo=False, environ={INSTANCE_ENV: "mine"}) == "mine"
    assert instance_name(demo=True, environ={INSTANCE_ENV: "mine"}) == "mine-demo"


def test_another_data_folder_is_another_instance(tmp_path):
    default = instance_name(demo=False, environ={})
    one = instance_name(demo=False, data_dir=str(tmp_path / "one"), environ={})
    other = instance_name(demo=False, environ={"LINKDESK_DATA_DIR": str(tmp_path / "other")})
    assert len({default, one, other}) == 3
    assert one.startswith(default + "-")
    assert one == instance_name(demo=False, data_dir=str(tmp_path / "one"), environ={})


def test_the_usual_data_folder_named_on_purpose_is_the_usual_instance(tmp_path):
    """`linkdesk --data-dir <the usual folder>` beside `linkdesk`: one window, one history
    (two would overwrite each other's pending create)."""
    environ = {"XDG_DATA_HOME": str(tmp_path / "share")}
    usual = str(default_data_dir(environ))
    assert instance_name(demo=False, data_dir=usual, environ=environ) == instance_name(
        demo=False, environ=environ
    )
    assert instance_name(demo=False, data_dir=usual + "/", environ=environ) == instance_name(
        demo=False, environ=environ
    )
    link = tmp_path / "shortcut"
    os.makedirs(usual)
    link.symlink_to(usual)
    assert instance_name(demo=False, data_dir=str(link), environ=environ) == instance_name(
        demo=False, environ=environ
    )


def test_the_first_start_listens_and_a_second_asks_it_to_come_forward(qtbot, first, name):
    with qtbot.waitSignal(first.activation_requested, timeout=5000):
        thread, answers = ask_from_a_thread(name)
    thread.join(timeout=5)
    assert answers == [ANSWER]


def test_the_socket_is_the_users_alone(first):
    assert os.stat(first.server.fullServerName()).st_mode & 0o077 == 0


def test_nobody_listening_means_no_answer(qtbot, name):
    assert SingleInstance(name).ask_running_instance(timeout_ms=200) is False


def test_a_stale_socket_from_a_crashed_linkdesk_is_replaced(qtbot, name):
    # A socket file nobody listens on: what a linkdesk killed with SIGKILL leaves behind.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(name)
    stale.close()
    assert Path(name).exists()

    instance = SingleInstance(name)
    try:
        assert instance.claim() is True
        assert instance.server.isListening()
        with qtbot.waitSignal(instance.activation_requested, timeout=5000):
            thread, answers = ask_from_a_thread(name)
        thread.join(timeout=5)
        assert answers == [ANSWER]
    finally:
        instance.close()


def test_a_garbled_request_is_ignored(qtbot, first, name):
    received = []
    first.activation_requested.connect(lambda: received.append(True))
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.connect(first.server.fullServerName())
    client.sendall(b"please open\n")
    # The server hangs up on it; seeing the end of the stream means it has decided.
    client.settimeout(5)
    answered = []
    reader = threading.Thread(target=lambda: answered.append(client.recv(16)))
    reader.start()
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    reader.join()
    client.close()
    assert answered == [b""]
    assert received == []


def test_bring_to_front_restores_a_minimised_window(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    window.setWindowState(Qt.WindowState.WindowMinimized)
    assert window.isMinimized()
    bring_to_front(window)
    assert not window.isMinimized()
    assert window.isVisible()


# Two real processes -----------------------------------------------------------------------


def test_a_second_process_fronts_the_first_and_exits_0(tmp_path):
    env = app_env(
        tmp_path,
        LINKDESK_LOG_DIR=str(tmp_path / "logs"),
        **{INSTANCE_ENV: str(tmp_path / "instance")},
    )
    command = [sys.executable, "-m", "linkdesk", "--demo", "--verbose"]
    first = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: list[str] = []
    try:
        lines = lines_of(first.stderr)
        wait_for(lines, "ready for input", seen)

        second = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert second.returncode == 0, second.stderr
        assert "already open" in second.stderr
        assert "ready for input" not in second.stderr  # it never opened a window
        wait_for(lines, "asked for this window; bringing it to the front", seen)
        log_file = tmp_path / "logs" / "linkdesk.log"
        assert "asked for this window" in log_file.read_text(encoding="utf-8")

        # A smoke run tests the program it started, running linkdesk or not.
        smoke = subprocess.run(
            [*command, "--smoke"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert smoke.returncode == 0, smoke.stderr
        assert "linkdesk: ready" in smoke.stderr
        assert first.poll() is None, "".join(seen)
    finally:
        first.terminate()
        first.wait(timeout=15)
