"""Alembic environment: migrations run on the connection ``upgrade_to_head`` hands over.

There is no ``alembic.ini``: the store builds the configuration in code so that the same
migrations run from the installed package, the CLI and the tests. To write a new revision
after changing ``models.py``::

    python -m desk_app.store.revision "what changed"
"""

from __future__ import annotations

from typing import Any

from alembic import context

from desk_app.store.migrations import compare_type, render_item
from desk_app.store.models import Base

target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from desk_app.store.database import make_engine

        engine = make_engine(context.config.get_main_option("sqlalchemy.url") or "", pool_size=1)
        with engine.begin() as connection:
            _configure_and_run(connection)
        engine.dispose()
    else:
        _configure_and_run(connection)


def _configure_and_run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTERs via copy
        render_item=render_item,
        compare_type=compare_type,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
