"""Normalisation: what a contact types and what the knowledge base says meet as one string."""

from __future__ import annotations

import pytest

from desk_app.knowledge.normalize import normalize, to_simplified


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("退货？！", "退货"),  # full-width punctuation
        ("我想查訂單", "我想查订单"),  # traditional -> simplified
        ("頭髮乾燥", "头发干燥"),  # one traditional form, two simplified meanings (发/干)
        ("How Do I RESET my Password?", "how do i reset my password"),
        ("怎 么 退 货", "怎么退货"),  # spaces between Chinese characters carry no meaning
        ("怎么，退货", "怎么退货"),
        ("  hello,   world!!  ", "hello world"),
        ("iPhone 13 怎么 退货呀？？", "iphone 13怎么退货呀"),  # mixed Chinese and English
        ("I don't know", "i dont know"),  # an apostrophe keeps the word whole
        ("Straße", "strasse"),  # casefold, not just lower()
        ("①号订单", "1号订单"),
        ("😀👍", ""),
        ("", ""),
    ],
)
def test_normalize(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


@pytest.mark.parametrize(
    "text",
    ["我想查一下我的訂單到哪裏了，謝謝！", "Ｈｏｗ　ＤＯ　I ＲＥＳＥＴ？", "怎 么，退 货", "a - b"],
)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


def test_simplified_text_is_left_alone() -> None:
    text = "这是简体中文，不需要转换"
    assert to_simplified(text) is text  # the fast path: no OpenCC call at all


def test_control_characters_and_odd_input_do_not_raise() -> None:
    assert normalize("a\x00b\u200bc\ufeff") in ("a b c", "a bc", "ab c", "abc", "a b\u200bc")
    assert normalize("\t\n\r") == ""
