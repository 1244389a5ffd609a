"""Every handoff trigger, and the leave-a-message offer when nobody can take the chat."""

from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest

from desk_app.bot.config import BotConfigError, load_config
from desk_app.bot.engine import build_bot
from desk_app.bot.handoff import HandoffPolicy, WorkingHours
from desk_app.bot.seam import Answer, Handoff, Turn
from desk_app.protocol.messages import HandoffReason

OPEN = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
CLOSED = datetime(2025, 3, 5, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai


@pytest.fixture(scope="module")
def policy() -> HandoffPolicy:
    return HandoffPolicy.from_config(load_config().handoff)


ASKS_FOR_PERSON = [
    "转人工",
    "人工",
    "人工！！",
    "我要人工客服",
    "请转接人工",
    "找客服",
    "叫你们经理出来",
    "有没有人工啊",
    "不要机器人，我要真人",
    "說人話",  # traditional: 说人话
    "人呢？",
    "轉人工",
    "talk to a human",
    "Can I speak to someone please",
    "real person please",
    "agent please",
    "AGENT",
    "I need a human",
    "connect me to a live agent",
    "get me a human",
    "are you a real person? get me a human",
    "转人工please",
]

NOT_FOR_PERSON = [
    "人工智能是什么",
    "安装需要人工费吗",
    "你是真人吗",
    "am I talking to a human?",
    "are you an actual human",  # questions about the bot: small talk answers them
    "are you a real live person?",
    "could you be a real person",
    "I am a travel agent",
    "客服电话多少",
    "退款多久到账",
    "我要退货",
]

COMPLAINTS = [
    "我要投诉",
    "你们就是骗子",
    "垃圾",
    "什么破东西",
    "差评！",
    "打12315举报你们",
    "你sb吧",
    "This is a scam",
    "you scammed me",
    "you guys are frauds",
    "terrible service",
    "what a rip-off",
    "WTF",
]

NOT_COMPLAINTS = [
    "垃圾袋有货吗",
    "烟雾报警器有吗",
    "滚筒洗衣机包安装吗",
    f"订单号{2024061512345678}",
    "收到货不满意可以退吗",
    "12345",  # a customer trying an order number, not the government hotline
    "I want to report fraudulent activity on my card",  # a request, not a complaint
    "is this email from you or a scam?",
]


@pytest.mark.parametrize("text", ASKS_FOR_PERSON)
def test_asks_for_person(policy: HandoffPolicy, text: str) -> None:
    assert policy.asks_for_person(text)


@pytest.mark.parametrize("text", NOT_FOR_PERSON)
def test_look_alikes_are_not_a_request(policy: HandoffPolicy, text: str) -> None:
    assert not policy.asks_for_person(text)


@pytest.mark.parametrize("text", COMPLAINTS)
def test_complaints(policy: HandoffPolicy, text: str) -> None:
    assert policy.is_complaint(text)


@pytest.mark.parametrize("text", NOT_COMPLAINTS)
def test_not_complaints(policy: HandoffPolicy, text: str) -> None:
    assert not policy.is_complaint(text)


# -- through the bot ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["转人工", "我要人工客服", "talk to a human", "agent please"])
def test_asked_hands_off_with_reason_and_guesses(chat, text: str) -> None:
    handoff = chat.say(text)
    assert isinstance(handoff, Handoff)
    assert handoff.reason == HandoffReason.CUSTOMER_ASKED
    assert handoff.text
    assert ("转接" in handoff.text) == (not text.isascii())


def test_guesses_are_the_bot_s_best_intents_with_scores(chat) -> None:
    handoff = chat.say("退款一直没到账，转人工")
    assert isinstance(handoff, Handoff)
    assert handoff.intents, "the agent sees what the bot thought"
    assert handoff.intents[0].intent in {"refund-time", "refund-not-received"}
    assert all(0.0 <= g.score <= 1.0 and g.title for g in handoff.intents)
    scores = [g.score for g in handoff.intents]
    assert scores == sorted(scores, reverse=True)


def test_complaint_hands_off_with_priority(chat) -> None:
    handoff = chat.say("你们是骗子，我要投诉")
    assert isinstance(handoff, Handoff)
    assert handoff.reason == HandoffReason.NEGATIVE_SENTIMENT
    assert handoff.priority == 1
    assert "抱歉" in handoff.text


def test_repeated_failure_after_two_turns(chat) -> None:
    first = chat.say("阿巴阿巴阿巴")
    assert isinstance(first, Answer)
    assert not first.answered
    assert chat.state["failures"] == 1
    second = chat.say("qwertyuiop asdf")
    assert isinstance(second, Handoff)
    assert second.reason == HandoffReason.REPEATED_FAILURE
    assert chat.state.get("failures", 0) == 0  # a conversation handed back starts afresh


def test_an_answer_in_between_resets_the_count(chat) -> None:
    chat.say("阿巴阿巴阿巴")
    assert chat.say("退款多久到账").article_id == "refund-time"
    assert isinstance(chat.say("阿巴阿巴阿巴"), Answer)


def test_failures_before_handoff_is_configurable(tmp_path: Path, sample_index, new_chat) -> None:
    source = load_config().path
    assert source is not None
    text = source.read_text(encoding="utf-8").replace(
        "failures_before_handoff: 2", "failures_before_handoff: 3"
    )
    text = text.replace("flows: flows.yaml", f"flows: {source.parent / 'flows.yaml'}")
    text = text.replace(
        "smalltalk: smalltalk.yaml", f"smalltalk: {source.parent / 'smalltalk.yaml'}"
    )
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    chat = new_chat(bot=build_bot(sample_index, config))
    assert isinstance(chat.say("阿巴阿巴阿巴"), Answer)
    assert isinstance(chat.say("阿巴阿巴阿巴"), Answer)
    assert isinstance(chat.say("阿巴阿巴阿巴"), Handoff)


def test_flow_hands_off(chat) -> None:
    chat.say("我要改地址")
    chat.say("2024061512345678")
    chat.say("浙江省杭州市西湖区文三路100号 张三")
    chat.say("13812345678")
    handoff = chat.say("是")
    assert isinstance(handoff, Handoff)
    assert handoff.reason == HandoffReason.FLOW
    assert handoff.slots["order_no"] == "2024061512345678"


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"now": CLOSED, "agents_available": False}, "休息时间"),
        ({"agents_available": False}, "不在线"),
    ],
)
def test_no_agent_offers_to_leave_a_message(new_chat, options: dict, key: str) -> None:
    chat = new_chat(**options)
    offer = chat.say("转人工")
    assert isinstance(offer, Answer), "never queue a contact for nobody"
    assert key in offer.text
    assert "留言" in offer.text
    assert chat.state["leave_message"]["reason"] == "customer_asked"
    if "now" in options:
        assert "09:00–21:00" in offer.text


