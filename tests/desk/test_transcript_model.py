"""TranscriptModel: ordered by seq, no duplicates, pending messages confirmed in place."""

from __future__ import annotations

from msgspec.structs import replace

from desk_app.desk.models.roles import PendingRole, SeqRole
from desk_app.desk.models.transcript_model import TranscriptModel
from desk_app.protocol.messages import Sender

from .factories import message


def seqs(model: TranscriptModel) -> list[int | None]:
    return [model.index(r).data(SeqRole) for r in range(model.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = TranscriptModel("c1")
    model.extend([message("c1", 1), message("c1", 2, Sender.BOT)])
    model.add_pending("m1", "稍等", author="李娜")
    model.confirm("m1", 3)
    model.add(message("c1", 4))
    qtmodeltester.check(model, force_py=True)


def test_replays_and_duplicates_never_double() -> None:
    model = TranscriptModel("c1")
    assert model.extend([message("c1", 1), message("c1", 2), message("c1", 2)]) == 2
    assert model.extend([message("c1", 1), message("c1", 2), message("c1", 3)]) == 1
    assert not model.add(message("c1", 3))
    assert not model.add(message("other", 9))
    assert model.add(message("c1", 5))
    assert model.add(message("c1", 4))  # late arrival goes in its place
    assert seqs(model) == [1, 2, 3, 4, 5]


def test_pending_message_is_confirmed_by_ack_or_echo() -> None:
    model = TranscriptModel("c1")
    model.extend([message("c1", 1)])
    model.add_pending("m1", "第一条", author="李娜")
    model.add_pending("m2", "第二条", author="李娜")
    assert [model.index(r).data(PendingRole) for r in range(3)] == [False, True, True]
    assert model.confirm("m1", 2)
    echo = message("c1", 3, Sender.AGENT, "第二条")
    echo = replace(echo, client_msg_id="m2")
    assert model.add(echo)
    assert seqs(model) == [1, 2, 3]
    assert model.pending_count() == 0
    assert [m.text for m in model.messages()] == ["你好", "第一条", "第二条"]
    assert not model.add(echo)  # the echo again after an ack: still once
