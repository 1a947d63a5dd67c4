"""Startup: `linkdesk --demo --smoke` against a bare PySide6 QMainWindow, in turn, same run.

Each run is a fresh process timed from spawn to exit; the bare script shows an empty
QMainWindow, lets the event loop paint it once, and exits. Prints both medians and their
ratio (target: at most 1.2).

    python benchmarks/startup.py [--runs 10] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(900, 620)
window.show()
QTimer.singleShot(0, app.quit)
sys.exit(app.exec())
"""


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": args.platform,
            "XDG_CONFIG_HOME": home,
            "XDG_DATA_HOME": home,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        ours = [sys.executable, "-m", "linkdesk", "--demo", "--smoke"]
        bare = [sys.executable, "-c", BARE]
        timed(ours, env)  # warm the file cache for both before measuring
        timed(bare, env)
        linkdesk_times, bare_times = [], []
        for _ in range(args.runs):
            linkdesk_times.append(timed(ours, env))
            bare_times.append(timed(bare, env))

    ours_ms = statistics.median(linkdesk_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    print(f"runs: {args.runs} each, platform {args.platform}")
    print(f"median: linkdesk --demo --smoke {ours_ms:.0f} ms, bare QMainWindow {bare_ms:.0f} ms")
    print(f"ratio: {ours_ms / bare_ms:.2f} (target <= 1.20)")


if __name__ == "__main__":
    main()
