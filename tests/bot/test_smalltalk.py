"""Small talk is answered politely, in the contact's language, never as an article or handoff."""

from pathlib import Path

import pytest

from desk_app.bot.config import RESOURCES, BotConfigError
from desk_app.bot.seam import Answer
from desk_app.bot.smalltalk import SmallTalk


@pytest.fixture(scope="module")
def smalltalk() -> SmallTalk:
    return SmallTalk.from_file(RESOURCES / "bot" / "smalltalk.yaml")


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("你好", "greeting"),
        ("您好～", "greeting"),
        ("在吗？在吗？", "greeting"),
        ("你們好", "greeting"),  # traditional characters
        ("ＨＥＬＬＯ", "greeting"),  # full-width
        ("Hi there!", "greeting"),
        ("谢谢", "thanks"),
        ("好的谢谢啦", "thanks"),
        ("Thank you so much!!", "thanks"),
        ("thx", "thanks"),
        ("谢谢，再见", "goodbye"),
        ("拜拜", "goodbye"),
        ("88", "goodbye"),
        ("Bye bye", "goodbye"),
        ("你是机器人吗？", "are_you_bot"),
        ("你是真人吗", "are_you_bot"),
        ("Are you a bot?", "are_you_bot"),
        ("am I talking to a human?", "are_you_bot"),
        ("稍等", "wait"),
        ("好的", "acknowledge"),
        ("👍", "acknowledge"),
    ],
)
def test_recognised(smalltalk: SmallTalk, text: str, intent: str) -> None:
    found = smalltalk.match(text)
    assert found is not None
    assert found.name == intent


@pytest.mark.parametrize(
    "text",
    [
        "你好，请问怎么退货",
        "谢谢你的回答但是没用",
        "hiking boots",
        "早点发货",
        "😡",
        "hello where is my order",
    ],
)
def test_questions_are_not_small_talk(smalltalk: SmallTalk, text: str) -> None:
    assert smalltalk.match(text) is None


@pytest.mark.parametrize(
    ("text", "rest"),
    [
        ("你好，请问怎么退货", "请问怎么退货"),
        ("你好请问怎么退货", "请问怎么退货"),
        ("在吗 发货了吗", "发货了吗"),
        ("hi, where is my order", "where is my order"),
        ("亲，几天能到", "几天能到"),
        ("hiking boots", "hiking boots"),
        ("客服几点下班", "客服几点下班"),  # a greeting alone, but here the topic
        ("客服你好，几点下班", "几点下班"),
        ("你好", "你好"),
    ],
)
def test_a_greeting_in_front_of_a_question_is_taken_off(
    smalltalk: SmallTalk, text: str, rest: str
) -> None:
    assert smalltalk.strip_greeting(text) == rest


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", "请问有什么可以帮您"),
        ("谢谢", "不客气"),
        ("再见", "再见"),
        ("你是机器人吗", "智能客服机器人"),
        ("are you a bot?", "virtual assistant"),
        ("Hello", "How can I help"),
        ("thanks!", "welcome"),
    ],
)
def test_the_bot_answers_small_talk_in_the_contact_language(chat, text: str, expected: str) -> None:
    answer = chat.say(text)
    assert isinstance(answer, Answer)
    assert answer.answered
    assert answer.article_id is None
    assert expected in answer.text


def test_a_greeting_and_a_question_get_the_answer(chat) -> None:
    answer = chat.say("你好，请问退款多久到账")
    assert isinstance(answer, Answer)
    assert answer.article_id == "refund-time"


def test_small_talk_never_counts_as_a_failure(chat) -> None:
    for text in ("你好", "谢谢", "好的", "嗯嗯", "你是机器人吗", "再见"):
        assert isinstance(chat.say(text), Answer)
    assert chat.state.get("failures", 0) == 0


def test_answers_vary(chat) -> None:
    first, second = chat.say("你好").text, chat.say("你好").text
    assert first != second


def test_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "smalltalk.yaml"
    path.write_text("intents:\n  greeting:\n    phrases: [hi]\n", encoding="utf-8")
    with pytest.raises(BotConfigError, match="answers"):
        SmallTalk.from_file(path)


def test_the_shops_own_article_beats_the_built_in_reply() -> None:
    """A knowledge base with its own "are you a bot?" article answers with it; without one
    (the sample shop FAQ, test above) the built-in small talk answers."""
    from datetime import UTC, datetime

    from desk_app.bot.engine import build_bot
    from desk_app.bot.seam import Turn
    from desk_app.knowledge.index import Document, KnowledgeIndex

    index = KnowledgeIndex(
        [
            Document(
                "about-bot",
                "Who you are talking to",
                ("are you a bot", "are you a robot", "am i talking to a machine"),
                "I'm Mia, the shop's assistant.",
            ),
            Document(
                "refunds", "Refunds", ("how long does a refund take", "refund time"), "3-5 days."
            ),
        ]
    )
    bot = build_bot(index)
    now = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)
    own, built_in = bot.respond(
        [
            Turn(conversation_id="a", text="are you a robot?", now=now),
            Turn(conversation_id="b", text="thank you so much!", now=now),
        ]
    )
    assert isinstance(own.decision, Answer)
    assert own.decision.article_id == "about-bot"
    assert isinstance(built_in.decision, Answer)
    assert built_in.decision.article_id is None  # no article for thanks: small talk
