"""Build linkdesk's app for the platform this runs on: `python packaging/build.py`.

Steps, each also a function the tests call:

1. render the icons from resources/linkdesk.svg into build/icons (resources/make_icons.py);
2. run PyInstaller with packaging/linkdesk.spec: the app folder is dist/linkdesk/
   (plus dist/linkdesk.app on macOS);
3. per platform:
   - Linux: put the desktop entry, AppStream metainfo, hicolor icons and install.sh
     into dist/linkdesk/ and pack dist/linkdesk-VERSION-linux-ARCH.tar.gz;
   - Windows: run Inno Setup's `iscc` on packaging/windows/linkdesk.iss when it is on
     PATH (dist/linkdesk-VERSION-windows-x64-setup.exe);
   - macOS: nothing more (signing and notarization: packaging/README.md);
4. print the bundle's size and what takes the room.

Needs the `packaging` extra (`pip install -e '.[packaging]'`). Only the Linux build has
been run; Windows and macOS are written to their documentation but not yet tested.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "linkdesk.spec"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
ICONS = BUILD / "icons"
WORK = BUILD / "pyinstaller"
LINUX_FILES = PACKAGING / "linux"
ISS = PACKAGING / "windows" / "linkdesk.iss"

# The reverse-DNS id naming the desktop entry, the metainfo and the icons (Linux) and the
# bundle (macOS). It must match the running app's desktop file name, so Wayland
# compositors match the window to its menu entry (tests/packaging check both).
APP_ID = "app.linkdesk.linkdesk"


def project_version() -> str:
    """linkdesk's version from pyproject.toml (what the wheel and the bundle carry)."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as file:
        return str(tomllib.load(file)["project"]["version"])


def platform_tag() -> str:
    """`linux-x86_64`, `windows-x64`, `macos-arm64`: for file names."""
    machine = platform.machine().lower() or "unknown"
    if sys.platform == "win32":
        return "windows-x64" if machine in {"amd64", "x86_64"} else f"windows-{machine}"
    if sys.platform == "darwin":
        return f"macos-{machine}"
    return f"linux-{machine}"


def make_icons(out: Path = ICONS) -> list[Path]:
    spec = importlib.util.spec_from_file_location(
        "make_icons", ROOT / "resources" / "make_icons.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.make_icons(out))


def run_pyinstaller(dist: Path = DIST, work: Path = WORK, icons: Path = ICONS) -> Path:
    """Build dist/linkdesk with PyInstaller; return the folder."""
    env = {**os.environ, "LINKDESK_ICON_DIR": str(icons)}
    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level=WARN",
        f"--distpath={dist}",
        f"--workpath={work}",
        str(SPEC),
    ]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return dist / "linkdesk"


def macos_info_plist(version: str, minimum_macos: str) -> dict[str, object]:
    """The Info.plist keys of linkdesk.app beyond PyInstaller's own (the spec uses this)."""
    return {
        "CFBundleName": "linkdesk",
        "CFBundleDisplayName": "linkdesk",
        "CFBundleIdentifier": APP_ID,
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "CFBundlePackageType": "APPL",
        "LSApplicationCategoryType": "public.app-category.business",
        "LSMinimumSystemVersion": minimum_macos,
        "NSHighResolutionCapable": True,
        # Follow the system's light or dark appearance.
        "NSRequiresAquaSystemAppearance": False,
        "NSHumanReadableCopyright": "All rights reserved, linkdesk developers.",
    }


# Linux ------------------------------------------------------------------------------------


def stage_linux(folder: Path, icons: Path = ICONS) -> None:
    """Put the desktop integration files and install.sh into the app folder.

    The folder then carries everything install.sh needs, so the .tar.gz is the only
    thing to download: `tar xzf ... && linkdesk/install.sh`.
    """
    share = folder / "share"
    for sub, name in (
        ("applications", f"{APP_ID}.desktop"),
        ("metainfo", f"{APP_ID}.metainfo.xml"),
    ):
        (share / sub).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(LINUX_FILES / name, share / sub / name)
    hicolor = share / "icons" / "hicolor"
    if hicolor.exists():
        shutil.rmtree(hicolor)
    shutil.copytree(icons / "hicolor", hicolor)
    install = folder / "install.sh"
    shutil.copyfile(LINUX_FILES / "install.sh", install)
    install.chmod(0o755)


def pack_tarball(folder: Path, out: Path) -> Path:
    """A .tar.gz holding the folder as `linkdesk/`, links kept as links."""

    def normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
        # Whoever built it is nobody's business on the shop's computer.
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    with tarfile.open(out, "w:gz", compresslevel=6) as archive:
        archive.add(folder, arcname="linkdesk", filter=normalized)
    return out


