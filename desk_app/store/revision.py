"""Write a new Alembic revision from the difference between ``models.py`` and the migrations.

``python -m desk_app.store.revision "add tickets.priority"`` migrates a scratch SQLite file to
head, compares it with the models and writes ``migrations/versions/<rev>_<slug>.py``. Review
the file: autogenerate does not see renames.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from desk_app.store.database import MIGRATIONS_DIR, upgrade_to_head


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.sqlite3'}"
        upgrade_to_head(url)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("sqlalchemy.url", url)
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    main(" ".join(sys.argv[1:]) or "change")
