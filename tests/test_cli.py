"""The command line: real `python -m linkdesk` processes against the emulator over loopback."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from importlib.metadata import version

import httpx
import pytest

from linkdesk import cli
from linkdesk.app import build_parser, parse_arguments
from linkdesk.core.secrets import SecretStore
from linkdesk.emulator import Emulator
from tests.keyring_memory import MemoryKeyring
from tests.scripted_server import Scripted, ScriptedServer

KEY = "sk_test_CliTestsFAKE000000000"


@pytest.fixture(scope="module")
def emulator():
    emu = Emulator(port=0).start()
    yield emu
    emu.stop()


def linkdesk(*args: str, key: str | None = KEY, stdin: str = "", **env: str):
    environ = dict(os.environ)
    environ.pop("BILLING_API_KEY", None)
    environ.pop("LINKDESK_API_BASE", None)
    environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    if key:
        environ["BILLING_API_KEY"] = key
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "linkdesk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def assert_one_line_failure(result, code):
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("linkdesk: ")
    assert "Traceback" not in result.stderr


def test_version_comes_from_package_metadata():
    result = linkdesk("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"linkdesk {version('linkdesk')}"


def test_create_prints_the_url(emulator):
    before = emulator.links_created(KEY)
    result = linkdesk("create", "--amount", "29.99", "--api-base", emulator.base_url)
    assert result.returncode == 0, result.stderr
    url = result.stdout.strip()
    assert url.startswith("https://pay.billing.io/pl_")
    assert "$29.99, TEST" in result.stderr
    assert emulator.links_created(KEY) == before + 1


def test_create_json_with_every_option(emulator):
    methods = json.loads(linkdesk("methods", "--json", "--api-base", emulator.base_url).stdout)
    limited = next(m for m in methods if m["min_amount_usd"] is not None)
    result = linkdesk(
        "create",
        "--amount",
        "12,50",
        "--method",
        limited["id"],
        "--description",
        "Table 4 — ☕ شكرا",
        "--expires-in",
        "900",
        "--json",
        LINKDESK_API_BASE=emulator.base_url,
    )
    assert result.returncode == 0, result.stderr
    link = json.loads(result.stdout)
    assert link["amount_usd"] == "12.50"
    assert link["payment_method_id"] == limited["id"]
    assert link["description"] == "Table 4 — ☕ شكرا"
    assert link["environment"] == "sandbox"
    assert link["expires_at"] is not None


def test_methods_lists_the_default(emulator):
    result = linkdesk("methods", "--api-base", emulator.base_url)
    assert result.returncode == 0, result.stderr
    assert "(default)" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 2


def test_demo_mode_needs_no_key():
    result = linkdesk("--demo", "create", "--amount", "5", key=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("https://pay.billing.io/pl_")


@pytest.mark.parametrize(
    "args",
    [
        ["create", "--amount", "abc"],
        ["create", "--amount", "-5"],
        ["create", "--amount", "1", "--expires-in", "60"],
        ["create", "--amount", "1", "--expires-in", "soon"],
        ["create", "--amount", "1", "--description", "x" * 600],
        ["create", "--amount", "1", "--api-base", "http://example.com/v1"],
        ["key", "set", "sk_test_OnTheCommandLine000000"],
        # "café" typed in a Latin-1 terminal: bytes that are not UTF-8.
        ["create", "--amount", "1", "--description", "caf\udce9"],
        ["create", "--amount", "1", "--method", "pm_\udce9"],
    ],
)
def test_invalid_input_exits_2(emulator, args):
    result = linkdesk(*args, LINKDESK_API_BASE=emulator.base_url)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "Unexpected" not in result.stderr
    assert "sk_test_OnTheCommandLine" not in result.stderr


def test_malformed_key_in_the_environment_exits_2(emulator):
    result = linkdesk("methods", "--api-base", emulator.base_url, key="sk_test_short")
    assert_one_line_failure(result, 2)
    assert "sk_test_short" not in result.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--api-base", "http://127.0.0.1:abc/v1", "methods"], {}),
        (["methods"], {"LINKDESK_API_BASE": "http://[::1/v1"}),
        (["--demo", "--api-base", "http://[::1/v1", "methods"], {}),
    ],
)
def test_an_unusable_api_address_is_one_sentence_and_exit_2(args, env):
    result = linkdesk(*args, **env)
    assert_one_line_failure(result, 2)
    assert "API address" in result.stderr


def test_the_demo_does_not_read_the_api_address_from_the_environment():
    # The demo runs its own emulator: a developer's leftover setting must not stop it.
    result = linkdesk("--demo", "methods", key=None, LINKDESK_API_BASE="http://[::1/v1")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("seconds", ["99999999999999999999", "2592001", "60", "9" * 5000])
def test_a_lifetime_out_of_range_is_refused_before_anything_is_sent(emulator, seconds):
    before = emulator.links_created(KEY)
    result = linkdesk("create", "--amount", "1", "--expires-in", seconds,
                      "--api-base", emulator.base_url)  # fmt: skip
    assert_one_line_failure(result, 2)
    assert "from 300 (5 minutes) to 2592000 (30 days)" in result.stderr
    assert emulator.links_created(KEY) == before


def test_key_billing_io_refuses_exits_5():
    server = ScriptedServer().start()
    refusal = b'{"error":{"type":"authentication_error","code":"api_key_revoked"}}'
    server.script.append(Scripted(401, refusal))
    try:
        result = linkdesk("methods", "--api-base", server.base_url)
    finally:
        server.stop()
    assert_one_line_failure(result, 5)
    assert "revoked" in result.stderr


def test_unreachable_api_exits_4():
    closed = Emulator(port=0).start()
    url = closed.base_url
    closed.stop()
    result = linkdesk("create", "--amount", "1", "--method", "pm_x", "--api-base", url)
    assert_one_line_failure(result, 4)
    assert "Nothing answered" in result.stderr


def test_method_billing_io_refuses_exits_3(emulator):
    result = linkdesk("create", "--amount", "1", "--method", "pm_unknown", "--api-base",
                      emulator.base_url)  # fmt: skip
    assert_one_line_failure(result, 3)
    assert "payment method" in result.stderr


def test_no_key_anywhere_exits_5(emulator):
    result = linkdesk("methods", "--api-base", emulator.base_url, key=None)
    assert_one_line_failure(result, 5)
    assert "linkdesk key set" in result.stderr


def test_key_set_without_a_keyring_says_the_key_was_not_kept_and_fails():
    # The process ends at once: a key held "in memory" would already be gone.
    result = linkdesk("key", "set", key=None, stdin="sk_test_FromStdinFAKE00000000\n")
    assert_one_line_failure(result, 5)
    assert "sk_test_FromStdinFAKE00000000" not in result.stdout + result.stderr
    assert "not saved" in result.stderr
    assert "BILLING_API_KEY" in result.stderr
    assert result.stdout == ""


def test_key_set_into_a_locked_keyring_fails_in_one_sentence(monkeypatch, capsys):
    backend = MemoryKeyring()
    backend.fail_with(operations=["set"])
    monkeypatch.setattr(cli, "_store", lambda: SecretStore(backend=backend))
    stdin = io.StringIO("sk_test_" + "LockedShopFAKE0000000\n")
    assert cli.run(build_parser().parse_args(["key", "set"]), stdin=stdin) == 5
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert "not saved" in err
    assert "unlock the keyring" in err
    assert "LockedShopFAKE" not in err


def test_key_set_rejects_a_malformed_key_without_echoing_it():
    result = linkdesk("key", "set", key=None, stdin="pk_live_NotASecretKeyAtAll0000\n")
    assert_one_line_failure(result, 2)
    assert "pk_live_NotASecretKeyAtAll0000" not in result.stderr


def test_key_commands_with_a_keyring(monkeypatch, capsys):
    store = SecretStore(backend=MemoryKeyring())
    monkeypatch.setattr(cli, "_store", lambda: store)
    parser = build_parser()
    stdin = io.StringIO("  sk_live_" + "LiveShopFAKE00000000\n")
    assert cli.run(parser.parse_args(["key", "set"]), stdin=stdin) == 0
    assert cli.run(parser.parse_args(["key", "status"])) == 0
    out = capsys.readouterr().out
    assert "live: sk_live_…0000" in out
    assert "sandbox: no key" in out
    assert "sk_live_" + "LiveShopFAKE00000000" not in out
    assert cli.run(parser.parse_args(["key", "clear", "--environment", "live"])) == 0
    assert store.active_key() is None


@pytest.mark.parametrize(
    "argv",
    [[], ["--demo", "--smoke"], ["--api-base", "http://127.0.0.1:9/v1", "--verbose"]],
)
def test_the_window_options_parse_alike_with_or_without_the_commands(argv):
    # The window's start builds only the top-level options; the answer must not change.
    lean = parse_arguments(argv)
    assert lean.command is None
    assert vars(lean) == vars(build_parser().parse_args(argv))


def test_commands_help_and_stray_words_get_the_whole_parser(capsys):
    assert parse_arguments(["--demo", "methods", "--json"]).command == "methods"
    with pytest.raises(SystemExit) as stray:
        parse_arguments(["--demo", "fetch"])
    assert stray.value.code == 2
    assert "invalid choice: 'fetch'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as shown:
        parse_arguments(["--help"])
    assert shown.value.code == 0
    assert "COMMAND" in capsys.readouterr().out


def test_unexpected_errors_are_one_line(monkeypatch, capsys):
    def explode(_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_create", lambda args, client: explode(args))
    args = build_parser().parse_args(["--demo", "create", "--amount", "1"])
    assert cli.run(args) == 1
    err = capsys.readouterr().err
    assert err.strip() == "linkdesk: Unexpected problem (RuntimeError); run again with --verbose."


def test_emulator_command_serves_in_the_foreground():
    server = subprocess.Popen(
        [sys.executable, "-m", "linkdesk", "emulator", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("linkdesk emulator listening on http://127.0.0.1:")
        base_url = line.split()[-1]
        assert httpx.get(f"{base_url}/health").json()["status"] == "healthy"
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0
    assert "Traceback" not in server.stderr.read()


@pytest.mark.parametrize("before", [["--verbose"], []])
def test_the_emulator_takes_its_own_options_after_top_level_ones(before):
    server = subprocess.Popen(
        [sys.executable, "-m", "linkdesk", *before, "emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith("linkdesk emulator listening on http://127.0.0.1:"), line
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0
    assert "Traceback" not in server.stderr.read()


@pytest.mark.parametrize(
    "args",
    [
        ["--demo", "emulator"],
        ["--demo", "emulator", "--port", "0"],
        ["--api-base", "http://127.0.0.1:9/v1", "emulator"],
        ["--api", "http://127.0.0.1:9/v1", "emulator"],
        ["--data-dir", "emulator", "emulator"],
    ],
)
def test_options_the_emulator_does_not_take_are_one_sentence(args):
    result = linkdesk(*args)
    assert_one_line_failure(result, 2)
    assert "does not apply to the emulator" in result.stderr
