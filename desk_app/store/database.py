"""The store facade: one writer thread with group commit, a small pool of readers.

Why one writer: SQLite allows one writer at a time, and a commit costs an fsync. Writes are
queued to a single thread that takes *everything that queued up while the previous commit ran*
and commits it in one transaction (group commit). Under load a commit carries hundreds of
messages; when idle a write commits alone at once. Each caller's future resolves only after
its transaction's COMMIT returned and (SQLite) the WAL holding it was fsynced
(:mod:`desk_app.store.wal`), so an ``ack`` sent after ``await store.write(...)`` is never a
lie, across a crash or a power cut too.

A write that many callers make at once (a contact's message) can be queued as an *item* of a
:class:`Batch` instead (:meth:`Store.submit_item`): consecutive items of one batch function in
a group are handed to it in a single call, so it can read what it needs once for all of them
and write them with one ``executemany`` instead of a few statements each.

A write function gets the writer's :class:`~sqlalchemy.orm.Session` and must not keep state
outside it: when one function of a group fails (a :class:`~desk_app.protocol.errors.DeskError`
it raised, a unique violation, a PostgreSQL deadlock between server processes), the whole
group is rolled back and each function is run again in a transaction of its own, so the
others still commit and only the failing caller gets the exception.

PostgreSQL works the same way (``postgresql+psycopg://...``); several server processes may
then write at once, so anything that must be atomic (the per-conversation ``seq``) is done
atomically in SQL, never read-modify-write in Python.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from desk_app.protocol.errors import DeskError
from desk_app.store.wal import Checkpointer, WalSync

T = TypeVar("T")
I = TypeVar("I", contravariant=True)  # noqa: E741 (the item type of a batch)
R = TypeVar("R", covariant=True)


class Batch(Protocol[I, R]):
    """A write that stores many queued items in one call (see :meth:`Store.submit_item`).

    It returns one outcome per item, in order: the item's result, or the exception that
    refuses that item alone (a closed conversation). An item it refuses must have written
    nothing. Raising fails every item of the call (they are then run one by one).
    """

    def __call__(self, session: Session, items: Sequence[I], /) -> Sequence[R | Exception]: ...


log = logging.getLogger("desk_app.store")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
MAX_GROUP = 512
"""Most writes one transaction carries: bounds the latency a huge backlog adds to the first."""
WRITER_CACHE_KIB = 32768
"""SQLite page cache of the writer's connection (the default is 2 MiB)."""
WRITER_CHECKPOINT_PAGES = 50_000
"""SQLite: WAL pages (4 KiB each) after which the writer's own commit checkpoints (SQLite's
default is 1,000). The :class:`~desk_app.store.wal.Checkpointer` copies the WAL into the
database file in the background; this is the backstop, and the moment the WAL restarts from
the top (a checkpoint racing a busy writer never finds it idle, so under sustained load the
WAL grows to this size, 200 MiB, and then starts again from the top)."""
WAL_SIZE_LIMIT = 256 * 1024 * 1024
"""The ``-wal`` file is truncated back to this size when it restarts (``journal_size_limit``):
above the backstop, so a WAL that restarts keeps its file and the next round of frames
overwrites blocks the file system has already allocated. Cut back to 64 MiB, the file grew
again after every restart, and allocating, zeroing and truncating its pages cost the writer
process a seventh of its throughput in the load benchmark (docs/performance.md). The limit
still bounds a WAL that outgrew the backstop (a reader that held an old snapshot); SQLite
deletes the file when the server stops."""


def default_db_url() -> str:
    """``sqlite:///<user data dir>/desk.sqlite3``; the directory is created if missing."""
    from platformdirs import user_data_dir

    directory = Path(user_data_dir("agent-desk", appauthor=False))
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / 'desk.sqlite3'}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_file(url: str) -> str | None:
    """The database part of a SQLite URL that names a file (a path or a ``file:`` URI); None
    for other databases and for SQLite in memory."""
    sa_url = make_url(url)
    database = sa_url.database or ""
    if sa_url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return None if "mode=memory" in url else database


