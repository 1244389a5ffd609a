"""Small builders of protocol values for the desk's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from desk_app.protocol.messages import (
    AgentInfo,
    AgentStatus,
    Channel,
    ContactInfo,
    ConversationDetail,
    ConversationStatus,
    HandoffContext,
    HandoffReason,
    IntentGuess,
    Message,
    QueueItem,
    Role,
    Sender,
)

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)

XSS = '<img src=x onerror=alert(1)><a href="http://x">x</a>'


def queue_item(
    cid: str,
    *,
    name: str = "王先生",
    waited: int = 60,
    priority: int = 0,
    last_text: str = "我要转人工",
    status: ConversationStatus = ConversationStatus.QUEUED,
) -> QueueItem:
    return QueueItem(
        conversation_id=cid,
        contact_name=name,
        channel=Channel.WEB,
        status=status,
        priority=priority,
        waiting_since=NOW - timedelta(seconds=waited),
        handoff=HandoffContext(
            reason=HandoffReason.CUSTOMER_ASKED,
            intents=[IntentGuess(intent="refund", title="退款进度", score=0.62)],
        ),
        last_text=last_text,
    )


def message(cid: str, seq: int, sender: Sender = Sender.CONTACT, text: str = "你好") -> Message:
    return Message(
        conversation_id=cid,
        seq=seq,
        sender=sender,
        text=text,
        created_at=NOW + timedelta(seconds=seq),
        author="bot" if sender == Sender.BOT else "赵敏",
    )


def detail(cid: str, transcript: list[Message], *, name: str = "赵敏") -> ConversationDetail:
    return ConversationDetail(
        conversation_id=cid,
        status=ConversationStatus.ASSIGNED,
        channel=Channel.WEB,
        contact=ContactInfo(id="k-" + cid, name=name, profile={"vip": "金卡"}),
        transcript=transcript,
        started_at=NOW,
        handoff=HandoffContext(
            reason=HandoffReason.LOW_CONFIDENCE,
            intents=[IntentGuess(intent="ship", title="发货时间", score=0.41)],
            slots={"order_id": "A1234"},
        ),
    )


def agent_info(status: AgentStatus = AgentStatus.ONLINE) -> AgentInfo:
    return AgentInfo(
        id="a1",
        username="li",
        display_name="李娜",
        role=Role.AGENT,
        status=status,
        capacity=5,
        teams=["售后"],
    )
