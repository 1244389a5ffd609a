"""desk_app.desk.dialogs.submit_knowledge: prefilled, masked twice, validated."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from desk_app.desk.dialogs.submit_knowledge import (
    SubmitKnowledgeDialog,
    parse_tags,
    suggest_tags,
    title_from,
)
from desk_app.privacy import Kind
from desk_app.protocol.messages import Sender, SubmitKnowledge, encode, parse_agent_frame

from .factories import XSS, message

PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"  # valid check digit
CARD = "6222021234567890128"  # passes Luhn
EMAIL = "zhangsan@example.com"
SECRETS = (PHONE, ID_NUMBER, CARD, EMAIL, "12345678", "1234567890128", "中关村大街27号")

CONVERSATION = [
    message(
        "c1", 1, Sender.CONTACT, f"你好，我的手机号是{PHONE}，身份证{ID_NUMBER}，怎么申请退款？"
    ),
    message("c1", 2, Sender.BOT, "您可以在订单页申请退款。客服电话 13912345678"),
    message("c1", 3, Sender.CONTACT, "我的地址是北京市海淀区中关村大街27号，退款退到哪里？"),
    message("c1", 4, Sender.NOTE, "客户很着急，电话 13700001111"),
    message(
        "c1",
        5,
        Sender.AGENT,
        f"退款会在 1-3 个工作日退回您的银行卡 {CARD}。\n有问题请发邮件到 {EMAIL}。",
    ),
]


@pytest.fixture
def dialog(qtbot) -> SubmitKnowledgeDialog:
    dialog = SubmitKnowledgeDialog(CONVERSATION)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def fields(dialog: SubmitKnowledgeDialog) -> list[str]:
    return [
        dialog.title_edit.text(),
        dialog.questions_edit.toPlainText(),
        dialog.answer_edit.toPlainText(),
        dialog.tags_edit.text(),
    ]


def frame_text(frame: SubmitKnowledge) -> str:
    return encode(frame).decode()


# ---------------------------------------------------------------------------------------------
# Prefill


def test_prefilled_from_the_customers_questions_and_the_agents_answer(
    dialog: SubmitKnowledgeDialog,
) -> None:
    assert dialog.title_edit.text() == "怎么申请退款？"  # the question, not the preamble
    assert dialog.questions_edit.toPlainText().splitlines() == [
        "你好，我的手机号是[手机号]，身份证[身份证号]，怎么申请退款？",
        "我的地址是北京市海淀区[地址]，退款退到哪里？",
    ]
    assert dialog.answer_edit.toPlainText() == (
        "退款会在 1-3 个工作日退回您的银行卡 [银行卡号]。\n有问题请发邮件到 [邮箱]。"
    )
    assert "退款" in parse_tags(dialog.tags_edit.text())


def test_bot_messages_and_internal_notes_are_left_out(dialog: SubmitKnowledgeDialog) -> None:
    text = "\n".join(fields(dialog))
    assert "订单页" not in text
    assert "着急" not in text


def test_personal_data_is_masked_before_it_is_shown(dialog: SubmitKnowledgeDialog) -> None:
    for field in fields(dialog):
        for secret in SECRETS:
            assert secret not in field
    assert dialog.masked == {
        Kind.MOBILE: 1,
        Kind.ID_NUMBER: 1,
        Kind.ADDRESS: 1,
        Kind.BANK_CARD: 1,
        Kind.EMAIL: 1,
    }
    assert dialog.masked_label.isVisible()
    assert dialog.masked_label.text() == (
        "Masked: 1 mobile number(s), 1 ID number(s), 1 bank card(s), 1 e-mail address(es), "
        "1 address(es)"
    )
    assert not dialog.pending_label.isVisible()


def test_the_frame_is_masked_and_linked_to_the_conversation(
    dialog: SubmitKnowledgeDialog,
) -> None:
    frame = dialog.frame("req-1")
    assert frame.request_id == "req-1"
    assert frame.conversation_id == "c1"
    assert frame.title == "怎么申请退款？"
    assert len(frame.questions) == 2
    for secret in SECRETS:
        assert secret not in frame_text(frame)
    assert parse_agent_frame(encode(frame).decode()) == frame  # what the server will accept


def test_personal_data_typed_while_editing_is_masked_in_the_frame(
    qtbot, dialog: SubmitKnowledgeDialog
) -> None:
    dialog.answer_edit.setFocus()
    dialog.answer_edit.moveCursor(dialog.answer_edit.textCursor().MoveOperation.End)
    qtbot.keyClicks(dialog.answer_edit, " Call 021-64321234 or 13912345678")
    dialog.title_edit.setText("退款到账时间 zhao@shop.example")
    dialog.tags_edit.setText("退款, 13700001111")
    qtbot.waitUntil(dialog.pending_label.isVisible)
    assert dialog.pending_label.text() == (
        "Will also be masked when you submit: "
        "2 mobile number(s), 1 phone number(s), 1 e-mail address(es)"
    )
    frame = dialog.frame("req-2")
    text = frame_text(frame)
    for secret in ("021-64321234", "13912345678", "zhao@shop.example", "13700001111"):
        assert secret not in text
    assert frame.answer.endswith("Call [电话] or [手机号]")
    assert frame.title == "退款到账时间 [邮箱]"
    assert frame.tags == ["退款", "[手机号]"]


def test_nothing_to_mask_says_so(qtbot) -> None:
    dialog = SubmitKnowledgeDialog(
        [
            message("c9", 1, Sender.CONTACT, "发票怎么开？"),
            message("c9", 2, Sender.AGENT, "在订单详情页点击“申请发票”。"),
        ]
    )
    qtbot.addWidget(dialog)
    assert dialog.masked == {}
    assert dialog.masked_label.text() == "No personal data found in the selected messages."
    assert dialog.tags_edit.text() == "发票"
    assert dialog.title_edit.text() == "发票怎么开？"


def test_customer_html_stays_literal(qtbot) -> None:
    dialog = SubmitKnowledgeDialog(
        [message("c2", 1, Sender.CONTACT, XSS), message("c2", 2, Sender.AGENT, XSS)]
    )
    qtbot.addWidget(dialog)
    assert dialog.questions_edit.toPlainText() == XSS
    assert dialog.answer_edit.toPlainText() == XSS
    assert dialog.masked_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.pending_label.textFormat() == Qt.TextFormat.PlainText
    assert dialog.frame("r").answer == XSS


# ---------------------------------------------------------------------------------------------
# Validation


def test_ok_needs_a_title_and_an_answer(qtbot) -> None:
    dialog = SubmitKnowledgeDialog([message("c3", 1, Sender.CONTACT, "怎么修改收货地址？")])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.title_edit.text() == "怎么修改收货地址？"
    assert dialog.answer_edit.toPlainText() == ""  # no agent reply was selected
    assert not dialog.ok_button.isEnabled()
    with pytest.raises(ValueError, match="title and an answer"):
        dialog.frame("r")

    dialog.answer_edit.setPlainText("在订单详情页点击“修改地址”。")
    assert dialog.ok_button.isEnabled()
    dialog.title_edit.setText("   ")
    assert not dialog.ok_button.isEnabled()
    dialog.accept()  # Enter in a field must not get past a disabled OK either
    assert dialog.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted

    dialog.title_edit.setText("修改收货地址")
    with qtbot.waitSignal(dialog.accepted, timeout=1000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.frame("r").title == "修改收货地址"


def test_no_messages_gives_an_empty_form(qtbot) -> None:
    dialog = SubmitKnowledgeDialog([])
    qtbot.addWidget(dialog)
    assert fields(dialog) == ["", "", "", ""]
    assert not dialog.ok_button.isEnabled()
    dialog.title_edit.setText("标题")
    dialog.answer_edit.setPlainText("答案")
    assert dialog.frame("r").conversation_id is None


def test_long_messages_are_cut_to_the_frames_limits(qtbot) -> None:
    long_question = "我想问一下" * 200  # 1,000 characters
    dialog = SubmitKnowledgeDialog(
        [
            message("c4", 1, Sender.CONTACT, long_question),
            message("c4", 2, Sender.AGENT, "答" * 9000),
        ]
    )
    qtbot.addWidget(dialog)
    frame = dialog.frame("r")
    assert len(frame.title) <= 60
    assert all(len(q) <= 500 for q in frame.questions)
    assert len(frame.answer) == 8000
    assert parse_agent_frame(encode(frame).decode()) == frame


# ---------------------------------------------------------------------------------------------
# Helpers


def test_parse_tags() -> None:
    assert parse_tags("退款, 物流，发票、退款 ;#售后;; ") == ["退款", "物流", "发票", "售后"]
    assert parse_tags("a" * 40) == ["a" * 32]
    assert parse_tags(",".join(str(n) for n in range(30))) == [str(n) for n in range(20)]
    assert parse_tags("Refund, refund") == ["Refund"]


def test_title_from_takes_the_first_sentence() -> None:
    assert title_from("怎么申请退款？我昨天买的") == "怎么申请退款？"
    assert title_from("How do I get a refund? It broke.") == "How do I get a refund?"
    assert title_from("  发票\n怎么开 ") == "发票"
    assert title_from("你好，我的手机号是[手机号]，怎么申请退款？我昨天买的") == "怎么申请退款？"
    assert title_from("hi, where is my parcel?") == "Where is my parcel?"
    assert title_from("好的，谢谢") == "好的，谢谢"  # a short last clause is no title
    assert len(title_from("很长" * 100)) == 60


def test_suggest_tags() -> None:
    assert suggest_tags(["什么时候发货？快递到哪了", "退款"]) == ["物流", "退款"]
    assert suggest_tags(["Where is my refund?"]) == ["refund"]
    assert suggest_tags(["你好"]) == []
