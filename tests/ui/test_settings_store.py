"""Typed, versioned settings: declared bounds, tolerant reading, and QSettings as storage."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from linkdesk.core import settings as settings_module
from linkdesk.core.settings import (
    LAST_LIFETIME,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    MemoryStorage,
    Setting,
    Settings,
)
from linkdesk.ui.qsettings_store import QSettingsStorage


def ini(path) -> QSettings:
    return QSettings(str(path), QSettings.Format.IniFormat)


def test_defaults_and_the_schema_version_are_there_from_the_start():
    storage = MemoryStorage()
    settings = Settings(storage)
    assert settings.get(LAST_LIFETIME) == 900
    assert storage.get(SCHEMA_VERSION_KEY) == SCHEMA_VERSION
    assert settings.schema_version == SCHEMA_VERSION


@pytest.mark.parametrize("value", [300, 900, 3600, 86400, 604800, None])
def test_every_lifetime_preset_round_trips_through_an_ini_file(tmp_path, value):
    Settings(QSettingsStorage(ini(tmp_path / "a.ini"))).set(LAST_LIFETIME, value)
    assert Settings(QSettingsStorage(ini(tmp_path / "a.ini"))).get(LAST_LIFETIME) == value


@pytest.mark.parametrize("value", [0, 299, 1000, -1, True, "900", 900.0])
def test_values_outside_the_declared_bounds_are_refused(value):
    settings = Settings(MemoryStorage())
    with pytest.raises(ValueError, match="last_lifetime_seconds"):
        settings.set(LAST_LIFETIME, value)
    assert settings.get(LAST_LIFETIME) == 900


@pytest.mark.parametrize("stored", ["banana", "12", "", "1e9", "true", 7])
def test_a_hand_edited_file_reads_as_the_default_never_a_crash(stored):
    storage = MemoryStorage({LAST_LIFETIME.key: stored})
    expected = None if stored == "" else 900
    assert Settings(storage).get(LAST_LIFETIME) == expected


def test_an_ini_file_gets_plain_values(tmp_path):
    path = tmp_path / "plain.ini"
    qsettings = ini(path)
    settings = Settings(QSettingsStorage(qsettings))
    settings.set(LAST_LIFETIME, None)
    qsettings.sync()
    text = path.read_text()
    assert "last_lifetime_seconds=none" in text
    assert f"schema_version={SCHEMA_VERSION}" in text
    settings.reset(LAST_LIFETIME)
    assert settings.get(LAST_LIFETIME) == 900


def test_migrations_run_once_from_an_older_version(monkeypatch):
    ran: list[int] = []
    monkeypatch.setattr(settings_module, "MIGRATIONS", {0: lambda storage: ran.append(0)})
    storage = MemoryStorage()
    Settings(storage)
    Settings(storage)
    assert ran == [0]


def test_a_newer_file_is_read_but_left_alone():
    storage = MemoryStorage({SCHEMA_VERSION_KEY: SCHEMA_VERSION + 5, LAST_LIFETIME.key: 300})
    settings = Settings(storage)
    assert settings.get(LAST_LIFETIME) == 300
    assert storage.get(SCHEMA_VERSION_KEY) == SCHEMA_VERSION + 5


def test_a_boolean_setting_reads_what_an_ini_file_holds():
    flag = Setting(key="x/flag", type=bool, default=False)
    settings = Settings(MemoryStorage({"x/flag": "true"}), declared=(flag,))
    assert settings.get(flag) is True
    settings.set(flag, False)
    assert settings.get(flag) is False
