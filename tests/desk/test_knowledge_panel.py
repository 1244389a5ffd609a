"""desk_app.desk.views.knowledge_panel and desk_app.desk.models.articles, on real widgets."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLineEdit, QMainWindow, QVBoxLayout, QWidget

from desk_app.desk.models.articles import (
    AnswerRole,
    ArticleHitModel,
    ArticleIdRole,
    ScoreRole,
    TagsRole,
)
from desk_app.desk.views.knowledge_panel import KnowledgePanel
from desk_app.protocol.messages import ArticleHit

REFUND = ArticleHit(
    article_id="a-refund",
    title="如何申请退款",
    answer=(
        "在“我的订单”中找到该订单，点击“申请退款”，填写原因后提交。\n"
        "审核通过后 1-3 个工作日原路退回。"
    ),
    score=0.92,
    tags=["退款", "售后"],
)
SHIPPING = ArticleHit(
    article_id="a-ship",
    title="What is the shipping time?",
    answer="Orders ship within 48 hours.",
    score=0.71,
    tags=["shipping"],
)
INVOICE = ArticleHit(
    article_id="a-invoice", title="怎么开发票", answer="在订单详情页申请电子发票。", score=0.4
)
HOSTILE = ArticleHit(
    article_id="a-html",
    title="<b>粗体</b><img src=x onerror=alert(1)>",
    answer='<img src=x onerror=alert(1)><a href="http://x">x</a>',
    score=0.5,
    tags=["<i>tag</i>"],
)


@pytest.fixture
def panel(qtbot) -> KnowledgePanel:
    panel = KnowledgePanel()
    qtbot.addWidget(panel)
    panel.resize(340, 520)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def titles(panel: KnowledgePanel) -> list[str]:
    return [hit.title for hit in panel.model.hits()]


def select(panel: KnowledgePanel, article_id: str) -> None:
    index = panel.model.index_of(article_id)
    assert index.isValid()
    panel.list_view.setCurrentIndex(index)


# ---------------------------------------------------------------------------------------------
# The model


def test_model_passes_qt_model_tester(qtmodeltester) -> None:
    model = ArticleHitModel()
    qtmodeltester.check(model)
    model.set_hits([REFUND, SHIPPING, HOSTILE])
    qtmodeltester.check(model)
    model.set_hits([SHIPPING])
    qtmodeltester.check(model)


def test_model_is_keyed_by_article_id() -> None:
    model = ArticleHitModel()
    duplicate = ArticleHit(article_id="a-refund", title="重复", answer="x", score=0.1)
    model.set_hits([REFUND, SHIPPING, duplicate])
    assert model.rowCount() == 2
    assert model.hit("a-refund") == REFUND  # the better-ranked one stays
    index = model.index_of("a-ship")
    assert index.data(ArticleIdRole) == "a-ship"
    assert index.data(Qt.ItemDataRole.DisplayRole) == SHIPPING.title
    assert index.data(ScoreRole) == pytest.approx(0.71)
    assert index.data(AnswerRole) == SHIPPING.answer
    assert index.data(TagsRole) == ["shipping"]
    assert not model.index_of("nope").isValid()


# ---------------------------------------------------------------------------------------------
# Suggestions


def test_suggestions_for_the_current_conversation_are_shown(qtbot, panel: KnowledgePanel) -> None:
    panel.set_current_conversation("c1")
    assert panel.model.rowCount() == 0
    panel.show_suggestions("c1", [REFUND, SHIPPING, INVOICE])
    assert titles(panel) == ["如何申请退款", "What is the shipping time?", "怎么开发票"]
    assert panel.header.text() == "Suggested for what the customer asks"
    assert not panel.grab().isNull()  # the delegate paints every row without error


def test_suggestions_for_another_conversation_are_not_shown(panel: KnowledgePanel) -> None:
    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [REFUND])
    panel.show_suggestions("c2", [SHIPPING, INVOICE])
    assert titles(panel) == ["如何申请退款"]
    panel.set_current_conversation("c2")  # switching tabs shows c2's at once
    assert titles(panel) == ["What is the shipping time?", "怎么开发票"]
    panel.set_current_conversation("c3")
    assert titles(panel) == []
    assert panel.header.text() == "No suggestions yet"


def test_an_empty_suggestion_says_nothing_matched(panel: KnowledgePanel) -> None:
    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [REFUND])
    panel.show_suggestions("c1", [])  # the customer's newest message matches no article
    assert titles(panel) == []
    assert panel.header.text() == "No article matches the customer's last message"


def test_refreshed_suggestions_keep_the_highlighted_article(panel: KnowledgePanel) -> None:
    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [REFUND, SHIPPING])
    select(panel, "a-ship")
    panel.show_suggestions("c1", [INVOICE, REFUND, SHIPPING])
    assert panel.current_hit() == SHIPPING
    panel.show_suggestions("c1", [INVOICE])
    assert panel.current_hit() is None


def test_a_closed_conversation_is_forgotten(panel: KnowledgePanel) -> None:
    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [REFUND])
    panel.forget_conversation("c1")
    assert titles(panel) == []
    panel.set_current_conversation("c1")
    assert titles(panel) == []


# ---------------------------------------------------------------------------------------------
# Customer text is plain text


def test_html_in_an_article_is_shown_literally(qtbot, panel: KnowledgePanel) -> None:
    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [HOSTILE])
    index = panel.model.index_of("a-html")
    assert index.data(Qt.ItemDataRole.DisplayRole) == HOSTILE.title
    assert panel.header.textFormat() == Qt.TextFormat.PlainText
    assert not panel.grab().isNull()

    select(panel, "a-html")
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    dialog = panel.article_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.title_label.text() == HOSTILE.title
    assert dialog.title_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.meta_label.textFormat() == Qt.TextFormat.PlainText
    assert "<i>tag</i>" in dialog.meta_label.text()
    assert dialog.answer_view.toPlainText() == HOSTILE.answer
    assert dialog.answer_view.isReadOnly()


def test_a_search_query_with_html_is_shown_literally(qtbot, panel: KnowledgePanel) -> None:
    panel.search_box.setText("<b>退款</b>")
    panel.search_box.returnPressed.emit()
    assert "<b>退款</b>" in panel.header.text()
    panel.show_results("r1", [])
    assert panel.header.text() == "No articles match “<b>退款</b>”"


# ---------------------------------------------------------------------------------------------
# Insert


@pytest.fixture
def with_hits(panel: KnowledgePanel) -> KnowledgePanel:
    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [REFUND, SHIPPING, INVOICE])
    return panel


def test_enter_on_an_article_inserts_its_answer(qtbot, with_hits: KnowledgePanel) -> None:
    select(with_hits, "a-ship")
    with_hits.list_view.setFocus()
    with qtbot.waitSignal(with_hits.insert_requested, timeout=1000) as blocker:
        qtbot.keyClick(with_hits.list_view, Qt.Key.Key_Return)
    assert blocker.args == [SHIPPING.answer]


def test_double_click_inserts(qtbot, with_hits: KnowledgePanel) -> None:
    viewport = with_hits.list_view.viewport()
    center = with_hits.list_view.visualRect(with_hits.model.index_of("a-refund")).center()
    with qtbot.waitSignal(with_hits.insert_requested, timeout=1000) as blocker:
        # a real double click is press, release, then the double-click press
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=center)
        qtbot.mouseDClick(viewport, Qt.MouseButton.LeftButton, pos=center)
    assert blocker.args == [REFUND.answer]


def test_insert_button_inserts_and_needs_a_selection(qtbot, with_hits: KnowledgePanel) -> None:
    assert not with_hits.insert_button.isEnabled()
    select(with_hits, "a-invoice")
    assert with_hits.insert_button.isEnabled()
    with qtbot.waitSignal(with_hits.insert_requested, timeout=1000) as blocker:
        qtbot.mouseClick(with_hits.insert_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [INVOICE.answer]


def test_ctrl_i_in_the_panel_inserts_and_not_the_window_action(qtbot) -> None:
    """The window binds Ctrl+I too (internal note); inside the panel the panel wins."""
    window = QMainWindow()
    qtbot.addWidget(window)
    central = QWidget(window)
    layout = QVBoxLayout(central)
    composer = QLineEdit(central)
    panel = KnowledgePanel(central)
    layout.addWidget(composer)
    layout.addWidget(panel)
    window.setCentralWidget(central)
    note_toggles: list[bool] = []
    note = QAction("note", window)
    note.setShortcut(QKeySequence("Ctrl+I"))
    note.triggered.connect(lambda: note_toggles.append(True))
    window.addAction(note)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)

    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [REFUND, SHIPPING])
    select(panel, "a-ship")
    panel.list_view.setFocus()
    qtbot.waitUntil(panel.list_view.hasFocus)
    with qtbot.waitSignal(panel.insert_requested, timeout=1000) as blocker:
        qtbot.keyClick(panel.list_view, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert blocker.args == [SHIPPING.answer]
    assert note_toggles == []

    # From the search box too.
    panel.search_box.setFocus()
    qtbot.waitUntil(panel.search_box.hasFocus)
    with qtbot.waitSignal(panel.insert_requested, timeout=1000):
        qtbot.keyClick(panel.search_box, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert note_toggles == []

    # Outside the panel the window's action still gets it: the setup above is a real clash.
    composer.setFocus()
    qtbot.waitUntil(composer.hasFocus)
    with qtbot.assertNotEmitted(panel.insert_requested):
        qtbot.keyClick(composer, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert note_toggles == [True]


def test_open_full_article_and_insert_from_it(qtbot, with_hits: KnowledgePanel) -> None:
    assert not with_hits.open_button.isEnabled()
    select(with_hits, "a-refund")
    qtbot.mouseClick(with_hits.open_button, Qt.MouseButton.LeftButton)
    dialog = with_hits.article_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.answer_view.toPlainText() == REFUND.answer  # the whole answer, every line
    with qtbot.waitSignal(with_hits.insert_requested, timeout=1000) as blocker:
        qtbot.mouseClick(dialog.insert_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [REFUND.answer]
    qtbot.waitUntil(lambda: with_hits.article_dialog is None)


# ---------------------------------------------------------------------------------------------
# Search


def test_typing_searches_once_after_a_pause(qtbot, panel: KnowledgePanel) -> None:
    queries: list[str] = []
    panel.search_requested.connect(queries.append)
    qtbot.keyClicks(panel.search_box, "refund policy")
    assert queries == []  # nothing per keystroke
    assert panel.search_pending()
    with qtbot.waitSignal(panel.search_requested, timeout=2000):
        pass
    assert queries == ["refund policy"]
    assert not panel.search_pending()  # no second request is on its way
    assert panel.header.text() == "Searching for “refund policy”…"


def test_enter_searches_at_once_and_only_once(qtbot, panel: KnowledgePanel) -> None:
    queries: list[str] = []
    panel.search_requested.connect(queries.append)
    panel.search_box.insert("发票")  # what an input method commits (keyClicks is ASCII only)
    qtbot.keyClick(panel.search_box, Qt.Key.Key_Return)
    assert queries == ["发票"]
    assert not panel.search_pending()
    qtbot.keyClick(panel.search_box, Qt.Key.Key_Return)  # same query again: no new request
    assert queries == ["发票"]


def test_results_replace_suggestions_until_the_search_is_cleared(
    qtbot, with_hits: KnowledgePanel
) -> None:
    with_hits.search_box.setText("invoice")
    with_hits.search_box.returnPressed.emit()
    with_hits.show_results("from-the-window", [INVOICE])
    assert titles(with_hits) == ["怎么开发票"]
    assert with_hits.header.text() == "1 article(s) for “invoice”"
    # a suggestion arriving meanwhile is kept for later, not shown over the results
    with_hits.show_suggestions("c1", [SHIPPING])
    assert titles(with_hits) == ["怎么开发票"]
    qtbot.keyClick(with_hits.search_box, Qt.Key.Key_Escape)
    assert with_hits.search_box.text() == ""
    assert titles(with_hits) == ["What is the shipping time?"]


def test_a_late_answer_to_an_older_query_is_dropped(panel: KnowledgePanel) -> None:
    started: list[tuple[str, str]] = []
    panel.search_started.connect(lambda request_id, query: started.append((request_id, query)))
    panel.search_box.setText("退")
    panel.search_box.returnPressed.emit()
    panel.search_box.setText("退款")
    panel.search_box.returnPressed.emit()
    (old, _), (new, query) = started
    assert query == "退款"
    panel.show_results(new, [REFUND])
    panel.show_results(old, [INVOICE])
    assert titles(panel) == ["如何申请退款"]


def test_results_after_the_search_was_cleared_are_dropped(panel: KnowledgePanel) -> None:
    panel.set_current_conversation("c1")
    panel.show_suggestions("c1", [SHIPPING])
    panel.search_box.setText("退款")
    panel.search_box.returnPressed.emit()
    panel.search_box.clear()
    panel.show_results("r1", [REFUND])
    assert titles(panel) == ["What is the shipping time?"]


def test_down_from_the_search_box_goes_to_the_first_article(
    qtbot, with_hits: KnowledgePanel
) -> None:
    with_hits.search_box.setFocus()
    qtbot.waitUntil(with_hits.search_box.hasFocus)
    qtbot.keyClick(with_hits.search_box, Qt.Key.Key_Down)
    qtbot.waitUntil(with_hits.list_view.hasFocus)
    assert with_hits.current_hit() == REFUND


def test_focus_search_selects_the_query(qtbot, panel: KnowledgePanel) -> None:
    panel.search_box.setText("old")
    panel.focus_search()
    qtbot.waitUntil(panel.search_box.hasFocus)
    assert panel.search_box.selectedText() == "old"
