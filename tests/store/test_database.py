"""The writer thread: group commit, acknowledgement after COMMIT, failures kept apart."""

from __future__ import annotations

import asyncio
import struct
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.protocol.errors import ConflictError
from desk_app.store.database import WRITER_CACHE_KIB, WRITER_CHECKPOINT_PAGES, Store
from desk_app.store.models import Team
from desk_app.store.wal import WalSync


def add_team(name: str):
    def write(session: Session) -> str:
        team = Team(name=name)
        session.add(team)
        session.flush()
        return team.id

    return write


def team_names(session: Session) -> set[str]:
    return set(session.scalars(select(Team.name)))


def hold_writer(store: Store) -> threading.Event:
    """Park the writer inside a write until the event is set, so later writes queue up."""
    release = threading.Event()
    started = threading.Event()

    def blocker(_session: Session) -> None:
        started.set()
        assert release.wait(30)

    threading.Thread(target=store.write_sync, args=(blocker,), daemon=True).start()
    assert started.wait(30)
    return release


async def queued(store: Store, writes: list) -> list[asyncio.Future]:
    tasks = [asyncio.ensure_future(store.write(fn)) for fn in writes]
    await asyncio.sleep(0)  # let every task put its write on the queue
    return tasks


async def test_writes_that_queue_together_commit_in_one_transaction(store: Store) -> None:
    release = hold_writer(store)
    tasks = await queued(store, [add_team(f"team{i}") for i in range(50)])
    commits_before = store.commits
    release.set()
    ids = await asyncio.gather(*tasks)
    assert len(set(ids)) == 50
    # the blocker's own transaction, then one for all fifty
    assert store.commits - commits_before == 2
    assert await store.read(team_names) == {f"team{i}" for i in range(50)}


async def test_a_write_is_visible_to_another_connection_when_it_returns(
    store: Store, db_url: str
) -> None:
    await store.write(add_team("售后"))
    other = Store.open(db_url, migrate=False)
    try:
        assert other.read_sync(team_names) == {"售后"}
    finally:
        other.close()


async def test_one_failing_write_does_not_fail_its_group(store: Store) -> None:
    def refuse(_session: Session) -> None:
        raise ConflictError("no")

    release = hold_writer(store)
    tasks = await queued(store, [add_team("a"), refuse, add_team("b"), add_team("a")])
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[0], str)
    assert isinstance(results[1], ConflictError)
    assert isinstance(results[2], str)
    assert isinstance(results[3], Exception)  # unique violation on teams.name
    assert await store.read(team_names) == {"a", "b"}


async def test_close_commits_what_is_queued(db_url: str) -> None:
    store = Store.open(db_url)
    release = hold_writer(store)
    tasks = await queued(store, [add_team(f"t{i}") for i in range(5)])
    release.set()
    await asyncio.to_thread(store.close)
    assert len(await asyncio.gather(*tasks)) == 5
    reopened = Store.open(db_url, migrate=False)
    try:
        count = reopened.read_sync(lambda s: s.scalar(select(func.count()).select_from(Team)))
        assert count == 5
    finally:
        reopened.close()


def test_sync_writes_and_reads(store: Store) -> None:
    store.write_sync(add_team("x"))
    assert store.read_sync(team_names) == {"x"}
    with pytest.raises(ConflictError):
        store.write_sync(lambda _s: (_ for _ in ()).throw(ConflictError("boom")))


async def test_a_closed_store_refuses_writes(db_url: str) -> None:
    store = Store.open(db_url)
    store.close()
    with pytest.raises(RuntimeError):
        await store.write(add_team("late"))


