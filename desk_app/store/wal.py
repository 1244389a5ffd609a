"""SQLite's write-ahead log, kept off the writer's path: the fsync that makes a commit durable
and the checkpoint that copies it into the database file each run on a thread of their own.

**Sync.** With ``synchronous=FULL`` every COMMIT ends in an fsync of the ``-wal`` file, and
the writer thread stood still through it, a fifth of its time under load. Here the writer's
connection commits with ``synchronous=NORMAL`` (the frames reach the operating system, not
yet the disk) and hands the committed group to :class:`WalSync`, which fsyncs the WAL and
only then lets the group's callers know: an acknowledgement still means *on disk*, as with
FULL, but the writer is already running the next transaction while the disk works, and one
fsync covers every group committed while the previous one ran (PostgreSQL's group commit
does the same). NORMAL keeps the database itself safe across a power cut (SQLite syncs the
WAL before a checkpoint and the database file after it); what it alone would lose, the
last commits, are the ones nobody has been told about yet.

**Checkpoint.** A commit appends pages to the WAL; a *checkpoint* copies them back into the
database file. SQLite's default is that the commit which takes the WAL past
``wal_autocheckpoint`` pages runs it, so now and then one commit also copied and synced
thousands of pages while acknowledgements waited. :class:`Checkpointer` runs
``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection shortly after commits instead:
PASSIVE neither waits for nor blocks the writer. The writer's own autocheckpoint stays as
the backstop (it also restarts the WAL from the top, which a checkpoint racing a busy
writer rarely gets to do).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Engine

log = logging.getLogger("desk_app.store")

G = TypeVar("G")

CHECKPOINT_AFTER_S = 0.25
"""How long after a commit the checkpoint runs: the commits in between share it, and a page
they all changed (an index page of a busy conversation) is copied once. Copying is most of
a checkpoint's cost: in the load benchmark's a-keyword, 0.05 s gave 19,700 messages/s and
0.25-0.5 s 21,600-23,100 (quick runs, one after another)."""

_STOP = object()
# what SQLite itself calls on Linux: the data and the size, not the file's times
_sync_data: Callable[[int], None] = getattr(os, "fdatasync", os.fsync)


class WalSync(Generic[G]):
    """Fsync ``<database>-wal`` after commits, then hand the committed groups to ``deliver``
    (on this class's thread, in the order they were committed)."""

    def __init__(self, database: Path, deliver: Callable[[G, BaseException | None], None]) -> None:
        self._wal = database.parent / f"{database.name}-wal"
        self._deliver = deliver
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.syncs = 0
        self._thread = threading.Thread(target=self._run, name="store-sync", daemon=True)
        self._thread.start()

    def committed(self, group: G) -> None:
        """``group`` was committed: deliver it once the WAL is on disk."""
        self._queue.put(group)

    def close(self) -> None:
        """Sync and deliver what was committed, then stop."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            groups = [self._queue.get()]
            while True:  # everything committed meanwhile shares this fsync
                try:
                    groups.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if groups[-1] is _STOP:
                stopping = True
                groups.pop()
            if not groups:
                continue
            error: BaseException | None = None
            try:
                self._sync()
            except OSError as exc:  # not known to be on disk: the callers must not be told so
                log.error("store.wal_sync_failed", extra={"error": exc.strerror})
                error = exc
            for group in groups:
                try:
                    self._deliver(group, error)
                except Exception:
                    log.exception("store.deliver_failed")

    def _sync(self) -> None:
        # opened each time: SQLite deletes and re-creates the file when its last
        # connection closes, and an old descriptor would sync a file nobody writes
        try:
            fd = os.open(self._wal, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:  # nothing in the WAL: the commit went to the database file
            return
        try:
            _sync_data(fd)
        finally:
            os.close(fd)
        self.syncs += 1


class Checkpointer:
    """Checkpoints the database of ``engine`` after :meth:`nudge`; :meth:`close` stops it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.checkpoints = 0
        self._thread = threading.Thread(target=self._run, name="store-checkpoint", daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """Something was committed: checkpoint within :data:`CHECKPOINT_AFTER_S`."""
        self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join()

    def _run(self) -> None:
        connection: Any = None
        try:
            connection = self._engine.raw_connection()
            # stop is checked at the top too: close() may set wake just before it is cleared
            while not self._stop.is_set():
                self._wake.wait()
                if self._stop.wait(CHECKPOINT_AFTER_S):
                    break
                self._wake.clear()
                cursor = connection.cursor()
                try:
                    cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
                    cursor.fetchall()
                finally:
                    cursor.close()
                self.checkpoints += 1
        except Exception:  # the writer's own autocheckpoint still bounds the WAL
            log.exception("store.checkpoint_failed")
        finally:
            if connection is not None:
                connection.close()