def test_leave_message_offer_keeps_flow_slots(new_chat) -> None:
    chat = new_chat(agents_available=False)
    chat.say("我要退货")
    chat.say("2024061512345678")
    offer = chat.say("人工")
    assert isinstance(offer, Answer)
    assert chat.state["leave_message"]["slots"] == {"order_no": "2024061512345678"}


def test_an_agent_online_after_hours_still_takes_the_conversation(new_chat) -> None:
    handoff = new_chat(now=CLOSED).say("转人工")
    assert isinstance(handoff, Handoff)
    assert handoff.reason == HandoffReason.CUSTOMER_ASKED


def test_leave_message_in_english(new_chat) -> None:
    chat = new_chat(now=CLOSED, locale="en-US", agents_available=False)
    offer = chat.say("talk to a human")
    assert isinstance(offer, Answer)
    assert "Leave a message" in offer.text


def test_repeated_failure_outside_hours_is_unanswered(new_chat) -> None:
    chat = new_chat(now=CLOSED, agents_available=False)
    chat.say("阿巴阿巴阿巴")
    offer = chat.say("阿巴阿巴阿巴")
    assert isinstance(offer, Answer)
    assert not offer.answered
    assert "留言" in offer.text


# -- working hours --------------------------------------------------------------------------

SHANGHAI = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        (datetime(2025, 3, 5, 8, 59, tzinfo=SHANGHAI), False),
        (datetime(2025, 3, 5, 9, 0, tzinfo=SHANGHAI), True),
        (datetime(2025, 3, 5, 20, 59, tzinfo=SHANGHAI), True),
        (datetime(2025, 3, 5, 21, 0, tzinfo=SHANGHAI), False),
        (datetime(2025, 3, 5, 1, 30, tzinfo=UTC), True),  # 09:30 in Shanghai
    ],
)
def test_working_hours(policy: HandoffPolicy, local: datetime, open_: bool) -> None:
    assert policy.within_hours(local) is open_


def test_weekdays_and_overnight_shifts() -> None:
    hours = WorkingHours.from_config(
        {"timezone": "Asia/Shanghai", "start": "20:00", "end": "02:00", "days": ["mon", "fri"]}
    )
    assert hours.start == time(20, 0)
    assert hours.open_at(datetime(2025, 3, 7, 23, 0, tzinfo=SHANGHAI))  # Friday night
    assert hours.open_at(datetime(2025, 3, 8, 1, 0, tzinfo=SHANGHAI))  # ...after midnight
    assert not hours.open_at(datetime(2025, 3, 8, 23, 0, tzinfo=SHANGHAI))  # Saturday


@pytest.mark.parametrize(
    "bad",
    [
        {"failures_before_handoff": 0},
        {"failures_before_handoff": "two"},
        {"working_hours": {"start": "9am"}},
        {"working_hours": {"days": ["someday"]}},
        {"working_hours": {"timezone": "Mars/Olympus"}},
        {"ask_for_person": ["(unclosed"]},
    ],
)
def test_bad_configuration_is_refused(bad: dict) -> None:
    with pytest.raises(BotConfigError):
        HandoffPolicy.from_config(bad)


def test_a_batch_with_every_kind(bot) -> None:
    """One respond() call, several conversations, each its own decision."""
    texts = ["转人工", "我要投诉", "你好", "退款多久到账", "阿巴阿巴"]
    turns = [Turn(conversation_id=f"c{n}", text=t, now=OPEN) for n, t in enumerate(texts)]
    kinds = [type(r.decision).__name__ for r in bot.respond(turns)]
    assert kinds == ["Handoff", "Handoff", "Answer", "Answer", "Answer"]
