"""The agents on the desk right now (``agents.snapshot`` then ``agents.updated``), for the
transfer dialog: who is online or away, how loaded, in which teams.

A list model keyed by agent id, sorted by display name so the list does not jump about as
loads change. An agent who is offline and holds nothing has left the roster and their row
goes; one who is offline but still holds conversations (the server's grace period after a
dropped connection) stays, marked offline and not selectable. Names are shown as plain
text: the model returns strings and the combo box never renders markup.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from desk_app.desk.labels import one_line, status_label
from desk_app.desk.models.roles import AgentIdRole, AgentStatusRole, AvailableRole
from desk_app.desk.views.bubbles import plain_tooltip
from desk_app.protocol.messages import AgentInfo, AgentStatus

Index = QModelIndex | QPersistentModelIndex
_LABEL_ROLES = (
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.EditRole,
    Qt.ItemDataRole.AccessibleTextRole,
)


def available(info: AgentInfo) -> bool:
    """Whether a transfer to this agent would be taken now: connected (online or away; the
    server accepts transfers to either) with a free place."""
    return info.status != AgentStatus.OFFLINE and info.open_conversations < info.capacity


def _gone(info: AgentInfo) -> bool:
    return info.status == AgentStatus.OFFLINE and info.open_conversations == 0


class RosterModel(QAbstractListModel):
    """Agents keyed by id, ordered by display name."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[AgentInfo] = []

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, agent_id: object) -> bool:
        return self._position(str(agent_id)) is not None

    def get(self, agent_id: str) -> AgentInfo | None:
        position = self._position(agent_id)
        return None if position is None else self._rows[position]

    def agents(self) -> list[AgentInfo]:
        return list(self._rows)

    def teams(self) -> list[str]:
        """Every team someone on the roster belongs to (transfer targets besides agents)."""
        return sorted({team for info in self._rows for team in info.teams})

    # --- Qt model ------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid() or index.row() >= len(self._rows):
            return Qt.ItemFlag.NoItemFlags
        if available(self._rows[index.row()]):
            return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return Qt.ItemFlag.NoItemFlags  # offline or full: shown, but cannot be chosen

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        info = self._rows[index.row()]
        if role in _LABEL_ROLES:  # an editable combo box reads EditRole, not DisplayRole
            return self.label(info)
        if role == AgentIdRole:
            return info.id
        if role == AgentStatusRole:
            return str(info.status)
        if role == AvailableRole:
            return available(info)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(info.display_name or info.username)
        return None

    def label(self, info: AgentInfo) -> str:
        """One line: name · status · load n/capacity (full) · teams."""
        name = one_line(info.display_name or info.username, 40)
        load = self.tr("%1/%2 chats").replace("%1", str(info.open_conversations))
        load = load.replace("%2", str(info.capacity))
        if info.status != AgentStatus.OFFLINE and info.open_conversations >= info.capacity:
            full = self.tr("full")
            load = f"{load} ({full})"
        parts = [name, status_label(info.status), load]
        if info.teams:
            parts.append(one_line(", ".join(info.teams), 60))
        return " · ".join(parts)

    # --- updates -------------------------------------------------------------------------

    def _position(self, agent_id: str) -> int | None:
        for i, row in enumerate(self._rows):
            if row.id == agent_id:
                return i
        return None

    @staticmethod
    def _key(info: AgentInfo) -> tuple[str, str]:
        return (info.display_name or info.username, info.id)

    def reset(self, infos: list[AgentInfo]) -> None:
        """The whole roster (``agents.snapshot``)."""
        self.beginResetModel()
        latest = {info.id: info for info in infos if not _gone(info)}
        self._rows = sorted(latest.values(), key=self._key)
        self.endResetModel()

    def update(self, info: AgentInfo) -> None:
        """One agent changed (``agents.updated``): change, insert, move or remove the row."""
        position = self._position(info.id)
        if _gone(info):
            if position is not None:
                self.beginRemoveRows(QModelIndex(), position, position)
                del self._rows[position]
                self.endRemoveRows()
            return
        if position is not None and self._key(self._rows[position]) == self._key(info):
            self._rows[position] = info
            index = self.index(position, 0)
            self.dataChanged.emit(index, index)
            return
        if position is not None:  # renamed: take it out, put it back in order
            self.beginRemoveRows(QModelIndex(), position, position)
            del self._rows[position]
            self.endRemoveRows()
        key = self._key(info)
        at = next((i for i, row in enumerate(self._rows) if self._key(row) > key), len(self._rows))
        self.beginInsertRows(QModelIndex(), at, at)
        self._rows.insert(at, info)
        self.endInsertRows()
