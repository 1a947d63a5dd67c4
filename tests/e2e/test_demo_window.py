"""End to end: the real `linkdesk --demo` on Xvfb, typed into with xdotool, its QR decoded."""

from __future__ import annotations

import signal

import pytest

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
from tests.e2e.xvfb import require, xvfb

pytestmark = pytest.mark.e2e


def test_typed_amount_and_enter_show_a_qr_that_decodes_to_the_link(tmp_path):
    require("Xvfb", "xdotool", "import")
    with xvfb() as display:
        env = desktop_environment(tmp_path, display)
        with running(DEMO_COMMAND, env) as (app, lines, seen):
            wait_for(lines, READY, seen)
            type_amount_and_enter(display, "29.99")
            url = CREATED.search(wait_for(lines, CREATED, seen)).group(1)

            decoded, image = codes_on_screen(display)
            image.save(tmp_path / "e2e.png")
            assert decoded == {url}, f"screenshot in {tmp_path / 'e2e.png'}"

            xdotool(display, "key", "ctrl+q")
            assert app.wait(timeout=15) == 0, "".join(seen)


def test_ctrl_e_in_the_amount_field_opens_the_export(tmp_path):
    """On X11 a text field claims Ctrl+E (end of line); the window keeps it for Export."""
    require("Xvfb", "xdotool")
    with xvfb() as display:
        env = desktop_environment(tmp_path, display)
        with running(DEMO_COMMAND, env) as (app, lines, seen):
            wait_for(lines, READY, seen)
            wait_for(lines, "recent links open", seen)
            window = xdotool(display, "search", "--sync", "--onlyvisible", "--name", "^linkdesk")
            xdotool(display, "windowfocus", "--sync", window.splitlines()[0])
            xdotool(display, "type", "--delay", "40", "12")
            xdotool(display, "key", "ctrl+e")
            # Waits until the dialog is on screen (30 s at most, then the test fails).
            xdotool(display, "search", "--sync", "--onlyvisible", "--name", "^Export links$")
            # Ctrl+C closes the window, dialog and all: keys meant for the dialog can land
            # in the main window on an X server without a window manager.
            app.send_signal(signal.SIGINT)
            assert app.wait(timeout=15) == 0, "".join(seen)
