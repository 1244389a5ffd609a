"""Frames of one connection are handled in order, with or without waiting for the store.

A contact's messages are handled at once (their store write calls back after COMMIT); any
other frame waits in the connection's worker until the writes of the frames before it have
committed. These tests send frames back to back, without waiting for answers.
"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any

import pytest

from desk_app.protocol.errors import ErrorCode
from desk_app.protocol.messages import (
    Ack,
    ConversationAssigned,
    ConversationStarted,
    ConversationStatus,
    EndConversation,
    Error,
    HandoffReason,
    MessageFrame,
    Ping,
    Pong,
    RequestHuman,
    SendMessage,
    StartConversation,
    StatusChanged,
    encode,
    parse_server_frame,
)
from desk_app.server.app import RunningServer
from desk_app.server.connection import _text_header
from desk_app.store import conversations as repo

from .conftest import TIMEOUT, add_agent, login_agent, start_customer


async def test_a_message_right_behind_the_start_waits_for_the_conversation(
    server: RunningServer, clients
) -> None:
    customer = await clients(server.customer_url)
    await customer.send(StartConversation(name="快手"))
    await customer.send(SendMessage(client_msg_id="m1", text="你好"))
    await customer.send_raw('{"type":"ping","nonce":"n"}')
    started = await customer.expect(ConversationStarted)
    ack = await customer.expect(Ack)
    assert (ack.client_msg_id, ack.conversation_id, ack.seq) == ("m1", started.conversation_id, 1)
    await customer.expect(Pong)


async def test_a_frame_behind_messages_sees_them_committed(server: RunningServer, clients) -> None:
    customer, started = await start_customer(clients, server)
    cid = started.conversation_id
    for i in range(5):
        await customer.send(SendMessage(client_msg_id=f"m{i}", text=f"第{i}条"))
    await customer.send(EndConversation())
    closed = await customer.expect(StatusChanged)
    assert closed.status is ConversationStatus.CLOSED
    # every message before the end was acked before the conversation closed
    acks = [f for f in customer.backlog if isinstance(f, Ack)]
    assert [a.client_msg_id for a in acks] == [f"m{i}" for i in range(5)]
    stored = await server.store.read(lambda s: repo.messages_after(s, cid))
    contact = [m.text for m in stored if m.sender == "contact"]
    assert contact == [f"第{i}条" for i in range(5)]


async def test_a_message_refused_by_the_store_gets_an_error_with_its_id(
    server: RunningServer, clients
) -> None:
    customer, _ = await start_customer(clients, server)
    await customer.send(EndConversation())
    await customer.expect(StatusChanged)
    await customer.send(SendMessage(client_msg_id="late", text="还在吗"))
    error = await customer.expect(Error)
    assert (error.code, error.ref) == (ErrorCode.CONVERSATION_CLOSED, "late")


async def test_frames_of_every_length_encoding_reach_the_client(
    server: RunningServer, clients
) -> None:
    assert _text_header(5) == b"\x81\x05"
    assert _text_header(126) == b"\x81\x7e\x00\x7e"
    assert _text_header(70_000) == b"\x81\x7f" + (70_000).to_bytes(8, "big")
    await add_agent(server, "li")
    customer, _ = await start_customer(clients, server)
    texts = ["短", "中" * 100, *["长" * 8000] * 3]  # frames of ~100 B, ~400 B, ~24 kB
    for i, text in enumerate(texts):
        await customer.send(SendMessage(client_msg_id=f"m{i}", text=text))
        await customer.expect(Ack, lambda a, i=i: a.client_msg_id == f"m{i}")
    agent, _ = await login_agent(clients, server, "li")
    await agent.send_raw('{"type":"agent.status","status":"online"}')
    await customer.send(RequestHuman(note="请转人工"))
    assigned = await agent.expect(ConversationAssigned)  # the transcript: a > 64 KiB frame
    assert len(encode(assigned)) > 65_536
    assert assigned.conversation.handoff is not None
    assert assigned.conversation.handoff.reason is HandoffReason.CUSTOMER_ASKED
    sent = [m.text for m in assigned.conversation.transcript if m.sender == "contact"]
    assert sent == texts


# -- the bytes: frames cut by the server itself, and those left to websockets -----------------


def client_frame(
    payload: bytes, opcode: int = 0x1, *, fin: bool = True, mask: bool = True
) -> bytes:
    """A client frame as RFC 6455 section 5.2 lays it out (masked with a random key)."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    flag = 0x80 if mask else 0
    if size < 126:
        head += bytes([flag | size])
    elif size < 65536:
        head += bytes([flag | 126]) + size.to_bytes(2, "big")
    else:
        head += bytes([flag | 127]) + size.to_bytes(8, "big")
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def text(frame: object) -> bytes:
    return encode(frame)  # type: ignore[arg-type]


