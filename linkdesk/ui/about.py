"""Help menu: About linkdesk (version, licence, where the data and logs live) and the log folder.

`HelpActions` owns the two actions and their slots; the main window only adds them to
its Help menu and shows their `notice`s in the status bar.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Signal, Slot, qVersion
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QDialog, QLabel, QMenu, QVBoxLayout, QWidget

from linkdesk import version
from linkdesk.logs import log_dir
from linkdesk.ui.worker import KeyStatus

if TYPE_CHECKING:
    from linkdesk.ui.worker import KeyService

log = logging.getLogger(__name__)

LICENCE = "Proprietary: all rights reserved, linkdesk developers."
LICENCE_ID = "LicenseRef-Proprietary"
SUMMARY = "Payment links with a QR code at the shop counter, for billing.io merchants."
KEY_PLACE = "In the system keyring, never in a file."
KEY_IN_MEMORY = "Only in memory until linkdesk closes (no secure keyring); never in a file."
NO_FOLDER_VIEWER = "This computer has no program to show folders; the logs are in {path}."


# The Qt classes below are imported where they are used: the window adds the Help menu
# at start, and touching a Qt class the first time costs startup time.


def data_dir() -> Path:
    """Where linkdesk keeps its data: Qt's AppDataLocation for this application."""
    from PySide6.QtCore import QStandardPaths

    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))


def native(path: Path | str) -> str:
    from PySide6.QtCore import QDir

    return QDir.toNativeSeparators(str(path))


def open_folder(path: Path) -> bool:
    """Show a folder in the desktop's file manager, creating it first if needed."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        log.warning("cannot create %s: %s", path, error.strerror)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class AboutDialog(QDialog):
    """Version, licence, the folders of the data, settings and logs, and the versions
    of what linkdesk runs on (handy when reporting a problem)."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        data_folder: Path | None = None,
        log_folder: Path | None = None,
    ) -> None:
        from PySide6.QtCore import QSettings, Qt
        from PySide6.QtWidgets import QDialogButtonBox, QFormLayout, QPushButton

        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About linkdesk")
        # Wide enough for a typical path on one line.
        self.setMinimumWidth(520)
        self.data_folder = data_folder or data_dir()
        self.log_folder = log_folder or log_dir()
        self.settings_file = QSettings().fileName()
        import platform  # a few ms at start otherwise, for a dialog seldom opened

        heading = QLabel(f"<b>linkdesk</b> {version()}")
        heading.setObjectName("aboutHeading")
        summary = QLabel(SUMMARY)
        summary.setWordWrap(True)
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout()
        for label, value in (
            ("Version", version()),
            ("Licence", LICENCE),
            ("Data folder", native(self.data_folder)),
            ("Settings", native(self.settings_file)),
            ("Log folder", native(self.log_folder)),
            ("Secret key", KEY_PLACE),
            (
                "Runs on",
                f"Qt {qVersion()}, PySide6 {pyside_version}, Python "
                f"{platform.python_version()}, {platform.system()} {platform.machine()}",
            ),
        ):
            field = QLabel(value)
            field.setWordWrap(True)
            # The paths are there to be copied into a file manager or an e-mail.
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[label] = field
            form.addRow(f"{label}:", field)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("&Copy")
        self.log_button = QPushButton("Open &log folder")
        for button in (self.copy_button, self.log_button):
            button.setAutoDefault(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(self.on_copy_button_clicked)
        self.log_button.clicked.connect(self.on_log_button_clicked)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(summary)
        layout.addLayout(form)
        # Word-wrapped labels ask for height as if narrow; the slack goes here.
        layout.addStretch(1)
        layout.addWidget(buttons)

    def text(self) -> str:
        """Everything the dialog says, one field a line."""
        lines = [f"linkdesk {version()}", SUMMARY]
        lines += [f"{label}: {field.text()}" for label, field in self.fields.items()]
        return "\n".join(lines)

    @Slot()
    def on_copy_button_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.text())
        self.copy_button.setText("Copied")

    @Slot()
    def on_log_button_clicked(self) -> None:
        open_folder(self.log_folder)

    def show_key_place(self, status: KeyStatus) -> None:
        """Say where the keys are, as the keyring reports it."""
        self.fields["Secret key"].setText(KEY_PLACE if status.persistent else KEY_IN_MEMORY)


class HelpActions(QObject):
    """Help › Open log folder and Help › About linkdesk, with their slots; `add_to` puts
    them into the window's Help menu (shared with other parts of the window)."""

    notice = Signal(str)  # something to tell in the status bar

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        data_folder: Path | None = None,
        keys: KeyService | None = None,
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self.data_folder = data_folder
        self.dialog: AboutDialog | None = None
        # Where the key is really kept is the keyring's to say, asked off the GUI thread.
        self._keys = keys
        self._status_job: int | None = None
        if keys is not None:
            keys.finished.connect(self.on_keys_finished)
        self.log_folder_action = QAction("Open &log folder", self)
        self.log_folder_action.setStatusTip("Show the folder of linkdesk's log files")
        self.about_action = QAction("&About linkdesk", self)
        self.about_action.setStatusTip("Version, licence, and where linkdesk keeps its files")
        # macOS moves it into the application menu, where Mac users look for it.
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.on_about_action_triggered)
        self.log_folder_action.triggered.connect(self.on_log_folder_action_triggered)

    def add_to(self, menu: QMenu) -> None:
        if menu.actions():
            menu.addSeparator()
        menu.addAction(self.log_folder_action)
        menu.addAction(self.about_action)

    @Slot()
    def on_about_action_triggered(self) -> None:
        if self.dialog is None:
            self.dialog = AboutDialog(self._parent, data_folder=self.data_folder)
            self.dialog.finished.connect(self.on_dialog_finished)
        self.dialog.open()
        if self._keys is not None:
            self._status_job = self._keys.status()

    @Slot(int, object)
    def on_keys_finished(self, job_id: int, result: object) -> None:
        if job_id == self._status_job and isinstance(result, KeyStatus):
            self._status_job = None
            if self.dialog is not None:
                self.dialog.show_key_place(result)

    @Slot(int)
    def on_dialog_finished(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None

    @Slot()
    def on_log_folder_action_triggered(self) -> None:
        folder = log_dir()
        if not open_folder(folder):
            self.notice.emit(NO_FOLDER_VIEWER.format(path=native(folder)))
