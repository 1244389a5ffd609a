"""The whole path over real sockets: bot, handoff, agent, reply, close, rating, store."""

from __future__ import annotations

from sqlalchemy import select

from desk_app.protocol.events import Event
from desk_app.protocol.messages import (
    Ack,
    CloseConversation,
    ConversationAssigned,
    ConversationUnassigned,
    HandoffReason,
    MessageFrame,
    QueueSnapshot,
    RateConversation,
    Rated,
    Sender,
    SendMessage,
    StatusChanged,
)
from desk_app.server.app import RunningServer
from desk_app.store import conversations as repo
from desk_app.store.models import Assignment, Conversation, ReportingEvent

from .conftest import add_agent, login_agent, start_customer


async def test_customer_bot_handoff_agent_close_rate(server: RunningServer, clients) -> None:
    customer, started = await start_customer(clients, server, name="张三")
    cid = started.conversation_id
    assert len(started.token) >= 43

    await customer.send(SendMessage(client_msg_id="c1", text="你好，我的快递到哪了"))
    ack = await customer.expect(Ack)
    assert (ack.client_msg_id, ack.seq, ack.duplicate) == ("c1", 1, False)
    bot = await customer.expect(MessageFrame)
    assert bot.message.sender is Sender.BOT
    assert bot.message.seq == 2

    li_id = await add_agent(server, "li", display_name="小李")
    agent, auth = await login_agent(clients, server, "li")
    assert auth.agent.id == li_id
    assert (await agent.expect(QueueSnapshot)).items == []

    await customer.send(SendMessage(client_msg_id="c2", text="转人工"))
    assert (await customer.expect(Ack)).seq == 3
    assigned = await agent.expect(ConversationAssigned)
    detail = assigned.conversation
    assert assigned.how == "auto"
    assert detail.conversation_id == cid
    assert detail.contact.name == "张三"
    assert [(m.seq, m.sender) for m in detail.transcript] == [
        (1, Sender.CONTACT),
        (2, Sender.BOT),
        (3, Sender.CONTACT),
        (4, Sender.BOT),
    ]
    assert detail.transcript[0].text == "你好，我的快递到哪了"
    assert detail.handoff is not None
    assert detail.handoff.reason is HandoffReason.CUSTOMER_ASKED
    assert detail.handoff.note == "转人工"
    handoff_text = await customer.expect(MessageFrame)
    assert handoff_text.message.seq == 4
    status = await customer.expect(StatusChanged, lambda f: f.status == "assigned")
    assert status.agent_name == "小李"

    await agent.send(SendMessage(conversation_id=cid, client_msg_id="a1", text="您好，我是小李"))
    assert (await agent.expect(Ack)).seq == 5
    reply = await customer.expect(MessageFrame)
    assert (reply.message.seq, reply.message.sender, reply.message.text) == (
        5,
        Sender.AGENT,
        "您好，我是小李",
    )
    assert reply.message.author == "小李"

    await agent.send(
        SendMessage(conversation_id=cid, client_msg_id="a2", text="客户很急", internal=True)
    )
    assert (await agent.expect(Ack)).seq == 6
    assert not [f for f in await customer.barrier() if isinstance(f, MessageFrame)]

    await agent.send(CloseConversation(conversation_id=cid))
    gone = await agent.expect(ConversationUnassigned)
    assert (gone.conversation_id, gone.reason) == (cid, "closed")
    await customer.expect(StatusChanged, lambda f: f.status == "closed")

    await customer.send(RateConversation(score=5, comment="很满意"))
    assert (await customer.expect(Rated)).score == 5

    def stored(session):
        conversation = session.get(Conversation, cid)
        events = list(
            session.scalars(
                select(ReportingEvent.name)
                .where(ReportingEvent.conversation_id == cid)
                .order_by(ReportingEvent.id)
            )
        )
        assignments = list(session.scalars(select(Assignment)))
        return conversation, repo.messages_after(session, cid), events, assignments

    conversation, messages, events, assignments = await server.store.read(stored)
    assert (conversation.status, conversation.csat_score, conversation.csat_comment) == (
        "closed",
        5,
        "很满意",
    )
    assert conversation.handoff["reason"] == "customer_asked"
    assert [(m.seq, m.sender) for m in messages] == [
        (1, Sender.CONTACT),
        (2, Sender.BOT),
        (3, Sender.CONTACT),
        (4, Sender.BOT),
        (5, Sender.AGENT),
        (6, Sender.NOTE),
    ]
    assert [(a.agent_id, a.reason, a.end_reason) for a in assignments] == [
        (li_id, "auto", "closed")
    ]
    assert events == [
        Event.CONVERSATION_CREATED,
        Event.BOT_UNANSWERED,
        Event.CONVERSATION_HANDED_OFF,
        Event.ASSIGNMENT_CREATED,
        Event.FIRST_REPLY_CREATED,
        Event.ASSIGNMENT_ENDED,
        Event.CONVERSATION_CLOSED,
        Event.CONVERSATION_RATED,
    ]
