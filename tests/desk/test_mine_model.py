"""MineModel: held conversations with unread counts and typing."""

from __future__ import annotations

from desk_app.desk.models.mine_model import MineModel
from desk_app.desk.models.roles import TypingRole, UnreadRole
from desk_app.protocol.messages import Channel

from .factories import NOW


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = MineModel()
    model.add("c1", "赵敏", Channel.WEB)
    model.add("c2", "Bob", Channel.TERMINAL, last_text="hi", last_at=NOW)
    model.note_message("c1", "在吗", NOW, unread=True)
    model.remove("c2")
    qtmodeltester.check(model, force_py=True)


def test_unread_counts_and_typing() -> None:
    model = MineModel()
    model.add("c1", "赵敏", Channel.WEB)
    model.add("c2", "Bob", Channel.WEB)
    model.note_message("c1", "在吗", NOW, unread=True)
    model.note_message("c1", "人呢", NOW, unread=True)
    model.note_message("c2", "ok", NOW, unread=False)
    assert model.index(0).data(UnreadRole) == 2
    assert model.unread_total() == 2
    model.mark_read("c1")
    assert model.unread_total() == 0
    model.set_typing("c2", True)
    assert model.index(1).data(TypingRole) is True
    model.add("c1", "赵敏", Channel.WEB)  # a resumed assignment does not duplicate
    assert len(model) == 2
