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

    async def handle(self, conn: Connection, frame: Any) -> None:
        service = self.conversations
        match frame:
            case SendMessage():
                await service.contact_message(conn, frame)
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
