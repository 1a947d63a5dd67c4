"""`QSettings` as a `SettingsStorage`, so the typed settings of linkdesk.core persist with Qt."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from linkdesk.core.settings import Plain


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
