"""Knowledge base files: YAML, JSON and CSV round trips, errors, and masking on export."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from desk_app.knowledge.articles import ArticleData, ArticleStatus
from desk_app.knowledge.kbfile import KbFileError, dump_kb, load_kb

RESOURCES = Path(__file__).resolve().parents[2] / "resources"

ARTICLES = [
    ArticleData(
        id="return-policy",
        title="七天无理由退货",
        answer="签收后7天内可申请：\n1. 我的订单 → 申请售后\n2. 选择“退货退款”",
        questions=("怎么退货", "可以退货吗", "a | b 这种也行"),
        tags=("售后", "退货"),
        status=ArticleStatus.PUBLISHED,
    ),
    ArticleData(
        id="invoice",
        title="How do I get an invoice?",
        answer='Open the order and tap "Invoice". Amounts: ¥0.01–¥99,999.',
        questions=("invoice please", "need a VAT invoice"),
        tags=(),
        status=ArticleStatus.DRAFT,
        author="alice",
        reviewer="bob",
        review_by=datetime(2025, 6, 30, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json", ".csv"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"kb{suffix}"
    assert dump_kb(ARTICLES, path) == 2
    loaded = load_kb(path)
    expected = list(ARTICLES)
    if suffix == ".csv":  # a "|" inside a list item is written full-width
        expected[0] = ARTICLES[0].__class__(
            **{**_fields(ARTICLES[0]), "questions": ("怎么退货", "可以退货吗", "a ｜ b 这种也行")}
        )
    assert loaded == expected


def _fields(article: ArticleData) -> dict:
    return {name: getattr(article, name) for name in article.__dataclass_fields__}


def test_the_issue_yaml_form_reads_and_defaults_to_published(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    path.write_text(
        "articles:\n"
        "  - id: return-policy\n"
        "    title: 七天无理由退货\n"
        "    answer: 签收后7天内……\n"
        "    questions: [怎么退货, 可以退货吗]\n"
        "    tags: [售后]\n",
        encoding="utf-8",
    )
    [article] = load_kb(path)
    assert article.questions == ("怎么退货", "可以退货吗")
    assert article.status == ArticleStatus.PUBLISHED


def test_the_evaluation_sets_load() -> None:
    shared = Path("/work/shared/data")
    if not shared.exists():
        pytest.skip("evaluation data not on this machine")
    for name in ("clinc150", "banking77", "smp2020ecdt"):
        assert len(load_kb(shared / name / "kb.yaml")) >= 77


def test_the_sample_knowledge_base_is_a_real_faq() -> None:
    articles = load_kb(RESOURCES / "knowledge" / "sample_kb.yaml")
    assert len(articles) >= 60
    for article in articles:
        assert 3 <= len(article.questions) <= 6, article.id
        assert article.status == ArticleStatus.PUBLISHED
        assert article.tags, article.id
    english = [a for a in articles if a.title.isascii()]
    assert 3 <= len(english) < 15


def test_csv_from_a_spreadsheet(tmp_path: Path) -> None:
    """Excel on Chinese Windows saves CSV as GB18030; blank lines and odd case happen."""
    path = tmp_path / "faq.csv"
    text = (
        "ID,Title,Answer,Questions,Tags\r\n"
        "shipping,发货时间,48小时内发货,什么时候发货 | 多久发货,物流\r\n"
        ",,,,\r\n"
    )
    path.write_bytes(text.encode("gb18030"))
    [article] = load_kb(path)
    assert article.questions == ("什么时候发货", "多久发货")
    assert article.tags == ("物流",)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("kb.yaml", "articles: [\n", "not valid YAML"),
        ("kb.json", "{", "not valid JSON"),
        ("kb.yaml", "hello: 1\n", "'articles'"),
        ("kb.yaml", "articles:\n  - id: a\n    title: t\n", "article 1 (a): answer is empty"),
        (
            "kb.yaml",
            "articles:\n  - {id: a, title: t, answer: x}\n  - {id: a, title: t, answer: y}\n",
            "appears twice",
        ),
        ("kb.yaml", "articles:\n  - {id: a, title: t, answer: x, status: live}\n", "status"),
        ("kb.csv", "name,text\nx,y\n", "header row lacks id, title, answer"),
        ("kb.txt", "", "unknown format"),
    ],
)
def test_bad_files_say_what_is_wrong(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KbFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_kb(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KbFileError, match="cannot read"):
        load_kb(tmp_path / "nope.yaml")


@pytest.mark.parametrize("suffix", [".yaml", ".json", ".csv"])
def test_export_masks_personal_data(tmp_path: Path, suffix: str) -> None:
    leaked = ArticleData(
        id="from-chat",
        title="客户 13812345678 的地址修改",
        answer="已联系 zhang.san@example.com，身份证 110105199003071239，电话 138-1234-5678。",
        questions=("我手机号13812345678收不到验证码",),
        status=ArticleStatus.PENDING_REVIEW,
    )
    path = tmp_path / f"kb{suffix}"
    dump_kb([leaked], path)
    text = path.read_text(encoding="utf-8-sig")
    for secret in ("13812345678", "1234-5678", "zhang.san@example.com", "110105199003071239"):
        assert secret not in text
    assert "收不到验证码" in text
    # and unmasked when asked (a backup of one's own data)
    dump_kb([leaked], path, mask=False)
    assert "13812345678" in path.read_text(encoding="utf-8-sig")


def test_export_leaves_no_partial_file_on_error(tmp_path: Path) -> None:
    path = tmp_path / "kb.yaml"
    dump_kb(ARTICLES, path)
    before = path.read_bytes()
    with pytest.raises(AttributeError):
        dump_kb([object()], path)  # type: ignore[list-item]
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["kb.yaml"]
