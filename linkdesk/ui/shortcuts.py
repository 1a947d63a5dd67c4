"""Keyboard shortcuts: the one list of keys, their tooltips, and Help › Keyboard shortcuts.

Every key the window answers to is named here once, so a menu entry, a button's tooltip
and the help list cannot disagree. The help list is read from the window's own actions
(whoever added them), plus the keys that belong to no menu entry such as Enter and Tab.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QMenu, QVBoxLayout, QWidget

NEW_LINK = QKeySequence.StandardKey.New  # Ctrl+N
NEW_LINK_ALT = "Esc"
COPY_URL = "Ctrl+Shift+C"
COPY_QR = "Ctrl+Shift+I"
SAVE_QR = QKeySequence.StandardKey.Save  # Ctrl+S
PRINT = QKeySequence.StandardKey.Print  # Ctrl+P
SHARE = "Ctrl+M"
CUSTOMER_DISPLAY = "F11"
SEARCH = QKeySequence.StandardKey.Find  # Ctrl+F, for the history
EXPORT = "Ctrl+E"  # for the history
SETTINGS = "Ctrl+,"
KEYBOARD_HELP = "F1"

# Keys that are not menu entries: they work in the form itself.
FORM_KEYS: tuple[tuple[str, str], ...] = (
    ("Enter", "Create the payment link (asks first above the confirmation amount)"),
    ("Esc", "Stop waiting while a link is being created; otherwise start a new link"),
    ("Tab, Shift+Tab", "Move to the next or previous field or button"),
    ("Alt + underlined letter", "Jump to that field or button"),
    ("Delete", "In the recent links: remove the selected link from this computer"),
)


def key_text(key: str | QKeySequence.StandardKey | QKeySequence) -> str:
    """How a key is written for people on this platform, e.g. "Ctrl+Shift+C"."""
    seq = key if isinstance(key, QKeySequence) else QKeySequence(key)
    return seq.toString(QKeySequence.SequenceFormat.NativeText)


def with_key(text: str, key: str | QKeySequence.StandardKey | QKeySequence) -> str:
    """A tooltip that names its shortcut: "Copy the link to the clipboard (Ctrl+Shift+C)"."""
    shown = key_text(key)
    return f"{text} ({shown})" if shown else text


def make_action(
    parent: QWidget,
    text: str,
    tip: str,
    key: str | QKeySequence.StandardKey | None = None,
    *,
    extra_keys: tuple[str, ...] = (),
) -> QAction:
    """A menu action whose tooltip and status tip say what it does and which key does it."""
    action = QAction(text, parent)
    keys = ([QKeySequence(key)] if key is not None else []) + [QKeySequence(k) for k in extra_keys]
    if keys:
        action.setShortcuts(keys)
        action.setToolTip(with_key(tip, keys[0]))
    else:
        action.setToolTip(tip)
    action.setStatusTip(tip)
    return action


class WindowKeysFirst(QObject):
    """Gives some of the window's keys precedence over a text field's editing keys.

    On Linux a text field reads Ctrl+E as "end of line" and claims it before a menu's
    shortcut can fire, and the cursor is nearly always in a field. Watching the window's
    fields with this filter, Ctrl+E exports wherever the cursor is; the fields keep all
    their other keys.
    """

    def __init__(self, keys: Iterable[str], parent: QObject) -> None:
        super().__init__(parent)
        self._keys = {QKeySequence(key)[0].toCombined() for key in keys}

    def watch(self, widgets: Iterable[QWidget]) -> None:
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        # Left unaccepted, the key goes on to the shortcuts instead of to the field.
        return (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.keyCombination().toCombined() in self._keys
        )


def find_or_add_menu(window: QMainWindow, title: str) -> QMenu:
    """The menu bar's menu with this title (mnemonic ignored), added at the end if missing:
    other parts of the window add to the same Help menu instead of a second one."""
    wanted = title.replace("&", "")
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text().replace("&", "") == wanted:
            return menu
    return window.menuBar().addMenu(title)


def window_shortcuts(window: QMainWindow) -> list[tuple[str, str]]:
    """(keys, what they do) for the form's keys and every menu action that has a shortcut."""
    rows = list(FORM_KEYS)
    seen: set[str] = set()
    explained = {key for keys, _what in FORM_KEYS for key in keys.split(", ")}

    def walk(menu: QMenu) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu())  # type: ignore[arg-type]
                continue
            keys = [key_text(k) for k in action.shortcuts() if not k.isEmpty()]
            keys = [key for key in keys if key not in explained]  # Esc: said above
            if not keys or action.text() in seen:
                continue
            seen.add(action.text())
            what = action.statusTip() or action.text().replace("&", "").rstrip("…")
            rows.append((", ".join(keys), what))

    for action in window.menuBar().actions():
        if isinstance(action.menu(), QMenu):
            walk(action.menu())  # type: ignore[arg-type]
    return rows


class ShortcutsDialog(QDialog):
    """Help › Keyboard shortcuts: every key, in a table a screen reader can walk."""

    def __init__(self, rows: list[tuple[str, str]], parent: QWidget | None = None) -> None:
        # Imported here: the window's start needs the keys above, not the table.
        from PySide6.QtWidgets import QDialogButtonBox, QHeaderView, QTableWidget, QTableWidgetItem

        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsDialog")
        intro = QLabel("Everything at the counter works from the keyboard:")
        self.table = QTableWidget(len(rows), 2)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Keys", "What they do"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.setAccessibleDescription("Each row is a key and what it does.")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        for row, (keys, what) in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(keys))
            self.table.setItem(row, 1, QTableWidgetItem(what))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close")
        close.setAccessibleDescription("Close the list of keyboard shortcuts")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(620, 520)
        self.table.setFocus()

    def rows(self) -> list[tuple[str, str]]:
        return [
            (self.table.item(r, 0).text(), self.table.item(r, 1).text())
            for r in range(self.table.rowCount())
        ]
