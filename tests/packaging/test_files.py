"""The packaging files, checked without building the app: desktop entry, AppStream metainfo,
icons, the install script, the Inno Setup script and the macOS Info.plist.

Windows and macOS builds cannot run on this Linux machine; their files are checked here
as far as Linux can (names, paths, settings, plist syntax). They are NOT tested on
those platforms: packaging/README.md says what remains to be done there.
"""

from __future__ import annotations

import configparser
import os
import plistlib
import re
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest
from PIL import Image

import linkdesk
from tests.packaging.conftest import ROOT, build, make_icons, require

LINUX = ROOT / "packaging" / "linux"
APP_ID = build.APP_ID
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
ISS = ROOT / "packaging" / "windows" / "linkdesk.iss"


def project() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]


# One id, one version, one icon ----------------------------------------------------------


def test_one_app_id_everywhere():
    assert APP_ID == make_icons.APP_ID == linkdesk.APP_ID
    assert re.fullmatch(r"[a-z0-9]+(\.[a-z0-9]+){2,}", APP_ID)
    desktop = DESKTOP.read_text()
    assert f"Icon={APP_ID}\n" in desktop
    metainfo = METAINFO.read_text()
    assert f"<id>{APP_ID}</id>" in metainfo
    assert f'<launchable type="desktop-id">{APP_ID}.desktop</launchable>' in metainfo


def test_the_running_app_names_its_desktop_file(qapp):
    """Wayland matches a window to its menu entry by this name."""
    from linkdesk.ui.main import create_application

    app = create_application(["linkdesk"])
    assert app.desktopFileName() == APP_ID


def test_metainfo_names_this_version():
    version = project()["version"]
    assert f'<release version="{version}"' in METAINFO.read_text()
    assert build.project_version() == version


def test_the_runtime_icon_is_the_source_icon():
    source = (ROOT / "resources" / "linkdesk.svg").read_bytes()
    runtime = (ROOT / "linkdesk" / "ui" / "resources" / "linkdesk.svg").read_bytes()
    assert runtime == source, "copy resources/linkdesk.svg to linkdesk/ui/resources/"


def test_nothing_generated_is_checked_in():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    generated = [p for p in tracked if re.search(r"\.(png|ico|icns|tar\.gz|whl)$", p)]
    assert [p for p in generated if not p.startswith(("docs/", "tests/"))] == []
    ignored = (ROOT / ".gitignore").read_text().split()
    for pattern in ("build/", "dist/", "*.ico", "*.icns", "/resources/**/*.png"):
        assert pattern in ignored


# Validators ------------------------------------------------------------------------------


