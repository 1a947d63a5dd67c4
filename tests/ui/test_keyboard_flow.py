"""Keyboard first: six keystrokes from a fresh window to a QR that scans, and every shortcut."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMenu, QWidget

from linkdesk.core.settings import SHOP_NAME
from linkdesk.ui import shortcuts
from tests.ui.helpers import decode_qr

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
NONE = Qt.KeyboardModifier.NoModifier


def press(qtbot, key: Qt.Key, modifier=NONE) -> None:
    """One key, to whatever has the keyboard focus: the way a person types."""
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    qtbot.keyClick(target, key, modifier)


def type_text(qtbot, text: str) -> None:
    for char in text:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        qtbot.keyClicks(target, char)


def create_by_keyboard(qtbot, window, amount: str):
    previous = window.result.link
    type_text(qtbot, amount)
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.result.link is not previous, timeout=10_000)
    return window.result.link


def test_six_keystrokes_from_a_fresh_window_to_a_qr_that_scans(qtbot, window, emulator, api_key):
    assert QApplication.focusWidget() is window.form.amount
    keystrokes = [*"29.99", "Return"]
    assert len(keystrokes) == 6
    link = create_by_keyboard(qtbot, window, "29.99")
    assert window.result.amount.text() == "$29.99"
    assert decode_qr(window.result.qr) == [link.url]
    assert emulator.links_created(api_key) == 1
    # Ready for the next customer without touching the mouse.
    assert QApplication.focusWidget() is window.form.amount
    assert window.form.amount.text() == ""


def test_the_second_link_also_takes_only_the_amount_and_enter(qtbot, window):
    first = create_by_keyboard(qtbot, window, "5")
    second = create_by_keyboard(qtbot, window, "7.50")
    assert first.url != second.url
    assert decode_qr(window.result.qr) == [second.url]


@pytest.mark.parametrize(
    ("key", "modifier"), [(Qt.Key.Key_N, CTRL), (Qt.Key.Key_Escape, NONE)], ids=["ctrl+n", "esc"]
)
def test_ctrl_n_and_esc_start_a_new_link(qtbot, window, key, modifier):
    type_text(qtbot, "12")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    type_text(qtbot, "Table 4")
    assert window.form.description.text() == "Table 4"
    press(qtbot, key, modifier)
    assert window.form.amount.text() == ""
    assert window.form.description.text() == ""
    assert QApplication.focusWidget() is window.form.amount


@pytest.mark.parametrize(
    ("key", "modifier"), [(Qt.Key.Key_N, CTRL), (Qt.Key.Key_Escape, NONE)], ids=["ctrl+n", "esc"]
)
def test_starting_over_takes_the_last_code_off_the_screen(qtbot, window, key, modifier):
    """The next customer must not scan the last customer's code (and pay its amount)."""
    create_by_keyboard(qtbot, window, "8")
    assert window.result.qr.isVisible()
    press(qtbot, key, modifier)
    assert window.result.link is None
    assert not window.result.qr.isVisible()
    assert window.result.placeholder.isVisible()
    assert not window.result_actions.copy_qr.isEnabled()
    assert QApplication.focusWidget() is window.form.amount


def test_ctrl_n_between_links_puts_the_shop_name_on_the_customer_display(qtbot, window):
    window.services.settings.set(SHOP_NAME, "Corner Café")
    press(qtbot, Qt.Key.Key_F11)
    display = window.customer.display
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.amount)
    create_by_keyboard(qtbot, window, "3")
    assert display.qr.text() == window.result.link.url
    press(qtbot, Qt.Key.Key_N, CTRL)
    assert display.link is None
    assert display.shop.text() == "Corner Café"
    assert display.shop.isVisible()
    assert not display.qr.isVisible()
    press(qtbot, Qt.Key.Key_F11)


def test_ctrl_shift_c_copies_the_link(qtbot, window):
    link = create_by_keyboard(qtbot, window, "4")
    QApplication.clipboard().clear()
    press(qtbot, Qt.Key.Key_C, CTRL | SHIFT)
    assert QApplication.clipboard().text() == link.url
    assert "Copied" in window.statusBar().currentMessage()


def test_f11_opens_and_closes_the_customer_display(qtbot, window):
    assert not window.customer.is_open
    press(qtbot, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: window.customer.is_open)
    assert window.customer.toggle_action.isChecked()
    assert window.customer.display.isFullScreen()
    # The cashier keeps typing in the amount while the customer looks at the display.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.amount)
    press(qtbot, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not window.customer.is_open)
    assert not window.customer.toggle_action.isChecked()


def test_f11_or_esc_on_the_customer_display_closes_it(qtbot, window):
    display = window.customer.open()
    qtbot.waitExposed(display)
    # Someone clicked on the customer's screen: it has the keyboard now.
    display.activateWindow()
    qtbot.waitUntil(display.isActiveWindow)
    qtbot.keyClick(display, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not window.customer.is_open)


