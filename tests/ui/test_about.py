"""Help › About linkdesk and Help › Open log folder."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMenu, QWidget

from linkdesk import version
from linkdesk.core.secrets import SecretStore
from linkdesk.logs import LOG_DIR_ENV
from linkdesk.ui.about import (
    KEY_IN_MEMORY,
    KEY_PLACE,
    LICENCE,
    LICENCE_ID,
    NO_FOLDER_VIEWER,
    AboutDialog,
    HelpActions,
    data_dir,
)

ROOT = Path(__file__).resolve().parents[2]


class UrlRecorder(QObject):
    """Stands in for the desktop's file manager: QDesktopServices hands it file: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def file_manager():
    recorder = UrlRecorder()
    QDesktopServices.setUrlHandler("file", recorder, "open")
    yield recorder
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def log_folder(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv(LOG_DIR_ENV, str(folder))
    return folder


def test_about_says_version_licence_and_where_things_are(qtbot, log_folder, tmp_path):
    dialog = AboutDialog(data_folder=tmp_path / "data")
    qtbot.addWidget(dialog)
    assert dialog.fields["Version"].text() == version()
    assert dialog.fields["Licence"].text() == LICENCE
    assert dialog.fields["Data folder"].text() == str(tmp_path / "data")
    assert dialog.fields["Log folder"].text() == str(log_folder)
    assert dialog.fields["Settings"].text()  # QSettings' file, wherever Qt keeps it
    assert "keyring" in dialog.fields["Secret key"].text()
    assert "Qt 6." in dialog.fields["Runs on"].text()
    text = dialog.text()
    assert str(log_folder) in text
    assert f"linkdesk {version()}" in text


def test_about_defaults_to_qts_data_folder(qtbot, log_folder):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    assert dialog.fields["Data folder"].text() == str(data_dir())


def test_copy_puts_everything_on_the_clipboard(qtbot, log_folder):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.text()


def test_the_licence_is_the_same_everywhere():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'license = "{LICENCE_ID}"' in pyproject
    metainfo = (ROOT / "packaging/linux/app.linkdesk.linkdesk.metainfo.xml").read_text()
    # AppStream spells a LicenseRef in its own case; it means the same licence.
    assert f"<project_license>{LICENCE_ID}</project_license>".lower() in metainfo.lower()


@pytest.fixture
def menu(qtbot) -> HelpActions:
    parent = QWidget()
    qtbot.addWidget(parent)
    return HelpActions(parent)


def test_the_actions_join_an_existing_help_menu(menu):
    help_menu = QMenu("&Help")
    help_menu.addAction("&Keyboard shortcuts")
    menu.add_to(help_menu)
    texts = [action.text() for action in help_menu.actions()]
    assert texts == ["&Keyboard shortcuts", "", "Open &log folder", "&About linkdesk"]


def test_help_menu_opens_about_once(qtbot, menu, log_folder):
    menu.about_action.trigger()
    first = menu.dialog
    assert first is not None
    assert first.isVisible()
    menu.about_action.trigger()
    assert menu.dialog is first
    first.close()
    qtbot.waitUntil(lambda: menu.dialog is None)


def test_open_log_folder_creates_it_and_hands_it_to_the_file_manager(
    menu, log_folder, file_manager
):
    menu.log_folder_action.trigger()
    assert log_folder.is_dir()
    assert [url.toLocalFile() for url in file_manager.urls] == [str(log_folder)]


def test_about_has_the_log_folder_button_too(qtbot, log_folder, file_manager):
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    dialog.log_button.click()
    assert [url.toLocalFile() for url in file_manager.urls] == [str(log_folder)]


def test_without_a_file_manager_the_status_bar_says_where_the_logs_are(
    qtbot, menu, log_folder, monkeypatch
):
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    with qtbot.waitSignal(menu.notice) as notice:
        menu.log_folder_action.trigger()
    assert notice.args == [NO_FOLDER_VIEWER.format(path=str(log_folder))]


def test_the_window_has_them_in_its_help_menu(qtbot, window, log_folder, file_manager):
    help_menu = next(
        action.menu()
        for action in window.menuBar().actions()
        if action.text().replace("&", "") == "Help"
    )
    texts = [action.text() for action in help_menu.actions()]
    assert texts[-2:] == ["Open &log folder", "&About linkdesk"]
    assert len([a for a in window.menuBar().actions() if "Help" in a.text()]) == 1
    window.help_actions.log_folder_action.trigger()
    assert [url.toLocalFile() for url in file_manager.urls] == [str(log_folder)]
    window.help_actions.about_action.trigger()
    dialog = window.help_actions.dialog
    assert dialog is not None
    assert dialog.parent() is window
    dialog.close()


@pytest.mark.parametrize("secure", [True, False])
def test_about_says_where_the_key_really_is(qtbot, open_window, services, log_folder, secure):
    if not secure:
        from keyring.backends.fail import Keyring as NoKeyring

        secrets = SecretStore(backend=NoKeyring())
        services = dataclasses.replace(services, secrets=secrets)
    window = open_window(services)
    window.help_actions.about_action.trigger()
    field = window.help_actions.dialog.fields["Secret key"]
    expected = KEY_PLACE if secure else KEY_IN_MEMORY
    qtbot.waitUntil(lambda: field.text() == expected)
    window.help_actions.dialog.close()
