"""``desk customer``: chat with the bot (and then an agent) from a terminal.

Type a line to send it. Commands: ``/human`` asks for a person, ``/end`` ends the
conversation, ``/rate N [comment]`` rates it 1-5, ``/ticket TEXT`` leaves a message when no
agent is online, ``/quit`` leaves (the conversation stays open), ``/help``.

The client keeps the resume token and the last sequence number it saw: when the connection
drops or the server restarts it reconnects, resumes, is sent what it missed, and resends
any message that was not acknowledged (the server stores a resend once).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HELP = "/human 转人工 · /end 结束 · /rate 1-5 [评价] · /ticket 留言 · /quit 退出 · /help"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("customer", help="chat as a customer from the terminal")
    parser.add_argument("--url", default="ws://127.0.0.1:8765", help="server URL")
    parser.add_argument("--name", default="", help="your name as agents see it")
    parser.add_argument("--locale", default="zh-CN", help="zh-CN or en")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    def out(line: str) -> None:
        print(line, flush=True)

    try:
        asyncio.run(chat(args.url, stdin_lines(), out, name=args.name, locale=args.locale))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"desk customer: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 1
    return 0


def customer_url(url: str) -> str:
    """``ws://host:port`` -> ``ws://host:port/ws/customer`` (a full path is kept)."""
    parts = urlsplit(url if "://" in url else f"ws://{url}")
    path = parts.path if parts.path not in ("", "/") else "/ws/customer"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def plain(text: str) -> str:
    """Customer and agent text as inert terminal text: no escape sequences, no bidi tricks."""
    return _CONTROL.sub("", text)


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed on stdin, read in a thread so the socket keeps being served meanwhile."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, daemon=True, name="stdin").start()
    while (line := await queue.get()) is not None:
        yield line


@dataclass
class _State:
    token: str | None = None
    conversation_id: str | None = None
    last_seq: int = 0
    unacked: dict[str, str] = field(default_factory=dict)  # client_msg_id -> text
    quitting: bool = False
    retry_after: float = 1.0
    activity: asyncio.Event = field(default_factory=asyncio.Event)


_QUIT = object()
_EOF = object()


async def chat(
    url: str,
    lines: AsyncIterator[str],
    out: Callable[[str], None],
    *,
    name: str = "",
    locale: str = "zh-CN",
    max_reconnects: int = 20,
) -> None:
    """Run the terminal conversation until the lines end or ``/quit``."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    state = _State()
    outbox: asyncio.Queue[Any] = asyncio.Queue()
    reader = asyncio.create_task(_read_lines(lines, outbox, state, out))
    attempts = 0
    out(f"已连接智能客服。{HELP}")
    try:
        while not state.quitting:
            try:
                async with connect(customer_url(url), compression=None, open_timeout=10) as ws:
                    attempts = 0
                    await _open(ws, state, name, locale)
                    await _serve(ws, state, outbox, out)
            except (ConnectionClosed, OSError) as exc:
                if state.quitting:
                    break
                attempts += 1
                if attempts > max_reconnects:
                    raise OSError(f"gave up after {max_reconnects} attempts") from exc
                out(f"[连接中断，{state.retry_after:.0f} 秒后重连 / reconnecting]")
                await asyncio.sleep(state.retry_after)
                state.retry_after = min(10.0, max(1.0, state.retry_after * 1.5))
    finally:
        reader.cancel()


async def _open(ws: Any, state: _State, name: str, locale: str) -> None:
    from desk_app.protocol.messages import (
        Channel,
        ResumeConversation,
        SendMessage,
        StartConversation,
        encode,
    )

    if state.token is None:
        frame: Any = StartConversation(name=name, locale=locale, channel=Channel.TERMINAL)
    else:
        frame = ResumeConversation(token=state.token, last_seq=state.last_seq)
    await ws.send(encode(frame).decode())
    for client_msg_id, text in list(state.unacked.items()):  # resent: stored once
        await ws.send(encode(SendMessage(client_msg_id=client_msg_id, text=text)).decode())


async def _serve(
    ws: Any, state: _State, outbox: asyncio.Queue[Any], out: Callable[[str], None]
) -> None:
    from desk_app.protocol.messages import encode

    async def send_loop() -> None:
        while True:
            frame = await outbox.get()
            if frame is _EOF:  # piped input ended: let the answers arrive, then leave
                await _linger(state)
            if frame is _QUIT or frame is _EOF:
                state.quitting = True
                await ws.close()
                return
            await ws.send(encode(frame).decode())

    sender = asyncio.create_task(send_loop())
    try:
        async for raw in ws:
            _show(raw, state, out)
    finally:
        sender.cancel()


async def _read_lines(
    lines: AsyncIterator[str], outbox: asyncio.Queue[Any], state: _State, out: Callable[[str], None]
) -> None:
    from desk_app.protocol.messages import (
        EndConversation,
        LeaveMessage,
        RateConversation,
        RequestHuman,
        SendMessage,
    )

    async for line in lines:
        text = line.strip()
        if not text:
            continue
        command, _, rest = text.partition(" ")
        if command in ("/quit", "/exit"):
            outbox.put_nowait(_QUIT)
            return
        if command == "/help":
            out(HELP)
        elif command == "/human":
            outbox.put_nowait(RequestHuman(note=rest[:200]))
        elif command == "/end":
            outbox.put_nowait(EndConversation())
        elif command == "/rate":
            score, _, comment = rest.partition(" ")
            if score not in {"1", "2", "3", "4", "5"}:
                out("用法 / usage: /rate 1-5 [评价]")
                continue
            outbox.put_nowait(RateConversation(score=int(score), comment=comment[:2000]))
        elif command == "/ticket":
            if not rest:
                out("用法 / usage: /ticket 留言内容（可附联系方式）")
                continue
            outbox.put_nowait(LeaveMessage(text=rest[:8000]))
        else:
            client_msg_id = uuid.uuid4().hex
            state.unacked[client_msg_id] = text[:8000]
            outbox.put_nowait(SendMessage(client_msg_id=client_msg_id, text=text[:8000]))
    outbox.put_nowait(_EOF)


async def _linger(state: _State, quiet_s: float = 2.0, most_s: float = 15.0) -> None:
    """Wait until every message is acknowledged and the server has been quiet a moment."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + most_s
    while loop.time() < deadline:
        state.activity.clear()
        try:
            await asyncio.wait_for(state.activity.wait(), quiet_s)
        except TimeoutError:
            if not state.unacked:
                return


