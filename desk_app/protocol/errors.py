"""Errors with stable codes, one tree for the whole product.

::

    DeskError                      base: every error the product raises on purpose
    ├── ProtocolError              a frame that cannot be accepted (bad JSON, unknown type, ...)
    ├── AuthError                  bad credentials, expired or unknown token, wrong role
    ├── NotAllowedError            the caller may not touch this conversation
    ├── NotFoundError              no such conversation, agent, team or article
    ├── ConflictError              the state changed under the caller (already assigned, closed)
    └── RateLimitedError           too many frames per second on one connection

Each carries an :class:`ErrorCode`; the server turns any of them into an ``error`` frame
with that code, so a client branches on the code, never on the human-readable text.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable codes sent in ``error`` frames. Never renamed: clients depend on them."""

    BAD_JSON = "bad_json"
    BINARY_FRAME = "binary_frame"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_FIELD = "invalid_field"
    FRAME_TOO_LARGE = "frame_too_large"
    RATE_LIMITED = "rate_limited"
    NOT_AUTHENTICATED = "not_authenticated"
    BAD_CREDENTIALS = "bad_credentials"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_INVALID = "token_invalid"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    CONVERSATION_CLOSED = "conversation_closed"
    NO_CONVERSATION = "no_conversation"
    INTERNAL = "internal"


class DeskError(Exception):
    """Base of every error the product raises on purpose."""

    code: ErrorCode = ErrorCode.INTERNAL

    def __init__(self, detail: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class ProtocolError(DeskError):
    code = ErrorCode.INVALID_FIELD


class AuthError(DeskError):
    code = ErrorCode.NOT_AUTHENTICATED


class NotAllowedError(DeskError):
    code = ErrorCode.FORBIDDEN


class NotFoundError(DeskError):
    code = ErrorCode.NOT_FOUND


class ConflictError(DeskError):
    code = ErrorCode.CONFLICT


class RateLimitedError(DeskError):
    code = ErrorCode.RATE_LIMITED
