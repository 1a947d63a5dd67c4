"""Helpers for the history tests: a clock the test moves, a history file, a window on it."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from linkdesk.core.history import LinkHistory, Source
from linkdesk.core.links import Environment, PaymentLink
from linkdesk.ui.history_model import HistoryColumn
from linkdesk.ui.history_options import HistoryOptions
from linkdesk.ui.main_window import MainWindow, Services
from tests.ui.helpers import Clock

START = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def make_link(
    number: int,
    *,
    created: datetime,
    amount: str = "10.00",
    description: str | None = None,
    lifetime: timedelta | None = timedelta(hours=1),
    environment: Environment = Environment.SANDBOX,
) -> PaymentLink:
    link_id = f"pl_{number:07x}{'0' * 17}"
    return PaymentLink(
        id=link_id,
        url=f"https://pay.example.test/{link_id}",
        amount_usd=Decimal(amount),
        payment_method_id="pm_test",
        description=description,
        expires_at=None if lifetime is None else created + lifetime,
        environment=environment,
        created_at=created,
    )


def write_history(path: Path, links: list[PaymentLink], source: Source = Source.APP) -> None:
    with LinkHistory(path) as history:
        for environment in Environment:
            chosen = [link for link in links if link.environment is environment]
            if chosen:
                history.record_many(
                    chosen,
                    environment=environment,
                    source=source,
                    method_names={"pm_test": "USDT on Tron"},
                )


def history_services(services: Services, path: Path, clock: Clock, **options) -> Services:
    options.setdefault("tick_ms", 20)
    options.setdefault("sync_on_start", False)
    return dataclasses.replace(services, history=HistoryOptions(path, clock=clock, **options))


def open_history_window(qtbot, open_window, services: Services) -> MainWindow:
    window = open_window(services)
    qtbot.waitUntil(lambda: window.history.settled, timeout=10_000)
    return window


def wait_shown(qtbot, window: MainWindow, action) -> None:
    """Do `action` (a search, a filter) and wait until the view shows the newest answer."""
    action()
    qtbot.waitUntil(lambda: window.history.settled, timeout=10_000)


def cell(window: MainWindow, row: int, column: HistoryColumn) -> str:
    model = window.history.model
    return model.data(model.index(row, column))


def column_texts(window: MainWindow, column: HistoryColumn) -> list[str]:
    model = window.history.model
    return [cell(window, row, column) for row in range(model.rowCount())]
