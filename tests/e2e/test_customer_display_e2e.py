"""End to end: two screens (one Xvfb screen split in two), the customer display full screen
on the second, and a screenshot of that screen decoded to the link just created."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import zxingcpp

from tests.e2e.drive import CREATED, READY, lines_of, screenshot, wait_for, xdotool
from tests.e2e.monitors import split_in_two
from tests.e2e.xvfb import require, xvfb

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 2560, 800
ON_SCREEN = re.compile(r"customer display on screen (\S+) at (\S+ \S+)")


def test_the_customer_display_fills_the_second_screen_with_a_code_that_scans(tmp_path):
    require("Xvfb", "xdotool", "import")
    with xvfb(WIDTH, HEIGHT) as display:
        left, right = split_in_two(display, WIDTH, HEIGHT)
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
            window = xdotool(display, "search", "--sync", "--onlyvisible", "--name", "^linkdesk")
            window = window.splitlines()[0]
            xdotool(display, "windowfocus", "--sync", window)
            xdotool(display, "type", "--delay", "40", "29.99")
            xdotool(display, "key", "Return")
            url = CREATED.search(wait_for(lines, CREATED, seen)).group(1)

            xdotool(display, "key", "F11")
            placed = ON_SCREEN.search(wait_for(lines, ON_SCREEN, seen))
            # Automatic: the screen without the main window on it, all of it.
            assert placed.group(1) == right, "".join(seen)
            assert placed.group(2) == f"{WIDTH // 2},0 {WIDTH // 2}x{HEIGHT}"

            decoded: set[str] = set()
            for _ in range(20):
                image = screenshot(display)
                second = image.crop((WIDTH // 2, 0, WIDTH, HEIGHT))
                decoded = {b.text for b in zxingcpp.read_barcodes(second)}
                if decoded:
                    break
            image.save(tmp_path / "two-screens.png")
            assert decoded == {url}, f"screenshot in {tmp_path / 'two-screens.png'}"
            # The code is large on the customer's screen: most of its height.
            (barcode,) = zxingcpp.read_barcodes(second)
            top = min(p.y for p in (barcode.position.top_left, barcode.position.top_right))
            bottom = max(p.y for p in (barcode.position.bottom_left, barcode.position.bottom_right))
            assert bottom - top > HEIGHT * 0.45

            # The cashier's keys still reach the main window: F11 closes the display.
            xdotool(display, "key", "F11")
            xdotool(display, "key", "ctrl+q")
            assert app.wait(timeout=15) == 0, "".join(seen)
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(timeout=15)
        assert left == "LEFT"
