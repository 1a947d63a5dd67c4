"""File › Settings: the shop's name, the confirmation amount, the customer screen and the
custom lifetime, each read from and written to the typed settings of linkdesk.core."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from linkdesk.core.settings import (
    CONFIRM_ABOVE_USD,
    CUSTOM_LIFETIME_MINUTES,
    CUSTOMER_SCREEN,
    SHOP_NAME,
    Settings,
)

SHOP_NAME_MAX = 80
AUTOMATIC_SCREEN = "Automatic (a screen without the main window)"
NEVER_ASK = "Never ask"


class SettingsDialog(QDialog):
    """A small form; OK writes every setting and emits `applied`."""

    applied = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")

        self.shop_name = QLineEdit(settings.get(SHOP_NAME))
        self.shop_name.setMaxLength(SHOP_NAME_MAX)
        self.shop_name.setPlaceholderText("Shown to customers between links")
        self.shop_name.setAccessibleName("Shop name")
        self.shop_name.setAccessibleDescription(
            "Shown on the customer display between links; leave empty to show nothing"
        )

        self.confirm_above = QSpinBox()
        self.confirm_above.setRange(0, int(CONFIRM_ABOVE_USD.maximum or 10_000_000))
        self.confirm_above.setPrefix("$")
        self.confirm_above.setGroupSeparatorShown(True)
        # 0 is shown as "Never ask": there is no amount above which nobody checks.
        self.confirm_above.setSpecialValueText(NEVER_ASK)
        self.confirm_above.setValue(settings.get(CONFIRM_ABOVE_USD) or 0)
        self.confirm_above.setAccessibleName("Ask before links above")
        self.confirm_above.setAccessibleDescription(
            "Enter asks once before creating a link above this amount in US dollars; 0 never asks"
        )

        self.screen = QComboBox()
        self.screen.addItem(AUTOMATIC_SCREEN, "")
        chosen = settings.get(CUSTOMER_SCREEN)
        names = [s.name() for s in QGuiApplication.screens()]
        if chosen and chosen not in names:
            names.append(chosen)  # remembered while it is unplugged
        for name in names:
            self.screen.addItem(name, name)
        self.screen.setCurrentIndex(max(0, self.screen.findData(chosen)))
        self.screen.setAccessibleName("Customer display screen")
        self.screen.setAccessibleDescription("The screen the customer display opens on")

        self.custom_minutes = QSpinBox()
        minimum = int(CUSTOM_LIFETIME_MINUTES.minimum or 5)
        self.custom_minutes.setRange(minimum, int(CUSTOM_LIFETIME_MINUTES.maximum or minimum))
        self.custom_minutes.setSuffix(" minutes")
        self.custom_minutes.setValue(settings.get(CUSTOM_LIFETIME_MINUTES))
        self.custom_minutes.setAccessibleName("Custom lifetime")
        self.custom_minutes.setAccessibleDescription(
            "The minutes offered by the Custom lifetime, at least 5"
        )

        form = QFormLayout()
        for text, field in (
            ("&Shop name", self.shop_name),
            ("&Ask before links above", self.confirm_above),
            ("Customer display s&creen", self.screen),
            ("Custom &lifetime", self.custom_minutes),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        for role, (name, description) in {
            QDialogButtonBox.StandardButton.Ok: ("OK", "Save the settings"),
            QDialogButtonBox.StandardButton.Cancel: ("Cancel", "Close without saving"),
        }.items():
            button = buttons.button(role)
            button.setAccessibleName(name)
            button.setAccessibleDescription(description)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.accepted.connect(self.on_accepted)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.shop_name.setFocus()

    @Slot()
    def on_accepted(self) -> None:
        self.settings.set(SHOP_NAME, self.shop_name.text().strip())
        self.settings.set(CONFIRM_ABOVE_USD, self.confirm_above.value() or None)
        self.settings.set(CUSTOMER_SCREEN, str(self.screen.currentData() or ""))
        self.settings.set(CUSTOM_LIFETIME_MINUTES, self.custom_minutes.value())
        self.applied.emit()
