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


def test_cells_paint_the_rows_the_filter_lets_through(qtbot) -> None:
    """Unfiltered, cells are read straight from the model (proxy rows are its rows); once a
    filter hides rows, they must come through the proxy again."""
    model = QueueModel(clock=lambda: NOW)
    names = ["王先生", "陈晓", "李雷", "陈晓明", "韩梅梅"]
    model.reset([queue_item(f"c{i}", waited=100 - i, name=name) for i, name in enumerate(names)])
    view = QueueView(model)
    qtbot.addWidget(view)
    view.resize(800, 400)
    view.show()
    qtbot.waitExposed(view)
    drawn: list[str] = []
    static = view.delegate._static

    def recording(text: str, width: int, option: object) -> object:
        drawn.append(text)
        return static(text, width, option)  # type: ignore[arg-type]

    view.delegate._static = recording  # type: ignore[method-assign]

    def painted_names() -> list[str]:
        drawn.clear()
        view.table.viewport().grab()  # paints every visible cell, now
        return [text for text in drawn if text in names]

    assert painted_names() == names
    assert view.proxy.flags(view.proxy.index(0, 0)) == model.flags(model.index(0, 0))
    view.filter.setText("陈晓")
    assert view.proxy.passthrough is None
    assert painted_names() == ["陈晓", "陈晓明"]
    view.filter.clear()
    assert view.proxy.passthrough is model
    assert painted_names() == names
