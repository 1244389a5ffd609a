"""Queue rows are built on the connection's thread; the UI thread only inserts them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desk_app.desk.controller import DeskController, Prepared, prepare_frame
from desk_app.desk.models import queue_model
from desk_app.desk.models.queue_model import QueueColumn
from desk_app.desk.net import DeskConnection
from desk_app.protocol.messages import QueueRemoved, QueueSnapshot, QueueUpdated

from .factories import queue_item


def shown(controller: DeskController) -> list[tuple[object, ...]]:
    model = controller.queue
    return [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def frames() -> list[object]:
    return [
        QueueSnapshot(
            items=[queue_item(f"c{i}", waited=10 * i, priority=i % 3) for i in range(30)]
        ),
        QueueUpdated(item=queue_item("c4", waited=40, name="改名", last_text="新消息")),
        QueueUpdated(item=queue_item("n1", waited=1)),
        QueueRemoved(conversation_id="c7"),
        QueueUpdated(item=queue_item("c9", waited=5000)),  # moves to the top
    ]


def test_prepared_frames_land_exactly_as_the_frames_would(sink, monkeypatch) -> None:
    as_sent, prepared = DeskController(sink), DeskController(sink)
    for controller in (as_sent, prepared):
        controller.queue.sort(QueueColumn.WAITING, Qt.SortOrder.DescendingOrder)
    made = [prepare_frame(frame) for frame in frames()]  # on the connection's thread
    assert all(isinstance(p, Prepared) for p in made if not isinstance(p, QueueRemoved))

    def no_rows_on_the_ui_thread(item: object) -> object:
        raise AssertionError("a queue row was built on the UI thread")

    for frame in frames():
        as_sent.handle(frame)
    as_sent.flush_queue()
    monkeypatch.setattr(queue_model, "_row", no_rows_on_the_ui_thread)
    for frame in made:
        prepared.handle(frame)
    prepared.flush_queue()
    assert shown(prepared) == shown(as_sent)
    assert "c7" not in prepared.queue
    assert "n1" in prepared.queue
    assert prepared.queue.item("c4").contact_name == "改名"


def test_a_failing_prepare_hands_the_frame_on_unchanged() -> None:
    connection = DeskConnection("ws://127.0.0.1:9")
    frame = QueueRemoved(conversation_id="c1")
    assert connection._prepare(frame) is frame  # no prepare set

    def broken(_frame: object) -> object:
        raise ValueError("boom")

    connection.prepare = broken
    assert connection._prepare(frame) is frame


@pytest.mark.parametrize("frame", frames()[1:3])
def test_prepared_update_carries_the_row_for_its_item(frame: QueueUpdated) -> None:
    made = prepare_frame(frame)
    assert isinstance(made, Prepared)
    assert made.frame is frame
    assert [row.cid for row in made.rows] == [frame.item.conversation_id]
