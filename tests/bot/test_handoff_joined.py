"""The handoff phrase lists are searched as one joined regex; lists that cannot be joined
without changing a pattern's meaning are searched pattern by pattern, with the same result."""

from __future__ import annotations

from desk_app.bot.handoff import HandoffPolicy


def test_joined_and_unjoinable_lists_agree() -> None:
    joined = HandoffPolicy.from_config(
        {"ask_for_person": ["转人工", r"\bhuman\b"], "not_a_person": ["人工智能"]}
    )
    # a back-reference counts groups of its own pattern: joining would renumber them
    separate = HandoffPolicy.from_config(
        {"ask_for_person": ["转人工", r"\bhuman\b", r"(ha)\1"], "not_a_person": ["人工智能"]}
    )
    assert joined._any_person is not None
    assert separate._any_person is None
    for text, expected in [
        ("我要转人工", True),
        ("Human please", True),
        ("转人工智能", False),  # the look-alike is removed first
        ("你好", False),
    ]:
        assert joined.asks_for_person(text) is expected, text
        assert separate.asks_for_person(text) is expected, text
    assert separate.asks_for_person("haha")
    assert not joined.asks_for_person("haha")
