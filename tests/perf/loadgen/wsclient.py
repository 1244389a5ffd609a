"""A minimal WebSocket client as an asyncio Protocol: as little CPU per message as we can.

What it does, and only that (RFC 6455):

* the HTTP/1.1 upgrade with a fixed ``Sec-WebSocket-Key`` (the server's accept value is
  checked once, so a wrong endpoint fails loudly) and no extensions, so no compression;
* client frames are masked, as the RFC demands, with the key ``00 00 00 00``: the payload
  XOR zero is the payload, so a frame is ``header + 4 zero bytes + payload`` and can be
  built once and reused (:func:`text_frame`);
* server frames are split at their boundaries; text/binary payloads go to
  :meth:`WsClient.on_message` as ``bytes``; fragmented messages are joined; pings are
  answered with pongs (the ``websockets`` server closes connections that do not answer);
  a close frame is answered and the transport closed.

There is no UTF-8 validation and no JSON parsing: callers look for byte markers such as
``b'"type":"ack"'`` in the payload. That is the point: the generator must stay far cheaper
than the server it measures.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct

_KEY = base64.b64encode(b"agent-desk-bench").decode()
_ACCEPT = base64.b64encode(
    hashlib.sha1((_KEY + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
)
_ZERO_MASK = b"\x00\x00\x00\x00"

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


def frame_header(opcode: int, length: int) -> bytes:
    """Header of a final client frame of ``length`` payload bytes, zero mask included.

    For payloads built per message from a fixed-width template: ``header + payload``.
    """
    if length < 126:
        head = bytes((0x80 | opcode, 0x80 | length))
    elif length < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + struct.pack("!H", length)
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + struct.pack("!Q", length)
    return head + _ZERO_MASK


def client_frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame, masked with the zero key (so the payload goes as it is)."""
    return frame_header(opcode, len(payload)) + payload


def text_frame(payload: bytes) -> bytes:
    """A text frame for UTF-8 ``payload``."""
    return frame_header(OP_TEXT, len(payload)) + payload


class HandshakeError(ConnectionError):
    """The server did not switch protocols (wrong path, refused origin, not a WebSocket)."""


class WsClient(asyncio.Protocol):
    """One client connection. Subclass and override :meth:`on_open` and :meth:`on_message`.

    ``opened`` resolves once the upgrade succeeded (or fails with :class:`HandshakeError`);
    ``closed`` resolves when the connection ends for any reason.
    """

    def __init__(self, host: str, port: int, path: str) -> None:
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.transport: asyncio.Transport | None = None
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {_KEY}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self._upgraded = False
        self._buf = bytearray()
        self._fragments: list[bytes] = []

    # -- callbacks for subclasses ----------------------------------------------------------

    def on_open(self) -> None:
        """The connection is a WebSocket now; frames may be sent."""

    def on_message(self, payload: bytes) -> None:
        """A whole text or binary message from the server."""

    # -- sending ---------------------------------------------------------------------------

    def send_raw(self, frame: bytes) -> None:
        """Write prebuilt frame bytes (see :func:`text_frame`)."""
        assert self.transport is not None
        self.transport.write(frame)

    def send_text(self, payload: bytes) -> None:
        self.send_raw(text_frame(payload))

    def close(self) -> None:
        """Start the closing handshake (code 1000); the transport closes on the reply."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(client_frame(OP_CLOSE, struct.pack("!H", 1000)))

    # -- asyncio.Protocol ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self.transport.write(self._request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or HandshakeError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        if not self._upgraded:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buf[:end])
            del buf[: end + 4]
            if not head.startswith(b"HTTP/1.1 101") or _ACCEPT not in head:
                status = head.split(b"\r\n", 1)[0].decode(errors="replace")
                self.opened.set_exception(HandshakeError(status))
                assert self.transport is not None
                self.transport.close()
                return
            self._upgraded = True
            self.opened.set_result(None)
            self.on_open()
        self._frames()

    def _frames(self) -> None:
        buf = self._buf
        size = len(buf)
        pos = 0
        while size - pos >= 2:
            b0 = buf[pos]
            n = buf[pos + 1] & 0x7F
            head = 2
            if n == 126:
                if size - pos < 4:
                    break
                n = (buf[pos + 2] << 8) | buf[pos + 3]
                head = 4
            elif n == 127:
                if size - pos < 10:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if buf[pos + 1] & 0x80:  # servers must not mask; tolerate it anyway
                mask = bytes(buf[pos + head : pos + head + 4])
                head += 4
            else:
                mask = b""
            end = pos + head + n
            if end > size:
                break
            payload = bytes(buf[pos + head : end])
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            pos = end
            self._frame(b0, payload)
            if self.transport is None or self.transport.is_closing():
                break
        if pos:
            del buf[:pos]

    def _frame(self, b0: int, payload: bytes) -> None:
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        if opcode in (OP_TEXT, OP_BINARY):
            if fin:
                self.on_message(payload)
            else:
                self._fragments = [payload]
        elif opcode == OP_CONT:
            self._fragments.append(payload)
            if fin:
                whole = b"".join(self._fragments)
                self._fragments = []
                self.on_message(whole)
        elif opcode == OP_PING:
            self.send_raw(client_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            assert self.transport is not None
            if not self.transport.is_closing():
                self.transport.write(client_frame(OP_CLOSE, payload[:2]))
                self.transport.close()


async def connect(
    factory: type[WsClient], host: str, port: int, path: str, *args: object
) -> WsClient:
    """Open a TCP connection, upgrade it, return the protocol once ``opened``."""
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(
        lambda: factory(host, port, path, *args),  # type: ignore[call-arg]
        host,
        port,
    )
    await proto.opened
    return proto
