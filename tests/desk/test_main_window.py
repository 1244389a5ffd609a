"""The main window wired to a controller whose frames a test feeds (no server needed here).

The controller sends through a recording sink, so these tests check what the window asks the
server for; the live tests check the same paths against the real server.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLabel

from desk_app.desk import theme
from desk_app.desk.attention import Attention
from desk_app.desk.controller import DeskController
from desk_app.desk.dialogs.settings_dialog import SettingsDialog
from desk_app.desk.dialogs.shortcuts_dialog import ShortcutsDialog
from desk_app.desk.dialogs.transfer import TransferDialog
from desk_app.desk.settings import DeskSettings
from desk_app.desk.shortcuts import shortcuts
from desk_app.desk.views.main_window import MainWindow
from desk_app.protocol.messages import (
    AuthOk,
    ConversationAssigned,
    ConversationUnassigned,
    MessageFrame,
    PickConversation,
    QueueSnapshot,
    Sender,
    SendMessage,
    SetStatus,
    Typing,
)

from .conftest import RecordingSink
from .factories import NOW, agent_info, detail, message, queue_item


@pytest.fixture
def window(qtbot: Any, sink: RecordingSink, desk_settings: DeskSettings) -> MainWindow:
    controller = DeskController(sink)
    controller.handle(AuthOk(token="t" * 32, expires_at=NOW, agent=agent_info()))
    win = MainWindow(controller, None, desk_settings)
    win.confirm_close = False
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def assign(win: MainWindow, cid: str, name: str = "赵敏", how: str = "auto") -> None:
    transcript = [message(cid, 1, Sender.CONTACT, "你好"), message(cid, 2, Sender.BOT, "您好")]
    win.controller.handle(
        ConversationAssigned(conversation=detail(cid, transcript, name=name), how=how)  # type: ignore[arg-type]
    )


def test_every_window_action_uses_the_shortcut_table(window: MainWindow) -> None:
    table = {s.name: s.keys for s in shortcuts()}
    actions = {a.objectName(): a for a in window.actions() if a.objectName()}
    bound = {name for name in table if name in actions}
    assert bound >= {"accept", "note", "transfer", "return_to_bot", "close", "help", "queue"}
    for name in bound:
        assert actions[name].shortcut() == QKeySequence(table[name]), name
    keys = [table[name] for name in bound]
    assert len(keys) == len(set(keys)), "two actions share a key"
    dialog = ShortcutsDialog(window)
    assert len(dialog.rows) == len(table)


def test_ctrl_enter_accepts_the_longest_waiting_chat(
    qtbot: Any, window: MainWindow, sink: RecordingSink
) -> None:
    window.controller.handle(
        QueueSnapshot(
            items=[queue_item("new", waited=5), queue_item("old", waited=500), queue_item("mid")]
        )
    )
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert sink.sent[-1] == PickConversation(conversation_id="old")
    qtbot.waitUntil(lambda: window.left.tabText(0).endswith("(3)"))  # titles are coalesced


def test_unread_badges_count_until_the_conversation_is_shown(
    qtbot: Any, window: MainWindow
) -> None:
    assign(window, "c1", "赵敏")
    assign(window, "c2", "钱先生")
    assert window.current_view() is window.views["c1"]  # the first one opens
    window.controller.window_active = lambda: True
    window.controller.handle(MessageFrame(message=message("c2", 3, Sender.CONTACT, "在吗")))
    window.controller.handle(MessageFrame(message=message("c2", 4, Sender.CONTACT, "人呢")))
    window.controller.handle(MessageFrame(message=message("c1", 3, Sender.CONTACT, "好的")))
    assert window.controller.mine.unread_total() == 2
    qtbot.waitUntil(lambda: "2 unread" in window.left.tabText(1))
    window.show_conversation("c2")
    assert window.controller.mine.unread_total() == 0
    qtbot.waitUntil(lambda: "unread" not in window.left.tabText(1))


def test_typing_and_replies_go_out_and_ending_removes_the_view(
    qtbot: Any, window: MainWindow, sink: RecordingSink
) -> None:
    assign(window, "c1")
    assign(window, "c2")
    view = window.views["c1"]
    window.controller.handle(Typing(conversation_id="c1", is_typing=True))
    assert view.typing.text() == "The customer is typing…"
    assert view.typing.textFormat() == Qt.TextFormat.PlainText
    view.composer.insertPlainText("稍等")
    assert Typing(conversation_id="c1", is_typing=True) in sink.sent
    qtbot.keyClick(view.composer, Qt.Key.Key_Return)
    sent = [f for f in sink.sent if isinstance(f, SendMessage)]
    assert [(f.conversation_id, f.text, f.internal) for f in sent] == [("c1", "稍等", False)]
    assert window.controller.transcripts["c1"].pending_count() == 1
    window.note_action.trigger()
    view.composer.insertPlainText("内部")
    qtbot.keyClick(view.composer, Qt.Key.Key_Return)
    assert [f for f in sink.sent if isinstance(f, SendMessage)][-1].internal is True
    window.controller.handle(ConversationUnassigned(conversation_id="c1", reason="closed"))
    assert "c1" not in window.views
    assert window.current_view() is window.views["c2"]
    window.controller.handle(
        ConversationUnassigned(conversation_id="c2", reason="ended_by_contact")
    )
    assert window.current_view() is None
    assert not window.close_action.isEnabled()


def test_status_switch_and_theme(window: MainWindow, sink: RecordingSink) -> None:
    window.away_action.trigger()
    assert sink.sent[-1] == SetStatus(status="away")  # type: ignore[arg-type]
    window.dark_action.setChecked(True)
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    assert theme.current_theme() == "dark"
    assert app.palette().window().color().lightness() < 60
    window.dark_action.setChecked(False)
    assert theme.current_theme() == "light"
    assert window.settings.theme == "light"


def test_status_bar_labels_are_plain_text(window: MainWindow) -> None:
    for label in window.statusBar().findChildren(QLabel):
        if label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText


def test_notifications_are_rate_limited(qtbot: Any, window: MainWindow) -> None:
    now = [0.0]
    attention = Attention(window, sound=False, notifications=False, clock=lambda: now[0])
    assert attention.notify("A customer is waiting", "王先生")
    assert not attention.notify("A customer is waiting", "张女士")
    assert not attention.notify("A customer is waiting", "李雷")
    now[0] = 10.0
    assert attention.notify("A customer is waiting", "陈晓")
    assert attention.shown[-1][1].endswith("and 2 more")


def test_transfer_dialog_needs_exactly_one_destination(qtbot: Any) -> None:
    dialog = TransferDialog(teams=["售后", "VIP"], agents=[("a2", "张伟")])
    qtbot.addWidget(dialog)
    assert dialog.destination() == (None, "售后", "")
    dialog.to_agent.setChecked(True)
    assert dialog.destination() == ("a2", None, "")
    dialog.agent.setCurrentText("")
    dialog._check()
    assert dialog.error.text() == "Choose a team or an agent."
    assert dialog.result() == 0


def test_settings_dialog_saves_choices(qtbot: Any, desk_settings: DeskSettings) -> None:
    dialog = SettingsDialog(desk_settings)
    qtbot.addWidget(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.sound.setChecked(False)
    theme_changed, language_changed = dialog.apply()
    assert (theme_changed, language_changed) == (False, True)
    assert desk_settings.language == "zh_CN"
    assert desk_settings.sound is False


def test_notifications_carry_no_markup(window: MainWindow) -> None:
    from desk_app.desk.attention import notification_text

    attention = Attention(window, sound=False, notifications=False, clock=lambda: 0.0)
    attention.notify(
        "A customer is waiting", '<img src=x onerror=alert(1)><a href="http://x">x</a>'
    )
    _, text = attention.shown[-1]
    assert "<" not in text
    assert ">" not in text
    assert "img src=x onerror=alert(1)" in text  # the characters stay readable
    assert notification_text("a\n b  c") == "a b c"
