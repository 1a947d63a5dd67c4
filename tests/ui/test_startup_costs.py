"""What keeps the window's start short: no `Qt` enums before ready, and PySide6's source
reading answered from module names (linkdesk.ui.pyside_imports, linkdesk.ui.style)."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QLabel, QToolButton

from linkdesk.ui.pyside_imports import known_answer, quicken_pyside_imports
from linkdesk.ui.style import set_enum_property
from tests.app_env import app_env

PROBE = textwrap.dedent(
    """
    import sys
    import PySide6.QtCore as core
    from linkdesk.app import main
    from linkdesk.ui.main_window import MainWindow

    mark_ready = MainWindow._mark_ready

    def probe(self):
        if not self.is_ready:
            print("Qt built before ready:", "Qt" in vars(core), flush=True)
        mark_ready(self)

    MainWindow._mark_ready = probe
    sys.exit(main(sys.argv[1:]))
    """
)


def start_with_probe(tmp_path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=app_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("args", [("--demo", "--smoke"), ("--smoke",)], ids=["demo", "no key"])
def test_the_window_is_ready_before_any_qt_namespace_enum_is_built(tmp_path, args):
    # PySide6 builds all of Qt's ~90 enums on first touch (~15 ms): after ready, not before.
    assert "Qt built before ready: False" in start_with_probe(tmp_path, *args)


def test_the_probe_would_see_the_qt_namespace_built():
    from PySide6 import QtCore

    assert QtCore.Qt.AlignmentFlag.AlignLeft  # built in this test process by now
    assert "Qt" in vars(QtCore)


def test_pyside_is_told_without_reading_what_reading_would_conclude():
    from PySide6.support import feature

    assert quicken_pyside_imports()
    assert quicken_pyside_imports()  # a second call keeps the one wrapper
    slow = feature._mod_uses_pyside.slow
    assert not getattr(slow, "quick", False)
    for name in ("linkdesk.ui.main", "linkdesk.ui.main_window", "linkdesk.cli", "logging"):
        importlib.import_module(name)
    answered = 0
    for name, module in list(sys.modules.items()):
        known = known_answer(module)
        if known is None or name == "linkdesk.ui.lifetimes":
            continue
        assert known is slow(module), name
        answered += 1
    assert answered > 100


def test_the_one_linkdesk_ui_module_without_pyside_is_answered_harmlessly():
    # lifetimes.py is plain Python; the answer only matters to __feature__ users, and
    # linkdesk is not one: "uses PySide6" leaves it exactly as it was.
    module = importlib.import_module("linkdesk.ui.lifetimes")
    assert known_answer(module) is True


def test_other_modules_are_still_read():
    import pytestqt

    assert known_answer(pytestqt) is None


def test_enum_properties_are_set_by_their_qt_names(qtbot):
    from PySide6.QtCore import Qt

    label = QLabel()
    qtbot.addWidget(label)
    set_enum_property(label, "alignment", "AlignRight|AlignVCenter")
    set_enum_property(label, "textFormat", "PlainText")
    set_enum_property(label, "textInteractionFlags", "TextSelectableByMouse")
    assert label.alignment() == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.textInteractionFlags() == Qt.TextInteractionFlag.TextSelectableByMouse
    button = QToolButton()
    qtbot.addWidget(button)
    set_enum_property(button, "focusPolicy", "TabFocus")
    assert button.focusPolicy() == Qt.FocusPolicy.TabFocus


@pytest.mark.parametrize(
    ("name", "keys"), [("alignment", "AlignMiddle"), ("alignmnet", "AlignLeft")]
)
def test_a_misspelt_enum_property_raises(qtbot, name, keys):
    label = QLabel()
    qtbot.addWidget(label)
    with pytest.raises(ValueError, match=name):
        set_enum_property(label, name, keys)
