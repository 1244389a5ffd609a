"""QueueModel: keyed by conversation id, sorted and filtered through the proxy."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from desk_app.desk.models.queue_model import QueueColumn, QueueModel
from desk_app.desk.models.roles import ConversationIdRole
from desk_app.desk.views.queue_view import QueueProxy
from desk_app.protocol.messages import ConversationStatus, QueueItem

from .factories import NOW, XSS, queue_item


def ids(proxy: QueueProxy) -> list[str]:
    return [proxy.index(r, 0).data(ConversationIdRole) for r in range(proxy.rowCount())]


def test_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = QueueModel(clock=lambda: NOW)
    model.reset([queue_item("c1"), queue_item("c2", name="张女士")])
    model.upsert(queue_item("c3", name="陈晓", waited=5))
    model.remove("c1")
    qtmodeltester.check(model, force_py=True)


def test_updates_and_removals_hit_the_right_row_after_sorting(qtbot) -> None:
    model = QueueModel(clock=lambda: NOW)
    proxy = QueueProxy()
    proxy.setSourceModel(model)
    proxy.sort(QueueColumn.WAITING, Qt.SortOrder.DescendingOrder)
    model.reset(
        [queue_item("a", waited=10), queue_item("b", waited=300), queue_item("c", waited=60)]
    )
    assert ids(proxy) == ["b", "c", "a"]  # longest waiting first
    model.upsert(queue_item("a", waited=10, name="改名了"))
    assert model.item("a").contact_name == "改名了"
    assert model.remove("c")
    assert ids(proxy) == ["b", "a"]
    model.upsert(queue_item("d", waited=1000))
    assert ids(proxy) == ["d", "b", "a"]
    # a conversation that stopped waiting leaves the queue
    model.upsert(queue_item("b", status=ConversationStatus.ASSIGNED))
    assert ids(proxy) == ["d", "a"]
    assert "b" not in model


def test_filter_matches_name_intent_and_message_case_insensitively() -> None:
    model = QueueModel(clock=lambda: NOW)
    proxy = QueueProxy()
    proxy.setSourceModel(model)
    model.reset(
        [
            queue_item("a", name="Alice", last_text="where is my PARCEL"),
            queue_item("b", name="王先生", last_text="退款"),
        ]
    )
    proxy.set_pattern("parcel")
    assert ids(proxy) == ["a"]
    proxy.set_pattern("王")
    assert ids(proxy) == ["b"]
    proxy.set_pattern("退款进度")  # the intent guess
    assert sorted(ids(proxy)) == ["a", "b"]
    proxy.set_pattern("")
    assert len(ids(proxy)) == 2


def test_waiting_time_is_derived_from_the_clock() -> None:
    clock = [NOW]
    model = QueueModel(clock=lambda: clock[0])
    model.reset([queue_item("a", waited=65)])
    cell = model.index(0, QueueColumn.WAITING)
    assert cell.data() == "1:05"
    clock[0] = NOW + timedelta(hours=1)
    assert cell.data() == "1:01:05"


def test_customer_text_is_plain_in_cells_and_tooltips() -> None:
    model = QueueModel(clock=lambda: NOW)
    model.reset([queue_item("a", name=XSS, last_text=XSS)])
    assert model.index(0, QueueColumn.CONTACT).data().startswith("<img src=x")
    tip = model.index(0, QueueColumn.LAST_TEXT).data(Qt.ItemDataRole.ToolTipRole)
    assert "<img" not in tip
    assert "&lt;img src=x onerror=alert(1)&gt;" in tip


def test_a_batch_of_deltas_lands_like_one_by_one(qtmodeltester) -> None:
    model = QueueModel(clock=lambda: NOW)
    model.reset([queue_item(f"c{i}", waited=i) for i in range(10)])
    model.apply(
        [
            ("c3", None),
            ("n1", queue_item("n1", waited=1000)),
            ("c5", queue_item("c5", name="改名")),
            ("c7", queue_item("c7", status=ConversationStatus.ASSIGNED)),
            ("n2", queue_item("n2")),
            ("c0", None),
        ]
    )
    qtmodeltester.check(model, force_py=True)
    ids = [model.index(r, 0).data(ConversationIdRole) for r in range(model.rowCount())]
    assert ids == ["c1", "c2", "c4", "c5", "c6", "c8", "c9", "n1", "n2"]
    assert model.item("c5").contact_name == "改名"
    assert all(model.item(cid).conversation_id == cid for cid in ids)


def _priorities(model: QueueModel) -> list[int]:
    return [
        model.item(model.index(r, 0).data(ConversationIdRole)).priority for r in range(len(model))
    ]


def test_kept_sorted_in_the_model_through_snapshot_arrivals_moves_and_removals(
    qtmodeltester,
) -> None:
    """The rows stay in the agent's sort order in the model itself (the proxy only filters):
    every kind of delta must leave them ordered, with the id -> row map right."""
    model = QueueModel(clock=lambda: NOW)
    model.sort(QueueColumn.PRIORITY, Qt.SortOrder.DescendingOrder)
    model.reset([queue_item(f"c{i}", priority=(i * 7) % 5) for i in range(40)])
    assert _priorities(model) == sorted(_priorities(model), reverse=True)
    for step in range(60):
        cid = f"c{(step * 13) % 40}"
        if step % 4 == 0:
            model.apply([(f"n{step}", queue_item(f"n{step}", priority=step % 5))])
        elif step % 4 == 1 and cid in model:
            model.upsert(queue_item(cid, priority=(step * 3) % 5, name=f"改{step}"))  # moves
        elif step % 4 == 2:
            model.apply([(cid, None), (f"m{step}", queue_item(f"m{step}", priority=2))])
        else:
            model.remove(cid)
        priorities = _priorities(model)
        assert priorities == sorted(priorities, reverse=True), step
        for r in range(len(model)):
            cid_at = model.index(r, 0).data(ConversationIdRole)
            assert model.item(cid_at).conversation_id == cid_at
    qtmodeltester.check(model, force_py=True)
    model.sort(QueueColumn.PRIORITY, Qt.SortOrder.AscendingOrder)
    assert _priorities(model) == sorted(_priorities(model))
    qtmodeltester.check(model, force_py=True)


def test_header_sort_orders_the_view_and_the_selection_follows_a_moved_row(qtbot) -> None:
    from desk_app.desk.views.queue_view import QueueView

    model = QueueModel(clock=lambda: NOW)
    model.reset([queue_item(f"c{i}", waited=10 * i) for i in range(20)])
    view = QueueView(model)
    qtbot.addWidget(view)
    assert ids(view.proxy)[:3] == ["c19", "c18", "c17"]  # longest waiting first by default
    view.table.sortByColumn(QueueColumn.WAITING, Qt.SortOrder.AscendingOrder)
    assert ids(view.proxy)[:3] == ["c0", "c1", "c2"]
    view.table.selectRow(ids(view.proxy).index("c5"))
    model.upsert(queue_item("c5", waited=10_000, name="陈晓"))  # longest wait: moves to the end
    assert ids(view.proxy)[-1] == "c5"
    assert view.table.current_conversation_id() == "c5"
    view.proxy.set_pattern("陈晓")  # the proxy still filters
    assert ids(view.proxy) == ["c5"]


def test_a_batch_lands_as_one_insert_and_one_remove_per_run_of_adjacent_rows(
    qtmodeltester,
) -> None:
    """Each insert/remove signal costs the proxy and the view a pass over every row, so a
    batch whose arrivals land together (the newest wait least) is one signal."""
    model = QueueModel(clock=lambda: NOW)
    model.sort(QueueColumn.WAITING, Qt.SortOrder.DescendingOrder)
    model.reset([queue_item(f"c{i}", waited=100 + 10 * i) for i in range(10)])
    inserted: list[tuple[int, int]] = []
    removed: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    model.apply(
        [
            ("n1", queue_item("n1", waited=2)),
            ("n2", queue_item("n2", waited=5)),
            ("n3", queue_item("n3", waited=155)),  # between c5 and c6
            ("c2", None),
            ("c3", None),
            ("c4", None),
            ("c8", None),
        ]
    )
    assert inserted == [(10, 11), (4, 4)]  # bottom-up: the two newest, then n3
    assert len(removed) == 2  # c8, then c4..c2 in one signal
    order = [model.index(r, 0).data(ConversationIdRole) for r in range(len(model))]
    assert order == ["c9", "c7", "c6", "n3", "c5", "c1", "c0", "n2", "n1"]
    assert all(model.item(cid).conversation_id == cid for cid in order)
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize(
    ("column", "order"),
    [
        (-1, Qt.SortOrder.AscendingOrder),  # arrival order: no sort asked for yet
        (QueueColumn.PRIORITY, Qt.SortOrder.DescendingOrder),
        (QueueColumn.PRIORITY, Qt.SortOrder.AscendingOrder),
    ],
)
def test_rows_among_equal_keys_are_found_again_after_any_mix_of_deltas(
    qtmodeltester, column: int, order: Qt.SortOrder
) -> None:
    """Many rows share a sort key (five priorities): every update and removal must still hit
    its own row, arrivals and moved rows go after their equals, and equal rows keep their
    order, exactly as a plain list kept by hand would."""
    rng = random.Random(7)
    descending = order == Qt.SortOrder.DescendingOrder
    reference: list[tuple[str, int]] = []  # (id, priority) in the expected order

    def place(cid: str, priority: int) -> None:
        """After every row that sorts before it or equal to it (a stable insert)."""
        at = len(reference)
        if column >= 0:
            at = 0
            for i, (_, other) in enumerate(reference):
                if other == priority or (other > priority if descending else other < priority):
                    at = i + 1
        reference.insert(at, (cid, priority))

    model = QueueModel(clock=lambda: NOW)
    model.sort(column, order)
    first = [(f"c{i}", rng.randrange(5)) for i in range(60)]
    model.reset([queue_item(cid, priority=p) for cid, p in first])
    reference.extend(first)
    if column >= 0:
        reference.sort(key=lambda pair: pair[1], reverse=descending)
    for step in range(300):
        alive = [cid for cid, _ in reference]
        batch: dict[str, QueueItem | None] = {}
        for _ in range(rng.randrange(1, 6)):
            kind = rng.randrange(4)
            if kind == 0 or not alive:
                cid = f"n{step}_{len(batch)}"
                batch[cid] = queue_item(cid, priority=rng.randrange(5))
            elif kind == 1:
                batch[rng.choice(alive)] = None
            else:  # an update, which moves the row if its priority changed
                cid = rng.choice(alive)
                batch[cid] = queue_item(cid, priority=rng.randrange(5), name=f"改{step}")
        model.apply(batch.items())
        # the reference, in the order apply documents: updates, arrivals, removals
        known = {cid for cid, _ in reference}
        for cid, item in batch.items():
            if item is not None and cid in known:
                i = next(i for i, (c, _) in enumerate(reference) if c == cid)
                if column >= 0 and reference[i][1] != item.priority:
                    del reference[i]
                    place(cid, item.priority)
        arrivals = [(cid, item) for cid, item in batch.items() if item and cid not in known]
        if column >= 0:
            arrivals.sort(key=lambda pair: pair[1].priority, reverse=descending)
        for cid, item in arrivals:
            place(cid, item.priority)
        reference[:] = [(c, p) for c, p in reference if not (c in batch and batch[c] is None)]
        shown = [model.index(r, 0).data(ConversationIdRole) for r in range(len(model))]
        assert shown == [cid for cid, _ in reference], step
        for cid in rng.sample(shown, min(3, len(shown))):
            assert model.item(cid).conversation_id == cid
    qtmodeltester.check(model, force_py=True)
