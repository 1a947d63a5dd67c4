"""Startup: `linkdesk --demo --smoke` against a bare PySide6 QMainWindow, in turn, same run.

The target figure is the time from spawn to "ready": for linkdesk the line
`linkdesk: ready` that `--smoke` prints once the window is on screen with the focus in
the amount field; for the bare script a line printed after `show()` and one turn of the
event loop. Target: linkdesk's median at most 1.2 times the bare script's.

For information it also prints the whole process time (spawn to exit) of both; from a
third series (`LINKDESK_SMOKE_UNTIL=methods`, so `--smoke` waits for the payment
methods), when the payment methods were loaded; and from a fourth, the bare window with a
plain form in it and no linkdesk code, what a form costs by itself.

    python benchmarks/startup.py [--runs 10] [--platform offscreen|xcb] [--xvfb]

With `--platform xcb --xvfb` the script starts a private Xvfb (on a free display, found
with `-displayfd`) and stops that one process at the end.

Both processes run with their bytecode cached (`PYTHONPYCACHEPREFIX` in a temporary
folder, filled by the warm-up runs), as an installed linkdesk has it, even where
`PYTHONDONTWRITEBYTECODE` is set: compiling linkdesk's sources on every start would
otherwise cost it some 25 ms that no user pays.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The private X server the end-to-end tests use serves the benchmark too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.xvfb import xvfb

BARE = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(900, 620)
window.show()

def ready():
    print("bare: ready", flush=True)
    app.quit()

QTimer.singleShot(0, ready)
sys.exit(app.exec())
"""

# For information: the same bare window with a plain form in it (four fields, a button,
# a label, five menus), no linkdesk code. What any window with text fields costs over
# an empty one: the font database, the widgets, the first paint of text.
PLAIN_FORM = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication, QComboBox, QFormLayout, QLabel, QLineEdit, QMainWindow, QPushButton, QWidget
)
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(900, 620)
form = QWidget()
rows = QFormLayout(form)
amount = QLineEdit()
rows.addRow("Amount (USD)", amount)
method = QComboBox()
method.addItem("USDT on Tron")
rows.addRow("Payment method", method)
rows.addRow("Description", QLineEdit())
lifetime = QComboBox()
lifetime.addItems(["5 minutes", "15 minutes", "1 hour"])
rows.addRow("Lifetime", lifetime)
rows.addRow(QPushButton("Create link"))
rows.addRow(QLabel("The payment link and its QR code appear here."))
window.setCentralWidget(form)
for title in ("File", "Edit", "Link", "View", "Help"):
    window.menuBar().addMenu(title)
window.statusBar()
window.show()
amount.setFocus()

def ready():
    print("form: ready", flush=True)
    app.quit()

QTimer.singleShot(0, ready)
sys.exit(app.exec())
"""

READY = b"ready"
METHODS = b"payment methods loaded"


def timed(command: list[str], env: dict[str, str], marks: dict[str, bytes]) -> dict[str, float]:
    """Seconds from spawn to the first output line holding each mark, and to the exit."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    seen: dict[str, float] = {}
    output: list[bytes] = []
    for line in process.stdout:
        now = time.perf_counter() - started
        output.append(line)
        for name, mark in marks.items():
            if name not in seen and mark in line:
                seen[name] = now
    code = process.wait()
    seen["exit"] = time.perf_counter() - started
    if code != 0 or "ready" not in seen:
        text = b"".join(output).decode(errors="replace")
        sys.exit(f"{' '.join(command)} exited {code} (ready line seen: {'ready' in seen}):\n{text}")
    return seen


def median_ms(runs: list[dict[str, float]], name: str) -> float:
    return statistics.median(run[name] for run in runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    parser.add_argument("--xvfb", action="store_true", help="start a private Xvfb for xcb")
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        home = stack.enter_context(tempfile.TemporaryDirectory())
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": args.platform,
            "HOME": home,
            "XDG_CONFIG_HOME": home,
            "XDG_DATA_HOME": home,
            "XDG_CACHE_HOME": home,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        env.pop("LINKDESK_SMOKE_UNTIL", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = os.path.join(home, "pycache")
        if args.xvfb:
            env["DISPLAY"] = stack.enter_context(xvfb())
        # The `linkdesk` command the issue names (the console script beside this Python);
        # `python -m linkdesk` where there is none, as in a source tree never installed.
        command = Path(sys.executable).with_name("linkdesk")
        launcher = [str(command)] if command.exists() else [sys.executable, "-m", "linkdesk"]
        ours = [*launcher, "--demo", "--smoke"]
        bare = [sys.executable, "-c", BARE]
        methods = [*ours, "--verbose"]
        methods_env = {**env, "LINKDESK_SMOKE_UNTIL": "methods"}
        plain_form = [sys.executable, "-c", PLAIN_FORM]
        series = [
            (ours, env, {"ready": READY}),
            (bare, env, {"ready": READY}),
            (methods, methods_env, {"ready": READY, "methods": METHODS}),
            (plain_form, env, {"ready": READY}),
        ]
        for command, environment, marks in series:  # one warm-up each: the file cache
            timed(command, environment, marks)
        results: list[list[dict[str, float]]] = [[] for _ in series]
        for _ in range(args.runs):
            for runs, (command, environment, marks) in zip(results, series, strict=True):
                runs.append(timed(command, environment, marks))

    linkdesk_runs, bare_runs, methods_runs, form_runs = results
    ours_ready, bare_ready = median_ms(linkdesk_runs, "ready"), median_ms(bare_runs, "ready")
    ours_exit, bare_exit = median_ms(linkdesk_runs, "exit"), median_ms(bare_runs, "exit")
    ratio = ours_ready / bare_ready
    print(f"startup, platform {args.platform}: {args.runs} runs each, alternating, medians")
    print(f"  linkdesk started as: {' '.join(ours)}")
    print(f"  spawn to ready:  linkdesk --demo --smoke {ours_ready:4.0f} ms")
    print(f"                   bare QMainWindow        {bare_ready:4.0f} ms")
    verdict = "met" if ratio <= 1.2 else "NOT met"
    print(f"TARGET  ready ratio linkdesk / bare: {ratio:.2f} (target <= 1.20: {verdict})")
    print("for information:")
    print(
        f"  spawn to exit:   linkdesk {ours_exit:.0f} ms, bare {bare_exit:.0f} ms, "
        f"ratio {ours_exit / bare_exit:.2f}"
    )
    if all("methods" in run for run in methods_runs):
        print(
            "  spawn to payment methods loaded (LINKDESK_SMOKE_UNTIL=methods, --verbose): "
            f"{median_ms(methods_runs, 'methods'):.0f} ms "
            f"(ready at {median_ms(methods_runs, 'ready'):.0f} ms in those runs)"
        )
    else:
        print("  payment methods loaded: no 'payment methods loaded' line in some runs")
    form_ready = median_ms(form_runs, "ready")
    print(
        f"  spawn to ready:  a plain PySide6 form, no linkdesk code {form_ready:.0f} ms, "
        f"ratio {form_ready / bare_ready:.2f} to the bare window"
    )


if __name__ == "__main__":
    main()
