"""Styling helpers: re-applying the stylesheet after a dynamic property changed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def repolish(widget: QWidget) -> None:
    """Restyle a widget whose stylesheet selectors depend on a property that changed.

    A widget not polished yet (not shown so far) picks the property up when it is; only
    then is the style asked, which spares the window's start the cost of loading the
    style's Python type and its many enums.
    """
    if widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        style = widget.style()
        style.unpolish(widget)
        style.polish(widget)
