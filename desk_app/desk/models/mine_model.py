"""The conversations this agent holds ("mine"), with unread counts and typing state.

A list model keyed by conversation id. The newest activity does not reorder rows: an agent's
eyes and keyboard shortcuts (Ctrl+1..9) rely on stable positions while they work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desk_app.desk.labels import channel_label, one_line
from desk_app.desk.models.roles import (
    ChannelRole,
    ConversationIdRole,
    LastTextRole,
    TimeRole,
    TypingRole,
    UnreadRole,
)
from desk_app.desk.views.bubbles import plain_tooltip
from desk_app.protocol.messages import Channel

Index = QModelIndex | QPersistentModelIndex


@dataclass(slots=True)
class _Held:
    conversation_id: str
    name: str
    channel: Channel
    unread: int = 0
    last_text: str = ""
    last_at: datetime | None = None
    typing: bool = False


class MineModel(QAbstractListModel):
    """Conversations assigned to me, keyed by id."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[_Held] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return one_line(row.name, 40) or self.tr("Customer")
        if role == ConversationIdRole:
            return row.conversation_id
        if role == UnreadRole:
            return row.unread
        if role == LastTextRole:
            return one_line(row.last_text, 120)
        if role == TypingRole:
            return row.typing
        if role == TimeRole:
            return row.last_at
        if role == ChannelRole:
            return channel_label(row.channel)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(row.name)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{row.name} ({row.unread})"
        return None

    def _position(self, conversation_id: str) -> int | None:
        for i, row in enumerate(self._rows):
            if row.conversation_id == conversation_id:
                return i
        return None

    def _changed(self, position: int) -> None:
        index = self.index(position, 0)
        self.dataChanged.emit(index, index)

    def add(
        self,
        conversation_id: str,
        name: str,
        channel: Channel,
        *,
        last_text: str = "",
        last_at: datetime | None = None,
    ) -> None:
        """Add a held conversation, or refresh it if already there (a resumed assignment)."""
        position = self._position(conversation_id)
        if position is not None:
            row = self._rows[position]
            row.name, row.channel = name, channel
            if last_text:
                row.last_text, row.last_at = last_text, last_at
            self._changed(position)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(_Held(conversation_id, name, channel, 0, last_text, last_at))
        self.endInsertRows()

    def remove(self, conversation_id: str) -> bool:
        position = self._position(conversation_id)
        if position is None:
            return False
        self.beginRemoveRows(QModelIndex(), position, position)
        del self._rows[position]
        self.endRemoveRows()
        return True

    def note_message(self, conversation_id: str, text: str, at: datetime, *, unread: bool) -> None:
        position = self._position(conversation_id)
        if position is None:
            return
        row = self._rows[position]
        row.last_text, row.last_at = text, at
        if unread:
            row.unread += 1
        self._changed(position)

    def mark_read(self, conversation_id: str) -> None:
        position = self._position(conversation_id)
        if position is not None and self._rows[position].unread:
            self._rows[position].unread = 0
            self._changed(position)

    def set_typing(self, conversation_id: str, typing: bool) -> None:
        position = self._position(conversation_id)
        if position is not None and self._rows[position].typing != typing:
            self._rows[position].typing = typing
            self._changed(position)

    def unread_total(self) -> int:
        return sum(row.unread for row in self._rows)

    def conversation_ids(self) -> list[str]:
        return [row.conversation_id for row in self._rows]

    def row_of(self, conversation_id: str) -> int | None:
        return self._position(conversation_id)

    def __contains__(self, conversation_id: object) -> bool:
        return self._position(str(conversation_id)) is not None

    def __len__(self) -> int:
        return len(self._rows)
