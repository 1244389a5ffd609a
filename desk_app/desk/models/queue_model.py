"""The waiting queue as a table model, keyed by conversation id.

Rows are keyed by conversation id so a ``queue.updated`` or ``queue.removed`` frame touches the
right row however the agent sorted or filtered the view. Display strings are computed once
per update, not per paint, because a busy queue has thousands of rows and a hundred updates
a second.

The waiting time is the one value that changes every second for every row. Emitting
``dataChanged`` for 5,000 rows each second would make the proxy re-filter them all; instead
:data:`WaitingSinceRole` is fixed, ``DisplayRole`` derives the elapsed time from the clock at
paint time, and the view repaints its viewport once a second (``QueueView``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desk_app.desk.labels import channel_label, elapsed, one_line, reason_label
from desk_app.desk.models.roles import (
    ChannelRole,
    ConversationIdRole,
    FilterRole,
    SortRole,
    WaitingSinceRole,
)
from desk_app.desk.views.bubbles import plain_tooltip
from desk_app.protocol.messages import ConversationStatus, QueueItem

Index = QModelIndex | QPersistentModelIndex


class QueueColumn(IntEnum):
    CONTACT = 0
    WAITING = 1
    INTENT = 2
    REASON = 3
    PRIORITY = 4
    CHANNEL = 5
    LAST_TEXT = 6


@dataclass(slots=True)
class _Row:
    item: QueueItem
    since: datetime | None
    cells: tuple[str, ...]  # display text per column, WAITING left empty (clock-derived)
    sort_keys: tuple[object, ...]
    search: str
    tooltip: str


def _row(item: QueueItem) -> _Row:
    handoff = item.handoff
    intent = ""
    if handoff is not None and handoff.intents:
        best = max(handoff.intents, key=lambda guess: guess.score)
        intent = f"{best.title or best.intent} ({best.score:.0%})"
    reason = reason_label(handoff.reason) if handoff is not None else ""
    since = item.waiting_since
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    name = one_line(item.contact_name, 40)
    last = one_line(item.last_text, 120)
    channel = channel_label(item.channel)
    cells = (name, "", intent, reason, str(item.priority), channel, last)
    waited_key = -since.timestamp() if since is not None else 0.0
    sort_keys = (name, waited_key, intent, reason, item.priority, channel, last)
    search = " ".join((item.contact_name, intent, reason, item.last_text, channel)).lower()
    return _Row(item, since, cells, sort_keys, search, plain_tooltip(item.last_text))


class QueueModel(QAbstractTableModel):
    """Waiting conversations, one row each, keyed by conversation id."""

    def __init__(
        self, parent: object | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[_Row] = []
        self._row_of: dict[str, int] = {}
        self._clock = clock or (lambda: datetime.now(UTC))

    # --- Qt interface ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(QueueColumn)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == QueueColumn.WAITING:
                return elapsed(row.since, self._clock())
            return row.cells[column]
        if role == SortRole:
            return row.sort_keys[column]
        if role == ConversationIdRole:
            return row.item.conversation_id
        if role == FilterRole:
            return row.search
        if role == WaitingSinceRole:
            return row.since
        if role == ChannelRole:
            return row.item.channel.value
        if role == Qt.ItemDataRole.ToolTipRole and column == QueueColumn.LAST_TEXT:
            return row.tooltip
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            QueueColumn.WAITING,
            QueueColumn.PRIORITY,
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        titles = {
            QueueColumn.CONTACT: self.tr("Customer"),
            QueueColumn.WAITING: self.tr("Waiting"),
            QueueColumn.PRIORITY: self.tr("Priority"),
            QueueColumn.CHANNEL: self.tr("Channel"),
            QueueColumn.INTENT: self.tr("Intent guess"),
            QueueColumn.REASON: self.tr("Handoff reason"),
            QueueColumn.LAST_TEXT: self.tr("Last message"),
        }
        try:
            return titles[QueueColumn(section)]
        except ValueError:
            return None

    # --- updates from frames --------------------------------------------------------------

    def reset(self, items: Iterable[QueueItem]) -> None:
        """Replace everything (``queue.snapshot``)."""
        self.beginResetModel()
        self._rows = [_row(item) for item in items if item.status == ConversationStatus.QUEUED]
        self._row_of = {row.item.conversation_id: i for i, row in enumerate(self._rows)}
        self.endResetModel()

    def upsert(self, item: QueueItem) -> None:
        """Add or refresh one conversation (``queue.updated``); one that stopped waiting leaves."""
        if item.status != ConversationStatus.QUEUED:
            self.remove(item.conversation_id)
            return
        position = self._row_of.get(item.conversation_id)
        if position is None:
            self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
            self._row_of[item.conversation_id] = len(self._rows)
            self._rows.append(_row(item))
            self.endInsertRows()
            return
        self._rows[position] = _row(item)
        self.dataChanged.emit(self.index(position, 0), self.index(position, len(QueueColumn) - 1))

    def remove(self, conversation_id: str) -> bool:
        position = self._row_of.get(conversation_id)
        if position is None:
            return False
        self.beginRemoveRows(QModelIndex(), position, position)
        del self._rows[position]
        del self._row_of[conversation_id]
        for later in range(position, len(self._rows)):
            self._row_of[self._rows[later].item.conversation_id] = later
        self.endRemoveRows()
        return True

    def item(self, conversation_id: str) -> QueueItem | None:
        position = self._row_of.get(conversation_id)
        return None if position is None else self._rows[position].item

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._row_of

    def __len__(self) -> int:
        return len(self._rows)
