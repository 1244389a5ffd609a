"""Fan-out: who is connected, and sending a frame to a conversation's contact or to agents.

In one process the hub is a pair of dicts. It is the seam where several server processes
would meet (Redis pub/sub): everything that reaches a client from elsewhere in the server
goes through these few methods, and each frame is encoded once however many connections
receive it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from desk_app.protocol.messages import Frame, Message, MessageFrame, Sender, encode
from desk_app.server.connection import Connection


class Hub:
    def __init__(self) -> None:
        self._contacts: dict[str, set[Connection]] = {}
        self._agents: dict[str, set[Connection]] = {}
        self.customer_connections: set[Connection] = set()
        self.agent_connections: set[Connection] = set()

    # -- membership ---------------------------------------------------------------------------

    def add_contact(self, conversation_id: str, conn: Connection) -> None:
        self._contacts.setdefault(conversation_id, set()).add(conn)

    def remove_contact(self, conversation_id: str, conn: Connection) -> None:
        conns = self._contacts.get(conversation_id)
        if conns is not None:
            conns.discard(conn)
            if not conns:
                del self._contacts[conversation_id]

    def add_agent(self, agent_id: str, conn: Connection) -> bool:
        """Returns True when this is the agent's first open connection."""
        conns = self._agents.setdefault(agent_id, set())
        first = not conns
        conns.add(conn)
        return first

    def remove_agent(self, agent_id: str, conn: Connection) -> bool:
        """Returns True when the agent has no connection left."""
        conns = self._agents.get(agent_id)
        if conns is None:
            return True
        conns.discard(conn)
        if not conns:
            del self._agents[agent_id]
            return True
        return False

    def agent_connected(self, agent_id: str) -> bool:
        return agent_id in self._agents

    def connected_agent_ids(self) -> list[str]:
        return list(self._agents)

    def all_connections(self) -> Iterator[Connection]:
        yield from self.customer_connections
        yield from self.agent_connections

    # -- sending ------------------------------------------------------------------------------

    def to_contact(
        self, conversation_id: str, frame: Frame, *, exclude: Connection | None = None
    ) -> None:
        conns = self._contacts.get(conversation_id)
        if conns:
            _push(conns, encode(frame), exclude)

    def message_to_contact(
        self, message: Message, *, exclude: Connection | None = None, data: bytes | None = None
    ) -> bytes | None:
        """A stored message for the contact's connections. Notes never go to a contact.

        Returns the encoded frame if it was encoded (``data``, if given, is used as is), so
        the caller can hand it on to :meth:`message_to_agent` instead of encoding it twice;
        nothing is encoded when no connection but ``exclude`` would get it.
        """
        if message.sender is Sender.NOTE:
            return data
        conns = self._contacts.get(message.conversation_id)
        if conns and (exclude is None or len(conns) > 1 or exclude not in conns):
            if data is None:
                data = encode(MessageFrame(message=message))
            for conn in conns:
                if conn is not exclude:
                    conn.deliver(message, data)
        return data

    def to_agent(self, agent_id: str, frame: Frame, *, exclude: Connection | None = None) -> None:
        conns = self._agents.get(agent_id)
        if conns:
            _push(conns, encode(frame), exclude)

    def message_to_agent(
        self,
        agent_id: str,
        message: Message,
        *,
        exclude: Connection | None = None,
        data: bytes | None = None,
    ) -> None:
        conns = self._agents.get(agent_id)
        if conns:
            if data is None:
                data = encode(MessageFrame(message=message))
            for conn in conns:
                if conn is not exclude:
                    conn.deliver(message, data)

    def to_agents(self, frame: Frame) -> None:
        """Every logged-in agent, supervisor and admin (queue deltas)."""
        data = encode(frame)
        for conns in self._agents.values():
            _push(conns, data, None)

    def to_everyone(self, frame: Frame) -> None:
        _push(self.all_connections(), encode(frame), None)


def _push(conns: Iterable[Connection], data: bytes, exclude: Connection | None) -> None:
    for conn in list(conns):
        if conn is not exclude:
            conn.push(data)
