"""desk_app.privacy.redact: what is personal is masked, what the shop writes all day is not."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

import pytest

from desk_app.privacy import (
    LABELS_EN,
    Kind,
    RedactingFilter,
    count_by_kind,
    find_personal_data,
    redact,
    redact_with_findings,
)

# Valid numbers, computed by hand (check digits below are tested, so they are not made up):
ID_18 = "11010519491231002X"  # Beijing Xicheng, 1949-12-31, check digit X
ID_18B = "310115198511200450"  # Shanghai Pudong, starts with 3 and also passes Luhn
ID_15 = "110105491231002"  # old 15-digit form, 1949-12-31
CARD_19 = "6222021234567890128"  # UnionPay debit, Luhn-valid
CARD_16 = "6217001234567893"
VISA = "4111111111111111"


def kinds(text: str) -> list[str]:
    return [f.kind.value for f in find_personal_data(text)]


# ---------------------------------------------------------------------------------------------
# The check digits of the samples themselves


def test_sample_numbers_are_valid_and_one_changed_digit_is_not() -> None:
    assert kinds(ID_18) == ["id_number"]
    assert kinds(ID_18[:-1] + "5") == []  # wrong check digit
    assert kinds(CARD_16) == ["bank_card"]
    assert kinds(CARD_16[:-1] + "4") == []  # fails Luhn
    assert kinds("110105194913310027") == []  # month 13


# ---------------------------------------------------------------------------------------------
# Masked, with the hint style (default)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机是13812345678，谢谢", "我的手机是138****5678，谢谢"),
        ("手机号码：138-1234-5678", "手机号码：138-****-5678"),
        ("电话 138 1234 5678 随时打", "电话 138 **** 5678 随时打"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("+8613812345678", "+86138****5678"),
        ("0086-13912345678", "0086-139****5678"),
        ("(+86)13912345678", "(+86)139****5678"),
        ("１３８１２３４５６７８", "138****5678"),  # full-width digits from a Chinese IME
        ("座机 010-12345678", "座机 010-****5678"),
        ("座机 021-64321234", "座机 021-****1234"),
        ("公司电话(0755) 8888 1234", "公司电话(0755) **** 1234"),
        ("0755-88881234转123", "0755-****1234转123"),
        ("+86 10 6552 9988", "+86 10 **** 9988"),
        (f"身份证号：{ID_18}，请核实", "身份证号：110***********002X，请核实"),
        (f"身份证 {ID_18B}", "身份证 310***********0450"),
        ("身份证 110105 19491231 002X", "身份证 110*** ******** 002X"),
        (f"老身份证 {ID_15}", "老身份证 110********1002"),
        (f"卡号{CARD_16}", "卡号621*********7893"),
        ("卡号 6222 0212 3456 7890 128", "卡号 622* **** **** ***0 128"),
        ("退款到 4111-1111-1111-1111 可以吗", "退款到 411*-****-****-1111 可以吗"),
        ("邮箱 zhang.san@example.com", "邮箱 z***@example.com"),
        ("13812345678@qq.com 是我的邮箱", "1***@qq.com 是我的邮箱"),
        ("北京市海淀区中关村大街27号", "北京市海淀区中关村大街***"),
        ("我住在上海市徐汇区长乐路123弄45号", "我住在上海市徐汇区长乐路***"),
        ("天津市和平区南京道123号", "天津市和平区南京道***"),
        ("我家住在阳光花园3栋2单元501室，麻烦送货上门", "我家住在阳光花园***，麻烦送货上门"),
        ("Call me on (415) 555-2671", "Call me on (***) ***-2671"),
        ("or +1 415 555 2671 after 6pm", "or +1 *** *** 2671 after 6pm"),
        ("UK: +44 20 7946 0958", "UK: +44 ** **** 0958"),
        ("ship to 123 Main Street, Apt 4B please", "ship to *** Main Street, Apt *B please"),
    ],
)
def test_masked_with_a_hint(text: str, expected: str) -> None:
    assert redact(text, keep_hint=True) == expected


# ---------------------------------------------------------------------------------------------
# Masked with labels (logs, exported knowledge)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我的手机是13812345678，谢谢", "我的手机是[手机号]，谢谢"),
        ("+86 138 1234 5678", "[手机号]"),
        ("座机 010-12345678", "座机 [电话]"),
        (f"身份证号：{ID_18}", "身份证号：[身份证号]"),
        (f"旧证 {ID_15}", "旧证 [身份证号]"),
        (f"卡号：{CARD_19}", "卡号：[银行卡号]"),
        ("发邮件到 li_si+shop@mail.163.com 吧", "发邮件到 [邮箱] 吧"),
        ("浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区[地址]"),
        ("北京市海淀区中关村大街二十七号", "北京市海淀区[地址]"),
        ("地址：建国路88号SOHO现代城5号楼1单元1203", "地址：[地址]"),
        ("送到3栋2单元501", "送到[地址]"),
        ("阳光小区501室", "[地址]"),
        ("我一路找到中山路8号", "我一路找到[地址]"),
        ("(415) 555-2671", "[电话]"),
        (
            "张先生，电话13912345678，身份证" + ID_18 + "，住北京市朝阳区建国路88号",
            "张先生，电话[手机号]，身份证[身份证号]，住北京市朝阳区[地址]",
        ),
    ],
)
def test_masked_with_labels(text: str, expected: str) -> None:
    assert redact(text, keep_hint=False) == expected


def test_labels_leave_no_digit_of_the_value() -> None:
    text = f"手机13812345678 身份证{ID_18} 卡{CARD_19} 座机021-64321234"
    masked = redact(text, keep_hint=False)
    assert not any(ch.isdigit() for ch in masked)


def test_english_labels() -> None:
    text = "phone 13812345678, mail a@b.cn"
    assert redact(text, keep_hint=False, labels=LABELS_EN) == "phone [phone], mail [email]"


# ---------------------------------------------------------------------------------------------
# Never masked: what the shop writes all day


@pytest.mark.parametrize(
    "text",
    [
        "订单号：13812345678",  # looks like a mobile, but follows an order cue
        "订单号 2024051512345678 已发货",  # 16-digit order number starting with the date
        "订单 240515123456789012 请查收",  # 18 digits, not a region code, not a card prefix
        "order no. 6217001234567893",  # Luhn-valid, but an order cue precedes it
        "快递单号：75312345678901",
        "DD20240515123456",
        "DD13812345678",
        "SKU-13812345678",
        "SF1234567890123",
        "JDVA12345678901",
        "价格¥1380.00，优惠后¥999",
        "单价 ¥13800.00，数量 3 件",
        "13812345678.5元",  # an amount with decimals, not a phone
        "2024-05-15 13:45:20",
        "2024年5月15日下午3点",
        "20240515 134500",
        "时间 09:30-18:00，周一至周五",
        "数量 50 100 200 300 500",
        "1700000000000",  # a millisecond timestamp
        "版本 v1.2.3，IP 192.168.1.100",
        "客服热线 400-820-8820",  # the shop's own service line
        "热线 800-820-8820",
        "toll free 1-800-555-0199",
        "ok 4155552671",  # ten bare digits: too many order numbers look like this
        "知道3号发货",  # 道 + number: a date, not a road
        "我去逛街3号回来",
        "在3楼",
        "我们一共买了3栋",
        "满200减30，满500减100",
        "退款 1,299.00 元已到账",
        "尺码 38 39 40 41 42",
        "Your order 12345678 ships on 2024-05-15 at 13:45",
    ],
)
def test_not_personal(text: str) -> None:
    assert find_personal_data(text) == []
    assert redact(text, keep_hint=True) == text
    assert redact(text) == text


def test_order_cue_only_covers_the_number_right_after_it() -> None:
    text = "订单号13812345678，手机13912345678"
    assert redact(text, keep_hint=False) == "订单号13812345678，手机[手机号]"


def test_a_card_between_other_numbers_is_found() -> None:
    assert redact(f"2 {VISA[:4]} {VISA[4:8]} {VISA[8:12]} {VISA[12:]} 3", keep_hint=False) == (
        "2 [银行卡号] 3"
    )


def test_an_id_number_that_passes_luhn_is_an_id_number() -> None:
    assert [f.kind for f in find_personal_data(ID_18B)] == [Kind.ID_NUMBER]


# ---------------------------------------------------------------------------------------------
# Findings


def test_findings_have_kind_and_span_into_the_original_text() -> None:
    text = f"电话１３８１２３４５６７８，身份证{ID_18}，邮箱a@b.cn"
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == [Kind.MOBILE, Kind.ID_NUMBER, Kind.EMAIL]
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
    assert findings[0].text == "１３８１２３４５６７８"


def test_count_by_kind() -> None:
    masked, findings = redact_with_findings("13812345678 和 13912345678，a@b.cn", False)
    assert masked == "[手机号] 和 [手机号]，[邮箱]"
    assert count_by_kind(findings) == {Kind.MOBILE: 2, Kind.EMAIL: 1}


def test_allow_keeps_the_shops_own_contacts() -> None:
    allow = ["021-6432 1234", "service@shop.example"]
    text = "请致电 021-64321234 或发邮件 Service@Shop.example；我的是 021-64329999"
    assert redact(text, False, allow=allow) == (
        "请致电 021-64321234 或发邮件 Service@Shop.example；我的是 [电话]"
    )


@pytest.mark.parametrize("keep_hint", [True, False])
def test_masking_is_idempotent(keep_hint: bool) -> None:
    text = (
        f"手机13812345678，座机010-12345678，身份证{ID_18}，卡号{CARD_19}，"
        "邮箱zhang@example.com，地址北京市海淀区中关村大街27号，阳光花园3栋2单元501室，"
        "US (415) 555-2671"
    )
    once = redact(text, keep_hint)
    assert redact(once, keep_hint) == once
    assert find_personal_data(once) == []


def test_labels_are_the_default() -> None:
    """A caller that just writes redact(text) for a log or an export leaks no digit."""
    assert redact("手机13812345678") == "手机[手机号]"


def test_empty_and_unrelated_text() -> None:
    assert redact("") == ""
    assert redact("你好，请问什么时候发货？") == "你好，请问什么时候发货？"


def test_long_inputs_stay_fast() -> None:
    """No catastrophic backtracking: a megabyte of digits, spaces and CJK is scanned at once."""
    text = ("1" * 5000 + " ") * 50 + ("1 " * 20000) + ("路" * 20000) + ("+1" * 5000)
    assert isinstance(find_personal_data(text), list)


# ---------------------------------------------------------------------------------------------
# Logging


def make_logger(handler_filter: logging.Filter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(handler_filter)
    logger = logging.getLogger(f"test.redact.{id(stream)}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return logger, stream


def test_redacting_filter_masks_message_and_args() -> None:
    logger, stream = make_logger(RedactingFilter())
    logger.info("contact %s wrote %r (%d chars)", "13812345678", f"身份证{ID_18}", 20)
    assert stream.getvalue() == "INFO contact [手机号] wrote '身份证[身份证号]' (20 chars)\n"


def test_redacting_filter_covers_child_loggers_through_the_handler() -> None:
    logger, stream = make_logger(RedactingFilter())
    logger.getChild("server").warning("from %s", "a@b.cn")
    assert stream.getvalue() == "WARNING from [邮箱]\n"


def test_redacting_filter_masks_exceptions() -> None:
    logger, stream = make_logger(RedactingFilter())
    try:
        raise ValueError("bad phone 13812345678")
    except ValueError:
        logger.exception("failed for %s", "a@b.cn")
    output = stream.getvalue()
    assert "13812345678" not in output
    assert "a@b.cn" not in output
    assert "ValueError: bad phone [手机号]" in output


def test_redacting_filter_survives_bad_format_args() -> None:
    logger, stream = make_logger(RedactingFilter())
    logger.info("count %d", "13812345678")
    assert "13812345678" not in stream.getvalue()
    assert "[手机号]" in stream.getvalue()


def test_redacting_filter_can_keep_hints() -> None:
    logger, stream = make_logger(RedactingFilter(keep_hint=True))
    logger.info("%s", "13812345678")
    assert stream.getvalue() == "INFO 138****5678\n"


# ---------------------------------------------------------------------------------------------
# desk redact


def run_cli(*args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "desk_app.cli", "redact", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_cli_masks_stdin_to_stdout() -> None:
    result = run_cli(stdin="手机13812345678\n订单号 2024051512345678\n".encode())
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "手机[手机号]\n订单号 2024051512345678\n"


def test_cli_keep_hint_and_stats() -> None:
    result = run_cli("--keep-hint", "--stats", stdin=b"13812345678 a@b.cn 13912345678")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "138****5678 a***@b.cn 139****5678"
    assert "mobile: 2" in result.stderr.decode()
    assert "email: 1" in result.stderr.decode()


def test_cli_reads_gbk_when_told() -> None:
    result = run_cli("--encoding", "gbk", stdin="电话13812345678\n".encode("gbk"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode("gbk") == "电话[手机号]\n"


def test_cli_refuses_undecodable_input_clearly() -> None:
    result = run_cli(stdin="第一行\n电话13812345678\n".encode("gbk"))
    assert result.returncode == 2
    message = result.stderr.decode()
    assert "line 1" in message
    assert "--encoding" in message
    assert "Traceback" not in message
