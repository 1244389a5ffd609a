"""The waiting queue as a table model, keyed by conversation id.

Rows are keyed by conversation id so a ``queue.updated`` or ``queue.removed`` frame touches the
right row however the agent sorted or filtered the view. Display strings are computed once
per update, not per paint, because a busy queue has thousands of rows and a hundred updates
a second.

The waiting time is the one value that changes every second for every row. Emitting
``dataChanged`` for 5,000 rows each second would make the proxy re-filter them all; instead
:data:`WaitingSinceRole` is fixed, ``DisplayRole`` derives the elapsed time from the clock at
paint time, and the view repaints that column once a second (``QueueView``).

The rows are kept **in the agent's sort order here**, not in the proxy (a documented departure
from STYLE rule 4's "proxy sorts"; the proxy still takes the header clicks and forwards them to
:meth:`QueueModel.sort`, and still filters). A sorting ``QSortFilterProxyModel`` compares rows
through a Python ``lessThan``: ~60,000 calls to sort a 5,000-row snapshot (≈ 250 ms of the
freeze after sign-in) and a dozen per arrival. Here a snapshot is one ``list.sort`` on cached
keys (C speed), an arrival is a binary search, and the proxy only maps rows through.

No conversation id -> row number map is kept: every arrival or removal above the end would
renumber thousands of rows, and on a busy desktop that Python loop (a cache miss per row)
took 2-3 ms per batch, most of applying it. Instead each row carries ``seq``, its place
among rows with an equal sort key, so the rows are in strict ``(key, seq)`` order and a row
is found again by a binary search on its own key (:meth:`QueueModel._position`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QModelRoleDataSpan,
    QPersistentModelIndex,
    Qt,
)

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
    cid: str
    item: QueueItem
    since: datetime | None
    cells: tuple[str, ...]  # display text per column, WAITING left empty (clock-derived)
    sort_keys: tuple[object, ...]
    search: str
    tooltip: str
    seq: int = 0  # order among rows whose sort keys are equal (see QueueModel._position)


def prepare_row(item: QueueItem) -> QueueRow:
    """A row's display strings, sort keys and filter text, ready for the model.

    Pure Python over the label tables, no Qt object: the connection thread calls this for
    every ``queue.snapshot`` / ``queue.updated`` it receives (``controller.prepare_frame``),
    so the UI thread only inserts ready rows (a 5,000-row snapshot: ~50-100 ms less freeze).
    """
    return _row(item)


def _as_row(value: QueueItem | QueueRow) -> QueueRow:
    return value if isinstance(value, _Row) else _row(value)


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
    return _Row(
        item.conversation_id, item, since, cells, sort_keys, search, plain_tooltip(item.last_text)
    )


QueueRow = _Row  # what prepare_row returns; the model takes it wherever it takes an item

_RIGHT_ALIGNED = frozenset({int(QueueColumn.WAITING), int(QueueColumn.PRIORITY)})
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_WAITING = int(QueueColumn.WAITING)
_LAST_TEXT = int(QueueColumn.LAST_TEXT)
# What a view asks while painting that this model answers (font, colours, icons: the style's).
_PAINT_ROLES = frozenset({_DISPLAY, _ALIGNMENT, _TOOLTIP})
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_COLUMNS = len(QueueColumn)


class QueueModel(QAbstractTableModel):
    """Waiting conversations, one row each, keyed by conversation id."""

    def __init__(
        self, parent: object | None = None, *, clock: Callable[[], datetime] | None = None
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[_Row] = []
        self._by_id: dict[str, _Row] = {}
        self._next_seq = 0
        self._clock = clock or (lambda: datetime.now(UTC))
        self._sort_column = -1  # -1: arrival order (no sort asked for yet)
        self._descending = False
        self._titles = self._header_titles()  # the interface language is fixed per run

    # --- Qt interface ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else _COLUMNS

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        """One Python call per index: Qt's default asks ``rowCount`` and ``columnCount``
        (two more calls into Python) for every cell the proxy maps while painting."""
        if parent.isValid() or not (0 <= row < len(self._rows) and 0 <= column < _COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        return self.cell(index.row(), index.column(), role)

    def multiData(self, index: Index, roles: QModelRoleDataSpan) -> None:  # noqa: N802
        """All roles of a cell in one call: a view asks ~7 roles per cell per paint, and each
        separate ``data()`` call crosses from C++ into Python."""
        if not index.isValid() or index.row() >= len(self._rows):
            return
        row, column = index.row(), index.column()
        for slot in roles:
            role = slot.role()
            if role in _PAINT_ROLES:
                value = self.cell(row, column, role)
                if value is not None:  # slots start invalid; only fill what we have
                    slot.setData(value)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Keep the rows ordered by ``column`` from now on (a header click, via the proxy).

        Ties keep their current relative order (a stable sort), as the proxy's sort did.
        Persistent indexes (the selection, the current row) follow their rows.
        """
        if not 0 <= column < _COLUMNS:
            self._sort_column = -1  # keep the current order; new rows go to the end
            return
        self._sort_column = column
        self._descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        kept = [(self._rows[i.row()].cid, i.column()) for i in old_persistent]
        self._rows.sort(key=lambda row: row.sort_keys[column], reverse=self._descending)
        self._number_ties()
        position = {row.cid: i for i, row in enumerate(self._rows)}
        self.changePersistentIndexList(
            old_persistent, [self.index(position[cid], col) for cid, col in kept]
        )
        self.layoutChanged.emit()

    def sort_order(self) -> tuple[int, Qt.SortOrder]:
        """The column the rows are kept ordered by (-1: none) and the direction."""
        order = Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder
        return self._sort_column, order

    def _number_ties(self) -> None:
        """After a full sort: ``seq`` follows the list, so ``(key, seq)`` order is strict."""
        for seq, row in enumerate(self._rows):
            row.seq = seq
        self._next_seq = len(self._rows)

    def _take_seq(self, row: _Row) -> _Row:
        """Give a row entering at a new place the highest ``seq``: after its equals."""
        row.seq = self._next_seq
        self._next_seq += 1
        return row

    def _position(self, row: _Row) -> int:
        """Where a row in the model is now: a binary search on its ``(key, seq)``."""
        rows, column = self._rows, self._sort_column
        seq = row.seq
        lo, hi = 0, len(rows)
        if column < 0:  # arrival order: seq alone
            while lo < hi:
                mid = (lo + hi) // 2
                if rows[mid].seq < seq:
                    lo = mid + 1
                else:
                    hi = mid
        else:
            key = row.sort_keys[column]
            descending = self._descending
            while lo < hi:
                mid = (lo + hi) // 2
                other = rows[mid]
                other_key = other.sort_keys[column]
                if other_key == key:
                    before = other.seq < seq
                elif descending:
                    before = other_key > key  # type: ignore[operator]
                else:
                    before = other_key < key  # type: ignore[operator]
                if before:
                    lo = mid + 1
                else:
                    hi = mid
        if lo >= len(rows) or rows[lo] is not row:  # never: the order invariant is broken
            raise LookupError(f"queue row {row.cid} is out of order")
        return lo

    def _insert_position(self, row: _Row) -> int:
        """Where ``row`` goes in the current order: after its equals (binary search)."""
        rows, column = self._rows, self._sort_column
        if column < 0:
            return len(rows)
        key = row.sort_keys[column]
        lo, hi = 0, len(rows)
        if self._descending:
            while lo < hi:
                mid = (lo + hi) // 2
                if rows[mid].sort_keys[column] < key:  # type: ignore[operator]
                    hi = mid
                else:
                    lo = mid + 1
        else:
            while lo < hi:
                mid = (lo + hi) // 2
                if key < rows[mid].sort_keys[column]:  # type: ignore[operator]
                    hi = mid
                else:
                    lo = mid + 1
        return lo

    def _insert_sorted(self, new_rows: list[_Row]) -> None:
        """Insert a batch in order, one ``beginInsertRows`` per run of rows landing together.

        Each insert signal costs the proxy, the view and its header a pass over all 5,000
        rows in C++; new arrivals have the shortest wait and usually land together at the
        end, so a batch is usually one insert. Runs are inserted from the bottom up so the
        positions computed before stay right.
        """
        column = self._sort_column
        new_rows.sort(key=lambda row: row.sort_keys[column], reverse=self._descending)
        for row in new_rows:  # in batch order: each after its equals, older ones first
            self._take_seq(row)
            self._by_id[row.cid] = row
        runs: list[tuple[int, list[_Row]]] = []
        for row in new_rows:  # positions are non-decreasing: the batch is in order too
            position = self._insert_position(row)
            if runs and runs[-1][0] == position:
                runs[-1][1].append(row)
            else:
                runs.append((position, [row]))
        for position, run in reversed(runs):
            self.beginInsertRows(QModelIndex(), position, position + len(run) - 1)
            self._rows[position:position] = run
            self.endInsertRows()

    def _insert(self, row: _Row) -> int:
        """Insert one row in order, after its equals."""
        self._take_seq(row)
        position = self._insert_position(row)
        self.beginInsertRows(QModelIndex(), position, position)
        self._rows.insert(position, row)
        self._by_id[row.cid] = row
        self.endInsertRows()
        return position

    def cell(self, position: int, column: int, role: int) -> object:
        """One role of one cell (``data`` without the index), for the proxy's fast path.

        Roles are compared as plain ints: comparing with Qt's enum members costs an attribute
        lookup and an enum comparison each, on the hottest path of painting the queue.
        """
        row = self._rows[position]
        if role == _DISPLAY:
            if column == _WAITING:
                return elapsed(row.since, self._clock())
            return row.cells[column]
        if role == _ALIGNMENT:
            return _RIGHT if column in _RIGHT_ALIGNED else None
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
        if role == _TOOLTIP and column == _LAST_TEXT:
            return row.tooltip
        return None

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < _COLUMNS:
            return None
        return self._titles[section]

    def _header_titles(self) -> list[str]:
        titles = {
            QueueColumn.CONTACT: self.tr("Customer"),
            QueueColumn.WAITING: self.tr("Waiting"),
            QueueColumn.PRIORITY: self.tr("Priority"),
            QueueColumn.CHANNEL: self.tr("Channel"),
            QueueColumn.INTENT: self.tr("Intent guess"),
            QueueColumn.REASON: self.tr("Handoff reason"),
            QueueColumn.LAST_TEXT: self.tr("Last message"),
        }
        return [titles[column] for column in QueueColumn]

    # --- updates from frames --------------------------------------------------------------

    def reset(self, items: Iterable[QueueItem | QueueRow]) -> None:
        """Replace everything (``queue.snapshot``), from items or prepared rows."""
        self.beginResetModel()
        rows = {row.cid: row for row in map(_as_row, items)}  # the last one per id
        self._rows = [row for row in rows.values() if row.item.status == ConversationStatus.QUEUED]
        if self._sort_column >= 0:
            column = self._sort_column
            self._rows.sort(key=lambda row: row.sort_keys[column], reverse=self._descending)
        self._number_ties()
        self._by_id = {row.cid: row for row in self._rows}
        self.endResetModel()

    def apply(self, changes: Iterable[tuple[str, QueueItem | QueueRow | None]]) -> None:
        """A batch of deltas (``None``: removed): updates, then all arrivals as one insert,
        then all removals at once; each step is one pass for the proxy and the view."""
        removed: list[str] = []
        arrived: list[QueueRow] = []
        for cid, value in changes:
            row = None if value is None else _as_row(value)
            if row is None or row.item.status != ConversationStatus.QUEUED:
                removed.append(cid)
            elif cid in self._by_id:
                self.upsert(row)
            else:
                arrived.append(row)
        if arrived and self._sort_column < 0:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(arrived) - 1)
            for row in arrived:
                self._take_seq(row)
                self._by_id[row.cid] = row
                self._rows.append(row)
            self.endInsertRows()
        elif arrived:
            self._insert_sorted(arrived)
        self.remove_many(removed)

    def upsert(self, value: QueueItem | QueueRow) -> None:
        """Add or refresh one conversation (``queue.updated``); one that stopped waiting leaves."""
        new = _as_row(value)
        if new.item.status != ConversationStatus.QUEUED:
            self.remove(new.cid)
            return
        old = self._by_id.get(new.cid)
        if old is None:
            self._insert(new)
            return
        position = self._position(old)
        new.seq = old.seq
        column = self._sort_column
        if column >= 0 and old.sort_keys[column] != new.sort_keys[column]:
            position = self._move(position, new)
        self._rows[position] = new
        self._by_id[new.cid] = new
        # Signal only the cells that changed, one column at a time: a change that spans the
        # sort column makes the proxy re-sort with a full layout change, so an update of the
        # last message must not claim the waiting time changed too.
        changed = {c for c in range(_COLUMNS) if old.cells[c] != new.cells[c]}
        changed |= {c for c in range(_COLUMNS) if old.sort_keys[c] != new.sort_keys[c]}
        if old.search != new.search or old.tooltip != new.tooltip:
            changed.add(_LAST_TEXT)  # the filter key column: the proxy re-filters this row
        for column in sorted(changed):
            cell = self.index(position, column)
            self.dataChanged.emit(cell, cell)

    def _move(self, position: int, new: _Row) -> int:
        """Move the row at ``position`` to where ``new`` sorts; returns its new position.

        One ``rowsMoved`` keeps the selection on the row; the cells are refreshed after.
        """
        rows = self._rows
        old = rows.pop(position)
        self._take_seq(new)  # at its new place it comes after its equals
        target = self._insert_position(new)  # in the list without the row
        rows.insert(position, old)
        if target == position:
            return position
        destination = target if target < position else target + 1  # Qt counts before the move
        self.beginMoveRows(QModelIndex(), position, position, QModelIndex(), destination)
        rows.insert(target, rows.pop(position))
        self.endMoveRows()
        return target

    def remove(self, conversation_id: str) -> bool:
        return self.remove_many([conversation_id]) == 1

    def remove_many(self, conversation_ids: Iterable[str]) -> int:
        """Remove several rows, bottom-up, one signal per run of adjacent rows.

        Removing bottom-up keeps the rows still to remove where they were found.
        """
        by_id = self._by_id
        positions = sorted(
            {self._position(by_id[cid]) for cid in conversation_ids if cid in by_id}, reverse=True
        )
        index = 0
        while index < len(positions):  # one signal per run of adjacent rows, bottom-up
            last = first = positions[index]
            index += 1
            while index < len(positions) and positions[index] == first - 1:
                first = positions[index]
                index += 1
            self.beginRemoveRows(QModelIndex(), first, last)
            for row in self._rows[first : last + 1]:
                del by_id[row.cid]
            del self._rows[first : last + 1]
            self.endRemoveRows()
        return len(positions)

    def item(self, conversation_id: str) -> QueueItem | None:
        row = self._by_id.get(conversation_id)
        return None if row is None else row.item

    def __contains__(self, conversation_id: object) -> bool:
        return conversation_id in self._by_id

    def __len__(self) -> int:
        return len(self._rows)