def validate_linux(folder: Path) -> list[str]:
    """appstreamcli and desktop-file-validate on the staged files; the problems found.

    A missing tool is reported, not skipped silently (tests/packaging insists on both).
    """
    problems = []
    checks = [
        (
            "appstreamcli",
            ["validate", "--no-net", str(folder / "share/metainfo" / f"{APP_ID}.metainfo.xml")],
        ),
        ("desktop-file-validate", [str(folder / "share/applications" / f"{APP_ID}.desktop")]),
    ]
    for tool, args in checks:
        path = shutil.which(tool)
        if path is None:
            problems.append(f"{tool} is not installed; the file was not validated")
            continue
        result = subprocess.run([path, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            problems.append(f"{tool}: {result.stdout}{result.stderr}".strip())
    return problems


# Windows ----------------------------------------------------------------------------------


def run_inno_setup(version: str) -> Path | None:
    """The installer made by `iscc`, or None when Inno Setup is not installed."""
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        print(f"Inno Setup's iscc is not on PATH; run: iscc /DAppVersion={version} {ISS}")
        return None
    subprocess.run([iscc, f"/DAppVersion={version}", str(ISS)], cwd=ROOT, check=True)
    return DIST / f"linkdesk-{version}-windows-x64-setup.exe"


# Size report ------------------------------------------------------------------------------

# What takes the room, by where a file is in the folder (first match wins).
SIZE_GROUPS = (
    ("ICU data (Qt's text handling)", ("libicudata",)),
    ("Qt libraries", ("PySide6/Qt/lib/", "libQt6")),
    ("Qt plugins", ("PySide6/Qt/plugins/",)),
    ("PySide6 bindings", ("PySide6/", "shiboken6", "libpyside6", "libshiboken6")),
    ("cryptography (Secret Service sessions)", ("cryptography", "libcrypto", "libssl")),
    ("Pillow (QR PNG export)", ("PIL/", "pillow.libs/")),
    ("Python runtime", ("libpython", "python3", "base_library.zip", "PYZ", "lib-dynload")),
)


# The programs; PyInstaller appends the compressed Python modules to them.
PROGRAMS = {"linkdesk", "linkdesk.exe", "linkdesk-cli.exe", "Contents/MacOS/linkdesk"}


def size_report(folder: Path) -> list[tuple[str, int]]:
    """Bytes per group of `SIZE_GROUPS` (plus the rest and the total), largest first."""
    sizes: dict[str, int] = {}
    total = 0
    for path in _files(folder):
        relative = path.relative_to(folder).as_posix()
        size = path.lstat().st_size
        total += size
        if relative in PROGRAMS:
            group = "Python modules (linkdesk, httpx, keyring, stdlib) inside the program"
        else:
            group = next(
                (name for name, marks in SIZE_GROUPS if any(mark in relative for mark in marks)),
                "system libraries and the rest",
            )
        sizes[group] = sizes.get(group, 0) + size
    rows = sorted(sizes.items(), key=lambda row: -row[1])
    return [*rows, ("total", total)]


def _files(folder: Path) -> Iterable[Path]:
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            yield path


def format_size_report(rows: list[tuple[str, int]]) -> str:
    return "\n".join(f"{size / 1e6:8.1f} MB  {name}" for name, size in rows)


# The command ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--no-archive", action="store_true", help="Linux: skip the .tar.gz (faster)"
    )
    args = parser.parse_args(argv)
    version = project_version()
    started = time.monotonic()

    print(f"Rendering icons into {ICONS.relative_to(ROOT)}")
    make_icons(ICONS)
    print("Running PyInstaller")
    folder = run_pyinstaller()
    outputs = [folder]
    problems: list[str] = []
    if sys.platform.startswith("linux"):
        stage_linux(folder)
        problems = validate_linux(folder)
        if not args.no_archive:
            outputs.append(
                pack_tarball(folder, DIST / f"linkdesk-{version}-{platform_tag()}.tar.gz")
            )
    elif sys.platform == "win32":
        installer = run_inno_setup(version)
        if installer:
            outputs.append(installer)
    elif sys.platform == "darwin":
        outputs.append(DIST / "linkdesk.app")

    print(f"\nBuilt linkdesk {version} in {time.monotonic() - started:.0f} s:")
    for output in outputs:
        print(f"  {output.relative_to(ROOT)}")
    print(f"\nWhat is in {folder.relative_to(ROOT)}:")
    print(format_size_report(size_report(folder)))
    for problem in problems:
        print(f"\nproblem: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
