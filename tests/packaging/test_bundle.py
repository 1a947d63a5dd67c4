"""The PyInstaller app, built into a temp folder and run the way a user would (Linux).

One build for the module (about 30 s), then:

- packaging/smoke.py's checks: --version, the window until ready and until the demo's
  payment methods arrive, and `--demo create` from the command line;
- a keyring round trip through the bundle's own keyring and SecretStorage, against a
  private Secret Service (tests/core/test_secret_service.py's dbus-daemon and
  gnome-keyring-daemon): proves keyring's backends were collected;
- the real window on Xvfb, typed into, its QR code read off a screenshot: proves the
  xcb platform plugin, fonts and the QR rendering inside the bundle;
- what the folder leaves out (numpy, unused Qt modules, plugins and translations);
- the .tar.gz and install.sh, installed into a temp home and started from the link.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from tests.core.test_secret_service import FAKE_KEY, secret_service  # noqa: F401 - a fixture
from tests.e2e.drive import (
    CREATED,
    READY,
    codes_on_screen,
    running,
    type_amount_and_enter,
    wait_for,
    xdotool,
)
from tests.e2e.xvfb import require as require_programs
from tests.e2e.xvfb import xvfb
from tests.packaging.conftest import build, require, smoke

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.timeout(900),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="builds the Linux app"),
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, icons) -> Path:
    """dist/linkdesk, built by packaging/build.py's steps into a temp folder."""
    if importlib.util.find_spec("PyInstaller") is None:
        message = "PyInstaller is not installed (pip install -e '.[packaging]')"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    require("objdump", "binutils")
    root = tmp_path_factory.mktemp("bundle")
    started = time.monotonic()
    folder = build.run_pyinstaller(dist=root / "dist", work=root / "work", icons=icons)
    build.stage_linux(folder, icons)
    seconds = time.monotonic() - started
    print(f"\nbuilt in {seconds:.0f} s:\n{build.format_size_report(build.size_report(folder))}")
    return folder


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return smoke.private_environment(tmp_path / "home")


def test_version_window_emulator_and_cli(bundle):
    lines = smoke.smoke(bundle, build.project_version())
    assert len(lines) == 4


