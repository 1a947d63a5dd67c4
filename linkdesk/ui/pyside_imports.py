"""Spare the window's start a cost PySide6 adds to every module imported after it.

PySide6 (6.4 to at least 6.11) wraps `__import__`: the first time any module name is
imported after PySide6 itself, even one loaded long before, it asks whether the module
"uses PySide6" by reading its whole source file and looking for the word. The answer only
matters to modules that opt in to PySide6's `__feature__` switches (snake_case names,
true properties), which linkdesk never does. For the window's start that is some 70
files, `typing`, `logging` and `inspect` among them: about 14 ms of the ~100 ms a bare
PySide6 window takes.

`quicken_pyside_imports` answers from the module's name where the name tells: the
standard library never uses PySide6, `linkdesk.ui` does and the rest of linkdesk does
not (tests hold these answers to what reading the files concludes). Every other module
is still read as before. Where PySide6 lacks this machinery (a newer or older release),
nothing changes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

UI_PACKAGE = "linkdesk.ui"


def known_answer(module: ModuleType) -> bool | None:
    """Whether `module` uses PySide6, when its name tells; None when only its source can."""
    name = getattr(module, "__name__", None)
    if not isinstance(name, str):
        return None
    top = name.partition(".")[0]
    if top in sys.stdlib_module_names:
        return False
    if top == "linkdesk":
        return name == UI_PACKAGE or name.startswith(UI_PACKAGE + ".")
    return None


def quicken_pyside_imports() -> bool:
    """Answer PySide6's "does this module use PySide6?" from the module's name where it
    tells. True if PySide6's check was found (and is now the quick one)."""
    try:
        from PySide6.support import feature
    except ImportError:
        return False
    check: Callable[[ModuleType], bool] | None = getattr(feature, "_mod_uses_pyside", None)
    if check is None or getattr(check, "quick", False):
        return check is not None

    def uses_pyside(module: ModuleType) -> bool:
        answer = known_answer(module)
        return check(module) if answer is None else answer

    uses_pyside.quick = True  # type: ignore[attr-defined]
    uses_pyside.slow = check  # type: ignore[attr-defined]
    feature._mod_uses_pyside = uses_pyside
    return True
