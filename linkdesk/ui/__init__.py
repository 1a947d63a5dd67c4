"""linkdesk's PySide6 window; `linkdesk.ui.main.run_gui` starts it (kept light on purpose)."""
