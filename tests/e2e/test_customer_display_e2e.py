"""End to end: two screens (one Xvfb screen split in two), the customer display full screen
on the second, and a screenshot of that screen decoded to the link just created."""

from __future__ import annotations

import re

import pytest
import zxingcpp

from tests.e2e.drive import (
    CREATED,
    DEMO_COMMAND,
    READY,
    codes_on_screen,
    desktop_environment,
    running,
    type_amount_and_enter,
    wait_for,
    xdotool,
)
from tests.e2e.monitors import split_in_two
from tests.e2e.xvfb import require, xvfb

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 2560, 800
ON_SCREEN = re.compile(r"customer display on screen (\S+) at (\S+ \S+)")


def test_the_customer_display_fills_the_second_screen_with_a_code_that_scans(tmp_path):
    require("Xvfb", "xdotool", "import")
    with xvfb(WIDTH, HEIGHT) as display:
        left, right = split_in_two(display, WIDTH, HEIGHT)
        env = desktop_environment(tmp_path, display)
        with running(DEMO_COMMAND, env) as (app, lines, seen):
            wait_for(lines, READY, seen)
            type_amount_and_enter(display, "29.99", "^linkdesk")
            url = CREATED.search(wait_for(lines, CREATED, seen)).group(1)

            xdotool(display, "key", "F11")
            placed = ON_SCREEN.search(wait_for(lines, ON_SCREEN, seen))
            # Automatic: the screen without the main window on it, all of it.
            assert placed.group(1) == right, "".join(seen)
            assert placed.group(2) == f"{WIDTH // 2},0 {WIDTH // 2}x{HEIGHT}"

            decoded, image = codes_on_screen(display, (WIDTH // 2, 0, WIDTH, HEIGHT))
            second = image.crop((WIDTH // 2, 0, WIDTH, HEIGHT))
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
        assert left == "LEFT"
