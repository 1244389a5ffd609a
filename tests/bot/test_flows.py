"""Multi-turn flows through the bot, state kept in a real store between messages."""

from datetime import date
from pathlib import Path

import pytest

from desk_app.bot.config import BotConfigError
from desk_app.bot.engine import build_bot
from desk_app.bot.flows import FlowBook, is_cancel, parse_date, yes_or_no
from desk_app.bot.seam import Answer, Ask, Handoff
from desk_app.knowledge.index import KnowledgeIndex
from desk_app.knowledge.kbfile import load_kb
from desk_app.protocol.messages import HandoffReason
from desk_app.server.knowledge import SAMPLE_KB, to_document

ORDER = "2024061512345678"
ADDRESS = "浙江省杭州市西湖区文三路100号 张三"


def test_order_status_fills_the_order_number_and_answers(chat) -> None:
    asked = chat.say("帮我查下订单")
    assert isinstance(asked, Ask)
    assert asked.slot == "order_no"
    assert "订单号" in asked.text
    done = chat.say(f"订单号是{ORDER}")
    assert isinstance(done, Answer)
    assert ORDER in done.text
    assert done.intents[0].intent == "flow:order_status"
    assert "flow" not in chat.state
    assert chat.state["context"] == {"order_no": ORDER}


def test_a_value_in_the_first_message_is_not_asked_again(chat) -> None:
    done = chat.say("查一下我的订单 2024 0615 1234 5678 到哪了")
    assert isinstance(done, Answer)
    assert ORDER in done.text


def test_invalid_then_valid_then_confirmed_handoff_carries_the_slots(chat) -> None:
    assert isinstance(chat.say("我要改地址"), Ask)
    hint = chat.say("不知道啊")
    assert isinstance(hint, Ask)
    assert "16位数字" in hint.text
    assert chat.state["flow"]["attempts"] == 1
    assert chat.say(ORDER).slot == "address"
    short = chat.say("杭州")
    assert isinstance(short, Ask)
    assert "不完整" in short.text
    assert chat.say(ADDRESS).slot == "phone"
    confirm = chat.say("138 1234 5678")
    assert isinstance(confirm, Ask)
    assert confirm.slot == "confirm"
    assert ORDER in confirm.text
    assert ADDRESS in confirm.text
    assert "13812345678" in confirm.text
    done = chat.say("是的")
    assert isinstance(done, Handoff)
    assert done.reason == HandoffReason.FLOW
    assert done.slots == {"order_no": ORDER, "address": ADDRESS, "phone": "13812345678"}
    assert done.intents[0].intent == "flow:change_address"
    assert "flow" not in chat.state


def fill_change_address(chat) -> None:
    chat.say("收货地址写错了")
    chat.say(ORDER)
    chat.say(ADDRESS)
    assert chat.say("13812345678").slot == "confirm"


def test_correct_a_slot_at_the_confirmation(chat) -> None:
    fill_change_address(chat)
    again = chat.say("不对，电话是13912345678")
    assert isinstance(again, Ask)
    assert again.slot == "confirm"
    assert "13912345678" in again.text
    assert "13812345678" not in again.text
    moved = chat.say("地址改成上海市浦东新区世纪大道200号 李四")
    assert moved.slot == "confirm"
    assert "世纪大道200号" in moved.text
    which = chat.say("不对")
    assert isinstance(which, Ask)
    assert which.slot == "which"
    assert "订单号" in which.text
    assert chat.say("订单号").slot == "order_no"
    assert chat.say("2024061500000001").slot == "confirm"
    done = chat.say("对")
    assert isinstance(done, Handoff)
    assert done.slots == {
        "order_no": "2024061500000001",
        "address": "上海市浦东新区世纪大道200号 李四",
        "phone": "13912345678",
    }


def test_a_correction_while_another_slot_is_asked(chat) -> None:
    chat.say("我要改地址")
    chat.say(ORDER)
    fixed = chat.say("订单号错了，是2024061599999999")
    assert isinstance(fixed, Ask)
    assert fixed.slot == "address"  # still waiting for the address
    assert "2024061599999999" in fixed.text
    assert chat.state["flow"]["slots"]["order_no"] == "2024061599999999"


