"""Plain HTTP on the WebSocket port: ``GET /healthz``, path routing and the origin check.

websockets calls :func:`HttpGate.process_request` before every handshake. Returning a
response answers the request without upgrading; returning None lets the handshake go on.

Origins: a browser always sends ``Origin``; other clients (the desk, the terminal customer,
load generators) do not. Requests without ``Origin`` are accepted, as are same-origin ones
(the web widget served by this server at ``/``). Other sites must be listed with
``--allowed-origin``; ``*`` allows any (for development).
"""

from __future__ import annotations

import http
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

WS_PATHS = frozenset({"/ws/customer", "/ws/agent"})

HttpHandler = Callable[[str, Request], Awaitable[Response | None] | Response | None]
"""Extra plain-HTTP routes (the web widget at ``/``): return None to fall through to 404."""


def json_response(status: int, body: dict[str, Any]) -> Response:
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = Headers(
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("Cache-Control", "no-store"),
        ]
    )
    return Response(status, http.HTTPStatus(status).phrase, headers, data)


class HttpGate:
    def __init__(
        self,
        *,
        allowed_origins: list[str] | None,
        health: Callable[[], Awaitable[dict[str, Any]]],
        extra: HttpHandler | None = None,
    ) -> None:
        self.allowed = {origin.rstrip("/").lower() for origin in allowed_origins or []}
        self.health = health
        self.extra = extra
        self.stopping = False

    async def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        path = urlsplit(request.path).path
        if path == "/healthz":
            report = await self.health()
            return json_response(200 if report.get("status") == "ok" else 503, report)
        if path not in WS_PATHS:
            if self.extra is not None:
                response = self.extra(path, request)
                if response is not None and not isinstance(response, Response):
                    response = await response
                if response is not None:
                    return response
            return json_response(404, {"error": "not_found", "path": path[:200]})
        if self.stopping:
            return json_response(503, {"error": "shutting_down"})
        origin = request.headers.get("Origin")
        if origin is not None and not self.origin_allowed(origin, request.headers.get("Host")):
            return json_response(403, {"error": "origin_not_allowed"})
        return None

    def origin_allowed(self, origin: str, host: str | None) -> bool:
        origin = origin.rstrip("/").lower()
        if "*" in self.allowed or origin in self.allowed:
            return True
        # same origin: the page was served by this server (scheme-agnostic: TLS may end at a
        # proxy in front of it)
        return host is not None and urlsplit(origin).netloc == host.lower()