def is_sqlite_file(url: str) -> bool:
    """A SQLite database in a file (not in memory): one that a second connection, thread or
    process opens as the same database."""
    return _sqlite_file(url) is not None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite database given by path (not in memory, not a ``file:`` URI)."""
    database = _sqlite_file(url)
    return None if database is None or database.startswith("file:") else Path(database)


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An engine with the settings the store relies on.

    SQLite: WAL (readers never block the writer), ``synchronous=FULL`` (an acknowledged
    message survives power loss too; the store's writer connection leaves that fsync to
    :class:`~desk_app.store.wal.WalSync`, after COMMIT and off its thread), foreign
    keys on, a busy timeout so a second process (``desk admin`` while the server runs)
    waits instead of failing.
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            sa_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=pool_size,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(sa_url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def upgrade_to_head(url: str) -> None:
    """Apply the Alembic migrations in ``desk_app/store/migrations`` up to the newest."""
    from alembic import command
    from alembic.config import Config

    engine = make_engine(url, pool_size=1)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # several server processes may start at once: one migrates, the others wait
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7412093)")
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


class _Write:
    """One queued write: the function (or the batch and its item) and where its result goes
    (an asyncio future on some loop, a callback run on some loop (:meth:`Store.submit`), or a
    concurrent future for :meth:`Store.write_sync`)."""

    __slots__ = ("batch", "done", "error", "fn", "future", "item", "loop", "result")

    def __init__(
        self,
        fn: Callable[[Session], Any] | None,
        future: asyncio.Future[Any] | concurrent.futures.Future[Any] | None,
        loop: asyncio.AbstractEventLoop | None,
        done: Callable[[Any, BaseException | None], None] | None = None,
        batch: Batch[Any, Any] | None = None,
        item: Any = None,
    ) -> None:
        self.fn = fn
        self.future = future
        self.loop = loop
        self.done = done
        self.batch = batch
        self.item = item
        self.result: Any = None
        self.error: BaseException | None = None

    def settle(self, outcome: Any) -> None:
        """Take a batch's outcome for this item: its result or the exception refusing it."""
        if isinstance(outcome, Exception):
            self.result, self.error = None, outcome
        else:
            self.result, self.error = outcome, None


_STOP = object()


