"""Where linkdesk keeps its files: the same folder Qt's QStandardPaths.AppDataLocation names.

The history must be found by the window and by the command line alike, and the command
line never loads Qt; so the folder is computed here, by the rules Qt follows for the
organization "linkdesk" and the application "linkdesk" (tests/ui/test_paths.py compares
the two). `--data-dir` wins over `LINKDESK_DATA_DIR`, which wins over that default.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ORGANIZATION = "linkdesk"
APPLICATION = "linkdesk"
DATA_DIR_ENV = "LINKDESK_DATA_DIR"
HISTORY_FILE = "history.sqlite3"
DEMO_FOLDER = "demo"


def default_data_dir(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    """The per-user application data folder, as Qt's AppDataLocation would name it."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if platform.startswith("win"):
        appdata = environ.get("APPDATA", "")
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
    elif platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        # The XDG base directory specification: a relative value is to be ignored.
        xdg = environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
    return base / ORGANIZATION / APPLICATION


def resolve_data_dir(explicit: str | None, environ: Mapping[str, str] | None = None) -> Path:
    """--data-dir wins over LINKDESK_DATA_DIR, which wins over the platform's default."""
    environ = os.environ if environ is None else environ
    chosen = explicit or environ.get(DATA_DIR_ENV, "")
    if chosen:
        return Path(chosen).expanduser()
    return default_data_dir(environ)


def history_path(data_dir: Path) -> Path:
    """The history database inside a data folder."""
    return data_dir / HISTORY_FILE


def demo_history_path(history: Path) -> Path:
    """Where the demo keeps its links, beside the real history and apart from it: they
    come from an emulator on this computer, exist nowhere else and belong in no export."""
    return history.parent / DEMO_FOLDER / history.name
