"""Python's cycle collector, run on the GUI thread only.

Left to itself, the collector runs on whichever thread happens to allocate when a
generation fills up: in linkdesk often the API, keyring or history threads. A Qt object
that ends up in a reference cycle (a widget held by a lambda it is connected to, say) is
then deleted on that thread, and Qt objects may only be deleted on the thread they live
on; a window deleted on the API thread brings the whole app down. (The Enter -> QR
benchmark did exactly that with a window it had dropped.)

`GuiThreadCollector` turns the automatic collector off and does its work from a timer on
the GUI thread instead: each tick runs the generations Python itself would have run by
now, judged by the same thresholds, so memory behaves as before and a tick with nothing
to collect costs a few microseconds. `stop` turns the automatic collector back on.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer, Slot

TICK_MS = 500


class GuiThreadCollector(QObject):
    """Collects reference cycles on the thread it lives on (the GUI thread)."""

    def __init__(self, parent: QObject | None = None, *, interval_ms: int = TICK_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._was_enabled = gc.isenabled()

    def start(self) -> GuiThreadCollector:
        gc.disable()
        self._timer.start()
        return self

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()

    @Slot()
    def on_timer_timeout(self) -> None:
        self.collect_due()

    def collect_due(self) -> int:
        """Run the oldest generation whose count has passed its threshold (which also
        collects the younger ones), as the automatic collector would; the objects freed."""
        counts = gc.get_count()
        thresholds = gc.get_threshold()
        due = [g for g in range(3) if thresholds[g] and counts[g] > thresholds[g]]
        return gc.collect(due[-1]) if due else 0
