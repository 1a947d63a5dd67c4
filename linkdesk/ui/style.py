"""Styling helpers: re-applying the stylesheet after a dynamic property changed, and
setting Qt enum properties by name.

PySide6 builds the Python enums of the whole `Qt` namespace (some ninety of them) the
first time any is touched: about 15 ms on Python 3.11, more than a tenth of a bare
window's start. The widgets the window shows first therefore set their enum properties
by their C++ names (`set_enum_property`) and leave `Qt` alone until the window is ready;
a test holds the start to that.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QSizePolicy, QSpacerItem, QVBoxLayout, QWidget


def set_enum_property(target: QObject, name: str, keys: str) -> None:
    """Set an enum or flags property by its Qt key names, e.g.
    `set_enum_property(label, "alignment", "AlignRight|AlignVCenter")`: Qt converts the
    names itself. A misspelt property or key raises instead of passing unnoticed."""
    if target.metaObject().indexOfProperty(name) < 0 or not target.setProperty(name, keys):
        raise ValueError(f"{type(target).__name__} has no enum property {name} taking {keys}")


def at_top(widget: QWidget) -> QVBoxLayout:
    """A column with `widget` at its top and the room below left empty: what AlignTop
    in `addWidget` does, without `Qt`'s enums. The gap below may grow but does not ask
    for room (a stretch would make the whole row want more height)."""
    column = QVBoxLayout()
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(widget)
    gap = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
    column.addItem(gap)
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