def _show(raw: str | bytes, state: _State, out: Callable[[str], None]) -> None:
    from desk_app.protocol.errors import ProtocolError
    from desk_app.protocol.messages import (
        Ack,
        ConversationResumed,
        ConversationStarted,
        Error,
        MessageFrame,
        QueuePosition,
        Rated,
        Sender,
        ServerShutdown,
        StatusChanged,
        TicketCreated,
        Typing,
        parse_server_frame,
    )

    state.activity.set()
    try:
        frame = parse_server_frame(raw)
    except ProtocolError:
        return
    match frame:
        case ConversationStarted():
            state.token, state.conversation_id = frame.token, frame.conversation_id
            state.retry_after = 1.0
        case ConversationResumed():
            state.retry_after = 1.0
            out("[已恢复会话 / resumed]")
        case Ack():
            state.unacked.pop(frame.client_msg_id, None)
            state.last_seq = max(state.last_seq, frame.seq)
        case MessageFrame():
            message = frame.message
            state.last_seq = max(state.last_seq, message.seq)
            who = {
                Sender.BOT: "机器人",
                Sender.SYSTEM: "系统",
                Sender.CONTACT: "我",
            }.get(message.sender, plain(message.author) or "客服")
            out(f"{who}: {plain(message.text)}")
        case StatusChanged():
            if frame.status == "queued":
                out("[正在为您转接人工客服 / waiting for an agent]")
            elif frame.status == "assigned":
                out(f"[客服 {plain(frame.agent_name or '')} 为您服务 / an agent joined]")
            elif frame.status == "closed":
                out("[会话已结束，欢迎评价：/rate 1-5 / conversation ended]")
            elif frame.status == "bot":
                out("[已转回智能客服 / back to the bot]")
        case QueuePosition():
            out(f"[排队第 {frame.position} 位，预计等待 {frame.estimated_wait_seconds} 秒]")
        case Typing():
            pass
        case TicketCreated():
            out(f"[留言已提交，编号 {frame.ticket_id} / message left]")
        case Rated():
            out(f"[感谢您的评价：{frame.score} / thanks]")
        case ServerShutdown():
            state.retry_after = float(frame.retry_after)
        case Error():
            out(f"[错误 {frame.code}] {plain(frame.message)}")
