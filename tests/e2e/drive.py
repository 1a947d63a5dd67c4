"""Driving a real linkdesk process: its log lines read with a deadline, keys typed with
xdotool, and screenshots of the X screen."""

from __future__ import annotations

import io
import os
import queue
import re
import subprocess
import threading

from PIL import Image

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
