"""`HistoryModel`: the link history as a table model that never holds the whole history.

A history may hold a million links, so the model knows how many rows the current search
has and keeps only the pages of rows recently shown (`MAX_PAGES` of `PAGE_SIZE`); a row
not in memory is drawn as "…" while its page is asked for (`page_wanted`) and fetched on
the query worker. States ("active, 12 min left", "expired", "no expiry") are worked out
when drawn, against `now`, which the view's one timer moves forward: a link turns
"expired" on screen without anything being reloaded.
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor

from linkdesk.core.links import Environment, LinkState
from linkdesk.core.money import format_usd
from linkdesk.ui.history_worker import PAGE_SIZE

if TYPE_CHECKING:
    from linkdesk.core.history import StoredLink

# 20 pages of 200: far more than any screen shows, and a few megabytes at most.
MAX_PAGES = 20
LOADING = "…"
ANY_INDEX = QModelIndex()
_Index = QModelIndex | QPersistentModelIndex


class HistoryColumn(enum.IntEnum):
    CREATED = 0
    AMOUNT = 1
    DESCRIPTION = 2
    METHOD = 3
    STATE = 4
    ENVIRONMENT = 5
    SOURCE = 6
    URL = 7


HEADERS = {
    HistoryColumn.CREATED: "Created",
    HistoryColumn.AMOUNT: "Amount",
    HistoryColumn.DESCRIPTION: "Description",
    HistoryColumn.METHOD: "Method",
    HistoryColumn.STATE: "State",
    HistoryColumn.ENVIRONMENT: "Env.",
    HistoryColumn.SOURCE: "From",
    HistoryColumn.URL: "Link",
}

HEADER_TIPS = {
    HistoryColumn.CREATED: "When the link was made, in this computer's time",
    HistoryColumn.ENVIRONMENT: "TEST (sandbox) or LIVE",
    HistoryColumn.SOURCE: "Made here, or fetched from billing.io (other counters, the dashboard)",
}

SOURCE_WORDS = {"app": "here", "billing.io": "billing.io"}
SOURCE_TIPS = {
    "app": "Made with linkdesk on this computer",
    "billing.io": "Fetched from billing.io: made at another counter or in the dashboard",
}
_EXPIRED_COLOUR = QColor(120, 120, 120)


def describe_state(link: StoredLink, now: datetime) -> str:
    """'active, 12 min left', 'active, 5 h left', 'expired' or 'no expiry'."""
    state = link.state(now)
    if state is LinkState.NO_EXPIRY:
        return "no expiry"
    if state is LinkState.EXPIRED or link.expires_at is None:
        return "expired"
    return f"active, {describe_left(link.expires_at - now)} left"


def describe_left(left: timedelta) -> str:
    seconds = left.total_seconds()
    if seconds < 60:
        return "under 1 min"
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def describe_created(created_at: datetime, now: datetime) -> str:
    """'today 14:35', '3 Mar 14:35' this year, '3 Mar 2024 14:35' before (local time)."""
    local = created_at.astimezone()
    today = now.astimezone()
    clock = local.strftime("%H:%M")
    if local.date() == today.date():
        return f"today {clock}"
    if local.year == today.year:
        return f"{local.day} {local:%b} {clock}"
    return f"{local.day} {local:%b} {local.year} {clock}"


class HistoryModel(QAbstractTableModel):
    """Rows of the current search, newest first, fetched a page at a time."""

    page_wanted = Signal(int)  # page number; the answer comes back through `add_page`

    def __init__(self, now: datetime, parent: Any = None) -> None:
        super().__init__(parent)
        self._now = now
        self._count = 0
        self._pages: OrderedDict[int, list[StoredLink]] = OrderedDict()
        self._asked: set[int] = set()

    # What the view sees --------------------------------------------------------------

    def rowCount(self, parent: _Index = ANY_INDEX) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: _Index = ANY_INDEX) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(HistoryColumn)

    def headerData(  # noqa: N802 - Qt override
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HistoryColumn):
            return None
        column = HistoryColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS.get(column)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        link = self.link_at(index.row())
        column = HistoryColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return LOADING if link is None else self._text(link, column)
        if link is None:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(link, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == HistoryColumn.AMOUNT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and link.state(self._now) is LinkState.EXPIRED:
            return _EXPIRED_COLOUR
        if role == Qt.ItemDataRole.UserRole:
            return link
        return None

    def _text(self, link: StoredLink, column: HistoryColumn) -> str:
        if column == HistoryColumn.CREATED:
            return describe_created(link.created_at, self._now)
        if column == HistoryColumn.AMOUNT:
            return format_usd(link.amount_usd)
        if column == HistoryColumn.DESCRIPTION:
            # One line in the table; the whole text is in the tooltip.
            return " ".join((link.description or "").split())
        if column == HistoryColumn.METHOD:
            return link.payment_method_name or link.payment_method_id or ""
        if column == HistoryColumn.STATE:
            return describe_state(link, self._now)
        if column == HistoryColumn.ENVIRONMENT:
            return link.environment.badge
        if column == HistoryColumn.SOURCE:
            return SOURCE_WORDS.get(link.source.value, link.source.value)
        return link.url

    def _tip(self, link: StoredLink, column: HistoryColumn) -> str | None:
        if column == HistoryColumn.SOURCE:
            return SOURCE_TIPS.get(link.source.value)
        if column == HistoryColumn.CREATED:
            return link.created_at.astimezone().strftime("%Y-%m-%d %H:%M:%S")
        if column == HistoryColumn.DESCRIPTION:
            return link.description or None
        if column == HistoryColumn.STATE and link.expires_at is not None:
            return "Expires " + link.expires_at.astimezone().strftime("%Y-%m-%d %H:%M")
        if column == HistoryColumn.ENVIRONMENT:
            return "Sandbox (test)" if link.environment is Environment.SANDBOX else "Live"
        if column == HistoryColumn.URL:
            return link.url
        return None

    # Rows in memory -------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self._now

    def link_at(self, row: int) -> StoredLink | None:
        """The link on `row`, or None while its page is being fetched (then it is asked for)."""
        if not 0 <= row < self._count:
            return None
        page, at = divmod(row, PAGE_SIZE)
        rows = self._pages.get(page)
        if rows is None:
            if page not in self._asked:
                self._asked.add(page)
                self.page_wanted.emit(page)
            return None
        self._pages.move_to_end(page)
        return rows[at] if at < len(rows) else None

    def cached_rows(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    def row_of(self, link_id: str) -> int | None:
        """The row of a link in memory, or None."""
        for page, rows in self._pages.items():
            for at, link in enumerate(rows):
                if link.id == link_id:
                    return page * PAGE_SIZE + at
        return None

    def show_result(self, count: int, first_page: list[StoredLink]) -> None:
        """A new search: its row count and first page (everything else is dropped)."""
        self.beginResetModel()
        self._count = count
        self._pages.clear()
        self._asked.clear()
        if first_page:
            self._pages[0] = list(first_page)
        self.endResetModel()

    def refresh(self, count: int, first_page: list[StoredLink]) -> None:
        """The same search after the history changed: rows in memory are replaced without a
        reset, so the view keeps its scroll position; new rows appear at the top."""
        change = count - self._count
        if change > 0:
            self.beginInsertRows(ANY_INDEX, 0, change - 1)
            self._count = count
            self._drop_pages(first_page)
            self.endInsertRows()
        elif change < 0:
            self.beginRemoveRows(ANY_INDEX, count, self._count - 1)
            self._count = count
            self._drop_pages(first_page)
            self.endRemoveRows()
        else:
            self._drop_pages(first_page)
        if self._count:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._count - 1, len(HistoryColumn) - 1)
            )

    def _drop_pages(self, first_page: list[StoredLink]) -> None:
        self._pages.clear()
        self._asked.clear()
        if first_page:
            self._pages[0] = list(first_page)

    def set_count(self, count: int) -> None:
        """The exact count of the current search (its first count was capped)."""
        if count > self._count:
            self.beginInsertRows(ANY_INDEX, self._count, count - 1)
            self._count = count
            self.endInsertRows()
        elif count < self._count:
            self.beginRemoveRows(ANY_INDEX, count, self._count - 1)
            self._count = count
            self.endRemoveRows()

    def add_page(self, offset: int, rows: list[StoredLink]) -> None:
        """A page fetched for the current search."""
        page = offset // PAGE_SIZE
        self._asked.discard(page)
        if offset >= self._count:
            return
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > MAX_PAGES:
            self._pages.popitem(last=False)
        last = min(offset + max(len(rows), 1), self._count) - 1
        if len(rows) < PAGE_SIZE and offset + len(rows) < self._count:
            # The search has fewer rows than counted (a link removed meanwhile).
            self.set_count(offset + len(rows))
            last = min(last, self._count - 1)
        if last >= offset:
            self.dataChanged.emit(self.index(offset, 0), self.index(last, len(HistoryColumn) - 1))

    def set_now(self, now: datetime) -> list[StoredLink]:
        """Move the clock; returns the links in memory that expired since the last call."""
        before = self._now
        self._now = now
        expired = [
            link
            for rows in self._pages.values()
            for link in rows
            if link.expires_at is not None and before < link.expires_at <= now
        ]
        if self._count:
            # Only the rows on screen are redrawn: the state (and the colour) of each.
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(self._count - 1, len(HistoryColumn) - 1),
                [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole],
            )
        return expired
