"""``/ws/agent``: frames from agents, supervisors and admins.

Only ``auth.login``, ``auth.token`` and ``ping`` are accepted before logging in; everything
else gets ``not_authenticated``. Every later frame checks that the login has not expired,
and the services check role and ownership of the conversation it touches.
"""

from __future__ import annotations

from typing import Any

from desk_app.protocol.errors import AuthError, ErrorCode
from desk_app.protocol.messages import (
    AgentFrame,
    CloseConversation,
    Login,
    Logout,
    PickConversation,
    Ping,
    Pong,
    ReturnToBot,
    SearchKnowledge,
    SendMessage,
    SetStatus,
    SubmitKnowledge,
    SyncConversation,
    TokenLogin,
    TransferConversation,
    Typing,
    parse_agent_frame,
)
from desk_app.server.connection import Connection
from desk_app.server.conversations import ConversationService
from desk_app.server.presence import Principal
from desk_app.server.staff import StaffService
from desk_app.store.models import utcnow


class AgentEndpoint:
    side = "agent"

    def __init__(self, conversations: ConversationService, staff: StaffService) -> None:
        self.conversations = conversations
        self.staff = staff

    def parse(self, raw: str | bytes) -> AgentFrame:
        return parse_agent_frame(raw)

    def opened(self, conn: Connection) -> None:
        pass  # counted once logged in

    def handle_now(self, conn: Connection, frame: Any) -> bool:
        """Only pings: everything else needs the login checks and the worker's order."""
        if type(frame) is Ping:
            conn.send(Pong(nonce=frame.nonce))
            return True
        return False

    async def handle(self, conn: Connection, frame: Any) -> None:
        match frame:
            case Ping():
                conn.send(Pong(nonce=frame.nonce))
                return
            case Login():
                await self.staff.login(conn, frame)
                return
            case TokenLogin():
                await self.staff.token_login(conn, frame)
                return
        principal: Principal | None = conn.principal
        if principal is None:
            raise AuthError("log in first (auth.login or auth.token)")
        if utcnow() >= principal.expires_at:
            await self.staff.expired(conn, principal)
            raise AuthError("your login expired; log in again", code=ErrorCode.TOKEN_EXPIRED)
        service = self.conversations
        match frame:
            case SendMessage():
                await service.agent_message(conn, principal, frame)
            case Typing():
                await service.agent_typing(principal, frame)
            case PickConversation():
                await service.pick(principal, frame.conversation_id)
            case SyncConversation():
                await service.sync(conn, principal, frame.conversation_id, frame.last_seq)
            case TransferConversation():
                await service.transfer(principal, frame)
            case ReturnToBot():
                await service.return_to_bot(principal, frame.conversation_id)
            case CloseConversation():
                await service.close(principal, frame.conversation_id)
            case SetStatus():
                await self.staff.set_status(principal, frame.status)
            case SearchKnowledge():
                await service.search_knowledge(conn, frame)
            case SubmitKnowledge():
                await service.submit_knowledge(conn, principal, frame)
            case Logout():
                await self.staff.logout(conn, principal)

    async def closed(self, conn: Connection) -> None:
        await self.staff.disconnected(conn)
