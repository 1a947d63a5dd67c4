"""Reference cycles are collected on the GUI thread only (linkdesk.ui.collector)."""

from __future__ import annotations

import gc
import threading
import weakref

import pytest
from PySide6.QtCore import QObject

from linkdesk.ui.collector import GuiThreadCollector


@pytest.fixture
def collector(qtbot):
    assert gc.isenabled()
    running = GuiThreadCollector(interval_ms=60_000).start()  # ticks are called by hand
    yield running
    running.stop()
    assert gc.isenabled()


def test_start_turns_the_automatic_collector_off(collector):
    assert not gc.isenabled()


def test_a_cycle_dropped_while_a_worker_allocates_is_freed_on_the_gui_thread(collector):
    destroyed_on: list[str] = []
    holder = QObject()
    holder.itself = holder  # a cycle: only the collector can free it
    holder.destroyed.connect(lambda: destroyed_on.append(threading.current_thread().name))
    alive = weakref.ref(holder)
    del holder

    kept: list[list[int]] = []

    def allocate() -> None:
        # Far past generation 0's threshold: Python alone would collect on this thread.
        kept.extend([index] for index in range(20_000))

    worker = threading.Thread(target=allocate, name="api")
    worker.start()
    worker.join()
    assert gc.get_count()[0] > gc.get_threshold()[0]
    assert alive() is not None  # nothing was collected on the worker

    assert collector.collect_due() > 0
    assert alive() is None
    assert destroyed_on == [threading.main_thread().name]


def test_a_tick_with_nothing_due_collects_nothing(collector):
    gc.collect()
    assert collector.collect_due() == 0


def test_the_timer_ticks_on_its_own(qtbot):
    ticking = GuiThreadCollector(interval_ms=10).start()
    try:
        garbage = QObject()
        garbage.itself = garbage
        alive = weakref.ref(garbage)
        del garbage
        junk = [[index] for index in range(5_000)]  # past generation 0's threshold
        qtbot.waitUntil(lambda: alive() is None, timeout=5_000)
        assert len(junk) == 5_000
    finally:
        ticking.stop()
