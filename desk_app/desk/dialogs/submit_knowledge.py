"""Submit as knowledge: turn selected messages of a conversation into an article for review.

What an agent learns in a chat becomes a knowledge article (知识沉淀). The dialog is
prefilled from the selected messages: the customer's messages become the article's questions
(the first one its title), the agent's replies its answer, and a few tags are guessed from the
words in them. Bot messages and internal notes are left out: the bot's answer is already an
article, and a note is for colleagues, not for customers.

Personal data never leaves the desk in an article: every field is masked with
``redact(keep_hint=False)`` *before* it is shown (so the agent reviews exactly what will be
sent, and the labels ``[手机号]`` make the gap visible) and again when the frame is built
(the agent may have typed a number while editing). A note under the fields says what was
hidden; the server masks a third time (never trust one end).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.privacy import Finding, Kind, count_by_kind, redact, redact_with_findings
from desk_app.protocol.errors import ProtocolError
from desk_app.protocol.messages import (
    Message,
    Sender,
    SubmitKnowledge,
    encode,
    parse_agent_frame,
)

# Limits of the SubmitKnowledge frame (desk_app/protocol/messages.py).
TITLE_MAX = 200
TITLE_PREFILL = 60  # a title is a line, not the whole first message
ANSWER_MAX = 8000
QUESTION_MAX = 500
QUESTIONS_MAX = 50
TAG_MAX = 32
TAGS_MAX = 20

# Words that suggest a tag. Tags are free text and the agent edits them; these only save typing
# for the shop's most common topics.
_TAG_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("退款", ("退款", "退钱", "退回")),
    ("退货", ("退货", "寄回")),
    ("换货", ("换货", "调换")),
    ("物流", ("发货", "物流", "快递", "配送", "运费", "到货")),
    ("发票", ("发票", "开票")),
    ("优惠", ("优惠券", "红包", "满减", "折扣", "优惠")),
    ("支付", ("支付", "付款", "扣款")),
    ("账户", ("账号", "登录", "密码", "注册")),
    ("会员", ("会员", "积分")),
    ("售后", ("质量", "破损", "坏了", "维修", "保修", "售后")),
    ("refund", ("refund",)),
    ("return", ("return",)),
    ("shipping", ("shipping", "delivery", "shipped", "tracking")),
    ("invoice", ("invoice", "receipt")),
    ("payment", ("payment", "pay ", "charged")),
    ("account", ("account", "password", "log in", "login")),
)
_TAG_SPLIT = re.compile(r"[,，、;；\n]+")
_SENTENCE_END = re.compile(r"[。？！?!\n]")
_QUESTION = re.compile(r"[^。？！?!\n]*[？?]")
_CLAUSE_SEP = re.compile(r"[，,；;]")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def suggest_tags(texts: Iterable[str], limit: int = 4) -> list[str]:
    """Tags whose words occur in ``texts``, most mentioned first (ties: table order)."""
    joined = " ".join(texts).lower()
    counts = {tag: sum(joined.count(word) for word in words) for tag, words in _TAG_WORDS}
    ranked = sorted((tag for tag, n in counts.items() if n), key=lambda tag: -counts[tag])
    return ranked[:limit]


def title_from(question: str) -> str:
    """A title from a customer's message: the question in it, without the preamble.

    "你好，我的手机号是[手机号]，怎么申请退款？我昨天买的" gives "怎么申请退款？": the first
    sentence that asks (else the first sentence), and of it the last clause if that is long
    enough to stand alone. On one line, kept short.
    """
    text = question.strip()
    asked = _QUESTION.search(text)
    sentence = asked.group() if asked else _SENTENCE_END.split(text, maxsplit=1)[0]
    clauses = [clause for clause in _CLAUSE_SEP.split(sentence) if clause.strip()]
    if len(clauses) > 1 and len(clauses[-1].strip()) >= 4:
        sentence = clauses[-1]
    title = _one_line(sentence)
    title = title[:1].upper() + title[1:]
    return title if len(title) <= TITLE_PREFILL else title[: TITLE_PREFILL - 1] + "…"


def parse_tags(text: str) -> list[str]:
    """Comma (or 、 ; newline) separated tags, trimmed, deduplicated, within the frame's limits."""
    tags: list[str] = []
    seen: set[str] = set()
    for raw in _TAG_SPLIT.split(text):
        tag = _one_line(raw).lstrip("#")[:TAG_MAX].strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags[:TAGS_MAX]


