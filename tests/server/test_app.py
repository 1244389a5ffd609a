"""Running the server: in a thread (for the desk's tests and ``desk demo``), over TLS, on
PostgreSQL, and what it logs (never message text or personal data)."""

from __future__ import annotations

import io
import json
import logging
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.sync.client import connect as sync_connect

from desk_app.protocol.messages import (
    Ack,
    ConversationStarted,
    MessageFrame,
    SendMessage,
    StartConversation,
    encode,
    parse_server_frame,
)
from desk_app.server.app import ServerConfig, run_server, serve_in_thread
from desk_app.server.logs import setup_logging

from .conftest import TIMEOUT, Client


def test_serve_in_thread(db_url: str) -> None:
    with serve_in_thread(ServerConfig(port=0, db_url=db_url, ping_interval_s=None)) as server:
        assert server.url == f"ws://127.0.0.1:{server.port}"
        with sync_connect(server.customer_url) as ws:
            ws.send(encode(StartConversation(name="线程")).decode())
            started = parse_server_frame(ws.recv(TIMEOUT))
            assert isinstance(started, ConversationStarted)
            ws.send(encode(SendMessage(client_msg_id="m1", text="你好")).decode())
            assert isinstance(parse_server_frame(ws.recv(TIMEOUT)), Ack)
        thread_loop = server.loop
    assert thread_loop.is_closed()  # shut down and joined on leaving the block


def test_serve_in_thread_reports_a_port_in_use(db_url: str) -> None:
    config = ServerConfig(port=0, db_url=db_url, ping_interval_s=None)
    with serve_in_thread(config) as first:
        taken = ServerConfig(port=first.port, db_url=db_url, ping_interval_s=None)
        with pytest.raises(OSError, match="address already in use"), serve_in_thread(taken):
            pass


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


async def test_tls(db_url: str, certificate: tuple[str, str]) -> None:
    cert, key = certificate
    config = ServerConfig(port=0, db_url=db_url, certfile=cert, keyfile=key, ping_interval_s=None)
    async with run_server(config) as server:
        assert server.url.startswith("wss://")
        trust = ssl.create_default_context(cafile=cert)
        client = Client(await connect(server.customer_url, ssl=trust))
        await client.send(StartConversation())
        await client.expect(ConversationStarted)
        await client.close()


async def test_logs_carry_no_message_text_or_profile(db_url: str) -> None:
    """Even at DEBUG, as ``desk server --log-level DEBUG`` configures logging."""
    secret_text = "我的手机号是13912345678，住在幸福路88号"
    stream = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    setup_logging("DEBUG", stream=stream)
    try:
        config = ServerConfig(port=0, db_url=db_url, ping_interval_s=None)
        async with run_server(config) as server:
            client = Client(await connect(server.customer_url))
            await client.send(StartConversation(name="王小明", profile={"phone": "13912345678"}))
            await client.expect(ConversationStarted)
            await client.send(SendMessage(client_msg_id="m1", text=secret_text))
            await client.expect(MessageFrame)
            await client.close()
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.getLogger("websockets").setLevel(logging.NOTSET)
        logging.getLogger("alembic").setLevel(logging.NOTSET)
    lines = stream.getvalue().splitlines()
    assert any('"event": "conversation.started"' in line for line in lines)
    for line in lines:
        json.loads(line)  # one JSON object per line
        assert "13912345678" not in line
        assert "幸福路" not in line
        assert "王小明" not in line
