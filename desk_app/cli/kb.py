"""``desk kb``: import and export the knowledge base (YAML, JSON or CSV, by extension).

``desk kb import FILE`` upserts the file's articles by id into the store (a second import of
the same file changes nothing; a changed answer becomes a new version). Each article keeps
the status its file gives, ``published`` when the file says none; ``--status`` overrides it.
``desk kb export FILE`` writes every article (or those of one ``--status``), with personal data
masked unless ``--no-mask``. The file formats are described in desk_app/knowledge/kbfile.py.

A running server picks up imported articles at its next start; publishing through the desk
takes effect at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

STATUSES = ("draft", "pending_review", "published", "archived")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "kb",
        help="import / export the knowledge base (YAML, JSON, CSV)",
        description=__doc__.split("\n\n")[1] if __doc__ else None,
    )
    actions = parser.add_subparsers(dest="kb_action", required=True, metavar="ACTION")

    importer = actions.add_parser("import", help="upsert articles from FILE into the store")
    importer.add_argument("file", type=Path, metavar="FILE", help=".yaml, .yml, .json or .csv")
    importer.add_argument("--db", metavar="URL", help="SQLAlchemy URL (default: the local file)")
    importer.add_argument(
        "--status", choices=STATUSES, help="give every article this status (default: the file's)"
    )
    importer.set_defaults(handler=run_import)

    exporter = actions.add_parser("export", help="write the store's articles to FILE")
    exporter.add_argument("file", type=Path, metavar="FILE", help=".yaml, .yml, .json or .csv")
    exporter.add_argument("--db", metavar="URL", help="SQLAlchemy URL (default: the local file)")
    exporter.add_argument("--status", choices=STATUSES, help="only articles with this status")
    exporter.add_argument(
        "--no-mask", action="store_true", help="keep personal data (for a private backup)"
    )
    exporter.set_defaults(handler=run_export)


def _open_store(url: str | None):  # type: ignore[no-untyped-def]
    from desk_app.store.database import Store, default_db_url

    return Store.open(url or default_db_url())


def run_import(args: argparse.Namespace) -> int:
    from desk_app.knowledge.articles import ArticleStatus
    from desk_app.knowledge.kbfile import load_kb
    from desk_app.protocol.errors import DeskError
    from desk_app.store import articles as repo

    try:
        articles = load_kb(args.file)
    except DeskError as exc:
        print(f"desk kb import: {exc.detail}", file=sys.stderr)
        return 2
    status = ArticleStatus(args.status) if args.status else None
    store = _open_store(args.db)
    try:
        result = store.write_sync(
            lambda session: repo.import_articles(session, articles, status=status, editor="import")
        )
    except DeskError as exc:
        print(f"desk kb import: {exc.detail}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(
        f"{args.file.name}: {result.total} articles — {len(result.created)} new, "
        f"{len(result.updated)} updated, {len(result.unchanged)} unchanged"
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from desk_app.knowledge.articles import ArticleStatus
    from desk_app.knowledge.kbfile import dump_kb, kb_format
    from desk_app.protocol.errors import DeskError
    from desk_app.store import articles as repo

    try:
        kb_format(args.file)
    except DeskError as exc:
        print(f"desk kb export: {exc.detail}", file=sys.stderr)
        return 2
    status = ArticleStatus(args.status) if args.status else None
    store = _open_store(args.db)
    try:
        articles = store.read_sync(lambda session: repo.list_articles(session, status=status))
    finally:
        store.close()
    try:
        count = dump_kb(articles, args.file, mask=not args.no_mask)
    except OSError as exc:
        print(f"desk kb export: cannot write {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    masked = "" if args.no_mask else " (personal data masked)"
    print(f"{args.file.name}: {count} articles written{masked}")
    return 0