class Store:
    """The only way the server touches the database. See the module docstring."""

    def __init__(self, url: str, engine: Engine, *, readers: int = 4) -> None:
        self.url = url
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(engine, expire_on_commit=False, autoflush=True)
        self._write_sessions = self._sessions  # the writer's own, once its thread runs
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._readers = concurrent.futures.ThreadPoolExecutor(
            max_workers=readers, thread_name_prefix="store-read"
        )
        self._closed = False
        database = sqlite_path(url)
        self._wal_sync = None if database is None else WalSync(database, self._synced)
        self._checkpointer = None if database is None else Checkpointer(engine)
        self._writer = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._writer.start()
        self.commits = 0
        self.writes = 0

    @property
    def syncs(self) -> int:
        """WAL fsyncs after COMMIT so far (SQLite in a file: see :mod:`desk_app.store.wal`)."""
        return 0 if self._wal_sync is None else self._wal_sync.syncs

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Store:
        """Open (and by default migrate to head) the database at ``url`` (default file if None)."""
        url = url or default_db_url()
        if migrate:
            upgrade_to_head(url)
        return cls(url, make_engine(url))

    # -- writes -------------------------------------------------------------------------------

    async def write(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` on the writer thread; return its result after COMMIT.

        ``fn`` may be run twice (see the module docstring): no side effects outside the
        session. Return plain data or protocol structs, not rows needing lazy loads.
        """
        if self._closed:
            raise RuntimeError("store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Write(fn, future, loop))
        return await future

    def submit(
        self, fn: Callable[[Session], T], done: Callable[[T | None, BaseException | None], None]
    ) -> None:
        """Queue ``fn(session)`` like :meth:`write`; call ``done(result, error)`` on this
        event loop after COMMIT (``error`` is None on success) or after it failed.

        The same guarantees as :meth:`write` (same writer, same order, same group commit)
        without a future and a task switch per write: the server's per-message hot path.
        ``done`` runs inside the loop's callback for the whole group, so it must not raise
        (it is guarded, and what it raises is logged) and should not block.
        """
        if self._closed:
            raise RuntimeError("store is closed")
        self._queue.put(_Write(fn, None, asyncio.get_running_loop(), done))

    def submit_item(
        self,
        batch: Batch[I, T],
        item: I,
        done: Callable[[T | None, BaseException | None], None],
    ) -> None:
        """:meth:`submit` for one item of a :class:`Batch`: items queued one after another
        are stored by one call of ``batch``, in the same transaction and order as any other
        write, and ``done`` gets this item's outcome after COMMIT."""
        if self._closed:
            raise RuntimeError("store is closed")
        self._queue.put(_Write(None, None, asyncio.get_running_loop(), done, batch, item))

    async def write_item(self, batch: Batch[I, T], item: I) -> T:
        """:meth:`submit_item`, awaited: the item's result, or its exception raised."""
        if self._closed:
            raise RuntimeError("store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Write(None, future, loop, None, batch, item))
        return await future

    def write_sync(self, fn: Callable[[Session], T]) -> T:
        """Blocking :meth:`write` for the CLI and start-up code (not from the event loop)."""
        return self.write_later(fn).result()

    def write_later(self, fn: Callable[[Session], T]) -> concurrent.futures.Future[T]:
        """:meth:`write` for a thread without an event loop that goes on meanwhile: a future
        resolved after COMMIT, whose callbacks run on a store thread in commit order."""
        if self._closed:
            raise RuntimeError("store is closed")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put(_Write(fn, future, None))
        return future

    async def flush(self) -> None:
        """Wait until every write queued before this call has committed (or failed)."""
        await self.write(lambda _session: None)

    # -- reads --------------------------------------------------------------------------------

    async def read(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)`` in a read-only session on the reader pool."""
        if self._closed:
            raise RuntimeError("store is closed")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self.read_sync, fn)

    def read_sync(self, fn: Callable[[Session], T]) -> T:
        # closing (not rolling back) ends the transaction but keeps loaded attributes
        with self._sessions() as session:
            return fn(session)

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Commit what is queued, stop the writer, close the connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._writer.join()
        if self._wal_sync is not None:
            self._wal_sync.close()
        if self._checkpointer is not None:
            self._checkpointer.close()
        self._readers.shutdown(wait=True)
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the writer thread --------------------------------------------------------------------

    def _run(self) -> None:
        pinned = self._pin_writer_connection()
        try:
            self._write_loop()
        finally:
            if pinned is not None:
                pinned.close()

    def _pin_writer_connection(self) -> Connection | None:
        """SQLite: one connection for every write, with a larger page cache and rarer
        checkpoints (:data:`WRITER_CHECKPOINT_PAGES`).

        Taken from the pool, each transaction got the next connection in turn, whose
        page cache the other connections' commits had made stale: SQLite read the pages
        it was about to change again, two ``pread`` calls per stored message in the load
        benchmark. A connection of its own keeps the pages of the conversations being
        written warm. (PostgreSQL keeps the pool: its caching is the server's.)

        Its transactions begin with ``BEGIN IMMEDIATE``, taking the write lock first:
        another process writing the same file (the contact writer, ``desk admin``) then
        makes a write wait its turn, where a deferred transaction that read before it
        wrote would fail at once with "database is locked" (SQLite's stale snapshot).
        """
        if not self.sqlite:
            return None
        try:
            connection = self.engine.connect()
            connection.exec_driver_sql(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
            connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}")
            connection.exec_driver_sql(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT}")
            journal = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            if self._wal_sync is not None and journal == "wal":  # WalSync fsyncs after COMMIT
                connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.commit()  # end the autobegun transaction: each write begins its own
            # the sqlite3 module's own implicit BEGIN off, ours on (SQLAlchemy's recipe)
            connection.connection.driver_connection.isolation_level = None
            event.listen(connection, "begin", _begin_immediate)
        except Exception:  # the pool still works: writes just do without the pinning
            log.exception("store.writer_connection_failed")
            return None
        self._write_sessions = sessionmaker(bind=connection, expire_on_commit=False, autoflush=True)
        return connection

    def _write_loop(self) -> None:
        stopping = False
        while not stopping:
            item = self._queue.get()
            if item is _STOP:
                break
            group = [item]
            while len(group) < MAX_GROUP:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.append(item)
            try:
                self._commit_group(group)
            except BaseException as exc:  # never let the writer die with callers waiting
                log.exception("store.writer_failed")
                for write in group:
                    write.error = exc
            if self._checkpointer is not None:
                self._checkpointer.nudge()
            if self._wal_sync is not None:
                self._wal_sync.committed(group)
            else:
                self._deliver(group)

    def _commit_group(self, group: list[_Write]) -> None:
        """Commit the group in one transaction. When a write in it raises, the writes before
        it are committed together, the failing one (or batch call) runs alone so that its
        error stays its own, and the rest goes on as a group: order is kept, and one refused
        write costs three transactions, not one per write."""
        while len(group) > 1:
            failed = _Failed(len(group))
            try:
                with self._write_sessions() as session, session.begin():
                    _run_writes(session, group, failed)
            except Exception as exc:
                if not isinstance(exc, DeskError | DBAPIError):
                    log.warning("store.group_retry", extra={"error": type(exc).__name__})
            else:
                self.commits += 1
                self.writes += len(group)
                return
            start, end = failed.start, failed.end
            if start >= len(group):  # COMMIT itself failed: one transaction each
                break
            if start:
                self._commit_group(group[:start])
            for write in group[start:end]:
                self._commit_one(write)
            group = group[end:]
        for write in group:
            self._commit_one(write)

    def _commit_one(self, write: _Write) -> None:
        for attempt in range(5):
            try:
                with self._write_sessions() as session, session.begin():
                    _run_writes(session, [write], _Failed(1))
            except DBAPIError as exc:
                if _is_transient(exc) and attempt < 4:
                    time.sleep(0.01 * (attempt + 1))
                    continue
                write.error = exc
            except Exception as exc:
                write.error = exc
            else:
                self.commits += 1
                self.writes += 1
            return

    def _synced(self, group: list[_Write], error: BaseException | None) -> None:
        if error is not None:
            for write in group:
                if write.error is None:
                    write.settle(error)
        self._deliver(group)

    @staticmethod
    def _deliver(group: list[_Write]) -> None:
        by_loop: dict[asyncio.AbstractEventLoop, list[_Write]] = {}
        for write in group:
            if write.loop is None:
                future = write.future
                assert isinstance(future, concurrent.futures.Future)
                if write.error is not None:
                    future.set_exception(write.error)
                else:
                    future.set_result(write.result)
            else:
                by_loop.setdefault(write.loop, []).append(write)
        for loop, writes in by_loop.items():
            # a closed loop raises RuntimeError: nobody is waiting there any more
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, writes)


class _Failed:
    """Where a group's run stopped: ``writes[start:end]`` is the write or batch call that
    raised (``start`` is the group's length while nothing has)."""

    __slots__ = ("end", "start")

    def __init__(self, count: int) -> None:
        self.start = self.end = count


def _run_writes(session: Session, writes: list[_Write], failed: _Failed) -> None:
    """Run the writes in order in one transaction; consecutive items of one batch together."""
    i, count = 0, len(writes)
    while i < count:
        write = writes[i]
        batch = write.batch
        if batch is None:
            assert write.fn is not None
            failed.start, failed.end = i, i + 1
            write.result, write.error = write.fn(session), None
            i += 1
            continue
        j = i + 1
        while j < count and writes[j].batch is batch:
            j += 1
        run = writes[i:j]
        failed.start, failed.end = i, j
        outcomes = batch(session, [w.item for w in run])
        for w, outcome in zip(run, outcomes, strict=True):
            w.settle(outcome)
        i = j
    failed.start = failed.end = count


def _resolve(writes: list[_Write]) -> None:
    """Runs on the caller's loop: one callback per group and loop, not one per write.

    In queue order, so the answers to one client's writes go out in the order it sent them.
    """
    for write in writes:
        done = write.done
        if done is not None:
            try:
                done(write.result, write.error)
            except Exception:
                log.exception("store.callback_failed")
            continue
        future = write.future
        assert isinstance(future, asyncio.Future)
        if future.done():
            continue
        if write.error is not None:
            future.set_exception(write.error)
        else:
            future.set_result(write.result)


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _is_transient(exc: DBAPIError) -> bool:
    """Deadlock or serialization failure between PostgreSQL processes, or SQLite busy."""
    code = getattr(exc.orig, "sqlstate", None)
    if code in {"40001", "40P01"}:
        return True
    return "database is locked" in str(exc.orig)
