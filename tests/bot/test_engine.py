"""The bot on the sample knowledge base: answers realistic paraphrases, declines the rest,
never raises, batches its searches, answers in the contact's language."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from desk_app.bot.engine import DeskBot, build_bot
from desk_app.bot.seam import Answer, Ask, Handoff, Turn
from desk_app.knowledge.index import KnowledgeIndex, Match
from desk_app.knowledge.kbfile import load_kb
from desk_app.server.knowledge import SAMPLE_KB, to_document

OPEN = datetime(2025, 3, 5, 3, 0, tzinfo=UTC)
CASES = Path(__file__).parent / "data" / "sample_cases.csv"


def turn(text: str, n: int = 0, **options: Any) -> Turn:
    return Turn(conversation_id=f"c{n}", text=text, now=OPEN, **options)


def load_cases(path: Path = CASES) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row["text"], row["expected"]) for row in csv.DictReader(handle)]


@pytest.mark.parametrize(
    ("text", "article"),
    [
        ("钱多久退回来", "refund-time"),
        ("你好，请问退款多久到账", "refund-time"),  # the greeting is taken off first
        ("退款多久到賬", "refund-time"),  # traditional characters
        ("优惠卷怎么使用", "promo-coupon-use"),  # the common typo 卷 for 券
        ("寄到广州几天能到", "shipping-delivery-time"),
        ("啥时候发货", "shipping-dispatch-time"),
        ("客服几点下班", "service-hours"),  # 客服 here is not a greeting
        ("2024 0615 1234 5678 退款多久到账", "refund-time"),  # long numbers are noise
        ("how long until i get my refund", "en-refund-time"),
    ],
)
def test_answers_paraphrases(chat, text: str, article: str) -> None:
    answer = chat.say(text)
    assert isinstance(answer, Answer)
    assert answer.article_id == article
    assert answer.answered
    assert answer.score >= chat.bot.threshold
    assert answer.text == next(a.answer for a in load_kb(SAMPLE_KB) if a.id == article)


@pytest.mark.parametrize(
    "text", ["明天股票会涨吗", "帮我写一首诗", "怎么做红烧肉", "what is the capital of france"]
)
def test_declines_what_it_does_not_know(chat, text: str) -> None:
    answer = chat.say(text)
    assert isinstance(answer, Answer)
    assert answer.article_id is None
    assert not answer.answered
    assert "没太明白" in answer.text or "didn't" in answer.text


@pytest.mark.parametrize(
    ("name", "at_threshold", "with_suggestions"),
    [
        ("sample_cases.csv", 0.80, 0.83),  # written first
        ("sample_cases_heldout.csv", 0.68, 0.70),  # written after, never tuned on
    ],
)
def test_sample_cases(
    bot: DeskBot, name: str, at_threshold: float, with_suggestions: float
) -> None:
    """Paraphrases nobody put in the knowledge base (tests/bot/data, also for `desk eval`).

    Measured with the calibration of matcher.yaml (threshold 0.28): sample_cases 0.862
    answered right, 0.883 with the right suggestion, 6 wrong of 112; held-out 0.740 / 0.740,
    6 wrong of 87. One out-of-scope question in each file shares a rare word with one FAQ
    question (今天天气怎么样 / 今天能发吗, 怎么减肥 / 满减) and is answered: the lexical
    engine's known weakness on small FAQs (docs/bot-quality.md). The bars leave a little room.
    """
    cases = load_cases(Path(__file__).parent / "data" / name)
    replies = bot.respond([turn(text, n) for n, (text, _) in enumerate(cases)])
    in_scope = [(e, r) for (_, e), r in zip(cases, replies, strict=True) if e]
    out_scope = [r for (_, e), r in zip(cases, replies, strict=True) if not e]
    answered = [getattr(r.decision, "article_id", None) for _, r in in_scope]
    right = sum(a == e for a, (e, _) in zip(answered, in_scope, strict=True))
    suggested = sum(
        a is None and e in [o["id"] for o in r.state.get("clarify", [])]
        for a, (e, r) in zip(answered, in_scope, strict=True)
    )
    wrong = sum(a not in (None, e) for a, (e, _) in zip(answered, in_scope, strict=True))
    out_answered = sum(getattr(r.decision, "article_id", None) is not None for r in out_scope)
    wrong += out_answered
    print(
        f"\n{name}: accuracy_at_threshold={right / len(in_scope):.3f} "
        f"with_suggestions={(right + suggested) / len(in_scope):.3f} wrong={wrong}/{len(cases)}"
    )
    assert right / len(in_scope) >= at_threshold
    assert (right + suggested) / len(in_scope) >= with_suggestions
    assert wrong / len(cases) <= 0.08
    assert out_answered <= 1


def test_a_suggestion_is_picked_by_number(chat) -> None:
    offered = chat.say("坏了去哪里修")
    assert isinstance(offered, Answer)
    assert offered.article_id is None
    assert not offered.answered  # recorded for the knowledge-gap report
    options = [o["id"] for o in chat.state["clarify"]]
    assert "warranty-repair" in options
    picked = chat.say(str(options.index("warranty-repair") + 1))
    assert isinstance(picked, Answer)
    assert picked.article_id == "warranty-repair"
    assert "clarify" not in chat.state


def test_a_new_question_after_suggestions_is_just_a_question(chat) -> None:
    chat.say("坏了去哪里修")
    assert chat.say("退款成功了但是没收到钱").article_id == "refund-not-received"


WEIRD = [
    "",
    "   \n\t  ",
    "😀😀😀",
    "？？？",
    "a",
    "长" * 10_000,
    "退款" * 5_000,
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)><a href='http://x'>转人工</a>",
    "\x00\x01\x02",
    "\ud800",  # a lone surrogate
    "مرحبا",
    "{order_no} {0} %s %(x)s",
    "SELECT * FROM articles; DROP TABLE articles;--",
    "ㅋㅋㅋ",
    "1" * 16,
]


@pytest.mark.parametrize("text", WEIRD)
def test_never_raises(bot: DeskBot, text: str) -> None:
    [reply] = bot.respond([turn(text)])
    assert isinstance(reply.decision, Answer | Ask | Handoff)
    assert reply.decision.text or isinstance(reply.decision, Handoff)


def test_never_raises_on_a_garbled_state(bot: DeskBot) -> None:
    states: list[dict[str, Any]] = [
        {"flow": "nonsense"},
        {"flow": {"id": "no_such_flow"}},
        {"flow": {"id": "change_address", "step": "slot", "slot": "gone", "slots": [1, 2]}},
        {"flow": {"id": "return_request", "step": "confirm", "slots": {"order_no": None}}},
        {"failures": "many", "turns": -3, "context": ["x"], "clarify": [{"id": 1}]},
        {"clarify": "yes", "lang": 42},
    ]
    for n, state in enumerate(states):
        [reply] = bot.respond([turn("1", n, state=state)])
        assert isinstance(reply.decision, Answer | Ask | Handoff)


def test_answers_in_the_contact_language(bot: DeskBot) -> None:
    texts = ["asdf qwer zxcv", "阿巴阿巴", "hello", "你好"]
    replies = bot.respond([turn(text, n, locale="zh-CN") for n, text in enumerate(texts)])
    assert replies[0].decision.text.isascii()  # English typed with a zh-CN locale
    assert not replies[1].decision.text.isascii()
    assert replies[2].decision.text.isascii()
    assert not replies[3].decision.text.isascii()
    [numbers] = bot.respond([turn("12345", locale="en-US")])
    assert numbers.decision.text.isascii()  # no letters: the locale decides


class RecordingIndex:
    """The real index, recording the batches it is asked for (or failing on purpose)."""

    def __init__(self, inner: KnowledgeIndex, *, broken: bool = False) -> None:
        self.inner = inner
        self.broken = broken
        self.batches: list[list[str]] = []

    def search_many(self, texts: Sequence[str], limit: int = 5) -> list[list[Match]]:
        self.batches.append(list(texts))
        if self.broken:
            raise RuntimeError("index down")
        return self.inner.search_many(texts, limit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def own_index() -> KnowledgeIndex:
    return KnowledgeIndex([to_document(a) for a in load_kb(SAMPLE_KB)])


def test_one_search_per_batch(own_index: KnowledgeIndex) -> None:
    index = RecordingIndex(own_index)
    bot = build_bot(index)  # type: ignore[arg-type]
    texts = ["你好，退款多久到账", "运费怎么算", "", "谢谢"]
    replies = bot.respond([turn(t, n) for n, t in enumerate(texts)])
    assert len(index.batches) == 1
    assert index.batches[0] == ["退款多久到账", "运费怎么算", "谢谢"]  # greeting off, empty out
    assert [getattr(r.decision, "article_id", None) for r in replies[:2]] == [
        "refund-time",
        "shipping-fee",
    ]


def test_a_broken_index_degrades_to_a_polite_fallback(own_index: KnowledgeIndex) -> None:
    bot = build_bot(RecordingIndex(own_index, broken=True))  # type: ignore[arg-type]
    [talk, question] = bot.respond([turn("你好", 0), turn("退款多久到账", 1)])
    assert "请问有什么可以帮您" in talk.decision.text  # small talk needs no index
    assert isinstance(question.decision, Answer)
    assert not question.decision.answered


def test_two_turns_of_one_conversation_in_a_batch(bot: DeskBot) -> None:
    first, second = bot.respond([turn("帮我查下订单", 7), turn("2024061512345678", 7)])
    assert isinstance(first.decision, Ask)
    assert isinstance(second.decision, Answer)
    assert "2024061512345678" in second.decision.text


def test_flows_are_not_offered_as_articles(bot: DeskBot) -> None:
    [reply] = bot.respond([turn("我要退货")])
    assert isinstance(reply.decision, Ask)
    assert reply.decision.slot == "order_no"
