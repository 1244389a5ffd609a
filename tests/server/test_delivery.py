"""Ordering and delivery: acks after commit, resends stored once, resume replays exactly."""

from __future__ import annotations

import asyncio

from desk_app.protocol.messages import (
    Ack,
    ConversationAssigned,
    ConversationResumed,
    MessageFrame,
    QueuePosition,
    ResumeConversation,
    Sender,
    SendMessage,
    StatusChanged,
)
from desk_app.server.app import RunningServer
from desk_app.store import conversations as repo

from .conftest import add_agent, login_agent, start_customer


async def test_a_resend_is_acked_with_the_original_seq_and_stored_once(
    server: RunningServer, clients
) -> None:
    customer, started = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="m1", text="你好"))
    first = await customer.expect(Ack)
    await customer.expect(MessageFrame)  # the bot's answer, once
    await customer.send(SendMessage(client_msg_id="m1", text="你好"))
    again = await customer.expect(Ack)
    assert (first.seq, first.duplicate) == (1, False)
    assert (again.seq, again.duplicate) == (1, True)
    frames = await customer.barrier()
    assert not [f for f in frames if isinstance(f, MessageFrame)]  # the bot did not answer twice
    stored = await server.store.read(lambda s: repo.messages_after(s, started.conversation_id))
    assert [(m.seq, m.sender) for m in stored] == [(1, Sender.CONTACT), (2, Sender.BOT)]


async def test_pipelined_messages_keep_their_order(server: RunningServer, clients) -> None:
    await add_agent(server, "li")
    agent, _ = await login_agent(clients, server, "li")
    customer, _ = await start_customer(clients, server)
    await customer.send(SendMessage(client_msg_id="h", text="转人工"))
    await agent.expect(ConversationAssigned)
    for i in range(30):
        await customer.send(SendMessage(client_msg_id=f"m{i}", text=f"第{i}条"))
    acks = [
        await customer.expect(Ack, lambda a, i=i: a.client_msg_id == f"m{i}") for i in range(30)
    ]
    seqs = [a.seq for a in acks]
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 30
    received = [await agent.expect(MessageFrame) for _ in range(30)]
    assert [f.message.text for f in received] == [f"第{i}条" for i in range(30)]
    assert [f.message.seq for f in received] == seqs


async def test_resume_replays_what_was_missed_without_notes(server: RunningServer, clients) -> None:
    await add_agent(server, "li", display_name="小李")
    agent, _ = await login_agent(clients, server, "li")
    customer, started = await start_customer(clients, server)
    cid = started.conversation_id
    await customer.send(SendMessage(client_msg_id="h", text="转人工"))
    await agent.expect(ConversationAssigned)
    await customer.expect(StatusChanged, lambda f: f.status == "assigned")
    seen = max([f.message.seq for f in customer.taken(MessageFrame)] + [1])
    await customer.close()

    for i, internal in enumerate([False, True, False]):
        await agent.send(
            SendMessage(
                conversation_id=cid, client_msg_id=f"a{i}", text=f"回复{i}", internal=internal
            )
        )
        await agent.expect(Ack)

    customer = await clients(server.customer_url)
    await customer.send(ResumeConversation(token=started.token, last_seq=seen))
    resumed = await customer.expect(ConversationResumed)
    assert (resumed.status, resumed.last_seq) == ("assigned", seen + 3)
    assert (await customer.expect(StatusChanged)).agent_name == "小李"
    replay = [f for f in await customer.barrier() if isinstance(f, MessageFrame)]
    assert [(f.message.seq, f.message.text) for f in replay] == [
        (seen + 1, "回复0"),
        (seen + 3, "回复2"),
    ]
    # a second resume from the end sends nothing again
    again = await clients(server.customer_url)
    await again.send(ResumeConversation(token=started.token, last_seq=seen + 3))
    await again.expect(ConversationResumed)
    assert not [f for f in await again.barrier() if isinstance(f, MessageFrame)]


async def test_messages_during_a_resume_arrive_once(server: RunningServer, clients) -> None:
    """Live messages racing the replay are neither lost nor doubled."""
    await add_agent(server, "li")
    agent, _ = await login_agent(clients, server, "li")
    customer, started = await start_customer(clients, server)
    cid = started.conversation_id
    await customer.send(SendMessage(client_msg_id="h", text="转人工"))
    await agent.expect(ConversationAssigned)
    await customer.close()

    async def agent_talks() -> None:
        for i in range(40):
            await agent.send(SendMessage(conversation_id=cid, client_msg_id=f"a{i}", text=f"{i}"))
        for _ in range(40):
            await agent.expect(Ack)

    talking = asyncio.create_task(agent_talks())
    resumed = []
    for _ in range(3):  # resume several times while the agent is talking
        customer = await clients(server.customer_url)
        await customer.send(ResumeConversation(token=started.token, last_seq=2))
        await customer.expect(ConversationResumed)
        resumed.append(customer)
    await talking
    for customer in resumed:
        frames = [f for f in await customer.barrier() if isinstance(f, MessageFrame)]
        seqs = [f.message.seq for f in frames]
        assert seqs == list(range(3, 43)), seqs


async def test_queued_contacts_hear_their_position(server: RunningServer, clients) -> None:
    first, _ = await start_customer(clients, server, name="一")
    second, _ = await start_customer(clients, server, name="二")
    await first.send(SendMessage(client_msg_id="h", text="转人工"))
    assert (await first.expect(QueuePosition)).position == 1
    await second.send(SendMessage(client_msg_id="h", text="转人工"))
    assert (await second.expect(QueuePosition)).position == 2
    await add_agent(server, "li", capacity=1)
    await login_agent(clients, server, "li")
    await first.expect(StatusChanged, lambda f: f.status == "assigned")
    assert (await second.expect(QueuePosition, lambda f: f.position == 1)).position == 1
