"""``/ws/customer``: frames from contacts, dispatched to the conversation service.

A contact connection speaks for at most one conversation, opened with ``conversation.start``
or reattached with ``conversation.resume``; ``ticket.create`` also works without one.
"""

from __future__ import annotations

from typing import Any

from desk_app.protocol.messages import (
    CustomerFrame,
    EndConversation,
    LeaveMessage,
    Ping,
    Pong,
    RateConversation,
    RequestHuman,
    ResumeConversation,
    SendMessage,
    StartConversation,
    Typing,
    parse_customer_frame,
)
from desk_app.server.connection import Connection
from desk_app.server.conversations import ConversationService
from desk_app.server.hub import Hub


class CustomerEndpoint:
    side = "customer"

    def __init__(self, conversations: ConversationService, hub: Hub) -> None:
        self.conversations = conversations
        self.hub = hub

    def parse(self, raw: str | bytes) -> CustomerFrame:
        return parse_customer_frame(raw)

    def opened(self, conn: Connection) -> None:
        self.hub.customer_connections.add(conn)

    def handle_now(self, conn: Connection, frame: Any) -> bool:
        """Messages need no waiting (see ``Connection``): one behind another is queued to
        the store behind it. Typing and pings too, unless a message before them is still
        being stored: then they wait for it, so they do not overtake its ``ack``."""
        kind = type(frame)
        if kind is SendMessage:
            self.conversations.contact_message_now(conn, frame)
        elif conn.writing:
            return False
        elif kind is Typing:
            self.conversations.contact_typing(conn, frame)
        elif kind is Ping:
            conn.send(Pong(nonce=frame.nonce))
        else:
            return False
        return True

    async def handle(self, conn: Connection, frame: Any) -> None:
        service = self.conversations
        match frame:  # a SendMessage never comes here: handle_now always takes it
            case Typing():
                service.contact_typing(conn, frame)
            case StartConversation():
                await service.start_conversation(conn, frame)
            case ResumeConversation():
                await service.resume(conn, frame)
            case RequestHuman():
                await service.request_human(conn, frame)
            case EndConversation():
                await service.end_by_contact(conn, frame)
            case RateConversation():
                await service.rate(conn, frame)
            case LeaveMessage():
                await service.leave_message(conn, frame)
            case Ping():
                conn.send(Pong(nonce=frame.nonce))

    async def closed(self, conn: Connection) -> None:
        self.hub.customer_connections.discard(conn)
        self.conversations.contact_gone(conn)
