"""linkdesk's PySide6 window; `linkdesk.ui.main.run_gui` starts it (kept light on purpose)."""

from linkdesk.ui.pyside_imports import quicken_pyside_imports

quicken_pyside_imports()
