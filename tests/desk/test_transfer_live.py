"""Transfer to an agent picked from the live roster, against a real server.

The desk learns who is on the desk from ``agents.snapshot`` / ``agents.updated``; the
transfer dialog lists the other online agent (by name, status, load and teams, as plain
text), and choosing them moves the conversation to their connection.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desk_app.desk.app import DeskApp
from desk_app.desk.dialogs.transfer import TransferDialog
from desk_app.desk.models.roles import AgentIdRole, AvailableRole
from desk_app.desk.settings import DeskSettings, TokenVault
from desk_app.protocol.messages import AuthOk, ConversationStatus, StatusChanged

from .conftest import PASSWORD, Customer, LiveServer, StaffClient, wait


def test_the_dialog_lists_the_other_online_agent_and_the_transfer_moves_the_chat(
    qtbot: Any, live_server: LiveServer, desk_settings: DeskSettings, desks: list[DeskApp]
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    desk = DeskApp(app, desk_settings, vault=TokenVault(), language="en")
    desks.append(desk)
    desk.login_with_password(live_server.url, live_server.new_agent(capacity=5), PASSWORD, False)
    wait(qtbot, lambda: desk.window is not None)
    window, controller = desk.window, desk.controller
    assert window is not None
    assert controller is not None
    window.confirm_close = False

    customer = Customer(live_server)
    try:
        customer.start("何女士")
        customer.say("转人工")
        wait(qtbot, lambda: customer.conversation_id in window.views)  # this desk holds it
        cid = customer.conversation_id

        colleague = StaffClient(live_server)  # signs in after, so the chat stayed here
        name = "<b>林娜</b>"
        colleague.login(live_server.new_agent(display_name=name, capacity=2, teams=("VIP",)))
        colleague_id = next(f for f in colleague.frames if isinstance(f, AuthOk)).agent.id
        wait(qtbot, lambda: colleague_id in controller.roster)
        window.show_conversation(cid)
        listed: dict[str, tuple[str, bool]] = {}

        def choose_colleague() -> None:
            dialog = QApplication.activeModalWidget()
            assert isinstance(dialog, TransferDialog)
            combo = dialog.agent
            for row in range(combo.count()):
                listed[combo.itemData(row, AgentIdRole)] = (
                    combo.itemText(row),
                    combo.itemData(row, AvailableRole),
                )
            dialog.to_agent.setChecked(True)
            combo.setCurrentIndex(combo.findData(colleague_id, AgentIdRole))
            dialog.note.setText("VIP 客户，请跟进")
            dialog._check()

        QTimer.singleShot(0, choose_colleague)
        window.transfer_action.trigger()

        label, available = listed[colleague_id]
        assert label.startswith(f"{name} · Online · 0/2 chats")  # plain text, name as typed
        assert label.endswith("VIP")
        assert available
        assert controller.agent is not None
        assert controller.agent.id not in listed  # not offered to oneself
        backstop = [text for text, ok in listed.values() if text.startswith("值班")]
        assert backstop  # the full backstop agent is listed, marked full and not selectable
        assert "(full)" in backstop[0]
        assert not [ok for text, ok in listed.values() if text.startswith("值班") and ok]

        wait(qtbot, lambda: cid not in window.views)
        wait(qtbot, lambda: colleague.holds(cid))
        wait(qtbot, lambda: controller.roster.get(colleague_id).open_conversations == 1)
        wait(
            qtbot,
            lambda: any(
                isinstance(f, StatusChanged)
                and f.status == ConversationStatus.ASSIGNED
                and f.agent_name == name
                for f in list(customer.frames)
            ),
        )
    finally:
        customer.close()
