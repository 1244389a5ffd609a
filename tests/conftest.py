"""Fixtures every suite may use: PostgreSQL on 127.0.0.1:5432 when it answers.

Each PostgreSQL test gets a schema of its own (``search_path`` in the URL), dropped
afterwards, so tests are isolated from each other and from other users of the ``test``
database; when PostgreSQL is unreachable they are skipped with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_DSN = "host=127.0.0.1 port=5432 dbname=test user=postgres"  # the same, for psycopg itself


def postgres_unreachable() -> str | None:
    """None when PostgreSQL answers, else the reason to skip."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    try:
        with psycopg.connect(PG_DSN, connect_timeout=2):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL on 127.0.0.1:5432 (db test) is unreachable: {exc}".strip()


@pytest.fixture(scope="session")
def pg_skip_reason() -> str | None:
    return postgres_unreachable()


@pytest.fixture
def postgres_url(pg_skip_reason: str | None) -> Iterator[str]:
    if pg_skip_reason:
        pytest.skip(pg_skip_reason)
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: a SQLite file, then (when reachable) a PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    else:
        yield request.getfixturevalue("postgres_url")