class RawClient:
    """A WebSocket client on a bare socket, to send bytes no library would send."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, server: RunningServer, *, with_request: bytes = b"") -> RawClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            "GET /ws/customer HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        writer.write(request.encode() + with_request)
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert response.startswith(b"HTTP/1.1 101")
        return cls(reader, writer)

    async def send(self, data: bytes, *, dribble: bool = False) -> None:
        if not dribble:
            self.writer.write(data)
            await self.writer.drain()
            return
        for i in range(len(data)):  # one byte per TCP segment (TCP_NODELAY, a drain each)
            self.writer.write(data[i : i + 1])
            await self.writer.drain()
            await asyncio.sleep(0)

    async def frame(self) -> tuple[int, bytes]:
        """The next server frame: (opcode, payload)."""
        first, second = await asyncio.wait_for(self.reader.readexactly(2), TIMEOUT)
        size = second & 0x7F
        if size == 126:
            size = int.from_bytes(await self.reader.readexactly(2), "big")
        elif size == 127:
            size = int.from_bytes(await self.reader.readexactly(8), "big")
        return first & 0x0F, await self.reader.readexactly(size)

    async def frames(self, count: int) -> list[Any]:
        out = []
        for _ in range(count):
            opcode, payload = await self.frame()
            assert opcode == 0x1
            out.append(parse_server_frame(payload.decode()))
        return out

    async def close_code(self) -> int:
        while True:
            opcode, payload = await self.frame()
            if opcode == 0x8:
                return int.from_bytes(payload[:2], "big")

    async def expect_ack(self) -> Ack:
        while True:
            (frame,) = await self.frames(1)
            if isinstance(frame, Ack):
                return frame

    def close(self) -> None:
        self.writer.close()


def conversation(*messages: str) -> bytes:
    frames = [client_frame(text(StartConversation(name="字节")))]
    frames += [
        client_frame(text(SendMessage(client_msg_id=f"m{i}", text=t)))
        for i, t in enumerate(messages)
    ]
    return b"".join(frames) + client_frame(text(Ping(nonce="end")))


def sent_in_order(frames: list[Any], count: int) -> None:
    assert isinstance(frames[0], ConversationStarted)
    acks = [f for f in frames if isinstance(f, Ack)]
    assert [a.client_msg_id for a in acks] == [f"m{i}" for i in range(count)]
    assert [a.seq for a in acks] == sorted(a.seq for a in acks)
    assert isinstance(frames[-1], Pong)


@pytest.mark.parametrize("dribble", [False, True], ids=["one-write", "byte-by-byte"])
async def test_frames_together_or_split_anywhere(server: RunningServer, dribble: bool) -> None:
    client = await RawClient.open(server)
    try:
        lengths = ["短", "中" * 60, "长" * 3000]  # the 7-bit, 16-bit and 16-bit length forms
        await client.send(conversation(*lengths), dribble=dribble)
        frames = await client.frames(2 + 2 * len(lengths))  # started, acks, answers, pong
        sent_in_order([f for f in frames if not isinstance(f, MessageFrame)], len(lengths))
    finally:
        client.close()


async def test_frames_sent_with_the_handshake_request(server: RunningServer) -> None:
    client = await RawClient.open(server, with_request=conversation("一", "二"))
    try:
        frames = await client.frames(6)
        sent_in_order([f for f in frames if not isinstance(f, MessageFrame)], 2)
        await client.send(client_frame(text(SendMessage(client_msg_id="m2", text="三"))))
        assert (await client.expect_ack()).client_msg_id == "m2"
    finally:
        client.close()


async def test_fragments_pings_and_binary_frames_go_through_websockets(
    server: RunningServer,
) -> None:
    client = await RawClient.open(server)
    try:
        await client.send(client_frame(text(StartConversation(name="碎片"))))
        await client.frames(1)
        body = text(SendMessage(client_msg_id="frag", text="分成三段的消息"))
        await client.send(
            client_frame(body[:10], fin=False)
            + client_frame(b"hi", opcode=0x9)  # a ping between the fragments
            + client_frame(body[10:20], opcode=0x0, fin=False)
            + client_frame(body[20:], opcode=0x0)
            + client_frame(b"\x00\x01", opcode=0x2)  # binary: refused with an error frame
        )
        opcode, payload = await client.frame()
        assert (opcode, payload) == (0xA, b"hi")  # the pong, from websockets
        rest = await client.frames(3)
        ack = next(f for f in rest if isinstance(f, Ack))
        assert ack.client_msg_id == "frag"
        errors = [f for f in rest if isinstance(f, Error)]
        assert [e.code for e in errors] == [ErrorCode.BINARY_FRAME]
        await client.send(client_frame(text(SendMessage(client_msg_id="after", text="之后"))))
        assert (await client.expect_ack()).client_msg_id == "after"
    finally:
        client.close()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (client_frame(b'{"type":"ping","nonce":"\xff"}'), 1007),  # invalid UTF-8
        (client_frame(text(Ping(nonce="x")), mask=False), 1002),  # clients must mask
    ],
    ids=["invalid-utf8", "unmasked"],
)
async def test_broken_frames_close_the_connection(
    server: RunningServer, clients, data: bytes, code: int
) -> None:
    bystander, _ = await start_customer(clients, server, name="旁观者")
    client = await RawClient.open(server)
    try:
        await client.send(client_frame(text(Ping(nonce="first"))))
        assert (await client.frames(1))[0] == Pong(nonce="first")
        await client.send(data)
        assert await client.close_code() == code
    finally:
        client.close()
    await bystander.send(Ping(nonce="still"))
    assert (await bystander.expect(Pong)).nonce == "still"
