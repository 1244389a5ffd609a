"""Bearer secrets: conversation resume tokens and agent session tokens.

A token is 32 random bytes (256 bits, URL-safe text). Only its SHA-256 is stored, so a copy
of the database cannot be used to resume someone's conversation or log in as an agent. A fast
hash is enough here (unlike passwords): the input already has 256 bits of entropy.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
