"""The waiting queue: a filter box over a sortable table; Enter accepts the selected chat.

The view knows neither frames nor rows: it shows :class:`QueueModel` through a
``QSortFilterProxyModel`` and reports the conversation id of what the agent chose, read from
:data:`ConversationIdRole` (STYLE rule 4).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk.models.queue_model import QueueColumn, QueueModel
from desk_app.desk.models.roles import ConversationIdRole, FilterRole, SortRole


class QueueProxy(QSortFilterProxyModel):
    """Sort on :data:`SortRole`, filter on the row's :data:`FilterRole` text (C++ side, fast)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.setFilterRole(FilterRole)
        self.setFilterKeyColumn(QueueColumn.CONTACT)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)

    def set_pattern(self, text: str) -> None:
        self.setFilterFixedString(text.strip().lower())


class QueueTable(QTableView):
    """The table; Enter on a row asks to accept it."""

    accept_requested = Signal(str)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            cid = self.current_conversation_id()
            if cid:
                self.accept_requested.emit(cid)
                return
        super().keyPressEvent(event)

    def current_conversation_id(self) -> str | None:
        index = self.currentIndex()
        if not index.isValid():
            return None
        value = index.data(ConversationIdRole)
        return str(value) if value else None


class QueueView(QWidget):
    """Filter box + table over the waiting queue."""

    accept_requested = Signal(str)

    def __init__(self, model: QueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueView")
        self.model = model
        self.proxy = QueueProxy(self)
        self.proxy.setSourceModel(model)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.filter = QLineEdit(self)
        self.filter.setObjectName("queueFilter")
        self.filter.setClearButtonEnabled(True)
        self.filter.setPlaceholderText(self.tr("Filter by customer, intent, reason, message…"))
        self.filter.textChanged.connect(self.proxy.set_pattern)
        layout.addWidget(self.filter)
        self.table = QueueTable(self)
        self.table.setObjectName("queueTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(QueueColumn.WAITING, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionsMovable(True)
        widths = {
            QueueColumn.CONTACT: 84,
            QueueColumn.WAITING: 60,
            QueueColumn.INTENT: 120,
            QueueColumn.REASON: 96,
            QueueColumn.PRIORITY: 52,
            QueueColumn.CHANNEL: 52,
        }
        for column, width in widths.items():
            header.resizeSection(column, width)
        self.table.accept_requested.connect(self.accept_requested)
        self.table.doubleClicked.connect(self._on_double_click)
        layout.addWidget(self.table, 1)
        # The waiting column is derived from the clock at paint time: repaint once a second.
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.table.viewport().update)
        self._tick.start()

    def _on_double_click(self, index: QModelIndex) -> None:
        cid = index.data(ConversationIdRole)
        if cid:
            self.accept_requested.emit(str(cid))

    def selected_or_first(self) -> str | None:
        """The selected conversation, else the first one in the agent's current sort order."""
        cid = self.table.current_conversation_id()
        if cid:
            return cid
        if self.proxy.rowCount() == 0:
            return None
        value = self.proxy.index(0, 0).data(ConversationIdRole)
        return str(value) if value else None

    def visible_count(self) -> int:
        return self.proxy.rowCount()
