"""Kill -9 the server after acknowledgements; a new process on the same file loses nothing.

``desk server`` runs as a real subprocess on a SQLite file. Every message acknowledged
before the SIGKILL must be there after the restart, and a customer and an agent who resume
with the last seq they saw get exactly what they missed: nothing lost, nothing twice.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from desk_app.protocol.messages import (
    Ack,
    AuthOk,
    ConversationAssigned,
    ConversationResumed,
    ConversationStarted,
    Login,
    MessageFrame,
    ResumeConversation,
    Sender,
    SendMessage,
    StartConversation,
    SyncConversation,
    TokenLogin,
)
from desk_app.store import conversations as repo
from desk_app.store.agents import create_agent
from desk_app.store.database import Store

from .conftest import PASSWORD, TIMEOUT, Client

pytestmark = pytest.mark.slow


class ServerProcess:
    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)


async def start_server(db_url: str) -> ServerProcess:
    # what the server said, if it dies before listening (closed with the process object)
    errors = tempfile.TemporaryFile()  # noqa: SIM115
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "desk_app.cli",
        "server",
        "--port",
        "0",
        "--db",
        db_url,
        "--log-level",
        "WARNING",
        "--grace-period",
        "60",
        stdout=asyncio.subprocess.PIPE,
        stderr=errors,
        env={**os.environ, "DESK_ADMIN_PASSWORD": PASSWORD},
    )
    assert process.stdout is not None
    while True:
        line = await asyncio.wait_for(process.stdout.readline(), TIMEOUT * 3)
        if not line:
            await process.wait()
            errors.seek(0)
            said = errors.read().decode(errors="replace")[-3000:]
            raise RuntimeError(
                f"desk server exited ({process.returncode}) before listening:\n{said}"
            )
        text = line.decode()
        if "listening on" in text:
            return ServerProcess(process, text.rsplit(" ", 1)[1].strip())


@pytest.fixture
async def processes() -> AsyncIterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        if server.process.returncode is None:
            server.kill()
        await server.process.wait()


async def open_client(url: str) -> Client:
    return Client(await connect(url, compression=None))


async def test_acknowledged_messages_survive_sigkill_and_resume_exactly(
    tmp_path: Path, processes: list[ServerProcess]
) -> None:
    db_url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    with Store.open(db_url) as store:
        store.write_sync(lambda s: create_agent(s, "li", PASSWORD, display_name="小李"))
        store.write_sync(lambda s: create_agent(s, "boss", PASSWORD, role="supervisor"))

    first = await start_server(db_url)
    processes.append(first)
    agent = await open_client(f"{first.url}/ws/agent")
    await agent.send(Login(username="li", password=PASSWORD))
    agent_token = (await agent.expect(AuthOk)).token

    customer = await open_client(f"{first.url}/ws/customer")
    await customer.send(StartConversation(name="王五"))
    started = await customer.expect(ConversationStarted)
    cid = started.conversation_id
    await customer.send(SendMessage(client_msg_id="c1", text="转人工"))
    assert (await customer.expect(Ack)).seq == 1
    detail = (await agent.expect(ConversationAssigned)).conversation
    assert [m.seq for m in detail.transcript] == [1, 2]  # the request and the bot's reply
    await agent.send(SendMessage(conversation_id=cid, client_msg_id="a1", text="您好"))
    assert (await agent.expect(Ack)).seq == 3
    assert (await customer.expect(MessageFrame, lambda f: f.message.seq == 3)).message.text
    customer_seen = agent_seen = 3

    await agent.close()  # the agent's network drops
    await customer.send(SendMessage(client_msg_id="c2", text="我的订单号是 A1001"))
    await customer.send(SendMessage(client_msg_id="c3", text="请帮我查一下"))
    acks = [await customer.expect(Ack), await customer.expect(Ack)]
    assert [a.seq for a in acks] == [4, 5]
    customer_seen = 5
    await customer.close()  # and now the customer's

    boss = await open_client(f"{first.url}/ws/agent")
    await boss.send(Login(username="boss", password=PASSWORD))
    await boss.expect(AuthOk)
    await boss.send(
        SendMessage(conversation_id=cid, client_msg_id="s1", text="已加急", internal=True)
    )
    await boss.send(SendMessage(conversation_id=cid, client_msg_id="s2", text="正在为您查询"))
    assert [(await boss.expect(Ack)).seq, (await boss.expect(Ack)).seq] == [6, 7]

    first.kill()  # SIGKILL: no shutdown, no flush, nothing but what was committed
    assert await asyncio.wait_for(first.process.wait(), TIMEOUT) == -signal.SIGKILL
    await boss.ws.wait_closed()

    second = await start_server(db_url)
    processes.append(second)

    customer = await open_client(f"{second.url}/ws/customer")
    await customer.send(ResumeConversation(token=started.token, last_seq=customer_seen))
    resumed = await customer.expect(ConversationResumed)
    assert (resumed.conversation_id, resumed.status, resumed.last_seq) == (cid, "assigned", 7)
    replay = [f for f in await customer.barrier() if isinstance(f, MessageFrame)]
    assert [(f.message.seq, f.message.sender, f.message.text) for f in replay] == [
        (7, Sender.AGENT, "正在为您查询")  # the note (6) is never sent to a contact
    ]
    # the ack of c3 was "lost": the resend is recognised and not stored again
    await customer.send(SendMessage(client_msg_id="c3", text="请帮我查一下"))
    again = await customer.expect(Ack)
    assert (again.seq, again.duplicate) == (5, True)

    agent = await open_client(f"{second.url}/ws/agent")
    await agent.send(TokenLogin(token=agent_token))  # the login survived the crash too
    await agent.expect(AuthOk)
    snapshot = (await agent.expect(ConversationAssigned, lambda f: f.how == "resumed")).conversation
    assert [m.seq for m in snapshot.transcript] == [1, 2, 3, 4, 5, 6, 7]
    await agent.send(SyncConversation(conversation_id=cid, last_seq=agent_seen))
    missed = [f for f in await agent.barrier() if isinstance(f, MessageFrame)]
    assert [(f.message.seq, f.message.sender) for f in missed] == [
        (4, Sender.CONTACT),
        (5, Sender.CONTACT),
        (6, Sender.NOTE),
        (7, Sender.AGENT),
    ]
    await customer.close()
    await agent.close()

    second.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(second.process.wait(), TIMEOUT) == 0
    with Store.open(db_url, migrate=False) as store:
        stored = store.read_sync(lambda s: repo.messages_after(s, cid))
    assert [m.seq for m in stored] == [1, 2, 3, 4, 5, 6, 7]
    assert [m.client_msg_id for m in stored] == ["c1", None, "a1", "c2", "c3", "s1", "s2"]
