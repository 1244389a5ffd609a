"""Which articles the suggestions for a contact's message carry, over a real index."""

from types import SimpleNamespace

from desk_app.knowledge.index import Document, KnowledgeIndex
from desk_app.server.suggestions import MIN_SCORE, Suggester

ARTICLES = [
    Document("refund-time", "退款多久到账", ("退款多久到账", "钱什么时候退回来", "退款几天能到")),
    Document("invoice", "开发票", ("怎么开发票", "发票抬头写错了", "可以开专票吗")),
    Document("shipping", "发货时间", ("什么时候发货", "多久能发货", "今天能发吗")),
]


def suggester() -> Suggester:
    knowledge = SimpleNamespace(index=KnowledgeIndex(ARTICLES))
    return Suggester(knowledge, runner=None, deliver=lambda *_: None)  # type: ignore[arg-type]


def test_a_question_gets_its_article_first() -> None:
    (hits,) = suggester()._search_batch(["退款几天能到账啊"])
    assert hits[0].article_id == "refund-time"
    assert all(hit.score >= MIN_SCORE for hit in hits)


def test_a_message_that_matches_nothing_gets_no_noise() -> None:
    """Chat that shares a character or two with some question: every article scores a few
    percent, and none of them is worth an agent's glance."""
    noise, color = suggester()._search_batch(["好的我知道了，那我等一下", "什么颜色好看"])
    assert noise == []
    assert color == []
