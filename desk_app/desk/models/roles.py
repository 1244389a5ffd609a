"""Custom item roles shared by the desk's models and views.

Views read selections through :data:`ConversationIdRole`, never by row number: rows move
under a sort, a filter or a live update, ids do not.
"""

from __future__ import annotations

from PySide6.QtCore import Qt

_BASE = int(Qt.ItemDataRole.UserRole)  # plain ints: compared on every paint

ConversationIdRole = _BASE + 1
SortRole = _BASE + 2  # a comparable value (number or text) for QSortFilterProxyModel
FilterRole = _BASE + 3  # lower-cased searchable text of the whole row
WaitingSinceRole = _BASE + 4
UnreadRole = _BASE + 10
LastTextRole = _BASE + 11
TypingRole = _BASE + 12
ChannelRole = _BASE + 13
SenderRole = _BASE + 20
AuthorRole = _BASE + 21
TimeRole = _BASE + 22
SeqRole = _BASE + 23
PendingRole = _BASE + 24
MessageRole = _BASE + 25
ShortcutRole = _BASE + 30
AgentIdRole = _BASE + 40
AgentStatusRole = _BASE + 41  # the AgentStatus value ("online", "away", "offline")
AvailableRole = _BASE + 42  # True when a transfer to this agent can be taken now
