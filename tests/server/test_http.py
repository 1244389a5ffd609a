"""Plain HTTP on the same port (healthz, 404) and the browser origin check."""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from desk_app.server.app import RunningServer, ServerConfig, run_server

from .conftest import TIMEOUT


async def http_get(port: int, path: str) -> tuple[int, dict]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), TIMEOUT)
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    return status, json.loads(body)


async def test_healthz(server: RunningServer) -> None:
    status, body = await http_get(server.port, "/healthz")
    assert status == 200
    assert body["status"] == "ok"
    assert body["db"] == "ok"
    assert body["waiting"] == 0


async def test_unknown_paths_are_404(server: RunningServer) -> None:
    status, body = await http_get(server.port, "/nope")
    assert (status, body["error"]) == (404, "not_found")


async def test_foreign_browser_origins_are_refused(server: RunningServer) -> None:
    with pytest.raises(InvalidStatus) as info:
        await connect(server.customer_url, origin="https://evil.example")
    assert info.value.response.status_code == 403
    same = await connect(server.customer_url, origin=f"http://127.0.0.1:{server.port}")
    await same.close()
    tool = await connect(server.customer_url)  # no Origin header: not a browser
    await tool.close()


async def test_listed_origins_are_allowed(db_url: str) -> None:
    config = ServerConfig(
        port=0, db_url=db_url, ping_interval_s=None, allowed_origins=["https://shop.example"]
    )
    async with run_server(config) as server:
        ok = await connect(server.customer_url, origin="https://shop.example")
        await ok.close()
        with pytest.raises(InvalidStatus):
            await connect(server.customer_url, origin="https://other.example")
