"""End to end: the real `linkdesk --demo` on Xvfb, typed into with xdotool, its QR decoded."""

from __future__ import annotations

import io
import os
import queue
import re
import subprocess
import sys
import threading

import pytest
import zxingcpp
from PIL import Image

from tests.e2e.xvfb import require, xvfb

pytestmark = pytest.mark.e2e

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


def test_typed_amount_and_enter_show_a_qr_that_decodes_to_the_link(tmp_path):
    require("Xvfb", "xdotool", "import")
    with xvfb() as display:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "HOME": str(tmp_path),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        env.pop("BILLING_API_KEY", None)
        app = subprocess.Popen(
            [sys.executable, "-m", "linkdesk", "--demo", "--verbose"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen: list[str] = []
        try:
            lines = lines_of(app.stderr)
            wait_for(lines, READY, seen)
            window = xdotool(display, "search", "--sync", "--onlyvisible", "--name", "linkdesk")
            window = window.splitlines()[0]
            xdotool(display, "windowfocus", "--sync", window)
            xdotool(display, "type", "--delay", "40", "29.99")
            xdotool(display, "key", "Return")
            url = CREATED.search(wait_for(lines, CREATED, seen)).group(1)

            # The log line comes as the link is shown; the paint may follow a frame later,
            # so a few screenshots are allowed before the QR must decode.
            decoded: set[str] = set()
            for _ in range(20):
                image = screenshot(display)
                decoded = {barcode.text for barcode in zxingcpp.read_barcodes(image)}
                if decoded:
                    break
            image.save(tmp_path / "e2e.png")
            assert decoded == {url}, f"screenshot in {tmp_path / 'e2e.png'}"

            xdotool(display, "key", "ctrl+q")
            assert app.wait(timeout=15) == 0, "".join(seen)
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(timeout=15)
