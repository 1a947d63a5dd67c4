"""A non-editable install works from another directory: every resource is package data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return target


def run_installed(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(installed), "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["XDG_CONFIG_HOME"] = str(cwd / "config")
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip


def test_installed_package_has_its_resources(installed, tmp_path):
    probe = (
        "import linkdesk, importlib.resources as r;"
        "print(linkdesk.__file__);"
        "print(r.files('linkdesk.emulator').joinpath('openapi.yaml').is_file());"
        "print(r.files('linkdesk.ui').joinpath('resources', 'linkdesk.svg').is_file())"
    )
    result = run_installed(installed, tmp_path, "-c", probe)
    assert result.returncode == 0, result.stderr
    where, spec, icon = result.stdout.split()
    assert where.startswith(str(installed))
    assert spec == "True"
    assert icon == "True"


def test_installed_app_starts_in_demo_mode(installed, tmp_path):
    result = run_installed(installed, tmp_path, "-m", "linkdesk", "--demo", "--smoke")
    assert result.returncode == 0, result.stderr


def test_installed_version_and_demo_cli(installed, tmp_path):
    version = run_installed(installed, tmp_path, "-m", "linkdesk", "--version")
    assert version.returncode == 0
    assert version.stdout.startswith("linkdesk ")
    create = run_installed(installed, tmp_path, "-m", "linkdesk", "--demo", "create",
                           "--amount", "3.50")  # fmt: skip
    assert create.returncode == 0, create.stderr
    assert create.stdout.startswith("https://pay.billing.io/pl_")
