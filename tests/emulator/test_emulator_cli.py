"""The emulator's command line: a real process that listens, answers, and stops cleanly."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import linkdesk
from linkdesk.emulator import Fault, RateLimit
from linkdesk.emulator.cli import FaultSpec, main

REPO = Path(linkdesk.__file__).resolve().parents[1]
KEY = "sk_test_0123456789abcdefFAKE"


class Running:
    """A `python -m linkdesk.emulator` child process and the address it printed."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "linkdesk.emulator", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.first_line = self._first_line(timeout=15)
        match = re.fullmatch(
            r"linkdesk emulator listening on (http://127\.0\.0\.1:(\d+)/v1)", self.first_line
        )
        assert match, self.first_line
        self.base_url = match.group(1)
        assert int(match.group(2)) > 0

    def _first_line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.process.kill()
                pytest.fail("the emulator printed nothing")
        return self.process.stdout.readline().rstrip("\n")

    def stop(self, signum: int) -> tuple[int, str]:
        """Send `signum` to the child by its pid; its exit code and stderr."""
        self.process.send_signal(signum)
        _, stderr = self.process.communicate(timeout=10)
        return self.process.returncode, stderr


@pytest.fixture
def run() -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(*args: str) -> Running:
        running = Running(*args)
        started.append(running)
        return running

    yield start
    for running in started:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(10)


def test_serves_until_ctrl_c_then_exits_cleanly(run):
    emulator = run()
    with httpx.Client(base_url=emulator.base_url) as client:
        assert client.get("/health").json() == {"status": "healthy", "version": "1.0.0"}
        methods = client.get("/payment-methods", headers={"Authorization": f"Bearer {KEY}"})
        assert len(methods.json()["data"]) == 3
    code, stderr = emulator.stop(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr


def test_sigterm_also_exits_cleanly(run):
    emulator = run()
    code, stderr = emulator.stop(signal.SIGTERM)
    assert code == 0
    assert "Traceback" not in stderr


def test_faults_and_rate_limit_from_the_command_line(run):
    emulator = run(
        "--fault",
        "503:2:GET /v1/health",
        "--fault",
        "502_html",
        "--rate-limit",
        "2/0.001",
    )
    with httpx.Client(base_url=emulator.base_url) as client:
        assert [client.get("/health").status_code for _ in range(3)] == [503, 503, 502]
        assert client.get("/health").status_code == 200
        auth = {"Authorization": f"Bearer {KEY}"}
        statuses = [client.get("/payment-links", headers=auth).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    assert emulator.stop(signal.SIGINT)[0] == 0


def test_request_log_never_shows_the_key(run):
    emulator = run("--log-requests")
    with httpx.Client(base_url=emulator.base_url) as client:
        client.get("/payment-links", headers={"Authorization": f"Bearer {KEY}"})
    code, stderr = emulator.stop(signal.SIGINT)
    assert code == 0
    assert "GET /v1/payment-links" in stderr
    assert "0123456789abcdefFAKE" not in stderr


def test_a_busy_port_is_exit_code_1(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--fault", "teapot"],
        ["--fault", "500:zero"],
        ["--fault", "500:0"],
        ["--fault", "500:1:nonsense"],
        ["--rate-limit", "10"],
        ["--rate-limit", "0/1"],
        ["--port", "eighty"],
        ["--port", "99999"],
        ["--port", "65536"],
        ["--port", "-1"],
        ["--rate-limit", "abc"],
        ["--rate-limit", "10/abc"],
    ],
)
def test_bad_arguments_are_usage_errors(capsys, argv):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err
    # One sentence after the usage, said once.
    error = err.strip().splitlines()[-1]
    assert error.startswith("linkdesk emulator: error: argument ")
    assert error.count("expected") <= 1
    assert "Traceback" not in err


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_one_sentence_from_the_real_command(port):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [sys.executable, "-m", "linkdesk.emulator", "--port", port],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith("or 0 for a free one")


def test_a_host_no_socket_can_take_is_one_sentence(capsys):
    assert main(["--host", "\udcff", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "is not an address to listen on" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hang", FaultSpec(Fault.HANG, 1, None)),
        ("500:3", FaultSpec(Fault.INTERNAL_ERROR, 3, None)),
        (
            "incomplete_201:1:POST /v1/payment-links",
            FaultSpec(Fault.INCOMPLETE_201, 1, "POST /v1/payment-links"),
        ),
        ("drop_mid_body::/v1/health", FaultSpec(Fault.DROP_MID_BODY, 1, "/v1/health")),
    ],
)
def test_fault_spec(text, expected):
    assert FaultSpec.parse(text) == expected


def test_rate_limit_spec():
    assert RateLimit.parse("10/2.5") == RateLimit(10, 2.5)
