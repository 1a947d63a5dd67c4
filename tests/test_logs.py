"""The log file: its folder on each platform, rotation, --verbose, and never a key in it."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from linkdesk import logs
from linkdesk.core.errors import RedactingFilter, redact
from tests.app_env import ROOT
from tests.app_env import run_linkdesk as run_process

KEY = "sk_live_" + "LogFileNeverSeesThis0123456789"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.payload.signature"


@pytest.fixture
def clean_logging():
    """Whatever a test sets up on the loggers is undone (and its files closed) after it."""
    loggers = [logging.getLogger(), logging.getLogger("linkdesk")]
    saved = [(logger, list(logger.handlers), logger.level) for logger in loggers]
    yield
    for logger, handlers, level in saved:
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.fixture
def log_folder(tmp_path, monkeypatch, clean_logging) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(folder))
    return folder


def flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


# Where -----------------------------------------------------------------------------------


def test_linux_uses_the_xdg_state_folder(tmp_path):
    home = tmp_path / "home"
    assert logs.log_dir({}, "linux", home) == home / ".local/state/linkdesk/log"
    state = tmp_path / "state"
    environ = {"XDG_STATE_HOME": str(state)}
    assert logs.log_dir(environ, "linux", home) == state / "linkdesk/log"
    # The XDG specification says a relative value is to be ignored.
    assert (
        logs.log_dir({"XDG_STATE_HOME": "rel"}, "linux", home) == home / ".local/state/linkdesk/log"
    )


def test_macos_uses_library_logs(tmp_path):
    assert logs.log_dir({}, "darwin", tmp_path) == tmp_path / "Library/Logs/linkdesk"


def test_windows_uses_local_app_data(tmp_path):
    local = tmp_path / "Local"
    environ = {"LOCALAPPDATA": str(local)}
    assert logs.log_dir(environ, "win32", tmp_path) == local / "linkdesk" / "Logs"
    assert logs.log_dir({}, "win32", tmp_path) == tmp_path / "AppData/Local/linkdesk/Logs"


def test_the_environment_variable_overrides_every_platform(tmp_path):
    environ = {logs.LOG_DIR_ENV: str(tmp_path / "mine"), "XDG_STATE_HOME": "/elsewhere"}
    for platform in ("linux", "darwin", "win32"):
        assert logs.log_dir(environ, platform, tmp_path) == tmp_path / "mine"


def test_logs_module_imports_without_qt():
    probe = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in {'PySide6', 'shiboken6'}:\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import linkdesk.logs, linkdesk.app\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# What goes in ----------------------------------------------------------------------------


def test_file_is_made_in_a_private_folder_and_holds_info(log_folder):
    path = logs.setup_logging(stream=open(os.devnull, "w"))  # noqa: SIM115 - closed by the fixture
    assert path == log_folder / "linkdesk.log"
    logging.getLogger("linkdesk.test").info("a link was made")
    logging.getLogger("linkdesk.test").debug("detail nobody asked for")
    flush()
    text = path.read_text(encoding="utf-8")
    assert "INFO linkdesk.test [MainThread] a link was made" in text
    assert "detail nobody asked for" not in text
    assert (log_folder.stat().st_mode & 0o777) == 0o700


def test_verbose_adds_debug_to_the_file_and_to_stderr(log_folder, tmp_path):
    stream_path = tmp_path / "stderr.txt"
    with stream_path.open("w") as stream:
        path = logs.setup_logging(verbose=True, stream=stream)
        logging.getLogger("linkdesk.test").debug("every detail")
        flush()
        stream.flush()
        assert "every detail" in path.read_text(encoding="utf-8")
        assert "every detail" in stream_path.read_text()


def test_stderr_gets_warnings_only_without_verbose(log_folder, tmp_path):
    stream_path = tmp_path / "stderr.txt"
    with stream_path.open("w") as stream:
        logs.setup_logging(stream=stream)
        logging.getLogger("linkdesk.test").info("quiet")
        logging.getLogger("linkdesk.test").warning("loud")
        stream.flush()
    text = stream_path.read_text()
    assert "loud" in text
    assert "quiet" not in text


def test_libraries_warnings_reach_the_file_but_not_their_chatter(log_folder):
    path = logs.setup_logging(stream=open(os.devnull, "w"))  # noqa: SIM115 - closed by the fixture
    logging.getLogger("somelibrary").warning("library trouble")
    logging.getLogger("somelibrary").info("library chatter")
    flush()
    text = path.read_text(encoding="utf-8")
    assert "library trouble" in text
    assert "library chatter" not in text


def test_setting_up_twice_does_not_write_twice(log_folder):
    logs.setup_logging(stream=open(os.devnull, "w"))  # noqa: SIM115 - closed by the fixture
    path = logs.setup_logging(stream=open(os.devnull, "w"))  # noqa: SIM115 - closed by the fixture
    logging.getLogger("linkdesk.test").info("once")
    flush()
    assert path.read_text(encoding="utf-8").count("once") == 1


def test_the_file_rotates_at_one_megabyte_keeping_five(log_folder):
    path = logs.setup_logging(stream=open(os.devnull, "w"))  # noqa: SIM115 - closed by the fixture
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "_linkdesk_handler", 0))
    assert (handler.maxBytes, handler.backupCount) == (1_000_000, 5)
    line = "x" * 1000
    for _ in range(1100):
        logging.getLogger("linkdesk.test").info(line)
    flush()
    assert (log_folder / "linkdesk.log.1").is_file()
    assert path.stat().st_size < 1_000_000


def test_the_file_can_open_later_and_keeps_what_was_logged_before(log_folder):
    path = logs.setup_logging(open_file_later=True, stream=open(os.devnull, "w"))  # noqa: SIM115
    logging.getLogger("linkdesk.test").info(f"before the window, with {KEY}")
    logging.getLogger("linkdesk.test").debug("not at this level")
    assert not log_folder.exists()  # nothing touched the disk yet
    assert logs.open_log_file() == path
    assert logs.open_log_file() is None  # once
    logging.getLogger("linkdesk.test").info("after")
    flush()
    text = path.read_text(encoding="utf-8")
    assert text.index("before the window, with sk_…(hidden)") < text.index("after")
    assert KEY not in text
    assert "not at this level" not in text


def test_a_folder_that_cannot_be_made_means_no_file_and_a_warning(
    tmp_path, monkeypatch, clean_logging
):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(logs.LOG_DIR_ENV, str(blocker / "logs"))
    stream_path = tmp_path / "stderr.txt"
    with stream_path.open("w") as stream:
        assert logs.setup_logging(stream=stream) is None
    assert "no log file" in stream_path.read_text()


# Never a key -----------------------------------------------------------------------------


def test_a_key_logged_in_every_way_never_reaches_the_file(log_folder):
    path = logs.setup_logging(stream=open(os.devnull, "w"))  # noqa: SIM115 - closed by the fixture
    logger = logging.getLogger("linkdesk.test")
    logger.info(f"in the message {KEY}")
    logger.info("in the arguments %s and %r", KEY, {"key": KEY})
    logger.info("headers %s", {"Authorization": f"Bearer {TOKEN}"})
    logger.warning("a raw header line: Authorization: Basic dXNlcjpwYXNzd29yZA==")
    logger.info("with extra", extra={"api_key": KEY, "headers": {"authorization": TOKEN}})
    logger.info("with the stack", stack_info=True, extra={"note": f"Bearer {TOKEN}"})
    try:
        try:
            raise ValueError(f"the cause holds {KEY}")
        except ValueError as cause:
            raise RuntimeError(f"the exception holds Bearer {TOKEN}") from cause
    except RuntimeError:
        logger.exception("failed with %s", KEY)
    logging.getLogger("httpx").warning("a library echoing %s", KEY)
    flush()
    text = path.read_text(encoding="utf-8")
    assert KEY not in text
    assert TOKEN not in text
    assert "dXNlcjpwYXNzd29yZA" not in text
    # ...and it is all there, scrubbed, not dropped.
    assert text.count("sk_…(hidden)") >= 6
    assert "Bearer …(hidden)" in text
    assert "Traceback (most recent call last)" in text
    assert "api_key=sk_…(hidden)" in text


def test_arguments_that_do_not_fit_the_message_are_dropped_not_raised():
    record = logging.makeLogRecord({"msg": "bad arguments %s %s", "args": (KEY,)})
    assert RedactingFilter().filter(record)
    assert KEY not in record.getMessage()
    assert "the log arguments did not fit" in record.getMessage()


def test_the_filter_leaves_harmless_extras_as_objects():
    record = logging.makeLogRecord({"msg": "x", "count": 3, "secret": KEY})
    RedactingFilter().filter(record)
    assert record.count == 3
    assert record.secret == "sk_…(hidden)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Bearer {KEY}", "Bearer sk_…(hidden)"),
        (f"Authorization: Bearer {TOKEN}", "Authorization: Bearer …(hidden)"),
        ("{'authorization': 'Basic Zm9vOmJhcg=='}", "{'authorization': '…(hidden)'}"),
        ("[(b'Authorization', b'Bearer abc')]", "[(b'Authorization', b'Bearer …(hidden)')]"),
        ("Proxy-Authorization: Basic Zm9v", "Proxy-Authorization: …(hidden)"),
        (f"bearer {TOKEN}, next", "bearer …(hidden), next"),
        ("Authorization failed; open Keys", "Authorization failed; open Keys"),
    ],
)
def test_redact_hides_bearer_tokens_and_authorization_values(text, expected):
    assert redact(text) == expected
    assert redact(expected) == expected  # scrubbing twice changes nothing


# The real program -------------------------------------------------------------------------


def run_linkdesk(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    """linkdesk with its log folder and single-instance name under the test's folder."""
    logs_and_instance = {
        logs.LOG_DIR_ENV: str(tmp_path / "logs"),
        "LINKDESK_INSTANCE_NAME": str(tmp_path / "instance"),
    }
    return run_process(tmp_path, *args, **{**logs_and_instance, **extra})


def test_the_window_writes_the_log_file_and_verbose_makes_it_detailed(tmp_path):
    result = run_linkdesk(tmp_path, "--demo", "--smoke")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "logs" / "linkdesk.log").read_text(encoding="utf-8")
    assert "INFO linkdesk.ui.main_window [MainThread] ready for input" in text
    assert " DEBUG " not in text

    # Loading the payment methods logs each request at DEBUG.
    result = run_linkdesk(
        tmp_path, "--demo", "--smoke", "--verbose", LINKDESK_SMOKE_UNTIL="methods"
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "logs" / "linkdesk.log").read_text(encoding="utf-8")
    assert " DEBUG linkdesk.core.billing " in text


def test_command_line_commands_write_no_log_file(tmp_path):
    result = run_linkdesk(tmp_path, "--demo", "methods")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "logs").exists()
