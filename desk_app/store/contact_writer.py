"""Contacts' messages stored by a child process with a store writer of its own.

The server's busiest write is a contact's message in a conversation an agent holds. In one
process the event loop and the store's writer thread take turns on the GIL, so together
they never use more than one core however much SQLite works without it; under load the
writer spent a third of its time waiting for the loop. Here those messages go down a pipe
to ``python -m desk_app.store.contact_writer``, which stores what arrived together with
:func:`~desk_app.store.conversations.append_contact_messages` in one transaction (through an
ordinary :class:`Store`, so the same SQL, group commit, retries and fsync) and answers once
the COMMIT is on disk, in order: the loop only frames bytes, and the SQL runs on the other core.

Everything else still goes through the server's own :class:`Store`; both write the same
database (SQLite: each takes the write lock with ``BEGIN IMMEDIATE`` and waits its turn;
PostgreSQL: the batch locks its conversations' rows, as two server processes would).
Frames on the pipe are a 4-byte big-endian length and a msgpack body: a list of items one
way, a list of outcomes (in the same order) the other.

If the child dies, the messages it had not answered are handed to the server's own store
(one it had committed is recognised by its client id, and then acknowledged and fanned out
as new, since nobody was told of it) and so is everything after: the server goes on with
one writer, as it would without this module.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import functools
import logging
import os
import select
import signal
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from typing import Any

import msgspec

from desk_app.protocol.errors import DeskError, ErrorCode
from desk_app.protocol.messages import Message, Sender
from desk_app.store import conversations as repo
from desk_app.store.database import Store, is_sqlite_file

log = logging.getLogger("desk_app.store")

Done = Callable[[repo.Appended | None, BaseException | None], None]

_HEADER = 4
LOG_LEVEL_VARIABLE = "DESK_LOG_LEVEL"
DB_VARIABLE = "DESK_CONTACT_WRITER_DB"  # the database URL may hold a password
MAX_BATCH = 1024
"""The most messages the child reads before handing them to its store as one batch call (the
store's group commit may put several such calls in one transaction)."""

# one outcome on the pipe: a stored message, or ``("!", code, detail)``
_Stored = tuple[int, datetime, str | None, bool, str, str | None, str]


class ContactWriter:
    """The server's side: queue an item, get its outcome back on the loop after COMMIT."""

    def __init__(self, process: asyncio.subprocess.Process, store: Store) -> None:
        self._process = process
        self._store = store
        self._outbox: list[tuple[repo.ContactText, Done]] = []
        self._sent: collections.deque[tuple[repo.ContactText, Done]] = collections.deque()
        self.answered = 0  # messages the child stored or refused
        self._flushing = False
        self._closing = False
        self._gone = False
        self._encoder = msgspec.msgpack.Encoder()
        self._decoder = msgspec.msgpack.Decoder(list[Any])
        self._reader = asyncio.create_task(self._read_outcomes(), name="contact-writer")

    @staticmethod
    def possible(store: Store) -> bool:
        """Whether a child can be started (a frozen app, such as the PyInstaller desk running
        ``desk demo``, has no interpreter to run a module with) and can open the store's
        database (an in-memory one it cannot)."""
        if getattr(sys, "frozen", False):
            return False
        return not store.sqlite or is_sqlite_file(store.url)

    @classmethod
    async def start(cls, store: Store) -> ContactWriter:
        environment = {
            **os.environ,
            # not on the command line, which every user of the machine can read
            DB_VARIABLE: store.url,
            LOG_LEVEL_VARIABLE: logging.getLevelName(log.getEffectiveLevel()),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=1 << 24,
            env=environment,
        )
        return cls(process, store)

    @property
    def pid(self) -> int:
        return self._process.pid

    async def wait_closed(self) -> None:
        """Until the child has ended (and what it left was handed to the server's store)."""
        await asyncio.shield(self._reader)

    def submit(self, item: repo.ContactText, done: Done) -> None:
        """Store ``item``; ``done(appended, error)`` runs on this loop after COMMIT."""
        if self._gone:
            self._store.submit_item(repo.append_contact_messages, item, done)
            return
        self._outbox.append((item, done))
        if not self._flushing:  # one pipe write per turn of the loop, for all that came
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._flush)

    async def close(self) -> None:
        """Let the child answer what it was sent, then end it."""
        self._closing = True
        self._flush()
        stdin = self._process.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.close()
        try:
            await asyncio.wait_for(asyncio.shield(self._reader), 30)
        except TimeoutError:
            self._process.kill()
        await self._process.wait()
        await self._reader

    def _flush(self) -> None:
        self._flushing = False
        if not self._outbox or self._gone:
            return
        batch, self._outbox = self._outbox, []
        body = self._encoder.encode([item for item, _ in batch])
        stdin = self._process.stdin
        assert stdin is not None
        self._sent.extend(batch)
        # the child gone: its reader hands what was sent over to the server's store
        with contextlib.suppress(ConnectionError, RuntimeError):
            stdin.write(len(body).to_bytes(_HEADER, "big") + body)

    async def _read_outcomes(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while True:
                size = int.from_bytes(await stdout.readexactly(_HEADER), "big")
                outcomes = self._decoder.decode(await stdout.readexactly(size))
                self.answered += len(outcomes)
                for outcome in outcomes:
                    item, done = self._sent.popleft()
                    try:  # a failing callback must not leave the rest unanswered
                        if outcome[0] == "!":
                            done(None, DeskError(outcome[2], code=ErrorCode(outcome[1])))
                        else:
                            done(_appended(item, outcome), None)
                    except Exception:
                        log.exception("store.callback_failed")
        except asyncio.IncompleteReadError:
            pass  # the child ended: closed by us, or died
        except Exception:
            log.exception("store.contact_writer_failed")
        finally:
            self._hand_over()

    def _hand_over(self) -> None:
        """The child is gone: what it did not answer, and all after, to the server's store."""
        self._gone = True
        left = [*self._sent, *self._outbox]
        self._sent.clear()
        self._outbox = []
        if not self._closing or left:
            log.warning(
                "store.contact_writer_gone",
                extra={"returncode": self._process.returncode, "handed_over": len(left)},
            )
        for item, done in left:
            self._store.submit_item(repo.append_contact_messages, item, _told_nobody(done))


def _told_nobody(done: Done) -> Done:
    """For a message handed over unanswered: found stored, the child committed it and died
    before saying so, so nobody has been told: acknowledge and fan it out as new."""

    def handed_over(appended: repo.Appended | None, error: BaseException | None) -> None:
        if appended is not None and appended.duplicate:
            appended = dataclasses.replace(appended, duplicate=False)
        done(appended, error)

    return handed_over


def _appended(item: repo.ContactText, outcome: Sequence[Any]) -> repo.Appended:
    seq, created_at, original_text, duplicate, status, assignee_id, locale = outcome
    message = Message(
        conversation_id=item.conversation_id,
        seq=seq,
        sender=Sender.CONTACT,
        text=item.text if original_text is None else original_text,
        created_at=created_at,
        author=item.author,
        client_msg_id=item.client_msg_id,
    )
    return repo.Appended(message, duplicate, status, assignee_id, locale)


def _outcome(outcome: repo.Appended | BaseException) -> _Stored | tuple[str, str, str]:
    if isinstance(outcome, BaseException):
        if isinstance(outcome, DeskError):
            return ("!", outcome.code.value, outcome.detail)
        log.error("store.contact_write_failed", exc_info=outcome)
        return ("!", ErrorCode.INTERNAL.value, "the message was not stored; send it again")
    message = outcome.message
    original = message.text if outcome.duplicate else None
    return (
        message.seq,
        message.created_at,
        original,
        outcome.duplicate,
        outcome.status,
        outcome.assignee_id,
        outcome.locale,
    )


# -- the child ---------------------------------------------------------------------------------


def serve(url: str, stdin: int, stdout: int) -> None:
    """Read batches of items from ``stdin``, store them, write their outcomes to ``stdout``
    after COMMIT; return at end of input (the server closed the pipe or died), once every
    batch read has been answered.

    A batch is handed to the store without waiting for it, so the next one is read and
    queued while it commits (the store's writer takes all that queued in one transaction);
    the answers are written by the store's thread as each commit is on disk, in order.
    """
    decoder = msgspec.msgpack.Decoder(list[repo.ContactText])
    buffer = bytearray()
    with Store.open(url, migrate=False) as store:
        while True:
            items: list[repo.ContactText] = []
            ended = False
            while not items or (len(items) < MAX_BATCH and _readable(stdin)):
                size = int.from_bytes(buffer[:_HEADER], "big") if len(buffer) >= _HEADER else -1
                if 0 <= size <= len(buffer) - _HEADER:
                    body = bytes(buffer[_HEADER : _HEADER + size])
                    del buffer[: _HEADER + size]
                    items.extend(decoder.decode(body))
                    continue
                chunk = os.read(stdin, 1 << 20)
                if not chunk:
                    ended = True
                    break
                buffer += chunk
            if items:
                batch = functools.partial(repo.append_contact_messages, items=items)
                stored = store.write_later(batch)
                stored.add_done_callback(functools.partial(_answer, stdout, len(items)))
            if ended:
                return


def _answer(stdout: int, count: int, stored: Future[Sequence[repo.Appended | Exception]]) -> None:
    error = stored.exception()
    # the whole transaction failed: every item gets the error
    outcomes = [error] * count if error is not None else stored.result()
    body = msgspec.msgpack.encode([_outcome(outcome) for outcome in outcomes])
    _write_all(stdout, len(body).to_bytes(_HEADER, "big") + body)


def _readable(fd: int) -> bool:
    return bool(select.select([fd], [], [], 0)[0])


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main() -> None:
    from desk_app.server.logs import setup_logging  # the server's JSON lines, redacted

    setup_logging(os.environ.get(LOG_LEVEL_VARIABLE, "WARNING"))
    # Ctrl+C in a terminal, or a service manager's SIGTERM, reaches the whole process group:
    # the server shuts down gracefully and closes the pipe, which is this process's cue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    # the pipe to the server is fd 1: keep it, and point anything printed at stderr instead
    out = os.dup(1)
    os.dup2(2, 1)
    serve(os.environ[DB_VARIABLE], 0, out)


if __name__ == "__main__":
    main()
