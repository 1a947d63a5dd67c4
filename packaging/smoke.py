"""Smoke test of a built app folder: `python packaging/smoke.py [--build] [dist/linkdesk]`.

Runs the bundle the way a user would, without a screen (Qt's offscreen platform) and
without touching the user's settings, logs or keyring (a temp HOME):

1. `linkdesk --version` names the version the package metadata gives;
2. `linkdesk --demo --smoke` opens the window until it is ready for input;
3. the same with LINKDESK_SMOKE_UNTIL=methods: the emulator runs and the API path works;
4. `linkdesk --demo create --amount 1` makes a link from the command line.

It works on every platform (on Windows it runs linkdesk-cli.exe, which has a console;
on macOS the program inside linkdesk.app), so it is the first check of a Windows or
macOS build. The keyring round trip through a private Secret Service and the QR code
read off a real X server are Linux-only and live in tests/packaging/test_bundle.py
(`pytest -m bundle`), which also calls these functions.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT / "dist" / "linkdesk"
TIMEOUT = 90


def program(folder: Path) -> Path:
    """The command-line program inside an app folder."""
    if sys.platform == "win32":
        return folder / "linkdesk-cli.exe"
    if folder.suffix == ".app":
        return folder / "Contents" / "MacOS" / "linkdesk"
    return folder / "linkdesk"


def private_environment(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment minus anything that leads to the user's own files or keys."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"BILLING_API_KEY", "LINKDESK_API_BASE", "LINKDESK_SMOKE_UNTIL"}
    }
    env.update(
        {
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "USERPROFILE": str(home),
            "APPDATA": str(home / "AppData" / "Roaming"),
            "LOCALAPPDATA": str(home / "AppData" / "Local"),
            "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"),
            "XDG_STATE_HOME": str(home / "state"),
            "XDG_CACHE_HOME": str(home / "cache"),
            # No keyring is asked in demo mode; should anything try, it finds none.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "LINKDESK_INSTANCE_NAME": str(home / "instance"),
        }
    )
    env.update(extra or {})
    return env


def run(
    folder: Path, *args: str, env: Mapping[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program(folder)), *args],
        env=dict(env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


class SmokeFailure(AssertionError):
    pass


def _expect(ok: bool, what: str, result: subprocess.CompletedProcess[str]) -> None:
    if not ok:
        raise SmokeFailure(
            f"{what}: exit {result.returncode}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        )


def check_version(folder: Path, env: Mapping[str, str], expected: str) -> str:
    result = run(folder, "--version", env=env)
    _expect(result.returncode == 0 and result.stdout.strip() == f"linkdesk {expected}",
            f"--version should say linkdesk {expected}", result)  # fmt: skip
    return result.stdout.strip()


def check_window(folder: Path, env: Mapping[str, str], *, until_methods: bool = False) -> str:
    extra = {"LINKDESK_SMOKE_UNTIL": "methods"} if until_methods else {}
    result = run(folder, "--demo", "--smoke", env={**env, **extra})
    wanted = "linkdesk: payment methods loaded" if until_methods else "linkdesk: ready"
    _expect(
        result.returncode == 0 and wanted in result.stderr, f"--demo --smoke ({wanted})", result
    )
    return wanted


def check_create(folder: Path, env: Mapping[str, str]) -> str:
    result = run(folder, "--demo", "create", "--amount", "1", env=env)
    url = result.stdout.strip()
    _expect(result.returncode == 0 and url.startswith("https://pay.billing.io/pl_"),
            "--demo create --amount 1 should print a link", result)  # fmt: skip
    return url


def smoke(folder: Path, version: str) -> list[str]:
    """Every check in turn; the lines to print. Raises SmokeFailure at the first failure."""
    lines = []
    with tempfile.TemporaryDirectory(prefix="linkdesk-smoke-") as home:
        env = private_environment(Path(home))
        for name, check in (
            ("version", lambda: check_version(folder, env, version)),
            ("window", lambda: check_window(folder, env)),
            ("window + emulator", lambda: check_window(folder, env, until_methods=True)),
            ("cli create", lambda: check_create(folder, env)),
        ):
            started = time.monotonic()
            said = check()
            lines.append(f"ok  {name:18} {time.monotonic() - started:5.1f} s  {said}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--build", action="store_true", help="run packaging/build.py first")
    args = parser.parse_args(argv)
    if args.build:
        subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], check=True)
    # packaging/build.py, by path: `build` is also the name of the PyPA build tool.
    spec = importlib.util.spec_from_file_location("linkdesk_build", ROOT / "packaging/build.py")
    assert spec is not None
    assert spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    if not program(args.folder).exists():
        print(f"no app in {args.folder}; build it first (--build)", file=sys.stderr)
        return 1
    try:
        for line in smoke(args.folder, build.project_version()):
            print(line)
    except SmokeFailure as failure:
        print(f"FAILED {failure}", file=sys.stderr)
        return 1
    print("bundle smoke test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
