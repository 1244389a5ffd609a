"""No agent online: the contact is told and may leave a ticket. CSAT after the chat."""

from __future__ import annotations

from sqlalchemy import select

from desk_app.protocol.events import Event
from desk_app.protocol.messages import (
    EndConversation,
    LeaveMessage,
    MessageFrame,
    RateConversation,
    Rated,
    RequestHuman,
    Sender,
    StartConversation,
    StatusChanged,
    TicketCreated,
)
from desk_app.server.app import RunningServer
from desk_app.store.models import Conversation, ReportingEvent, Ticket

from .conftest import start_customer


async def test_no_agent_online_offers_a_ticket(server: RunningServer, clients) -> None:
    customer, started = await start_customer(clients, server, locale="en")
    await customer.send(RequestHuman(note="need a person"))
    await customer.expect(StatusChanged, lambda f: f.status == "queued")
    notice = await customer.expect(MessageFrame)
    assert notice.message.sender is Sender.SYSTEM
    assert "No agent is online" in notice.message.text
    await customer.send(LeaveMessage(text="Please call me back", name="Ann", contact="ann@x.cn"))
    ticket_id = (await customer.expect(TicketCreated)).ticket_id
    ticket = await server.store.read(lambda s: s.get(Ticket, ticket_id))
    assert (ticket.conversation_id, ticket.text, ticket.contact, ticket.status) == (
        started.conversation_id,
        "Please call me back",
        "ann@x.cn",
        "open",
    )


async def test_a_ticket_without_a_conversation(server: RunningServer, clients) -> None:
    customer = await clients(server.customer_url)
    await customer.send(LeaveMessage(text="网站打不开", name="李", contact="13800000000"))
    ticket_id = (await customer.expect(TicketCreated)).ticket_id
    assert (await server.store.read(lambda s: s.get(Ticket, ticket_id))).conversation_id is None


async def test_rating_after_ending_replaces_the_first(server: RunningServer, clients) -> None:
    customer, started = await start_customer(clients, server)
    cid = started.conversation_id
    await customer.send(EndConversation())
    await customer.expect(StatusChanged, lambda f: f.status == "closed")
    await customer.send(RateConversation(score=2))
    assert (await customer.expect(Rated)).score == 2
    await customer.send(RateConversation(score=4, comment="后来解决了"))
    assert (await customer.expect(Rated)).score == 4

    def stored(session):
        conversation = session.get(Conversation, cid)
        ratings = session.scalars(
            select(ReportingEvent.value).where(
                ReportingEvent.name == Event.CONVERSATION_RATED,
                ReportingEvent.conversation_id == cid,
            )
        )
        return conversation.csat_score, conversation.csat_comment, list(ratings)

    assert await server.store.read(stored) == (4, "后来解决了", [2.0, 4.0])


async def test_a_second_start_on_one_connection_is_refused(server: RunningServer, clients) -> None:
    from desk_app.protocol.errors import ErrorCode
    from desk_app.protocol.messages import Error

    customer, _ = await start_customer(clients, server)
    await customer.send(StartConversation())
    assert (await customer.expect(Error)).code == ErrorCode.CONFLICT
