"""Take the README's screenshots on a private Xvfb: the window light and dark, and the
customer display. Run: python docs/take_screenshots.py (needs Xvfb)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    palette = QPalette()
    for role, colour in {
        QPalette.ColorRole.Window: "#232629",
        QPalette.ColorRole.WindowText: "#eff0f1",
        QPalette.ColorRole.Base: "#1b1e20",
        QPalette.ColorRole.AlternateBase: "#2a2e32",
        QPalette.ColorRole.Text: "#eff0f1",
        QPalette.ColorRole.Button: "#31363b",
        QPalette.ColorRole.ButtonText: "#eff0f1",
        QPalette.ColorRole.Highlight: "#3daee9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.PlaceholderText: "#a0a4a8",
        QPalette.ColorRole.ToolTipBase: "#31363b",
        QPalette.ColorRole.ToolTipText: "#eff0f1",
    }.items():
        palette.setColor(role, QColor(colour))
    return palette


def shoot(scheme: str) -> None:
    """In a child on the X display: the demo window with a link, grabbed to docs/."""
    sys.path.insert(0, ROOT)
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPalette

    from linkdesk.core.settings import SHOP_NAME, MemoryStorage, Settings
    from linkdesk.ui.main import _Demo, client_factory, create_application
    from linkdesk.ui.main_window import MainWindow, Services

    app = create_application(sys.argv)
    if scheme == "dark":
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        if app.palette().color(QPalette.ColorRole.Window).lightness() > 128:
            # A bare X server has no desktop theme to ask: give Qt the palette a dark
            # desktop would, as the system does.
            app.setPalette(dark_palette())
    settings = Settings(MemoryStorage())
    settings.set(SHOP_NAME, "Corner Café")
    demo = _Demo()
    window = MainWindow(
        Services(
            client_factory=client_factory("http://127.0.0.1:1/v1"),
            secrets=lambda: None,  # type: ignore[arg-type, return-value]
            settings=settings,
            demo=True,
            start_demo=demo.start,
        )
    )
    window.resize(960, 640)
    window.show()

    def methods_loaded() -> None:
        window.form.amount.setText("29.99")
        window.form.description.setText("Two flat whites and a croissant")
        window.form.submit()

    def created(*_args: object) -> None:
        app.processEvents()
        window.grab().save(os.path.join(HERE, f"window-{scheme}.png"))
        if scheme == "light":
            display = window.customer.open()
            display.resize(1280, 800)
            app.processEvents()
            display.grab().save(os.path.join(HERE, "customer-display.png"))
        window.close()
        app.quit()

    window.methods_loaded.connect(methods_loaded)
    window.creator.created.connect(created)
    app.exec()
    window.shutdown()
    demo.stop()


def main() -> None:
    if len(sys.argv) > 1:
        shoot(sys.argv[1])
        return
    sys.path.insert(0, ROOT)
    from tests.e2e.xvfb import xvfb

    with xvfb(1280, 800) as display, tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            "DISPLAY": display,
            "QT_QPA_PLATFORM": "xcb",
            "HOME": home,
            "XDG_CONFIG_HOME": home,
        }
        for scheme in ("light", "dark"):
            subprocess.run([sys.executable, __file__, scheme], env=env, check=True, timeout=120)


if __name__ == "__main__":
    main()
