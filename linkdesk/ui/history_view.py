"""`HistoryView`: the search box, the filters and the table of recent links.

The view only shows and asks: what to search for goes out as `filter_changed`, a chosen
row as `link_selected`, the context menu's choices as signals of their own. Fetching,
states and the clock belong to `HistoryModel` and `HistoryController`.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QPoint, Qt, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from linkdesk.core.history import HistoryFilter, StateFilter, StoredLink
from linkdesk.core.links import Environment
from linkdesk.ui.history_model import HistoryColumn, HistoryModel

SEARCH_PLACEHOLDER = "Search description, id or amount (Ctrl+F)"
STATES = (("All states", StateFilter.ALL), ("Active", StateFilter.ACTIVE))
STATES += (("Expired", StateFilter.EXPIRED),)
ENVIRONMENTS = (("Test and live", None), ("Live", Environment.LIVE))
ENVIRONMENTS += (("Test", Environment.SANDBOX),)
REMOVE_NOTE = "Removed from this computer's history; billing.io keeps the link (it has no delete)."

# Each column is as wide as its longest usual text; the description and the link share
# what is left.
_WIDEST = {
    HistoryColumn.CREATED: "28 Dec 2025 14:35",
    HistoryColumn.AMOUNT: "$100,000.00",
    HistoryColumn.METHOD: "USDC on Arbitrum",
    HistoryColumn.STATE: "active, under 1 min left",
    HistoryColumn.ENVIRONMENT: "LIVE",
    HistoryColumn.SOURCE: "billing.io",
}


class _MiddleElided(QStyledItemDelegate):
    """Cuts a long link in its middle, keeping the id at its end that tells links apart."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: object) -> None:  # noqa: N802 - Qt override
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideMiddle


