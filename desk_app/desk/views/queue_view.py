"""The waiting queue: a filter box over a sortable table; Enter accepts the selected chat.

The view knows neither frames nor rows: it shows :class:`QueueModel` through a
``QSortFilterProxyModel`` and reports the conversation id of what the agent chose, read from
:data:`ConversationIdRole` (STYLE rule 4).
"""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    QRect,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QBrush,
    QKeyEvent,
    QPainter,
    QPalette,
    QPen,
    QStaticText,
    QTransform,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk.models.queue_model import QueueColumn, QueueModel
from desk_app.desk.models.roles import ConversationIdRole, FilterRole, SortRole

STATIC_CACHE = 6000
CELL_PADDING = 4
_SELECTED = QStyle.StateFlag.State_Selected.value  # plain ints: a Python enum & costs ~2 µs
_ACTIVE = QStyle.StateFlag.State_Active.value
_ENABLED = QStyle.StateFlag.State_Enabled.value
_RIGHT_COLUMNS = frozenset({int(QueueColumn.WAITING), int(QueueColumn.PRIORITY)})


class QueueProxy(QSortFilterProxyModel):
    """Filter on the row's :data:`FilterRole` text (C++ side, fast); sorting is forwarded.

    Over a :class:`QueueModel` the proxy does not sort itself: :meth:`sort` (a header click,
    ``sortByColumn``) asks the model to keep its rows in that order, and the proxy maps rows
    through in source order. Sorting here meant a Python ``lessThan`` call per comparison:
    ~60,000 for a 5,000-row snapshot, and a dozen per arrival (see ``queue_model``'s module
    docstring). Over any other model it sorts on :data:`SortRole` as usual.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SortRole)
        self.setFilterRole(FilterRole)
        # FilterRole holds the whole row's text on every column; filter on the last-message
        # column because that is the one an update touches (see QueueModel.upsert).
        self.setFilterKeyColumn(QueueColumn.LAST_TEXT)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(True)
        self.passthrough: QueueModel | None = None  # see :meth:`_update_passthrough`

    def setSourceModel(self, model: QAbstractItemModel | None) -> None:  # noqa: N802
        super().setSourceModel(model)  # type: ignore[arg-type]
        self._update_passthrough()

    def set_pattern(self, text: str) -> None:
        self.setFilterFixedString(text.strip().lower())
        self._update_passthrough()

    def _update_passthrough(self) -> None:
        """While nothing is filtered, proxy rows *are* the queue model's rows (this proxy
        never sorts over a QueueModel): then painting reads cells straight from the model
        and answers ``flags`` itself, instead of mapping every cell through the proxy into
        a Python ``index()`` call twice per cell per paint."""
        model = self.sourceModel()
        unfiltered = not self.filterRegularExpression().pattern()
        self.passthrough = model if isinstance(model, QueueModel) and unfiltered else None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if self.passthrough is not None and index.isValid():
            return _CELL_FLAGS  # what QueueModel (Qt's table-model default) answers
        return super().flags(index)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, QueueModel):
            model.sort(column, order)
            return
        super().sort(column, order)

    def multiData(self, index: QModelIndex, roles: QModelRoleDataSpan) -> None:  # noqa: N802
        """Forward to the source's one-call ``multiData`` (Qt's proxy would ask role by role,
        one Python call each, which made a repaint of the queue cost ~15 ms)."""
        source = self.mapToSource(index)
        model = self.sourceModel()
        if source.isValid() and isinstance(model, QueueModel):
            model.multiData(source, roles)
        else:
            super().multiData(index, roles)


class _Colors(NamedTuple):
    text: QPen
    selected_text: QPen
    highlight: dict[int, QBrush]  # by the Active and Enabled bits of the cell's state


_CELL_FLAGS = (
    Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemNeverHasChildren
)
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)


class QueueDelegate(QStyledItemDelegate):
    """Paints queue cells from cached ``QStaticText`` (always plain text).

    The stock delegate asks seven roles per cell and shapes every string again on every
    paint; with Chinese text and a busy queue that made a repaint cost ~20 ms. Here a cell
    costs one ``DisplayRole`` read and, after the first paint, no shaping at all.
    """

    def __init__(self, parent: QWidget | None = None, proxy: QueueProxy | None = None) -> None:
        super().__init__(parent)
        self._proxy = proxy
        # (text, width) -> (prepared text, its width, its height); insertion-ordered, the
        # oldest entry goes first when full (a dict hit costs less than an LRU's bookkeeping)
        self._cache: dict[tuple[str, int], tuple[QStaticText, int, int]] = {}
        self._colors: _Colors | None = None

    def forget_colors(self) -> None:
        """The palette changed (theme switch): pick the colours up again."""
        self._colors = None

    def _static(
        self, text: str, width: int, option: QStyleOptionViewItem
    ) -> tuple[QStaticText, int, int]:
        key = (text, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        metrics = option.fontMetrics  # type: ignore[attr-defined]
        line = metrics.elidedText(" ".join(text.split()), Qt.TextElideMode.ElideRight, width)
        static = QStaticText(line)
        static.setTextFormat(Qt.TextFormat.PlainText)  # QStaticText's default would be AutoText
        static.prepare(QTransform(), option.font)  # type: ignore[attr-defined]
        size = static.size()
        cached = self._cache[key] = (static, int(size.width()), int(size.height()))
        if len(self._cache) > STATIC_CACHE:
            del self._cache[next(iter(self._cache))]
        return cached

    def _pick_colors(self, option: QStyleOptionViewItem) -> _Colors:
        palette = option.palette  # type: ignore[attr-defined]
        group, role = QPalette.ColorGroup, QPalette.ColorRole
        self._colors = _Colors(
            QPen(palette.text().color()),
            QPen(palette.highlightedText().color()),
            {
                _ACTIVE | _ENABLED: palette.brush(group.Active, role.Highlight),
                _ENABLED: palette.brush(group.Inactive, role.Highlight),
                _ACTIVE: palette.brush(group.Disabled, role.Highlight),
                0: palette.brush(group.Disabled, role.Highlight),
            },
        )
        return self._colors

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        # Kept lean on purpose: it runs for every visible cell on every repaint, and each
        # call from Python into Qt costs a wrapper or an argument conversion. What the style's
        # PE_PanelItemViewItem drew for a table cell (the view has painted the row's
        # alternating background already) is the selection, in the palette's Highlight of
        # the right colour group: filled here from cached brushes.
        rect = option.rect  # type: ignore[attr-defined]
        colors = self._colors or self._pick_colors(option)
        state = option.state.value  # type: ignore[attr-defined]
        selected = state & _SELECTED
        if selected:
            painter.fillRect(rect, colors.highlight[state & (_ACTIVE | _ENABLED)])
        column = index.column()
        source = self._proxy.passthrough if self._proxy is not None else None
        text = source.cell(index.row(), column, _DISPLAY) if source is not None else index.data()
        if not text:
            return
        static, width, height = self._static(text, rect.width() - 2 * CELL_PADDING, option)
        if column in _RIGHT_COLUMNS:
            x = rect.right() - CELL_PADDING - width
        else:
            x = rect.left() + CELL_PADDING
        painter.setPen(colors.selected_text if selected else colors.text)
        painter.drawStaticText(x, rect.top() + (rect.height() - height) // 2, static)

    def displayed_text(self, index: QModelIndex, width: int = 400) -> str:
        """What a cell shows (for tests): the plain, possibly elided, text."""
        return str(index.data(Qt.ItemDataRole.DisplayRole) or "")


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
        self.delegate = QueueDelegate(self.table, self.proxy)
        self.table.setItemDelegate(self.delegate)
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
        metrics = header.fontMetrics()
        for column, width in widths.items():
            # never narrower than the (translated) title plus room for the sort arrow
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            header.resizeSection(column, max(width, metrics.horizontalAdvance(title) + 28))
        self.table.accept_requested.connect(self.accept_requested)
        self.table.doubleClicked.connect(self._on_double_click)
        layout.addWidget(self.table, 1)
        # The waiting column is derived from the clock at paint time: repaint once a second.
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.repaint_waiting)
        self._tick.start()

    def repaint_waiting(self) -> None:
        """Repaint the visible cells of the waiting-time column only (the clock tick).

        Nothing else changes by itself each second; a whole-viewport repaint here cost as much
        as a repaint after a batch of queue changes (~10 ms CPU for ~30 rows x 7 columns)
        once a second, for one column of text.
        """
        viewport = self.table.viewport()
        x = self.table.columnViewportPosition(QueueColumn.WAITING)
        width = self.table.columnWidth(QueueColumn.WAITING)
        if self.table.isColumnHidden(QueueColumn.WAITING) or x + width <= 0:
            return
        viewport.update(QRect(x, 0, width, viewport.height()))

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
