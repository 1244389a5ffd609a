"""Store fixtures: every store test runs on a SQLite file and, when reachable, on PostgreSQL
(``any_db_url`` in ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desk_app.store.database import Store


@pytest.fixture
def db_url(any_db_url: str) -> str:
    return any_db_url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store.open(db_url)
    try:
        yield store
    finally:
        store.close()
