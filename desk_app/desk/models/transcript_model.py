"""One conversation's transcript as a list model, ordered by the server's ``seq``.

Confirmed messages are keyed by ``seq``, so a replay after a reconnect or a resumed
assignment can never show a message twice. A message this agent typed appears at once as
*pending* (keyed by its ``client_msg_id``) and becomes confirmed when its ``ack`` or its echo
arrives, in place, without a flicker.

A long conversation opens on its latest :data:`WINDOW` messages; :meth:`show_earlier` brings
older ones in (the view's "show earlier messages" button). ``QListView`` lays out *every* row
again whenever one is added, so the rows exposed bound the cost of each new message; the
model still holds, de-duplicates and hands out the whole transcript (:meth:`messages`).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from msgspec.structs import replace
from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desk_app.desk.models.roles import (
    AuthorRole,
    MessageRole,
    PendingRole,
    SenderRole,
    SeqRole,
    TimeRole,
)
from desk_app.protocol.messages import Message, Sender

Index = QModelIndex | QPersistentModelIndex

WINDOW = 300
"""Messages shown when a conversation opens; older ones come in on request."""


@dataclass(slots=True)
class _Entry:
    message: Message
    pending: bool = False


class TranscriptModel(QAbstractListModel):
    """Messages of one conversation: confirmed ones by ``seq``, then pending ones.

    Rows are ``confirmed[hidden:] + pending``: the first ``hidden`` confirmed messages are
    kept but not exposed until :meth:`show_earlier`.
    """

    def __init__(
        self, conversation_id: str, parent: object | None = None, *, window: int = WINDOW
    ) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self.conversation_id = conversation_id
        self.window = window
        self._confirmed: list[_Entry] = []
        self._seqs: list[int] = []  # parallel to _confirmed, for bisect
        self._pending: list[_Entry] = []
        self._hidden = 0

    # --- Qt interface ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if parent.isValid():
            return 0
        return len(self._confirmed) - self._hidden + len(self._pending)

    def _entry(self, row: int) -> _Entry:
        shown = len(self._confirmed) - self._hidden
        if row < shown:
            return self._confirmed[self._hidden + row]
        return self._pending[row - shown]

    def entry(self, row: int) -> tuple[Message, bool]:
        """``(message, pending)`` of a row, for the delegate: no QVariant round trip per role."""
        entry = self._entry(row)
        return entry.message, entry.pending

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= self.rowCount():
            return None
        entry = self._entry(index.row())
        message = entry.message
        if role == Qt.ItemDataRole.DisplayRole:
            return message.text
        if role == SenderRole:
            return message.sender.value
        if role == AuthorRole:
            return message.author
        if role == TimeRole:
            return message.created_at
        if role == SeqRole:
            return -1 if entry.pending else message.seq
        if role == PendingRole:
            return entry.pending
        if role == MessageRole:
            return message
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{message.author}: {message.text}"
        return None

    # --- updates --------------------------------------------------------------------------

    def extend(self, messages: Iterable[Message]) -> int:
        """Add messages (a transcript or a replay); returns how many were new."""
        fresh = sorted(
            (m for m in messages if m.conversation_id == self.conversation_id),
            key=lambda m: m.seq,
        )
        # The common case, a whole transcript into an empty model, is one insert.
        if not self._confirmed and not self._pending and fresh:
            unique: dict[int, Message] = {m.seq: m for m in fresh}
            ordered = [unique[s] for s in sorted(unique)]
            hidden = max(0, len(ordered) - self.window)
            self.beginInsertRows(QModelIndex(), 0, len(ordered) - hidden - 1)
            self._confirmed = [_Entry(m) for m in ordered]
            self._seqs = [m.seq for m in ordered]
            self._hidden = hidden
            self.endInsertRows()
            return len(ordered)
        return sum(self.add(message) for message in fresh)

    def add(self, message: Message) -> bool:
        """Add one confirmed message; False if its ``seq`` is already here (a duplicate)."""
        if message.conversation_id != self.conversation_id:
            return False
        position = bisect.bisect_left(self._seqs, message.seq)
        if position < len(self._seqs) and self._seqs[position] == message.seq:
            return False
        if message.client_msg_id and self._drop_pending(message.client_msg_id):
            position = bisect.bisect_left(self._seqs, message.seq)
        if position < self._hidden:  # older than anything shown: keep it, hidden
            self._confirmed.insert(position, _Entry(message))
            self._seqs.insert(position, message.seq)
            self._hidden += 1
            return True
        row = position - self._hidden
        self.beginInsertRows(QModelIndex(), row, row)
        self._confirmed.insert(position, _Entry(message))
        self._seqs.insert(position, message.seq)
        self.endInsertRows()
        return True

    def add_pending(
        self, client_msg_id: str, text: str, *, author: str, internal: bool = False
    ) -> None:
        """Show a message this agent just sent, before the server confirmed it."""
        message = Message(
            conversation_id=self.conversation_id,
            seq=0,
            sender=Sender.NOTE if internal else Sender.AGENT,
            text=text,
            created_at=datetime.now(UTC),
            author=author,
            client_msg_id=client_msg_id,
        )
        row = self.rowCount()
        self.beginInsertRows(QModelIndex(), row, row)
        self._pending.append(_Entry(message, pending=True))
        self.endInsertRows()

    def confirm(self, client_msg_id: str, seq: int) -> bool:
        """An ``ack`` arrived: the pending message becomes message ``seq``."""
        for entry in self._pending:
            if entry.message.client_msg_id == client_msg_id:
                message = replace(entry.message, seq=seq)
                self._drop_pending(client_msg_id)
                return self.add(message)
        return False

    def _drop_pending(self, client_msg_id: str) -> bool:
        for i, entry in enumerate(self._pending):
            if entry.message.client_msg_id == client_msg_id:
                row = len(self._confirmed) - self._hidden + i
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._pending[i]
                self.endRemoveRows()
                return True
        return False

    def show_earlier(self, count: int | None = None) -> int:
        """Expose up to ``count`` (default: one window) older messages; returns how many."""
        take = min(self._hidden, count if count is not None else self.window)
        if take <= 0:
            return 0
        self.beginInsertRows(QModelIndex(), 0, take - 1)
        self._hidden -= take
        self.endInsertRows()
        return take

    # --- reading --------------------------------------------------------------------------

    def hidden_count(self) -> int:
        """Older messages not exposed as rows yet."""
        return self._hidden

    def messages(self, rows: Iterable[int] | None = None) -> list[Message]:
        """The whole transcript in order (hidden messages too), or the given rows."""
        if rows is None:
            return [e.message for e in self._confirmed] + [e.message for e in self._pending]
        return [self._entry(r).message for r in sorted(rows) if 0 <= r < self.rowCount()]

    def last_seq(self) -> int:
        return self._seqs[-1] if self._seqs else 0

    def pending_count(self) -> int:
        return len(self._pending)

    def last_contact_text(self) -> str:
        for entry in reversed(self._confirmed):
            if entry.message.sender == Sender.CONTACT:
                return entry.message.text
        return ""
