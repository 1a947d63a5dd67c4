"""End to end: the real `linkdesk --demo` on Xvfb, typed into with xdotool, its QR decoded."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import zxingcpp

from tests.e2e.drive import CREATED, READY, lines_of, screenshot, wait_for, xdotool
from tests.e2e.xvfb import require, xvfb

pytestmark = pytest.mark.e2e


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
