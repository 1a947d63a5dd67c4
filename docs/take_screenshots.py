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


def seed_history(path: str) -> None:
    """A morning at the counter: a few links, one expired, one from another till."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal
    from pathlib import Path

    from linkdesk.core.history import LinkHistory, Source
    from linkdesk.core.links import Environment, PaymentLink

    now = datetime.now(UTC).replace(microsecond=0)
    made = [
        (95, "4.50", "Espresso", 900, Source.APP),
        (80, "12.00", "Brunch for two — table 3", 3600, Source.APP),
        (42, "3.20", "Croissant ☕", 300, Source.APP),
        (30, "58.90", "Catering deposit, order 1187", None, Source.BILLING_IO),
        (12, "7.80", "شاي بالنعناع ×2", 86400, Source.APP),
    ]
    history = LinkHistory(Path(path))
    for number, (minutes_ago, amount, text, lifetime, source) in enumerate(made):
        created = now - timedelta(minutes=minutes_ago)
        link_id = f"pl_{number:02d}" + "5e1d0c3b7a9f" * 2
        history.record(
            PaymentLink(
                id=link_id[:27],
                url=f"https://pay.billing.io/{link_id[:27]}",
                amount_usd=Decimal(amount),
                payment_method_id="pm_demo",
                description=text,
                expires_at=created + timedelta(seconds=lifetime) if lifetime else None,
                environment=Environment.SANDBOX,
                created_at=created,
            ),
            environment=Environment.SANDBOX,
            method_name="USDT on Tron",
            source=source,
        )
    history.close()


def shoot(scheme: str) -> None:
    """In a child on the X display: the demo window with a link, grabbed to docs/."""
    sys.path.insert(0, ROOT)
    from pathlib import Path

    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QPalette

    from linkdesk.core.paths import demo_history_path
    from linkdesk.core.settings import SHOP_NAME, MemoryStorage, Settings
    from linkdesk.ui.history_options import HistoryOptions
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
    history = os.path.join(os.environ["HOME"], f"history-{scheme}.sqlite3")
    # A demo window keeps its links in the demo's own history beside this one.
    seed_history(str(demo_history_path(Path(history))))
    window = MainWindow(
        Services(
            client_factory=client_factory("http://127.0.0.1:1/v1"),
            secrets=lambda: None,  # type: ignore[arg-type, return-value]
            settings=settings,
            demo=True,
            start_demo=demo.start,
            history=HistoryOptions(Path(history), sync_on_start=False),
        )
    )
    window.resize(960, 640)
    window.show()

    def methods_loaded() -> None:
        window.form.amount.setText("29.99")
        window.form.description.setText("Two flat whites and a croissant")
        window.form.submit()

    def created(*_args: object) -> None:
        # The new link reaches the table through the history's writer and reader threads.
        QTimer.singleShot(800, grab)

    def grab() -> None:
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
