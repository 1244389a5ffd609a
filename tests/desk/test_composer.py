"""Composer keys: Enter sends, Shift+Enter breaks the line, / inserts a canned response."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desk_app.desk.models.canned_model import CannedModel, CannedResponse, load_canned_responses
from desk_app.desk.views.composer import Composer


def test_enter_sends_and_shift_enter_makes_a_new_line(qtbot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    composer.insertPlainText("第一行")  # QTest types ASCII only
    qtbot.keyClick(composer, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(composer, "second")
    assert composer.toPlainText() == "第一行\nsecond"
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    assert sent == ["第一行\nsecond"]
    assert composer.toPlainText() == ""
    qtbot.keyClick(composer, Qt.Key.Key_Return)  # nothing to send: nothing sent
    assert sent == ["第一行\nsecond"]


def test_slash_opens_canned_responses_and_enter_inserts_one(qtbot, qtmodeltester) -> None:
    canned = CannedModel(
        [CannedResponse("hi", "您好，很高兴为您服务。"), CannedResponse("bye", "再见")]
    )
    qtmodeltester.check(canned, force_py=True)
    composer = Composer(canned)
    qtbot.addWidget(composer)
    composer.show()
    qtbot.waitExposed(composer)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    qtbot.keyClicks(composer, "/h")
    popup = composer._completer.popup()
    qtbot.waitUntil(popup.isVisible)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert composer.toPlainText() == "您好，很高兴为您服务。"
    assert sent == []  # inserting is not sending
    qtbot.keyClick(composer, Qt.Key.Key_Return)
    assert sent == ["您好，很高兴为您服务。"]


def test_shipped_canned_responses_load_in_both_languages() -> None:
    zh = load_canned_responses("zh_CN")
    en = load_canned_responses("en")
    assert len(zh) == len(en) >= 5
    assert any("您好" in r.text for r in zh)
    assert all(r.text.isascii() or "–" in r.text or "'" in r.text for r in en)


def test_typing_signal_goes_out_and_stops(qtbot) -> None:
    composer = Composer()
    qtbot.addWidget(composer)
    states: list[bool] = []
    composer.typing_changed.connect(states.append)
    qtbot.keyClicks(composer, "abc")
    assert states == [True]
    composer.clear()
    assert states == [True, False]
