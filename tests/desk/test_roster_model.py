"""RosterModel: the agents on the desk, keyed by id, and the transfer dialog built on it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from desk_app.desk.controller import DeskController
from desk_app.desk.dialogs.transfer import TransferDialog
from desk_app.desk.models.roles import AgentIdRole, AgentStatusRole, AvailableRole
from desk_app.desk.models.roster_model import RosterModel
from desk_app.protocol.messages import (
    AgentInfo,
    AgentsSnapshot,
    AgentStatus,
    AgentsUpdated,
    Role,
)

from .conftest import RecordingSink
from .factories import XSS


def info(
    agent_id: str,
    name: str,
    *,
    status: str = "online",
    load: int = 0,
    capacity: int = 3,
    teams: tuple[str, ...] = (),
) -> AgentInfo:
    return AgentInfo(
        id=agent_id,
        username=agent_id,
        display_name=name,
        role=Role.AGENT,
        status=AgentStatus(status),
        capacity=capacity,
        open_conversations=load,
        skills=list(teams),
        teams=list(teams),
    )


def ids(model: RosterModel) -> list[str]:
    return [model.index(r, 0).data(AgentIdRole) for r in range(model.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = RosterModel()
    model.reset([info("a1", "张伟"), info("a2", "Bob", status="away")])
    model.update(info("a3", "李娜", load=3))
    model.update(info("a1", "张伟", load=1))
    model.update(info("a2", "Alice"))  # renamed: moves
    model.update(info("a3", "李娜", status="offline"))  # offline holding nothing: gone
    qtmodeltester.check(model, force_py=True)


def test_rows_are_keyed_by_id_sorted_by_name_and_leave_when_gone() -> None:
    model = RosterModel()
    model.reset([info("b", "王芳"), info("a", "Alice"), info("c", "Zed", status="offline")])
    assert ids(model) == ["a", "b"]  # offline with nothing held is not on the desk
    model.update(info("d", "Bob"))
    assert ids(model) == ["a", "d", "b"]
    model.update(info("d", "Bob", status="offline", load=2))  # dropped, in the grace period
    assert ids(model) == ["a", "d", "b"]
    assert model.index(1, 0).data(AgentStatusRole) == "offline"
    assert model.index(1, 0).data(AvailableRole) is False
    model.update(info("d", "Bob", status="offline"))  # the grace period is over
    assert ids(model) == ["a", "b"]
    assert len(model) == 2


def test_label_shows_name_status_load_and_teams_as_plain_text() -> None:
    model = RosterModel()
    model.reset([info("x", XSS + "\n第二行", load=3, capacity=3, teams=("售后", "VIP"))])
    index = model.index(0, 0)
    label = index.data(Qt.ItemDataRole.DisplayRole)
    assert "\n" not in label
    assert label.startswith("<img src=x")  # literal text, never parsed
    assert "3/3 chats (full)" in label
    assert label.endswith("售后, VIP")
    assert index.data(AvailableRole) is False
    assert not (model.flags(index) & Qt.ItemFlag.ItemIsEnabled)
    model.update(info("x", XSS + "\n第二行", load=2, capacity=3, status="away"))
    assert "Away" in index.data(Qt.ItemDataRole.DisplayRole)
    assert model.flags(index) & Qt.ItemFlag.ItemIsEnabled  # away agents can take transfers
    assert model.teams() == []


def test_controller_keeps_the_roster_from_frames(sink: RecordingSink) -> None:
    controller = DeskController(sink)
    controller.handle(AgentsSnapshot(agents=[info("me", "我"), info("o", "小王", teams=("售后",))]))
    controller.handle(AgentsUpdated(agent=info("o", "小王", load=2, teams=("售后",))))
    assert sorted(ids(controller.roster)) == ["me", "o"]
    assert controller.roster.get("o").open_conversations == 2  # type: ignore[union-attr]
    assert controller.roster.teams() == ["售后"]


def test_transfer_dialog_offers_the_others_and_skips_full_and_offline(qtbot: Any) -> None:
    roster = RosterModel()
    roster.reset(
        [
            info("me", "我自己"),
            info("full", "满员", load=2, capacity=2),
            info("gone", "掉线", status="offline", load=1),
            info("free", "空闲", status="away", load=1, capacity=4, teams=("VIP",)),
        ]
    )
    dialog = TransferDialog(teams=["VIP"], roster=roster, me="me")
    qtbot.addWidget(dialog)
    offered = [dialog.agent.itemData(r, AgentIdRole) for r in range(dialog.agent.count())]
    assert "me" not in offered
    assert sorted(offered) == ["free", "full", "gone"]
    assert dialog.agent.currentData(AgentIdRole) == "free"  # the first one who can take it
    assert dialog.agent.currentText().startswith("空闲 · Away · 1/4 chats")  # shown, not blank
    dialog.to_agent.setChecked(True)
    assert dialog.destination() == ("free", None, "")
    roster.update(info("free", "空闲", status="offline"))  # leaves while the dialog is open
    assert dialog.agent.currentData(AgentIdRole) != "free"