def test_an_answer_that_names_another_slot_is_still_the_answer(chat) -> None:
    chat.say("申请退货")
    chat.say(ORDER)
    chat.say("1")
    assert chat.say("商品有质量问题，屏幕有划痕").slot == "pickup_date"
    assert chat.state["flow"]["slots"]["category"] == "手机数码"
    assert chat.state["flow"]["slots"]["reason"] == "商品有质量问题，屏幕有划痕"


@pytest.mark.parametrize("stop", ["取消", "算了", "算了不改了", "不用了谢谢", "cancel"])
def test_cancel(chat, stop: str) -> None:
    chat.say("我要改地址")
    chat.say(ORDER)
    cancelled = chat.say(stop)
    assert isinstance(cancelled, Answer)
    assert "取消" in cancelled.text or "cancel" in cancelled.text.lower()
    assert "flow" not in chat.state
    # and the next message is an ordinary question again
    assert chat.say("退款多久到账").article_id == "refund-time"


def test_cancel_at_the_confirmation(chat) -> None:
    fill_change_address(chat)
    assert isinstance(chat.say("算了"), Answer)
    assert "flow" not in chat.state


def test_change_topic_leaves_the_flow(chat) -> None:
    assert chat.say("帮我查下订单").slot == "order_no"
    answer = chat.say("退款多久到账")
    assert isinstance(answer, Answer)
    assert answer.article_id == "refund-time"
    assert "flow" not in chat.state


def test_cancel_the_order_is_a_question_not_a_cancelled_flow(chat) -> None:
    chat.say("帮我查下订单")
    answer = chat.say("订单怎么取消")
    assert isinstance(answer, Answer)
    assert answer.article_id == "order-cancel"


def test_another_flow_trigger_switches_flows(chat) -> None:
    chat.say("帮我查下订单")
    switched = chat.say("我要退货")
    assert isinstance(switched, Ask)
    assert chat.state["flow"]["id"] == "return_request"


def test_confirm_no_then_cancel(chat) -> None:
    fill_change_address(chat)
    assert chat.say("no").slot == "which"
    assert isinstance(chat.say("取消"), Answer)
    assert "flow" not in chat.state


def test_unclear_reply_to_the_confirmation_asks_again(chat) -> None:
    fill_change_address(chat)
    hint = chat.say("嗯……让我想想怎么说")
    assert isinstance(hint, Ask)
    assert "是" in hint.text
    assert "否" in hint.text
    assert chat.state["flow"]["step"] == "confirm"


def test_return_request_with_choice_date_and_phone(chat) -> None:
    assert chat.say("我想退货").slot == "order_no"
    assert chat.say(ORDER).slot == "category"
    assert chat.say("3").slot == "reason"  # by number: 服装鞋包
    assert chat.say("尺码偏小，穿不上").slot == "pickup_date"
    assert chat.say("明天").slot == "phone"  # chat.now is Wednesday 2025-03-05
    confirm = chat.say("13812345678")
    assert confirm.slot == "confirm"
    assert "服装鞋包" in confirm.text
    assert "3月6日" in confirm.text
    done = chat.say("确认")
    assert isinstance(done, Handoff)
    assert done.reason == HandoffReason.FLOW
    assert done.slots == {
        "order_no": ORDER,
        "category": "服装鞋包",
        "reason": "尺码偏小，穿不上",
        "pickup_date": "2025-03-06",
        "phone": "13812345678",
    }


def test_choice_by_name_and_date_out_of_range(chat) -> None:
    chat.say("申请退货")
    chat.say(ORDER)
    assert chat.say("衣服").slot == "reason"
    assert chat.state["flow"]["slots"]["category"] == "服装鞋包"
    chat.say("不想要了")
    late = chat.say("下个月20号")
    assert isinstance(late, Ask)
    assert "7天内" in late.text
    assert chat.say("周五").slot == "phone"
    assert chat.state["flow"]["slots"]["pickup_date"] == "2025-03-07"


def test_a_person_asked_mid_flow_gets_the_slots(chat) -> None:
    chat.say("我要退货")
    chat.say(ORDER)
    handoff = chat.say("转人工")
    assert isinstance(handoff, Handoff)
    assert handoff.reason == HandoffReason.CUSTOMER_ASKED
    assert handoff.slots == {"order_no": ORDER}
    assert "flow" not in chat.state