async def test_submitted_writes_call_back_after_commit_in_queue_order(
    store: Store, db_url: str
) -> None:
    def refuse(_session: Session) -> None:
        raise ConflictError("no")

    other = Store.open(db_url, migrate=False)
    calls: list[tuple[str, object, BaseException | None, set[str]]] = []

    def done(name: str):
        def callback(result: object, error: BaseException | None) -> None:
            # the commit is visible to another connection by the time the callback runs
            calls.append((name, result, error, other.read_sync(team_names)))

        return callback

    try:
        release = hold_writer(store)
        store.submit(add_team("a"), done("a"))
        awaited = asyncio.ensure_future(store.write(add_team("b")))
        await asyncio.sleep(0)
        store.submit(refuse, done("refused"))
        store.submit(add_team("c"), done("c"))
        assert calls == []
        release.set()
        await awaited
        await store.flush()
        assert [name for name, *_ in calls] == ["a", "refused", "c"]
        (_, a_id, a_error, a_seen), (_, _, refused, _), (_, c_id, c_error, c_seen) = calls
        assert isinstance(a_id, str)
        assert isinstance(c_id, str)
        assert a_error is None
        assert c_error is None
        assert isinstance(refused, ConflictError)
        assert {"a", "c"} <= a_seen
        assert {"a", "c"} <= c_seen
    finally:
        other.close()


async def test_a_failing_callback_does_not_stop_the_others(store: Store) -> None:
    seen: list[str] = []

    def broken(_result: object, _error: BaseException | None) -> None:
        raise RuntimeError("bug in a callback")

    release = hold_writer(store)
    store.submit(add_team("x"), broken)
    store.submit(add_team("y"), lambda result, error: seen.append("y"))
    release.set()
    await store.flush()
    assert seen == ["y"]
    assert await store.read(team_names) == {"x", "y"}


def test_sqlite_writes_share_one_connection_with_its_own_settings(store: Store) -> None:
    if not store.sqlite:
        pytest.skip("SQLite only: PostgreSQL writes use the pool")

    def settings(session: Session) -> tuple[int, int, int]:
        raw = session.connection().connection.driver_connection
        return (
            id(raw),
            raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0],
            raw.execute("PRAGMA cache_size").fetchone()[0],
        )

    first = store.write_sync(settings)
    store.write_sync(add_team("between"))
    second = store.write_sync(settings)
    assert first[0] == second[0]  # the same connection, so its page cache stays warm
    assert first[1:] == (WRITER_CHECKPOINT_PAGES, -WRITER_CACHE_KIB)
    # readers keep SQLite's defaults
    assert (
        store.read_sync(
            lambda s: s.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        )
        == 1000
    )


async def test_items_of_one_batch_are_stored_by_one_call_each_run_in_queue_order(
    store: Store,
) -> None:
    calls: list[list[str]] = []

    def add_teams(session: Session, names: list[str]) -> list[str | Exception]:
        calls.append(list(names))
        outcomes: list[str | Exception] = []
        for name in names:
            if name.startswith("refused"):
                outcomes.append(ConflictError(name))
            else:
                outcomes.append(add_team(name)(session))
        return outcomes

    release = hold_writer(store)
    loop = asyncio.get_running_loop()
    order: list[str] = []
    finished = loop.create_future()

    def done(name: str):
        def callback(result: object, error: BaseException | None) -> None:
            order.append(f"{name}:{'error' if error else 'ok'}")
            if len(order) == 6:
                finished.set_result(None)

        return callback

    for name in ("a1", "refused", "a2"):
        store.submit_item(add_teams, name, done(name))
    store.submit(add_team("plain"), done("plain"))
    for name in ("b1", "b2"):
        store.submit_item(add_teams, name, done(name))
    commits_before = store.commits
    release.set()
    await asyncio.wait_for(finished, 30)
    assert calls == [["a1", "refused", "a2"], ["b1", "b2"]]
    assert order == ["a1:ok", "refused:error", "a2:ok", "plain:ok", "b1:ok", "b2:ok"]
    assert store.commits - commits_before == 2  # the blocker's, then one for all six
    assert await store.read(team_names) == {"a1", "a2", "plain", "b1", "b2"}
    assert isinstance(await store.write_item(add_teams, "c1"), str)
    with pytest.raises(ConflictError):
        await store.write_item(add_teams, "refused again")


async def test_a_raising_write_costs_its_group_three_transactions_not_one_each(
    store: Store,
) -> None:
    def refuse(_session: Session) -> None:
        raise ConflictError("no")

    release = hold_writer(store)
    writes = [add_team(f"t{i}") for i in range(30)]
    tasks = await queued(store, [*writes[:10], refuse, *writes[10:]])
    commits_before = store.commits
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert [isinstance(r, ConflictError) for r in results] == [False] * 10 + [True] + [False] * 20
    # the blocker's, the ten before it, then (the refused one rolled back alone) the twenty
    assert store.commits - commits_before == 3
    assert len(await store.read(team_names)) == 30


