"""Guards against PySide6 builds that lose references to True/None (6.12.0 does).

PySide6 6.12.0 returns ``True`` from ``Signal.emit()`` and ``None`` for an invalid QVariant
without taking a reference. The desk emits a signal per server frame and reads item data in
its delegates, so ``True``'s reference count (a few hundred at start) reaches zero within
minutes and the interpreter aborts ("bool_dealloc"). pyproject.toml excludes 6.12.0; these
tests fail on any build with the same bug.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, QStringListModel, Qt, Signal


class _Emitter(QObject):
    fired = Signal(int)


def test_emit_keeps_the_reference_to_its_result() -> None:
    emitter = _Emitter()
    emitter.fired.connect(lambda _n: None)
    result = emitter.fired.emit(1)
    before = sys.getrefcount(result)
    for _ in range(50):
        emitter.fired.emit(1)
    assert sys.getrefcount(result) - before >= 0


def test_reading_an_invalid_variant_keeps_the_reference_to_none() -> None:
    model = QStringListModel(["a"])
    index = model.index(0)
    before = sys.getrefcount(None)
    for _ in range(50):
        assert index.data(Qt.ItemDataRole.UserRole + 99) is None
    assert sys.getrefcount(None) - before >= -5  # other threads may drop a few meanwhile