def test_too_many_invalid_answers_hand_off(chat) -> None:
    chat.say("帮我查下订单")
    chat.say("12345")
    chat.say("我忘了")
    gave_up = chat.say("啊啊啊")
    assert isinstance(gave_up, Handoff)
    assert gave_up.reason == HandoffReason.FLOW


def test_small_talk_inside_a_flow_keeps_it(chat) -> None:
    chat.say("帮我查下订单")
    wait = chat.say("稍等，我找一下")
    assert isinstance(wait, Ask)
    assert "不着急" in wait.text
    assert "订单号" in wait.text
    assert chat.state["flow"]["attempts"] == 0
    assert isinstance(chat.say(ORDER), Answer)


def test_english_flow(new_chat) -> None:
    chat = new_chat(locale="en-US")
    asked = chat.say("I want to return this")
    assert isinstance(asked, Ask)
    assert "order number" in asked.text
    chat.say(ORDER)
    chat.say("2")
    chat.say("it does not work")
    chat.say("tomorrow")
    confirm = chat.say("+86 138 1234 5678")
    assert "home appliances" in confirm.text
    assert "Thu 6 Mar" in confirm.text
    done = chat.say("yes")
    assert isinstance(done, Handoff)
    assert done.slots["category"] == "家用电器"
    assert done.text.isascii()


def test_a_flow_continues_after_a_restart(chat, sample_index: KnowledgeIndex) -> None:
    """A new bot (a restarted server) continues from the state stored with the conversation."""
    chat.say("我要改地址")
    chat.say(ORDER)
    fresh_index = KnowledgeIndex([to_document(a) for a in load_kb(SAMPLE_KB)])
    chat.bot = build_bot(fresh_index)
    assert chat.say(ADDRESS).slot == "phone"


# -- the parts, directly --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("明天", "2025-03-06"),
        ("后天", "2025-03-07"),
        ("周五", "2025-03-07"),
        ("下周一", "2025-03-10"),
        ("星期天", "2025-03-09"),
        ("3月8日", "2025-03-08"),
        ("8号", "2025-03-08"),
        ("2025-03-10", "2025-03-10"),
        ("3/9", "2025-03-09"),
        ("Friday", "2025-03-07"),
        ("next monday", "2025-03-10"),
        ("March 8", "2025-03-08"),
        ("3天后", "2025-03-08"),
        ("1月2日", "2025-01-02"),
        ("2月30日", None),
        ("随便哪天", None),
    ],
)
def test_parse_date(text: str, expected: str | None) -> None:
    parsed = parse_date(text, date(2025, 3, 5))  # a Wednesday
    assert (parsed.isoformat() if parsed else None) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("是", True),
        ("是的", True),
        ("对的！", True),
        ("嗯嗯", True),
        ("没问题", True),
        ("确认提交", True),
        ("Yes please", True),
        ("ok", True),
        ("不", False),
        ("不对", False),
        ("不是的", False),
        ("no", False),
        ("wrong", False),
        ("随便", None),
        ("你好", None),
        ("", None),
    ],
)
def test_yes_or_no(text: str, expected: bool | None) -> None:
    assert yes_or_no(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("取消", True),
        ("算了吧", True),
        ("不退了", True),
        ("never mind", True),
        ("取消订单", False),
        ("怎么取消", False),
        ("算法", False),
    ],
)
def test_is_cancel(text: str, expected: bool) -> None:
    assert is_cancel(text) is expected


def test_a_bad_flow_file_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "flows.yaml"
    path.write_text(
        "flows:\n  - id: x\n    triggers: [a]\n    slots: []\n"
        "    done: {answer: '订单 {order_no}'}\n",
        encoding="utf-8",
    )
    with pytest.raises(BotConfigError, match="unknown slot"):
        FlowBook.from_file(path)


def test_the_handoff_card_names_a_flow_in_the_contacts_language(chat) -> None:
    chat.locale = "en-US"
    chat.say("I want to return an item")
    handoff = chat.say("talk to a human")
    assert isinstance(handoff, Handoff)
    titles = {g.intent: g.title for g in handoff.intents}
    assert titles.get("flow:return_request") == "Return request"