def test_the_result_shortcuts_reach_their_actions(qtbot, window, tmp_path):
    link = create_by_keyboard(qtbot, window, "6")
    actions = window.result_actions
    saved: list[str] = []
    opened: list[str] = []
    actions.save_path = lambda _parent, _name: saved.append("asked") or str(tmp_path / "q.png")
    actions.open_url = lambda url: opened.append(url.toString()) or True

    press(qtbot, Qt.Key.Key_I, CTRL | SHIFT)
    assert not QApplication.clipboard().image().isNull()
    press(qtbot, Qt.Key.Key_S, CTRL)
    assert saved == ["asked"]
    assert (tmp_path / "q.png").stat().st_size > 0
    press(qtbot, Qt.Key.Key_M, CTRL)
    assert len(opened) == 1
    assert opened[0].startswith("mailto:")
    press(qtbot, Qt.Key.Key_P, CTRL)
    qtbot.waitUntil(lambda: actions.preview is not None and actions.preview.isVisible())
    assert "$6.00" in actions.preview.windowTitle()
    actions.preview.close()
    qtbot.waitUntil(lambda: actions.preview is None)
    assert window.result.link is link


def test_the_result_shortcuts_do_nothing_before_a_link_exists(qtbot, window):
    for action in window.result_actions.actions:
        assert not action.isEnabled()
    press(qtbot, Qt.Key.Key_P, CTRL)
    assert window.result_actions.preview is None


def test_f1_lists_every_shortcut_of_the_window(qtbot, window):
    press(qtbot, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.shortcuts_dialog is not None)
    dialog = window.shortcuts_dialog
    qtbot.waitExposed(dialog)
    rows = dict(dialog.rows())
    listed = " | ".join(rows)
    for key in ("Enter", "Esc", "Ctrl+N", "Ctrl+Shift+C", "Ctrl+Shift+I", "Ctrl+S", "Ctrl+P"):
        assert key in listed, key
    for key in ("Ctrl+M", "F11", "F1", "Ctrl+,", "Ctrl+K"):
        assert key in listed, key
    # Every menu entry with a key is in the list (whoever added it).
    for menu in window.menuBar().findChildren(QMenu):
        for action in menu.actions():
            if not action.shortcut().isEmpty():
                assert shortcuts.key_text(action.shortcut()) in listed, action.text()
    keys = [key for row in rows for key in row.split(", ")]
    assert len(keys) == len(set(keys)), "a key listed twice"
    assert "Delete" in keys
    assert rows[shortcuts.key_text(QKeySequence(shortcuts.SETTINGS))].startswith(
        "Open the settings"
    )
    dialog.reject()
    qtbot.waitUntil(lambda: window.shortcuts_dialog is None)


def test_ctrl_comma_opens_the_settings(qtbot, window):
    press(qtbot, Qt.Key.Key_Comma, CTRL)
    qtbot.waitUntil(lambda: window.settings_dialog is not None)
    dialog = window.settings_dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.shop_name)
    # QTest types ASCII only; a real keyboard types "Café" just as well.
    type_text(qtbot, "Corner Shop")
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.settings_dialog is None)
    assert window.services.settings.get(SHOP_NAME) == "Corner Shop"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.form.amount, timeout=1000)


def test_there_is_one_help_menu_and_it_lists_the_shortcuts(window):
    helps = [a for a in window.menuBar().actions() if a.text().replace("&", "") == "Help"]
    assert len(helps) == 1
    assert window.shortcuts_action in helps[0].menu().actions()


def test_tooltips_name_the_keys(qtbot, window):
    create_by_keyboard(qtbot, window, "8")
    for menu in window.menuBar().findChildren(QMenu):
        for action in menu.actions():
            if action.shortcut().isEmpty() or action.menu() is not None:
                continue
            if action.text() in {"&Keys…", "&Quit", "Try the &demo"}:
                continue  # the foundation's own entries: their keys show in the menu
            if action in window.result_actions.actions or action.parent() is window:
                assert shortcuts.key_text(action.shortcut()) in action.toolTip(), action.text()
    for button in window.result.actions_bar.buttons:
        assert "(Ctrl+" in button.toolTip(), button.text()
    assert "(Enter)" in window.form.create_button.toolTip()
    assert "(Ctrl+Shift+C)" in window.result.copy_button.toolTip()


def test_tab_reaches_every_control_in_a_sensible_order(qtbot, window):
    create_by_keyboard(qtbot, window, "9")
    form, result = window.form, window.result
    expected = [
        form.amount,
        form.method,
        form.description,
        form.lifetime,
        form.create_button,
        result.url,
        result.copy_button,
        *result.actions_bar.buttons,
    ]
    seen: list[QWidget] = [QApplication.focusWidget()]
    for _ in range(len(expected) + 3):
        press(qtbot, Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is seen[0]:
            break
        seen.append(widget)
    # The cycle may pass through the menu-less extras (none today) but keeps this order.
    order = [w for w in seen if w in expected]
    assert order == expected


def test_the_custom_lifetime_minutes_join_the_tab_order_when_chosen(qtbot, window):
    form = window.form
    form.lifetime.setFocus()
    form.lifetime.setCurrentIndex(form.lifetime.count() - 1)
    assert form.custom_minutes.isVisible()
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is form.custom_minutes


def test_every_field_label_has_a_mnemonic_and_a_buddy(window):
    labels = [label for label in window.findChildren(QLabel) if label.buddy() is not None]
    assert len(labels) >= 5
    for label in labels:
        assert "&" in label.text(), label.text()
    # Alt+A goes to the amount from anywhere in the form.
    buddies = {label.buddy() for label in labels}
    assert {window.form.amount, window.form.description, window.result.url} <= buddies
