"""Driving a real linkdesk process: its log lines read with a deadline, keys typed with
xdotool, and screenshots of the X screen."""

from __future__ import annotations

import io
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

# linkdesk in demo mode, logging what the tests wait for.
DEMO_COMMAND = [sys.executable, "-m", "linkdesk", "--demo", "--verbose"]
READY = "ready for input"
CREATED = re.compile(r"created payment link (https://\S+)")


def lines_of(stream) -> queue.Queue[str]:
    """Read a process's output on a thread so the test can wait with a deadline."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    return lines


def wait_for(lines: queue.Queue[str], pattern: str | re.Pattern[str], seen: list[str]) -> str:
    while True:
        line = lines.get(timeout=30)
        seen.append(line)
        if line == "":
            raise AssertionError("linkdesk exited early:\n" + "".join(seen))
        if re.search(pattern, line):
            return line


def xdotool(display: str, *args: str) -> str:
    result = subprocess.run(
        ["xdotool", *args],
        env={**os.environ, "DISPLAY": display},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return result.stdout.strip()


def screenshot(display: str) -> Image.Image:
    png = subprocess.run(
        ["import", "-display", display, "-window", "root", "png:-"],
        capture_output=True,
        timeout=30,
        check=True,
    ).stdout
    return Image.open(io.BytesIO(png))


def desktop_environment(home: Path, display: str) -> dict[str, str]:
    """A user of our own on the X display: own home, no keyring, no key in the environment."""
    env = {
        **os.environ,
        "DISPLAY": display,
        "QT_QPA_PLATFORM": "xcb",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    env.pop("BILLING_API_KEY", None)
    return env


def type_amount_and_enter(display: str, amount: str, window_name: str = "linkdesk") -> None:
    """What the cashier does: focus linkdesk's window, type the amount, press Enter."""
    window = xdotool(display, "search", "--sync", "--onlyvisible", "--name", window_name)
    xdotool(display, "windowfocus", "--sync", window.splitlines()[0])
    xdotool(display, "type", "--delay", "40", amount)
    xdotool(display, "key", "Return")


def codes_on_screen(
    display: str, box: tuple[int, int, int, int] | None = None
) -> tuple[set[str], Image.Image]:
    """The QR codes a screenshot (or the `box` of it) shows, and the screenshot.

    The log line comes as a link is shown and the paint may follow a frame later, so a
    few screenshots are allowed before giving up."""
    import zxingcpp

    decoded: set[str] = set()
    for _ in range(20):
        image = screenshot(display)
        region = image.crop(box) if box else image
        decoded = {code.text for code in zxingcpp.read_barcodes(region)}
        if decoded:
            break
    return decoded, image


@contextmanager
def running(
    command: list[str], env: dict[str, str], cwd: Path | None = None
) -> Iterator[tuple[subprocess.Popen[str], queue.Queue[str], list[str]]]:
    """Start linkdesk with its log on a pipe; yield the process, its lines and those seen.

    The process is ended (by its own pid) if the test leaves it running."""
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process, lines_of(process.stderr), []
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=15)
