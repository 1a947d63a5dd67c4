"""A linkdesk process a test starts: no screen, no keyring, and a home, settings and data
of its own under the test's folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Set by a developer's shell, they would change what the process does.
INHERITED_NOT = ("LINKDESK_API_BASE", "LINKDESK_SMOKE_UNTIL")


def app_env(folder: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(folder),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_DATA_HOME": str(folder / "data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    for name in INHERITED_NOT:
        env.pop(name, None)
    env.update(extra)
    return env


def run_linkdesk(
    folder: Path, *args: str, python: tuple[str, ...] = (), **extra: str
) -> subprocess.CompletedProcess[str]:
    """`python [python...] -m linkdesk args` from the source tree, to its end."""
    return subprocess.run(
        [sys.executable, *python, "-m", "linkdesk", *args],
        cwd=ROOT,
        env=app_env(folder, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
