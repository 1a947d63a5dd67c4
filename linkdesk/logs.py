"""linkdesk's log file: where it lives on each platform, rotation, and no secret in it.

The window writes what it does to ``linkdesk.log`` in the platform's folder for logs,
so that when something goes wrong there is a record to send (Help › Open log folder):

- Linux: ``$XDG_STATE_HOME/linkdesk/log`` (``~/.local/state/linkdesk/log``): the XDG
  base directory specification names the state folder for logs;
- macOS: ``~/Library/Logs/linkdesk``, where Console.app looks;
- Windows: ``%LOCALAPPDATA%\\linkdesk\\Logs``: logs are per computer, so not Roaming.

``LINKDESK_LOG_DIR`` overrides the folder (tests use it). The path is computed here, in
plain Python, because the command line never loads Qt; Qt's QStandardPaths has no log
location to agree with anyway.

The file holds INFO and above (DEBUG with ``--verbose``) from linkdesk's loggers and
WARNING and above from the libraries, in at most 1 MB × 5 files. Every record passes a
`RedactingFilter` on the way to the file *and* to standard error: its message, its
arguments, its traceback and any ``extra`` field lose anything shaped like a secret key
or an Authorization header before a handler formats it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from linkdesk.core.errors import RedactingFilter

LOG_DIR_ENV = "LINKDESK_LOG_DIR"
LOG_FILE = "linkdesk.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
STDERR_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Set on the handlers made here, so a second setup replaces them instead of doubling them.
_OURS = "_linkdesk_handler"


def log_dir(
    environ: Mapping[str, str] | None = None,
    platform: str | None = None,
    home: Path | None = None,
) -> Path:
    """The folder of the log file (not created here)."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    override = environ.get(LOG_DIR_ENV, "")
    if override:
        return Path(override).expanduser()
    if platform.startswith("win"):
        local = environ.get("LOCALAPPDATA", "")
        base = Path(local) if local else home / "AppData" / "Local"
        return base / "linkdesk" / "Logs"
    if platform == "darwin":
        return home / "Library" / "Logs" / "linkdesk"
    # The XDG base directory specification: a relative value is to be ignored.
    state = environ.get("XDG_STATE_HOME", "")
    base = Path(state) if state and os.path.isabs(state) else home / ".local" / "state"
    return base / "linkdesk" / "log"


def log_file(environ: Mapping[str, str] | None = None) -> Path:
    return log_dir(environ) / LOG_FILE


def setup_logging(
    *,
    verbose: bool = False,
    to_file: bool = True,
    open_file_later: bool = False,
    stream: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
) -> Path | None:
    """Send linkdesk's records to standard error and (to_file) to the rotating log file.

    Standard error gets WARNING and above, everything with `verbose`; the file gets INFO
    and above, DEBUG with `verbose`. Calling it again replaces what an earlier call set
    up. Returns the log file's path, or None without a file (not asked for, or its
    folder cannot be made: linkdesk then runs without one and says so on stderr).

    With `open_file_later` the records are kept in memory until `open_log_file()`: the
    window calls it once it is on screen, since loading the rotating handler costs some
    10 ms of start-up (logging.handlers brings socket, pickle and queue along).
    """
    global _pending
    package = logging.getLogger("linkdesk")
    root = logging.getLogger()
    for logger in (package, root):
        for handler in [h for h in logger.handlers if getattr(h, _OURS, False)]:
            logger.removeHandler(handler)
            handler.close()
    _pending = None

    console = logging.StreamHandler(stream if stream is not None else sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console.setFormatter(logging.Formatter(STDERR_FORMAT))
    _adopt(console)
    package.addHandler(console)
    package.setLevel(logging.DEBUG if verbose else logging.INFO)

    if not to_file:
        return None
    path = log_file(environ)
    level = logging.DEBUG if verbose else logging.INFO
    if open_file_later:
        _pending = _Pending(path, level)
        _adopt(_pending)
        root.addHandler(_pending)
        return path
    return _open(path, level)


def open_log_file() -> Path | None:
    """Open the file `setup_logging(open_file_later=True)` put off, writing what was
    logged meanwhile; the file's path (None if there is none). Safe to repeat."""
    global _pending
    pending, _pending = _pending, None
    if pending is None:
        return None
    root = logging.getLogger()
    root.removeHandler(pending)
    path = _open(pending.path, pending.level)
    handler = next((h for h in root.handlers if getattr(h, _OURS, False)), None)
    if path is not None and handler is not None:
        for record in pending.records:
            handler.handle(record)
    return path


def _open(path: Path, level: int) -> Path | None:
    import logging.handlers

    package = logging.getLogger("linkdesk")
    try:
        # Private to the user: the log names amounts, descriptions and link addresses.
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
    except OSError as error:
        package.warning("no log file: %s cannot be written (%s)", path.parent, error.strerror)
        return None
    handler.setLevel(level)
    handler.setFormatter(FileFormatter(FORMAT))
    _adopt(handler)
    # On the root logger, so the libraries' warnings (root stays at WARNING) are kept too;
    # linkdesk's own records reach it by propagation.
    logging.getLogger().addHandler(handler)
    return path


class _Pending(logging.Handler):
    """Keeps records (already scrubbed) until the log file opens; a bounded number."""

    LIMIT = 10_000

    def __init__(self, path: Path, level: int) -> None:
        super().__init__(level)
        self.path = path
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) < self.LIMIT:
            self.records.append(record)


_pending: _Pending | None = None


class FileFormatter(logging.Formatter):
    """The standard format, plus any `extra` fields as ``name=value`` at the end."""

    _standard = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        # Before the traceback, which format() appends after this.
        text = super().formatMessage(record)
        extras = {k: v for k, v in vars(record).items() if k not in self._standard}
        if extras:
            text += " " + " ".join(f"{name}={value}" for name, value in extras.items())
        return text


def _adopt(handler: logging.Handler) -> None:
    # On the handler, not on a logger: a logger's filters do not see the records that
    # propagate to it from its children.
    handler.addFilter(RedactingFilter())
    setattr(handler, _OURS, True)
