"""End to end: the real `linkdesk --demo` on Xvfb, typed into with xdotool, its QR decoded."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.drive import (
    CREATED,
    READY,
    codes_on_screen,
    desktop_environment,
    lines_of,
    type_amount_and_enter,
    wait_for,
    xdotool,
)
from tests.e2e.xvfb import require, xvfb

pytestmark = pytest.mark.e2e


def test_typed_amount_and_enter_show_a_qr_that_decodes_to_the_link(tmp_path):
    require("Xvfb", "xdotool", "import")
    with xvfb() as display:
        env = desktop_environment(tmp_path, display)
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
            type_amount_and_enter(display, "29.99")
            url = CREATED.search(wait_for(lines, CREATED, seen)).group(1)

            decoded, image = codes_on_screen(display)
            image.save(tmp_path / "e2e.png")
            assert decoded == {url}, f"screenshot in {tmp_path / 'e2e.png'}"

            xdotool(display, "key", "ctrl+q")
            assert app.wait(timeout=15) == 0, "".join(seen)
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(timeout=15)
