"""The environment of a linkdesk process a test starts: no screen, no keyring, and a home,
settings and data of its own under the test's folder."""

from __future__ import annotations

import os
from pathlib import Path

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
