"""The few statements every message runs, as prepared SQL on the driver's connection.

Building and executing a SQLAlchemy Core statement costs about a millisecond of CPU per call
(construction plus the compiled-cache key), a prebuilt one still over 100 µs; the same
statement through the DB-API cursor costs about 15 µs. A message runs three of them, so this
module is most of the difference between a few hundred and several thousand stored messages
per second. Everything else in the store stays in SQLAlchemy.

The SQL is written once per dialect (SQLite: ``:name`` parameters; psycopg: ``%(name)s``)
and runs inside the session's own transaction (``session.connection()``), so it commits or
rolls back with everything else in the write. Values are converted the way SQLAlchemy's
column types would store them: UTC datetimes as SQLAlchemy's SQLite text format or as
``timestamptz``, JSON as text (cast to ``json`` on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.orm import Session

_json = msgspec.json.Encoder()


class HotSql:
    """The prepared statements for one dialect."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self._allocate: dict[tuple[bool, bool, bool], str] = {}
        columns = (
            "conversation_id, seq, sender, author, agent_id, text, client_msg_id, article_id,"
            " created_at"
        )
        names = ["cid", "seq", "sender", "author", "agent", "text", "cm", "article", "at"]
        self.insert_message = (
            f"INSERT INTO messages ({columns}) VALUES ({', '.join(self.p(n) for n in names)})"
        )
        # a resend (same client id) inserts nothing: one statement instead of look-then-insert
        self.insert_new_message = (
            f"{self.insert_message} ON CONFLICT (conversation_id, client_msg_id) DO NOTHING"
        )
        self.give_back_seq = (
            f"UPDATE conversations SET last_seq = last_seq - 1 WHERE id = {self.p('cid')}"
        )
        self.insert_event = (
            "INSERT INTO reporting_events (name, conversation_id, agent_id, value, data,"
            f" created_at) VALUES ({self.p('name')}, {self.p('cid')}, {self.p('agent')},"
            f" {self.p('value')}, {self.json('data')}, {self.p('at')})"
        )

        # a batch of contact messages (conversations.append_contact_messages): the rows it
        # needs, locked on PostgreSQL in id order so that two processes cannot deadlock
        pick = "SELECT id, last_seq, status, assignee_id, locale FROM conversations WHERE "
        self.lock_conversations = (
            f"{pick} id = ANY({self.p('ids')}) ORDER BY id FOR UPDATE"
            if self.postgres
            else f"{pick} id IN (SELECT value FROM json_each({self.p('ids')}))"
        )
        self.set_last_seq = (
            f"UPDATE conversations SET last_seq = {self.p('seq')} WHERE id = {self.p('cid')}"
        )
        self.drop_after = (
            f"DELETE FROM messages WHERE conversation_id = {self.p('cid')}"
            f" AND seq > {self.p('seq')}"
        )

    def ids(self, values: list[str]) -> Any:
        """A list of ids as the one parameter of :attr:`lock_conversations`."""
        return values if self.postgres else _json.encode(values).decode()

    def p(self, name: str) -> str:
        return f"%({name})s" if self.postgres else f":{name}"

    def json(self, name: str) -> str:
        return f"CAST({self.p(name)} AS JSON)" if self.postgres else self.p(name)

    def time(self, moment: datetime) -> Any:
        """A UTC datetime as the column stores it (see ``models.UTCDateTime``)."""
        if self.postgres:
            return moment
        if moment.tzinfo is UTC:  # utcnow(): cut the "+00:00" off (a third cheaper)
            return moment.isoformat(" ", "microseconds")[:-6]
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    def allocate(self, *, state: bool, status: bool, assignee: bool) -> str:
        """``UPDATE ... SET last_seq = last_seq + 1 ... RETURNING``: the atomic seq."""
        key = (state, status, assignee)
        sql = self._allocate.get(key)
        if sql is None:
            sets = "last_seq = last_seq + 1"
            if state:
                sets += f", bot_state = {self.json('state')}"
            where = f"id = {self.p('cid')} AND status <> 'closed'"
            if status:
                where += f" AND status = {self.p('status')}"
            if assignee:
                where += f" AND assignee_id = {self.p('assignee')}"
            sql = self._allocate[key] = (
                f"UPDATE conversations SET {sets} WHERE {where}"
                # first_reply_at itself: SQLite 3.40 evaluates "first_reply_at IS NULL"
                # wrongly inside RETURNING; only whether it is NULL matters to the caller
                " RETURNING last_seq, status, assignee_id, locale, first_reply_at"
            )
        return sql


_by_dialect: dict[str, HotSql] = {}


def cursor_for(session: Session) -> tuple[Any, HotSql]:
    """The driver connection inside the session's transaction, and its statements.

    Pending ORM changes are flushed first, so rows added earlier in the same write (a new
    conversation) exist before raw SQL refers to them.
    """
    if session._new or session._deleted or session.dirty:  # cheap checks first
        session.flush()
    transaction = session.get_transaction()
    cached = session.info.get("hotpath")
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1], cached[2]  # same transaction, same driver connection
    connection = session.connection()
    name = connection.dialect.name
    sql = _by_dialect.get(name)
    if sql is None:
        sql = _by_dialect[name] = HotSql(name)
    raw = connection.connection.driver_connection
    session.info["hotpath"] = (session.get_transaction(), raw, sql)
    return raw, sql


def dumps(value: Mapping[str, Any]) -> str:
    """Compact JSON text, as ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``
    writes it, about ten times faster (every bot answer stores its state and an event)."""
    return _json.encode(value).decode()
