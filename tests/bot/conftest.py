"""A bot over the sample knowledge base, talking through a real store.

``chat`` plays one contact: every message goes through ``DeskBot.respond`` with the state the
store holds for the conversation, and the reply's state is written back to the conversation
row (the JSON column the server uses), exactly as the server does. A state that is not
JSON-safe, or a flow that does not survive being stored, fails here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desk_app.bot.engine import DeskBot, build_bot
from desk_app.bot.seam import BotReply, Decision, Turn
from desk_app.knowledge.index import KnowledgeIndex
from desk_app.knowledge.kbfile import load_kb
from desk_app.protocol.messages import Sender
from desk_app.server.knowledge import SAMPLE_KB, to_document
from desk_app.store import conversations as conversations_repo
from desk_app.store.database import Store

OPEN = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)  # Wednesday 11:00 in Shanghai: agents at work
CLOSED = datetime(2025, 3, 5, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai


@pytest.fixture(scope="session")
def sample_index() -> KnowledgeIndex:
    return KnowledgeIndex([to_document(a) for a in load_kb(SAMPLE_KB)])


@pytest.fixture(scope="session")
def bot(sample_index: KnowledgeIndex) -> DeskBot:
    bot = build_bot(sample_index)
    sample_index.wait_ready(timeout=120)  # score with the trained model, as after start-up
    return bot


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    yield store
    store.close()


@dataclass
class Chat:
    """One contact's conversation with the bot, its state kept in the store."""

    bot: DeskBot
    store: Store
    now: datetime = OPEN
    locale: str = "zh-CN"
    agents_available: bool = True
    conversation_id: str = ""
    replies: list[BotReply] = field(default_factory=list)

    def __post_init__(self) -> None:
        token = hashlib.sha256(str(id(self)).encode()).hexdigest()
        created = self.store.write_sync(
            lambda s: conversations_repo.create_conversation(
                s, token_hash=token, now=self.now, locale=self.locale
            )
        )
        self.conversation_id = created.id

    @property
    def state(self) -> dict[str, Any]:
        found = self.store.read_sync(
            lambda s: conversations_repo.conversation_state(s, conversation_id=self.conversation_id)
        )
        assert found is not None
        return dict(found.bot_state)

    def say(self, text: str) -> Decision:
        turn = Turn(
            conversation_id=self.conversation_id,
            text=text,
            now=self.now,
            locale=self.locale,
            state=self.state,
            agents_available=self.agents_available,
        )
        [reply] = self.bot.respond([turn])
        self.replies.append(reply)

        def save(session: Any) -> None:
            conversations_repo.append_message(
                session,
                self.conversation_id,
                sender=Sender.CONTACT,
                text=text or " ",
                now=self.now,
            )
            conversations_repo.append_message(
                session,
                self.conversation_id,
                sender=Sender.BOT,
                text=getattr(reply.decision, "text", "") or "(handoff)",
                now=self.now,
                bot_state=reply.state,
            )

        self.store.write_sync(save)
        return reply.decision


@pytest.fixture
def chat(bot: DeskBot, store: Store) -> Chat:
    return Chat(bot, store)


@pytest.fixture
def new_chat(bot: DeskBot, store: Store):  # type: ignore[no-untyped-def]
    """Another contact, with options: ``new_chat(now=CLOSED, agents_available=False)``;
    ``new_chat(bot=other)`` talks to another bot."""

    def make(*, bot: DeskBot = bot, **options: Any) -> Chat:
        return Chat(bot, store, **options)

    return make
