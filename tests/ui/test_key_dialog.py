"""KeyDialog and the first start: paste, test, save, clear, and the demo for newcomers."""

from __future__ import annotations

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from linkdesk.core.links import Environment
from linkdesk.core.secrets import NO_KEYRING, SAVE_FAILED, SecretStore
from linkdesk.ui.key_dialog import FIRST_START, KeyDialog
from linkdesk.ui.main import client_factory
from linkdesk.ui.main_window import DEMO_TITLE, Services
from tests.scripted_server import Scripted, ScriptedServer

LIVE_KEY = "sk_live_" + "abcdefghijklmnop1234"


@pytest.fixture
def first_start(services) -> Services:
    """Services for a computer whose keyring holds no key yet."""
    return Services(**{**services.__dict__, "api_key": None})


@pytest.fixture
def dialog(qtbot, window) -> KeyDialog:
    dialog = window.open_key_dialog()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.masked[Environment.SANDBOX].text() != "…")
    return dialog


def paste(qtbot, dialog: KeyDialog, key: str) -> None:
    dialog.key.setFocus()
    qtbot.keyClicks(dialog.key, key)


def visible_texts(widget) -> str:
    texts = [label.text() for label in widget.findChildren(QLabel)]
    texts += [field.displayText() for field in widget.findChildren(QLineEdit)]
    return "\n".join(texts)


def test_a_pasted_key_is_masked_can_be_shown_and_is_tested_against_billing_io(
    qtbot, dialog, api_key
):
    assert dialog.key.echoMode() == QLineEdit.EchoMode.Password
    paste(qtbot, dialog, api_key)
    assert api_key not in visible_texts(dialog)
    dialog.show_key.click()
    assert dialog.key.echoMode() == QLineEdit.EchoMode.Normal
    dialog.show_key.click()
    assert dialog.key.echoMode() == QLineEdit.EchoMode.Password

    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy)
    assert dialog.result.text() == "The key works: TEST account with 2 active payment methods."


def test_a_malformed_key_is_refused_at_once_without_echoing_it(qtbot, dialog):
    paste(qtbot, dialog, "sk_test_short")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    assert not dialog.busy
    assert "cut short" in dialog.result.text()
    assert "sk_test_short" not in dialog.result.text()


def test_testing_against_an_unreachable_address_says_so(qtbot, window, api_key):
    dead = client_factory("http://127.0.0.1:9/v1", timeout=1.0, max_retries=0)
    dialog = KeyDialog(window.api, window.keys, dead, parent=window)
    qtbot.addWidget(dialog)
    dialog.key.setText(api_key)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)
    assert dialog.result.text().startswith("Nothing answered at the API address")
    assert dialog.result.property("error") is True


def test_a_key_test_tries_once_and_answers_at_once(qtbot, window, api_key):
    """No retries with their waits (1, 2, 4 s in use): pressing Test again is the retry."""
    server = ScriptedServer().start()
    try:
        server.script.extend([Scripted(503, b"{}") for _ in range(4)])
        patient = client_factory(server.base_url, timeout=1.0, backoff=(5.0,), max_retries=3)
        dialog = KeyDialog(window.api, window.keys, patient, parent=window)
        qtbot.addWidget(dialog)
        dialog.key.setText(api_key)
        dialog.test_button.click()
        qtbot.waitUntil(lambda: not dialog.busy, timeout=4_000)
        assert dialog.result.property("error") is True
        assert len(server.requests) == 1
    finally:
        server.stop()


def test_save_and_clear_go_to_the_keyring_and_the_window_follows(
    qtbot, dialog, window, keyring_backend
):
    paste(qtbot, dialog, LIVE_KEY)
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert keyring_backend.entries[("linkdesk", "live")] == LIVE_KEY
    assert dialog.key.text() == ""
    assert dialog.masked[Environment.LIVE].text() == "sk_live_…1234"
    assert dialog.result.text() == "Saved; linkdesk now uses the LIVE key."
    assert window.environment is Environment.LIVE
    assert window.environment_badge.text() == "LIVE"
    assert LIVE_KEY not in visible_texts(dialog)

    qtbot.waitUntil(lambda: dialog.clear_buttons[Environment.LIVE].isEnabled())
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        dialog.clear_buttons[Environment.LIVE].click()
    assert ("linkdesk", "live") not in keyring_backend.entries
    assert dialog.masked[Environment.LIVE].text() == "none stored"
    assert dialog.result.text() == "Removed; linkdesk has no key now."
    assert window.environment is None
    assert "no API key" in window.form.method_note.error


def test_a_keyring_that_refuses_the_key_keeps_it_for_this_run_and_says_so(
    qtbot, dialog, window, keyring_backend
):
    keyring_backend.fail_with(operations=["set"])
    paste(qtbot, dialog, LIVE_KEY)
    with qtbot.waitSignal(dialog.key_changed, timeout=10_000):
        dialog.save_button.click()
    assert dialog.result.text() == SAVE_FAILED
    assert window.environment is Environment.LIVE


def test_first_start_without_a_key_opens_the_dialog_with_the_demo(qtbot, open_window, first_start):
    window = open_window(first_start)
    dialog = window.key_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert dialog.intro.isVisible()
    assert dialog.intro.text() == FIRST_START
    assert dialog.demo_button.isVisible()
    assert dialog.demo_button.text() == "Try the &demo"

    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.form.methods_ready)
    assert window.key_dialog is None
    assert window.windowTitle() == DEMO_TITLE
    assert window.demo_badge.isVisible()
    assert window.focusWidget() is window.form.amount


def test_first_start_then_a_saved_key_gets_to_work(qtbot, open_window, first_start, api_key):
    window = open_window(first_start)
    dialog = window.key_dialog
    dialog.key.setText(api_key)
    qtbot.keyClick(dialog.key, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.form.methods_ready, timeout=10_000)
    assert window.environment is Environment.SANDBOX
    dialog.reject()
    assert window.key_dialog is None


def test_a_stored_key_is_found_at_start_off_the_gui_thread(
    qtbot, open_window, first_start, keyring_backend, api_key
):
    keyring_backend.entries[("linkdesk", "sandbox")] = api_key
    window = open_window(first_start)
    assert window.key_dialog is None
    assert window.form.methods_ready
    assert window.environment is Environment.SANDBOX


def test_a_computer_without_a_keyring_is_told_so(qtbot, open_window, first_start):
    store = SecretStore(backend=fail.Keyring())
    window = open_window(Services(**{**first_start.__dict__, "secrets": store}))
    dialog = window.key_dialog
    qtbot.waitUntil(lambda: dialog.problem.text() != "")
    assert dialog.problem.text() == NO_KEYRING


def test_the_dialog_is_in_the_file_menu(window):
    assert window.key_action.text() == "&Keys…"
    assert window.key_action in window.menuBar().actions()[0].menu().actions()
    window.key_action.trigger()
    assert window.key_dialog is not None
    assert window.key_dialog.isVisible()
    assert not window.key_dialog.intro.isVisible()
