"""net.py without a server: addresses, back-off, and the delivery bookkeeping."""

from __future__ import annotations

import random

import pytest
from msgspec.structs import replace

from desk_app.desk.net import Backoff, DeliveryState, agent_endpoint
from desk_app.protocol.messages import (
    Ack,
    ConversationAssigned,
    ConversationUnassigned,
    MessageFrame,
    Sender,
    SendMessage,
    SyncConversation,
)

from .factories import detail, message


@pytest.mark.parametrize(
    ("typed", "endpoint"),
    [
        ("ws://127.0.0.1:8765", "ws://127.0.0.1:8765/ws/agent"),
        ("127.0.0.1:8765", "ws://127.0.0.1:8765/ws/agent"),
        ("https://desk.example.cn/", "wss://desk.example.cn/ws/agent"),
        ("wss://desk.example.cn/ws/agent", "wss://desk.example.cn/ws/agent"),
        ("http://[::1]:9000/prefix", "ws://[::1]:9000/prefix/ws/agent"),
    ],
)
def test_agent_endpoint_accepts_what_people_type(typed: str, endpoint: str) -> None:
    assert agent_endpoint(typed) == endpoint


@pytest.mark.parametrize("bad", ["", "   ", "ftp://x", "ws://:80", "ws://host:99999"])
def test_agent_endpoint_refuses_with_a_sentence(bad: str) -> None:
    with pytest.raises(ValueError, match=r"\w+ \w+"):
        agent_endpoint(bad)


def test_backoff_grows_with_jitter_and_resets() -> None:
    backoff = Backoff(initial=0.5, maximum=8.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    caps = [0.5, 1, 2, 4, 8, 8, 8, 8]
    assert all(cap / 2 <= d <= cap for d, cap in zip(delays, caps, strict=True))
    assert len(set(delays)) == len(delays)  # jitter: no two alike
    backoff.reset()
    assert backoff.next_delay() <= 0.5


def test_delivery_drops_duplicates_and_tracks_last_seq() -> None:
    state = DeliveryState()
    assigned = ConversationAssigned(conversation=detail("c1", [message("c1", 1), message("c1", 2)]))
    assert state.accept(assigned)
    assert not state.accept(MessageFrame(message=message("c1", 2)))
    assert state.accept(MessageFrame(message=message("c1", 3)))
    assert not state.accept(MessageFrame(message=message("c1", 3)))
    assert state.held == {"c1": 3}
    assert state.resume_frames() == [SyncConversation(conversation_id="c1", last_seq=3)]
    state.accept(ConversationUnassigned(conversation_id="c1", reason="closed"))
    assert state.held == {}


def test_outbox_keeps_messages_until_ack_or_echo_and_resends_them_after_syncs() -> None:
    state = DeliveryState()
    state.accept(ConversationAssigned(conversation=detail("c1", [message("c1", 1)])))
    first = SendMessage(client_msg_id="m1", text="一", conversation_id="c1")
    second = SendMessage(client_msg_id="m2", text="二", conversation_id="c1")
    state.outbox["m1"] = first
    state.outbox["m2"] = second
    assert state.resume_frames() == [
        SyncConversation(conversation_id="c1", last_seq=1),
        first,
        second,
    ]
    state.accept(Ack(client_msg_id="m1", conversation_id="c1", seq=2))
    echo = message("c1", 3, Sender.AGENT, "二")
    echo = replace(echo, client_msg_id="m2")
    state.accept(MessageFrame(message=echo))
    assert list(state.outbox) == []