def wal_frames(database: Path) -> tuple[int, int]:
    """(frames in the WAL, frames of it already copied into the database file), read from the
    WAL index (``-shm``: ``mxFrame`` at byte 16, ``nBackfill`` at 96, native byte order) so
    that looking does not checkpoint, as ``PRAGMA wal_checkpoint`` would."""
    header = (database.parent / f"{database.name}-shm").read_bytes()[:136]
    return struct.unpack_from("=I", header, 16)[0], struct.unpack_from("=I", header, 96)[0]


async def test_sqlite_commits_are_copied_into_the_database_file_in_the_background(
    tmp_path: Path,
) -> None:
    database = tmp_path / "desk.sqlite3"
    running = set(threading.enumerate())
    with Store.open(f"sqlite:///{database}") as store:
        for i in range(5):
            await store.write(add_team(f"team{i}"))
        frames, copied = wal_frames(database)
        assert frames > 0
        # far below the writer's own autocheckpoint: only the checkpoint thread copies them
        assert frames < WRITER_CHECKPOINT_PAGES
        deadline = time.monotonic() + 10
        while copied < frames and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            frames, copied = wal_frames(database)
        assert copied == frames
        assert store.read_sync(team_names) == {f"team{i}" for i in range(5)}
    # closing stops the thread
    assert not [
        t for t in threading.enumerate() if t.name == "store-checkpoint" and t not in running
    ]


def test_sqlite_writes_are_acknowledged_after_the_wal_is_synced(tmp_path: Path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}") as store:
        synced_when_told: list[int] = []
        for i in range(3):  # one after another: each waits for its own sync
            stored = store.write_later(add_team(f"team{i}"))
            stored.add_done_callback(lambda _f: synced_when_told.append(store.syncs))
            stored.result()
        # the i-th write was told only after at least i + 1 syncs
        assert all(syncs >= i + 1 for i, syncs in enumerate(synced_when_told))
        # the commit's own fsync is left to the sync thread
        synchronous = store.write_sync(
            lambda s: s.connection().exec_driver_sql("PRAGMA synchronous").scalar()
        )
        assert synchronous == 1  # NORMAL


def test_a_restarting_wal_keeps_the_file_the_backstop_lets_it_grow_to(tmp_path: Path) -> None:
    """Truncated below the backstop at every restart, the WAL grew again after each one, and
    the writer spent its time allocating file blocks (docs/performance.md, session 5)."""
    with Store.open(f"sqlite:///{tmp_path / 'desk.sqlite3'}") as store:

        def writer_pragmas(session: Session) -> list[int]:
            pragmas = ("journal_size_limit", "wal_autocheckpoint", "page_size")
            connection = session.connection()
            return [connection.exec_driver_sql(f"PRAGMA {p}").scalar() for p in pragmas]

        limit, backstop_pages, page_size = store.write_sync(writer_pragmas)
    wal_header, frame_header = 32, 24
    assert limit >= wal_header + backstop_pages * (frame_header + page_size)


def test_a_failed_wal_sync_fails_the_writes_it_covered(tmp_path: Path) -> None:
    database = tmp_path / "desk.sqlite3"
    (tmp_path / "desk.sqlite3-wal").mkdir()  # cannot be opened for writing: the fsync fails
    delivered: list[tuple[str, BaseException | None]] = []
    sync = WalSync(database, lambda group, error: delivered.append((group, error)))
    sync.committed("first")
    sync.committed("second")
    sync.close()
    assert [group for group, _ in delivered] == ["first", "second"]
    assert all(isinstance(error, OSError) for _, error in delivered)
    assert sync.syncs == 0


def test_a_wal_sync_with_no_wal_file_delivers_at_once(tmp_path: Path) -> None:
    delivered: list[tuple[str, BaseException | None]] = []
    sync = WalSync(tmp_path / "none.sqlite3", lambda group, error: delivered.append((group, error)))
    sync.committed("only")
    sync.close()
    assert delivered == [("only", None)]
