"""`QSettings` as a `SettingsStorage`, so the typed settings of linkdesk.core persist with Qt;
and Qt's saved states (a window's geometry, a splitter's sizes) kept as text settings."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from linkdesk.core.settings import Plain, Setting, Settings


class QSettingsStorage:
    """Plain values in a `QSettings` (the platform's native place, or an INI file in tests)."""

    def __init__(self, qsettings: QSettings) -> None:
        self.qsettings = qsettings

    def get(self, key: str) -> object | None:
        if not self.qsettings.contains(key):
            return None
        return self.qsettings.value(key)

    def set(self, key: str, value: Plain) -> None:
        self.qsettings.setValue(key, value)

    def remove(self, key: str) -> None:
        self.qsettings.remove(key)

    def sync(self) -> None:
        self.qsettings.sync()


def saved_state(settings: Settings, setting: Setting[str]) -> QByteArray | None:
    """The state `save_state` kept in `setting`, or None if there is none."""
    text = settings.get(setting)
    if not text:
        return None
    return QByteArray.fromBase64(text.encode("ascii", "replace"))


def save_state(settings: Settings, setting: Setting[str], state: QByteArray) -> None:
    settings.set(setting, bytes(state.toBase64().data()).decode("ascii"))
