"""linkdesk.core.paths names the folder Qt's QStandardPaths.AppDataLocation names."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QStandardPaths

from linkdesk.core.paths import APPLICATION, ORGANIZATION, default_data_dir


@pytest.fixture
def linkdesk_names(qapp):
    """The application's names as linkdesk sets them, restored afterwards."""
    before = QCoreApplication.organizationName(), QCoreApplication.applicationName()
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    yield
    QCoreApplication.setOrganizationName(before[0])
    QCoreApplication.setApplicationName(before[1])


@pytest.mark.parametrize("xdg", ["set", "unset"])
def test_default_data_dir_is_qts_app_data_location(
    linkdesk_names, xdg: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if xdg == "set":
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    else:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    qt = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    assert default_data_dir(home=tmp_path / "home") == Path(qt)