def test_keyring_round_trip_through_a_private_secret_service(bundle, secret_service):  # noqa: F811
    service_env = {k: v for k, v in secret_service["env"].items() if k != "PYTHONPATH"}
    # Wait for the daemon this test started, and make sure it is the one answering, before
    # the bundle asks: D-Bus activation could otherwise start a second, locked one.
    owner = subprocess.run(
        [sys.executable, "-c", WAIT_FOR_SECRETS],
        env=secret_service["env"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert owner.returncode == 0, owner.stderr
    assert int(owner.stdout) == secret_service["keyring_pid"]
    env = {**service_env, "QT_QPA_PLATFORM": "offscreen"}

    saved = smoke.run(bundle, "key", "set", env=env, stdin=FAKE_KEY + "\n")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.strip() == "Saved the sandbox key sk_test_…6789 in the system keyring."
    assert saved.stderr == ""  # no "no keyring" problem

    # A new process (linkdesk after a restart) finds the key in gnome-keyring.
    status = smoke.run(bundle, "key", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines()[:2] == ["sandbox: sk_test_…6789", "live: no key"]

    cleared = smoke.run(bundle, "key", "clear", env=env)
    assert cleared.returncode == 0, cleared.stderr
    after = smoke.run(bundle, "key", "status", env=env)
    assert after.stdout.splitlines()[0] == "sandbox: no key"

    # gnome-keyring encrypts its file; the key is in no file in plain text.
    for path in Path(secret_service["root"]).rglob("*"):
        if path.is_file():
            assert FAKE_KEY.encode() not in path.read_bytes(), path


WAIT_FOR_SECRETS = r"""
from jeepney import MatchRule
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import Proxy, open_dbus_connection

NAME = "org.freedesktop.secrets"
with open_dbus_connection(bus="SESSION") as connection:
    bus = Proxy(message_bus, connection)
    rule = MatchRule(type="signal", sender="org.freedesktop.DBus", member="NameOwnerChanged")
    rule.add_arg_condition(0, NAME)
    bus.AddMatch(rule)
    with connection.filter(rule) as changes:
        if not bus.NameHasOwner(NAME)[0]:
            connection.recv_until_filtered(changes, timeout=10)
    print(bus.GetConnectionUnixProcessID(NAME)[0])
"""


def test_the_window_on_a_real_x_server_shows_a_qr_that_decodes_to_the_link(bundle, tmp_path):
    require_programs("Xvfb", "xdotool", "import")
    with xvfb() as display:
        env = smoke.private_environment(
            tmp_path / "home", {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        )
        command = [str(smoke.program(bundle)), "--demo", "--verbose"]
        with running(command, env) as (app, lines, seen):
            wait_for(lines, READY, seen)
            # Typing waits for the payment methods (the form keeps what was typed).
            type_amount_and_enter(display, "12.50")
            url = CREATED.search(wait_for(lines, CREATED, seen)).group(1)
            decoded, image = codes_on_screen(display)
            image.save(tmp_path / "bundle.png")
            assert decoded == {url}, f"screenshot in {tmp_path / 'bundle.png'}"
            xdotool(display, "key", "ctrl+q")
            assert app.wait(timeout=15) == 0, "".join(seen)


def test_the_bundle_leaves_out_what_linkdesk_does_not_use(bundle):
    internal = bundle / "_internal"
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    assert not any(n.startswith("numpy") for n in names)
    assert not any("/translations/" in n for n in names)
    for unused in ("Qml", "Quick", "Pdf", "Multimedia", "WebEngine", "OpenGL", "PrintSupport"):
        assert not any(f"libQt6{unused}" in n for n in names), unused
    assert not any(re.search(r"libgtk|libgdk|libcairo|libpango", n) for n in names)
    plugins = {
        p.relative_to(internal / "PySide6/Qt/plugins").as_posix()
        for p in (internal / "PySide6/Qt/plugins").rglob("*.so")
    }
    assert {
        "platforms/libqxcb.so",
        "platforms/libqwayland.so",
        "platforms/libqoffscreen.so",
        "iconengines/libqsvgicon.so",
        "imageformats/libqsvg.so",
    } <= plugins
    assert len(plugins) < 20, plugins
    # No link in the folder points at nothing.
    assert [p for p in bundle.rglob("*") if p.is_symlink() and not p.exists()] == []
    total = dict(build.size_report(bundle))["total"]
    assert total < 200e6, build.format_size_report(build.size_report(bundle))


def test_tarball_and_install_script_give_a_working_linkdesk(bundle, tmp_path):
    tarball = build.pack_tarball(bundle, tmp_path / "linkdesk.tar.gz")
    with tarfile.open(tarball) as archive:
        members = {m.name: m for m in archive.getmembers()}
        assert {"linkdesk/linkdesk", "linkdesk/install.sh"} <= set(members)
        assert members["linkdesk/linkdesk"].mode & 0o111
        assert {m.uname for m in members.values()} == {""}
        # The extraction filter came with Python 3.11.4; Debian 12 ships 3.11.2.
        options = {"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}
        archive.extractall(tmp_path / "unpacked", **options)  # noqa: S202 - our own archive
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home)}
    installed = subprocess.run(
        ["sh", str(tmp_path / "unpacked/linkdesk/install.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr
    link = home / ".local/bin/linkdesk"
    version = subprocess.run(
        [str(link), "--version"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert version.stdout.strip() == f"linkdesk {build.project_version()}", version.stderr
    desktop = home / f".local/share/applications/{build.APP_ID}.desktop"
    assert f'Exec="{home}/.local/lib/linkdesk/linkdesk"' in desktop.read_text()


def test_size_report_is_written_for_the_record(bundle, tmp_path):
    rows = build.size_report(bundle)
    (tmp_path / "size.json").write_text(json.dumps(rows))
    assert rows[-1][0] == "total"
