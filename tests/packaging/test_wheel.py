"""`python -m build`: a wheel and an sdist that twine accepts, and a fresh venv with only the
wheel (and what it depends on, from pip's cache) runs `linkdesk --demo --smoke`.

About 20 s: building takes a second, the venv and its install (PySide6 from pip's cache)
the rest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.packaging.conftest import ROOT

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(600)]


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=kwargs.pop("timeout", 300),
        check=False,
        **kwargs,
    )
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


def _has_modern_setuptools() -> bool:
    try:
        import setuptools
    except ImportError:
        return False
    return int(setuptools.__version__.split(".")[0]) >= 77


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Without isolation when this venv has the packaging extra's setuptools: no download,
    # and the same setuptools the extra pins.
    isolation = ["--no-isolation"] if _has_modern_setuptools() else []
    run(sys.executable, "-m", "build", *isolation, "--outdir", out, ROOT, cwd=ROOT)
    return out


def only(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_twine_accepts_both(dist):
    run(sys.executable, "-m", "twine", "check", "--strict", *sorted(dist.iterdir()))


def test_the_wheel_holds_the_resources_the_emulator_and_the_licence(dist):
    with zipfile.ZipFile(only(dist, "*.whl")) as wheel:
        names = set(wheel.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        text = wheel.read(metadata).decode()
    assert {
        "linkdesk/emulator/openapi.yaml",
        "linkdesk/emulator/server.py",
        "linkdesk/ui/resources/linkdesk.svg",
        "linkdesk/ui/resources/linkdesk.qss",
        "linkdesk/logs.py",
        "linkdesk/ui/crash.py",
    } <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: LicenseRef-Proprietary" in text
    assert not any(n.startswith(("tests/", "packaging/")) for n in names)


def test_the_sdist_carries_the_sources_of_the_bundles(dist):
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {
        "resources/linkdesk.svg",
        "resources/make_icons.py",
        "packaging/linkdesk.spec",
        "packaging/build.py",
        "packaging/linux/install.sh",
        "packaging/windows/linkdesk.iss",
        "LICENSE",
        "linkdesk/emulator/openapi.yaml",
    } <= names


def test_a_fresh_venv_with_only_the_wheel_runs_the_demo(dist, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    # Dependencies come from pip's cache when it has them; the index otherwise.
    run(python, "-m", "pip", "install", "-q", "--disable-pip-version-check", only(dist, "*.whl"),
        timeout=600)  # fmt: skip
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}},
        "QT_QPA_PLATFORM": "offscreen",
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "LINKDESK_LOG_DIR": str(tmp_path / "logs"),
        "LINKDESK_INSTANCE_NAME": str(tmp_path / "instance"),
        "LINKDESK_SMOKE_UNTIL": "methods",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    # From another folder, so nothing of the source tree can be imported by accident.
    where = run(python, "-c", "import linkdesk; print(linkdesk.__file__)", env=env, cwd=tmp_path)
    assert where.stdout.strip().startswith(str(venv))
    smoke = run(venv / "bin" / "linkdesk", "--demo", "--smoke", env=env, cwd=tmp_path)
    assert "linkdesk: payment methods loaded" in smoke.stderr
    assert (tmp_path / "logs" / "linkdesk.log").is_file()
