"""Fixtures for the packaging tests: packaging/build.py and packaging/smoke.py, loaded by path
(`build` is also the name of the PyPA build tool), and tools that CI must have."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load("linkdesk_build", ROOT / "packaging" / "build.py")
smoke = load("linkdesk_smoke", ROOT / "packaging" / "smoke.py")
make_icons = load("linkdesk_make_icons", ROOT / "resources" / "make_icons.py")


def require(tool: str, package: str) -> str:
    """The tool's path; fail in CI, skip elsewhere, when it is missing."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian package {package})"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"CI must have it: {message}")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def icons(tmp_path_factory, qapp) -> Path:
    """The icons rendered once for the session (with pytest-qt's QApplication: the
    script would make a QGuiApplication, on which no widget test could run after)."""
    out = tmp_path_factory.mktemp("icons")
    make_icons.make_icons(out)
    return out
