"""Customer text is plain text everywhere it is shown (STYLE rule 6)."""

from __future__ import annotations

from msgspec.structs import replace
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QLabel

from desk_app.desk import theme
from desk_app.desk.controller import DeskController
from desk_app.desk.models.transcript_model import TranscriptModel
from desk_app.desk.views.bubbles import plain_tooltip
from desk_app.desk.views.conversation_view import ConversationView
from desk_app.desk.views.handoff_card import HandoffCard
from desk_app.desk.views.mine_view import MineDelegate
from desk_app.desk.views.transcript_view import TranscriptView
from desk_app.protocol.messages import ContactInfo, ConversationAssigned, HandoffContext, Sender

from .factories import XSS, detail, message


def test_builder_escapes_everything() -> None:
    tooltip = plain_tooltip(XSS)
    assert "<img" not in tooltip
    assert "<a href" not in tooltip
    assert (
        "&lt;img src=x onerror=alert(1)&gt;&lt;a href=&quot;http://x&quot;&gt;x&lt;/a&gt;"
        in tooltip
    )


def test_transcript_shows_markup_as_literal_characters(qtbot) -> None:
    model = TranscriptModel("c1")
    model.extend(
        [
            message("c1", 1, Sender.CONTACT, XSS),
            message("c1", 2, Sender.BOT, "好的"),
            message("c1", 3, Sender.CONTACT, "第一行\n<b>第二行</b>"),
        ]
    )
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    index = model.index(0)
    bubble = view.message_delegate.bubble(index, view.viewport().width())
    # a QTextLayout is given characters and draws those characters: no markup is parsed,
    # no format, image or link can come out of the text
    assert bubble.body.text() == XSS
    assert bubble.body.formats() == []
    assert bubble.shown.splitlines()[-1] == XSS  # the body line, character for character
    assert view.message_delegate.displayed_text(index).endswith(XSS)
    # line breaks stay breaks, and tags in a multi-line message stay literal too
    multi = view.message_delegate.bubble(model.index(2), view.viewport().width())
    assert multi.body.lineCount() == 2
    assert multi.shown.splitlines()[-2:] == ["第一行", "<b>第二行</b>"]


def test_handoff_card_mine_list_and_typing_line_are_plain(qtbot, sink) -> None:
    controller = DeskController(sink)
    hostile = detail("c1", [message("c1", 1, Sender.CONTACT, XSS)], name=XSS)
    hostile = replace(
        hostile,
        contact=ContactInfo(id="k", name=XSS, profile={"city": XSS}),
        handoff=HandoffContext(reason="customer_asked", slots={"order": XSS}, note=XSS),
    )
    controller.handle(ConversationAssigned(conversation=hostile, how="picked"))
    view = ConversationView(controller, "c1")
    qtbot.addWidget(view)
    card: HandoffCard = view.card
    for label in card.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert any(XSS in text for text in card.displayed_texts())
    assert sum(text == XSS for text in card.displayed_texts()) >= 3  # city, slot, note
    index = controller.mine.index(0)
    assert index.data() == XSS[:39] + "…"  # the name, one line, as typed
    assert "<img" not in index.data(Qt.ItemDataRole.ToolTipRole)
    assert MineDelegate().second_line(index).startswith("<img src=x")


def test_a_wheel_notch_repaints_only_the_strip_that_scrolls_in(qtbot) -> None:
    """The painted bubbles move; only the newly exposed strip is painted (the whole view was
    repainted on every notch while the style sheet made the viewport non-opaque)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    sheet = app.styleSheet()
    theme.apply_theme(app, "light")  # its style sheet gives the transcript a background
    model = TranscriptModel("c1")
    model.extend(message("c1", s, Sender.CONTACT, f"第{s}条消息") for s in range(1, 200))
    view = TranscriptView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(600, 500)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() > 1000)
    qtbot.wait(300)  # the batched layout and the first paints are done
    painted: list[int] = []

    class PaintSpy(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                painted.append(event.rect().height())  # type: ignore[attr-defined]
            return False

    spy = PaintSpy()
    view.viewport().installEventFilter(spy)
    bar = view.verticalScrollBar()
    bar.setValue(bar.value() - 60)
    qtbot.waitUntil(lambda: bool(painted))
    view.viewport().removeEventFilter(spy)
    app.setStyleSheet(sheet)
    assert max(painted) < view.viewport().height() / 2