def test_metainfo_passes_appstreamcli():
    appstreamcli = require("appstreamcli", "appstream")
    result = subprocess.run(
        [appstreamcli, "validate", "--no-net", str(METAINFO)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_desktop_entry_passes_desktop_file_validate():
    validator = require("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([validator, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""  # not even a hint


# Icons -----------------------------------------------------------------------------------


def test_icons_at_every_hicolor_size(icons):
    for size in make_icons.HICOLOR_SIZES:
        path = icons / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        with Image.open(path) as image:
            assert image.size == (size, size)
            assert image.mode == "RGBA"
            # Drawn, not blank: the corners are transparent, the middle is not.
            assert image.getpixel((0, 0))[3] == 0
            assert image.getpixel((size // 2, size // 2))[3] == 255
    assert (icons / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()


def test_ico_and_icns(icons):
    with Image.open(icons / "linkdesk.ico") as ico:
        assert {size for size, _ in ico.info["sizes"]} >= {16, 24, 32, 48, 256}
    with Image.open(icons / "linkdesk.icns") as icns:
        assert icns.size == (1024, 1024)
        assert {size for size, _, _ in icns.info["sizes"]} >= {16, 32, 128, 256, 512}


# The install script, on a stand-in app folder -------------------------------------------------


@pytest.fixture
def fake_app(tmp_path, icons) -> Path:
    """An app folder with a stand-in program, staged the way build.py stages the real one."""
    folder = tmp_path / "unpacked" / "linkdesk"
    (folder / "_internal").mkdir(parents=True)
    program = folder / "linkdesk"
    program.write_text('#!/bin/sh\necho "linkdesk 9.9 $*"\n')
    program.chmod(0o755)
    build.stage_linux(folder, icons)
    return folder


def install(fake_app: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "share dir"),  # a space, as in many real homes
    }
    return subprocess.run(
        ["sh", str(fake_app / "install.sh"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_install_script_installs_for_the_user_and_uninstalls(fake_app, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = install(fake_app, home)
    assert result.returncode == 0, result.stderr
    app_dir = home / ".local/lib/linkdesk"
    link = home / ".local/bin/linkdesk"
    assert link.is_symlink()
    assert os.readlink(link) == str(app_dir / "linkdesk")
    assert subprocess.run([str(link), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip() == "linkdesk 9.9 --version"  # fmt: skip

    data = home / "share dir"
    desktop = data / "applications" / f"{APP_ID}.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(desktop)
    assert entry["Desktop Entry"]["Exec"] == f'"{app_dir}/linkdesk"'
    assert entry["Desktop Action demo"]["Exec"] == f'"{app_dir}/linkdesk" --demo'
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    for size in make_icons.HICOLOR_SIZES:
        assert (data / f"icons/hicolor/{size}x{size}/apps/{APP_ID}.png").is_file()
    if (validator := _optional("desktop-file-validate")) is not None:
        checked = subprocess.run([validator, str(desktop)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout

    # Installing again (an update) replaces the folder in place.
    assert install(fake_app, home).returncode == 0

    result = install(fake_app, home, "--uninstall")
    assert result.returncode == 0, result.stderr
    assert not link.exists()
    assert not app_dir.exists()
    assert not desktop.exists()
    assert list((data / "icons").rglob(f"{APP_ID}.*")) == []


def test_install_script_refuses_to_replace_a_folder_that_is_not_linkdesk(fake_app, tmp_path):
    home = tmp_path / "home"
    (home / ".local/lib/linkdesk").mkdir(parents=True)
    (home / ".local/lib/linkdesk/precious.txt").write_text("mine")
    result = install(fake_app, home)
    assert result.returncode == 1
    assert "is not linkdesk" in result.stderr
    assert (home / ".local/lib/linkdesk/precious.txt").read_text() == "mine"


def test_staged_install_script_is_executable(fake_app):
    assert (fake_app / "install.sh").stat().st_mode & stat.S_IXUSR


def _optional(tool: str) -> str | None:
    import shutil

    return shutil.which(tool)


# Windows: the Inno Setup script (NOT tested on Windows) ------------------------------------


def iss_sections() -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for raw in ISS.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        else:
            sections.setdefault(current, []).append(line)
    return sections


def test_inno_setup_script_settings():
    sections = iss_sections()
    setup = dict(line.split("=", 1) for line in sections["Setup"])
    assert re.fullmatch(r"\{\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}", setup["AppId"])
    assert setup["PrivilegesRequired"] == "lowest"  # a shop owner needs no administrator
    assert setup["AppVersion"] == "{#AppVersion}"
    assert setup["OutputBaseFilename"] == "{#AppName}-{#AppVersion}-windows-x64-setup"
    assert setup["SourceDir"] == "..\\.."
    # The paths it reads are the ones build.py writes, relative to the repository.
    assert setup["SetupIconFile"] == "build\\icons\\linkdesk.ico"
    assert (ROOT / "build" / "icons" / "linkdesk.ico").relative_to(ROOT) == build.ICONS.joinpath(
        "linkdesk.ico"
    ).relative_to(ROOT)
    files = sections["Files"]
    assert any('Source: "dist\\linkdesk\\*"' in line and "recursesubdirs" in line for line in files)
    assert build.DIST.relative_to(ROOT) == Path("dist")
    icons = "\n".join(sections["Icons"])
    assert '{app}\\linkdesk.exe"' in icons
    assert "{autoprograms}" in icons


def test_inno_setup_defines_are_all_defined():
    text = ISS.read_text()
    used = set(re.findall(r"\{#(\w+)\}", text))
    defined = set(re.findall(r"#define (\w+)", text))
    assert used <= defined


# macOS: the Info.plist and entitlements (NOT tested on macOS) -----------------------------


def test_macos_info_plist_is_valid_and_complete():
    version = project()["version"]
    keys = build.macos_info_plist(version, "13.0")
    data = plistlib.loads(plistlib.dumps(keys))
    assert data["CFBundleIdentifier"] == APP_ID
    assert data["CFBundleShortVersionString"] == version
    assert data["LSMinimumSystemVersion"] == "13.0"
    assert data["NSHighResolutionCapable"] is True
    assert data["LSApplicationCategoryType"].startswith("public.app-category.")


def test_macos_entitlements_parse():
    with (ROOT / "packaging" / "macos" / "entitlements.plist").open("rb") as file:
        entitlements = plistlib.load(file)
    assert entitlements == {"com.apple.security.cs.allow-unsigned-executable-memory": True}


# The size report ---------------------------------------------------------------------------


def test_size_report_groups_and_totals(tmp_path):
    folder = tmp_path / "linkdesk"
    (folder / "_internal/PySide6/Qt/lib").mkdir(parents=True)
    (folder / "_internal/PySide6/Qt/lib/libQt6Core.so.6").write_bytes(b"x" * 300)
    (folder / "_internal/PySide6/Qt/lib/libicudata.so.73").write_bytes(b"x" * 500)
    (folder / "linkdesk").write_bytes(b"x" * 100)
    rows = dict(build.size_report(folder))
    assert rows["total"] == 900
    assert rows["ICU data (Qt's text handling)"] == 500
    assert rows["Qt libraries"] == 300
    assert "MB" in build.format_size_report(build.size_report(folder))