class HistoryView(QWidget):
    """Recent links: search, filters and a table over a `HistoryModel`."""

    filter_changed = Signal()
    link_selected = Signal(object)  # StoredLink
    qr_requested = Signal(object)  # StoredLink
    remove_requested = Signal(object)  # StoredLink
    copied = Signal(str)  # what was copied, in words

    def __init__(self, model: HistoryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyView")
        self.model = model
        self._resetting = False  # show_everything at work: one query for it all, after
        # The link last announced as selected: new rows above it move the selection
        # without changing the link, which is no news to the result pane.
        self._selected_id: str | None = None

        self.heading = QLabel("Recent &links")
        self.heading.setObjectName("historyHeading")
        self.search = QLineEdit()
        self.search.setObjectName("historySearch")
        self.search.setPlaceholderText(SEARCH_PLACEHOLDER)
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search recent links")
        self.heading.setBuddy(self.search)
        self.state = QComboBox()
        self.state.setAccessibleName("Show links by state")
        for label, value in STATES:
            self.state.addItem(label, value)
        self.environment = QComboBox()
        self.environment.setAccessibleName("Show test or live links")
        for label, value in ENVIRONMENTS:
            self.environment.addItem(label, value)
        self.count = QLabel()
        self.count.setObjectName("historyCount")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # As wide as a big count from the start: the search box does not shift as it grows.
        self.count.setMinimumWidth(
            self.count.fontMetrics().horizontalAdvance("1,000,000+ links") + 4
        )

        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        # Tab leaves the table for the next control; the arrows move between rows.
        self.table.setTabKeyNavigation(False)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setAccessibleName("Recent links")
        # A million rows: every size fixed, nothing measured from the contents.
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        for shared in (HistoryColumn.DESCRIPTION, HistoryColumn.URL):
            header.setSectionResizeMode(shared, QHeaderView.ResizeMode.Stretch)
        self._url_delegate = _MiddleElided(self.table)
        self.table.setItemDelegateForColumn(HistoryColumn.URL, self._url_delegate)
        metrics = self.fontMetrics()
        for column, text in _WIDEST.items():
            heading = str(model.headerData(column, Qt.Orientation.Horizontal))
            widest = max(metrics.horizontalAdvance(text), metrics.horizontalAdvance(heading))
            self.table.setColumnWidth(column, widest + 16)

        self.copy_url_action = QAction("Copy &link", self)
        self.copy_id_action = QAction("Copy &id", self)
        self.show_qr_action = QAction("Show &QR code", self)
        self.remove_action = QAction("&Remove from this computer's history", self)
        self.remove_action.setShortcut(QKeySequence.StandardKey.Delete)
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.setToolTip(
            "billing.io has no delete: the link stays payable and in the dashboard"
        )
        self.table.addAction(self.remove_action)

        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.heading)
        filters.addWidget(self.search, 1)
        filters.addWidget(self.state)
        filters.addWidget(self.environment)
        filters.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)

        self.search.textChanged.connect(self.on_search_text_changed)
        self.state.currentIndexChanged.connect(self.on_filter_index_changed)
        self.environment.currentIndexChanged.connect(self.on_filter_index_changed)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        # Rows coming or going move the selection with its link; the selection model may
        # announce that half-way through the change, when a row can read as another link.
        self._model_changing = False
        for about_to_change in (
            model.rowsAboutToBeInserted,
            model.rowsAboutToBeRemoved,
            model.modelAboutToBeReset,
        ):
            about_to_change.connect(self.on_model_about_to_change)
        for changed in (model.rowsInserted, model.rowsRemoved, model.modelReset):
            changed.connect(self.on_model_changed)
        self.table.customContextMenuRequested.connect(self.on_table_context_menu_requested)
        self.copy_url_action.triggered.connect(self.on_copy_url_action_triggered)
        self.copy_id_action.triggered.connect(self.on_copy_id_action_triggered)
        self.show_qr_action.triggered.connect(self.on_show_qr_action_triggered)
        self.remove_action.triggered.connect(self.on_remove_action_triggered)

    def current_filter(self) -> HistoryFilter:
        return HistoryFilter(
            text=self.search.text().strip(),
            state=self.state.currentData(),
            environment=self.environment.currentData(),
        )

    def show_everything(self) -> None:
        """No search and no filter, without a query per field (the caller asks once)."""
        # Not blockSignals: the search box's own clear button follows its text by them.
        self._resetting = True
        try:
            self.search.clear()
            self.state.setCurrentIndex(0)
            self.environment.setCurrentIndex(0)
        finally:
            self._resetting = False

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_count(self, count: int, *, at_least: bool = False) -> None:
        noun = "link" if count == 1 else "links"
        self.count.setText(f"{count:,}{'+' if at_least else ''} {noun}")

    def selected_link(self) -> StoredLink | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.link_at(rows[0].row())

    def select_row(self, row: int) -> None:
        self.table.selectRow(row)

    def _copy(self, text: str, what: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.copied.emit(what)

    @Slot(str)
    def on_search_text_changed(self, _text: str) -> None:
        if not self._resetting:
            self.filter_changed.emit()

    @Slot(int)
    def on_filter_index_changed(self, _index: int) -> None:
        if not self._resetting:
            self.filter_changed.emit()

    @Slot()
    def on_model_about_to_change(self) -> None:
        self._model_changing = True

    @Slot()
    def on_model_changed(self) -> None:
        self._model_changing = False
        # Quietly: whatever is selected now was moved there by the model, not chosen.
        link = self.selected_link()
        self._selected_id = link.id if link is not None else None

    @Slot(QItemSelection, QItemSelection)
    def on_table_selection_changed(self, _new: QItemSelection, _old: QItemSelection) -> None:
        if self._model_changing:
            return
        link = self.selected_link()
        selected_id = link.id if link is not None else None
        if selected_id == self._selected_id:
            return
        self._selected_id = selected_id
        if link is not None:
            self.link_selected.emit(link)

    @Slot(QPoint)
    def on_table_context_menu_requested(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not index.isValid() or self.model.link_at(index.row()) is None:
            return
        self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.addAction(self.copy_url_action)
        menu.addAction(self.copy_id_action)
        menu.addAction(self.show_qr_action)
        menu.addSeparator()
        menu.addAction(self.remove_action)
        menu.popup(self.table.viewport().mapToGlobal(point))

    @Slot()
    def on_copy_url_action_triggered(self) -> None:
        link = self.selected_link()
        if link is not None:
            self._copy(link.url, "the link")

    @Slot()
    def on_copy_id_action_triggered(self) -> None:
        link = self.selected_link()
        if link is not None:
            self._copy(link.id, f"the id {link.id}")

    @Slot()
    def on_show_qr_action_triggered(self) -> None:
        link = self.selected_link()
        if link is not None:
            self.qr_requested.emit(link)

    @Slot()
    def on_remove_action_triggered(self) -> None:
        link = self.selected_link()
        if link is not None:
            self.remove_requested.emit(link)
