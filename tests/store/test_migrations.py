"""The Alembic migrations create exactly what ``models.py`` describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from desk_app.store.database import make_engine, upgrade_to_head
from desk_app.store.models import Base

_ALEMBIC_OPTS = {"compare_type": True}


def diff(url: str) -> list:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            from desk_app.store.migrations import compare_type

            context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(db_url: str) -> None:
    upgrade_to_head(db_url)
    assert diff(db_url) == []


def test_upgrading_twice_changes_nothing(db_url: str) -> None:
    upgrade_to_head(db_url)
    upgrade_to_head(db_url)
    engine = make_engine(db_url, pool_size=1)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) | {"alembic_version"} == tables
