"""The load generator's hand-written WebSocket client against a real ``websockets`` server.

Not in the unit suite (``tests/perf`` is ignored by default); run it before trusting figures:
``pytest tests/perf/test_loadgen.py``. Then a short generator run against the echo server
in a subprocess, as ``run_load.py`` does.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection, serve

sys.path.insert(0, str(Path(__file__).parent))

from loadgen.wsclient import HandshakeError, WsClient, connect, text_frame

HERE = Path(__file__).parent


class Recorder(WsClient):
    """Records every message; ``arrived`` wakes waiters."""

    def __init__(self, host: str, port: int, path: str) -> None:
        super().__init__(host, port, path)
        self.messages: list[bytes] = []
        self.arrived = asyncio.Event()

    def on_message(self, payload: bytes) -> None:
        self.messages.append(payload)
        self.arrived.set()

    async def wait_for(self, count: int) -> None:
        while len(self.messages) < count:
            self.arrived.clear()
            await asyncio.wait_for(self.arrived.wait(), 5)


pongs: list[float] = []


async def handler(ws: ServerConnection) -> None:
    async for message in ws:
        if message == "ping me":
            latency = await asyncio.wait_for(await ws.ping(), 5)
            pongs.append(latency)
            await ws.send("ponged")
        elif message == "fragments":
            await ws.send(["你好", "，", "world"])  # one message in three frames
        else:
            await ws.send(message)


@pytest.fixture
async def port() -> AsyncIterator[int]:
    async with serve(handler, "127.0.0.1", 0, max_size=2**20, compression=None) as server:
        yield next(iter(server.sockets)).getsockname()[1]


async def test_round_trips_every_frame_length(port: int) -> None:
    conn = await connect(Recorder, "127.0.0.1", port, "/")
    assert isinstance(conn, Recorder)
    payloads = ["短", "x" * 125, "y" * 126, "中" * 5000, "z" * 70_000]  # 7-, 16-, 64-bit lengths
    for text in payloads:
        conn.send_raw(text_frame(text.encode()))
    await conn.wait_for(len(payloads))
    assert [m.decode() for m in conn.messages] == payloads
    conn.close()
    await asyncio.wait_for(conn.closed, 5)


async def test_fragmented_messages_are_joined_and_pings_answered(port: int) -> None:
    conn = await connect(Recorder, "127.0.0.1", port, "/")
    assert isinstance(conn, Recorder)
    conn.send_text(b"fragments")
    conn.send_text(b"ping me")
    await conn.wait_for(2)
    assert conn.messages == ["你好，world".encode(), b"ponged"]
    assert pongs  # the server's ping got our pong
    conn.close()
    await asyncio.wait_for(conn.closed, 5)


async def test_refused_upgrade_is_an_error(port: int) -> None:
    async def not_websocket(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(not_websocket, "127.0.0.1", 0)
    bad_port = server.sockets[0].getsockname()[1]
    async with server:
        with pytest.raises(HandshakeError, match="404"):
            await connect(Recorder, "127.0.0.1", bad_port, "/")


@pytest.mark.parametrize("mode", ["closed", "open"])
def test_generator_against_the_echo_server(mode: str) -> None:
    echo = subprocess.Popen(
        [sys.executable, "-m", "loadgen.echo_server", "--port", "0"],
        cwd=HERE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert echo.stdout is not None
        ready = echo.stdout.readline().split()
        assert ready[0] == "READY"
        cmd = [sys.executable, "-m", "loadgen.generator", "--port", ready[1], "--mode", mode]
        cmd += ["--connections", "50", "--warmup", "0.5", "--duration", "1", "--rate", "200"]
        out = subprocess.run(
            cmd,
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    finally:
        echo.terminate()
        echo.wait(10)
    result = json.loads(out.split("RESULT ", 1)[1])
    assert result["connections"] == 50
    assert result["errors"] == 0
    assert result["unanswered"] == 0
    if mode == "open":
        assert result["sent_in_window"] == pytest.approx(200, abs=2)
        assert result["rate"] == pytest.approx(200, rel=0.2)
    else:
        assert result["replies"] > 100
    assert 0 < result["p50_ms"] <= result["p99_ms"]
