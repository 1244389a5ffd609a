"""QueueView: the once-a-second clock tick repaints the waiting column, not the whole table."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QApplication

from desk_app.desk.models.queue_model import QueueColumn, QueueModel
from desk_app.desk.views.queue_view import QueueView

from .factories import NOW, queue_item


class _PaintRecorder(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.rects: list[QRect] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(event, QPaintEvent):
            self.rects.append(event.region().boundingRect())
        return False


def test_clock_tick_repaints_only_the_waiting_column(qtbot) -> None:
    model = QueueModel(clock=lambda: NOW)
    model.reset([queue_item(f"c{i}", waited=i) for i in range(50)])
    view = QueueView(model)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    table = view.table
    recorder = _PaintRecorder()
    table.viewport().installEventFilter(recorder)
    table.viewport().update()
    qtbot.waitUntil(lambda: bool(recorder.rects))  # the first full paint has gone by
    QApplication.processEvents()
    recorder.rects.clear()
    view.repaint_waiting()
    qtbot.waitUntil(lambda: bool(recorder.rects))
    x = table.columnViewportPosition(QueueColumn.WAITING)
    width = table.columnWidth(QueueColumn.WAITING)
    assert all(r.left() >= x and r.right() <= x + width - 1 for r in recorder.rects)
    assert recorder.rects[-1].height() == table.viewport().height()
    table.viewport().removeEventFilter(recorder)
