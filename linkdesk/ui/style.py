"""Styling helpers: linkdesk's stylesheet on the widgets it styles, re-applying it after
a dynamic property changed, and setting Qt enum properties by name.

The stylesheet (resources/linkdesk.qss) styles a dozen labels: badges, notes, the banner,
the heading. It is set on those widgets (`styled`), not on the application: an
application-wide sheet sends every widget through Qt's style-sheet style, which cost the
window's start some 7 ms of polishing and painting for rules that match none of them.

PySide6 builds the Python enums of the whole `Qt` namespace (some ninety of them) the
first time any is touched: about 15 ms on Python 3.11, more than a tenth of a bare
window's start. The widgets the window shows first therefore set their enum properties
by their C++ names (`set_enum_property`) and leave `Qt` alone until the window is ready;
a test holds the start to that.
"""

from __future__ import annotations

import os
from functools import cache

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QSizePolicy, QSpacerItem, QVBoxLayout, QWidget

# Plain files installed next to this module (Qt needs real paths for icons anyway);
# reading them with os is also some 5 ms quicker at start than importlib.resources.
RESOURCES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resources")
STYLE_SHEET = "linkdesk.qss"
DARK_STYLE_SHEET = "linkdesk-dark.qss"


def resource_text(name: str) -> str | None:
    """A file shipped in linkdesk/ui/resources, or None when it is missing."""
    try:
        with open(os.path.join(RESOURCES, name), encoding="utf-8") as file:
            return file.read()
    except OSError:
        return None


def resource_path(name: str) -> str | None:
    path = os.path.join(RESOURCES, name)
    return path if os.path.isfile(path) else None


@cache
def style_sheet(dark: bool = False) -> str:
    """linkdesk's stylesheet, with its dark-theme colours when `dark`; empty (the theme
    alone) if the file is missing."""
    sheet = resource_text(STYLE_SHEET) or ""
    if sheet and dark:
        sheet += "\n" + (resource_text(DARK_STYLE_SHEET) or "")
    return sheet


def is_dark(widget: QWidget) -> bool:
    """Whether the widget's theme is dark: light text on a dark window."""
    return widget.palette().window().color().lightness() < 128


def styled(widget: QWidget) -> None:
    """Give a widget (and its children) linkdesk's stylesheet; see above."""
    sheet = style_sheet(is_dark(widget))
    if sheet:
        widget.setStyleSheet(sheet)


def set_enum_property(target: QObject, name: str, keys: str) -> None:
    """Set an enum or flags property by its Qt key names, e.g.
    `set_enum_property(label, "alignment", "AlignRight|AlignVCenter")`: Qt converts the
    names itself. A misspelt property or key raises instead of passing unnoticed."""
    if target.metaObject().indexOfProperty(name) < 0 or not target.setProperty(name, keys):
        raise ValueError(f"{type(target).__name__} has no enum property {name} taking {keys}")


def at_top(widget: QWidget) -> QVBoxLayout:
    """A column with `widget` at its top and the spare height below it: what AlignTop
    in `addWidget` does, without `Qt`'s enums. The gap is a zero-height spacer given
    the column's stretch, so the widget keeps its own height."""
    policy = widget.sizePolicy()
    policy.setVerticalPolicy(QSizePolicy.Policy.Maximum)
    widget.setSizePolicy(policy)
    column = QVBoxLayout()
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(widget)
    gap = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
    column.addItem(gap)
    column.setStretch(1, 1)
    return column


def repolish(widget: QWidget) -> None:
    """Restyle a widget whose stylesheet selectors depend on a property that changed.

    A widget not polished yet (not shown so far) picks the property up when it is; only
    then is the style asked, which spares the window's start the cost of loading the
    style's Python type and its many enums (and `Qt`'s: see above).
    """
    from PySide6.QtCore import Qt

    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)