def _mask(text: str) -> str:
    return redact(text, keep_hint=False)


class SubmitKnowledgeDialog(QDialog):
    """Review and submit selected messages as a pending-review article.

    ``exec()`` it; on ``Accepted`` build the frame with :meth:`frame` and send it.
    """

    def __init__(self, messages: Sequence[Message], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Submit as knowledge"))
        self.resize(560, 560)
        self.conversation_id: str | None = messages[0].conversation_id if messages else None
        self.masked: Counter[Kind] = Counter()  # what the prefill hid, by kind

        questions, answer = self._prefill(messages)

        self.title_edit = QLineEdit(self)
        self.title_edit.setMaxLength(TITLE_MAX)
        self.title_edit.setPlaceholderText(self.tr("A short question, e.g. how to get a refund"))
        self.title_edit.setText(title_from(questions[0]) if questions else "")
        self.title_edit.setCursorPosition(0)
        self.questions_edit = QPlainTextEdit(self)
        self.questions_edit.setPlaceholderText(self.tr("One question per line"))
        self.questions_edit.setPlainText("\n".join(questions))
        self.questions_edit.setTabChangesFocus(True)
        self.answer_edit = QPlainTextEdit(self)
        self.answer_edit.setPlaceholderText(self.tr("The answer customers should get"))
        self.answer_edit.setPlainText(answer)
        self.answer_edit.setTabChangesFocus(True)
        self.tags_edit = QLineEdit(self)
        self.tags_edit.setPlaceholderText(self.tr("Comma separated, e.g. refund, shipping"))
        self.tags_edit.setText(", ".join(suggest_tags([*questions, answer])))

        self.masked_label = QLabel(self._masked_text(self.masked), self)
        self.masked_label.setObjectName("maskedNote")
        self.masked_label.setTextFormat(Qt.TextFormat.PlainText)
        self.masked_label.setWordWrap(True)
        self.pending_label = QLabel(self)
        self.pending_label.setObjectName("pendingMaskNote")
        self.pending_label.setTextFormat(Qt.TextFormat.PlainText)
        self.pending_label.setWordWrap(True)
        self.pending_label.hide()
        intro = QLabel(
            self.tr(
                "The article is reviewed before the bot uses it. Personal data is masked "
                "before it leaves the desk."
            ),
            self,
        )
        intro.setTextFormat(Qt.TextFormat.PlainText)
        intro.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.tr("&Title"), self.title_edit)
        form.addRow(self.tr("&Questions"), self.questions_edit)
        form.addRow(self.tr("&Answer"), self.answer_edit)
        form.addRow(self.tr("Ta&gs"), self.tags_edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button: QPushButton = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Submit for review"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form, 1)
        layout.addWidget(self.masked_label)
        layout.addWidget(self.pending_label)
        layout.addWidget(self.buttons)

        for line in (self.title_edit, self.tags_edit):
            line.textChanged.connect(self._update)
        for edit in (self.questions_edit, self.answer_edit):
            edit.textChanged.connect(self._update)
        self._update()
        (self.answer_edit if self.title_edit.text() else self.title_edit).setFocus()

    # --- prefill --------------------------------------------------------------------------

    def _prefill(self, messages: Sequence[Message]) -> tuple[list[str], str]:
        questions: list[str] = []
        answers: list[str] = []
        for message in sorted(messages, key=lambda m: m.seq):
            if message.sender == Sender.CONTACT:
                text = self._masked_prefill(_one_line(message.text))[:QUESTION_MAX].strip()
                if text and text not in questions:
                    questions.append(text)
            elif message.sender == Sender.AGENT:
                text = self._masked_prefill(message.text.strip())
                if text:
                    answers.append(text)
        return questions[:QUESTIONS_MAX], "\n".join(answers)[:ANSWER_MAX]

    def _masked_prefill(self, text: str) -> str:
        masked, findings = redact_with_findings(text, keep_hint=False)
        self.masked.update(count_by_kind(findings))
        return masked

    # --- what the caller uses -------------------------------------------------------------

    def frame(self, request_id: str) -> SubmitKnowledge:
        """The ``knowledge.submit`` frame, every field masked again and within its limits.

        Raises ``ValueError`` if the title or the answer is empty (the OK button is disabled
        then, so only a caller that skips the dialog sees it).
        """
        title = _one_line(_mask(self.title_edit.text()))[:TITLE_MAX].strip()
        answer = _mask(self.answer_edit.toPlainText()).strip()[:ANSWER_MAX].strip()
        if not title or not answer:
            raise ValueError("a knowledge article needs a title and an answer")
        questions: list[str] = []
        for line in self.questions_edit.toPlainText().splitlines():
            question = _one_line(_mask(line))[:QUESTION_MAX].strip()
            if question and question not in questions:
                questions.append(question)
        frame = SubmitKnowledge(
            request_id=request_id,
            title=title,
            answer=answer,
            questions=questions[:QUESTIONS_MAX],
            tags=parse_tags(_mask(self.tags_edit.text())),
            conversation_id=self.conversation_id,
        )
        try:  # the server validates the same way; fail here, with the reason, not there
            parse_agent_frame(encode(frame).decode())
        except ProtocolError as exc:
            raise ValueError(str(exc)) from exc
        return frame

    def is_complete(self) -> bool:
        return bool(self.title_edit.text().strip() and self.answer_edit.toPlainText().strip())

    def accept(self) -> None:
        if self.is_complete():
            super().accept()

    # --- internals ------------------------------------------------------------------------

    def _update(self) -> None:
        self.ok_button.setEnabled(self.is_complete())
        found: list[Finding] = []
        for text in (
            self.title_edit.text(),
            self.questions_edit.toPlainText(),
            self.answer_edit.toPlainText(),
            self.tags_edit.text(),
        ):
            found.extend(redact_with_findings(text, keep_hint=False)[1])
        if found:
            self.pending_label.setText(
                self.tr("Will also be masked when you submit: %1").replace(
                    "%1", self._kinds_text(count_by_kind(found))
                )
            )
        self.pending_label.setVisible(bool(found))

    def _masked_text(self, counts: Counter[Kind]) -> str:
        if not counts:
            return self.tr("No personal data found in the selected messages.")
        return self.tr("Masked: %1").replace("%1", self._kinds_text(counts))

    def _kinds_text(self, counts: Counter[Kind]) -> str:
        """ "1 mobile number, 2 ID numbers" in the interface language, in a fixed order."""
        phones = counts[Kind.LANDLINE] + counts[Kind.PHONE]
        parts = [
            (counts[Kind.MOBILE], self.tr("%n mobile number(s)", "", counts[Kind.MOBILE])),
            (phones, self.tr("%n phone number(s)", "", phones)),
            (counts[Kind.ID_NUMBER], self.tr("%n ID number(s)", "", counts[Kind.ID_NUMBER])),
            (counts[Kind.BANK_CARD], self.tr("%n bank card(s)", "", counts[Kind.BANK_CARD])),
            (counts[Kind.EMAIL], self.tr("%n e-mail address(es)", "", counts[Kind.EMAIL])),
            (counts[Kind.ADDRESS], self.tr("%n address(es)", "", counts[Kind.ADDRESS])),
        ]
        return self.tr(", ").join(text for n, text in parts if n)


__all__ = ["SubmitKnowledgeDialog", "parse_tags", "suggest_tags", "title_from"]
