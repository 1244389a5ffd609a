"""Articles in the store: repository functions over one SQLAlchemy session.

Each function takes the session it runs in, so callers decide the transaction: the server
passes them to ``Store.write`` / ``Store.read`` (group commit on the writer thread), the CLI to
``write_sync``. They never commit. The workflow rules live in ``desk_app.knowledge.articles``;
these functions load rows, ask the domain what the new state is, and save it.

Version history: every change (creation, edit, status change, import update) writes a row to
``article_versions`` holding the article *as it became*, with who made the change. The latest
row equals the article, so the history is the complete list of what customers could have
seen, and who put it there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desk_app.knowledge.articles import (
    ArticleData,
    ArticleStatus,
    ArticleVersionData,
    ImportResult,
    apply_edit,
    clean_article,
    content_equal,
    transition,
)
from desk_app.protocol.errors import ConflictError, NotFoundError
from desk_app.store.models import Article, ArticleVersion, UnansweredQuestion, new_id, utcnow

__all__ = [
    "archive",
    "article_versions",
    "count_articles",
    "create_article",
    "create_submission",
    "due_for_review",
    "edit",
    "get_article",
    "import_articles",
    "list_articles",
    "publish",
    "published_articles",
    "record_unanswered",
    "set_status",
]

MAX_UNANSWERED_TEXT = 2000


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes even for timezone-aware columns; they are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _utc(now: datetime | None) -> datetime:
    """``now`` in UTC: SQLite stores the digits without the offset, so every stored time must
    be in the same zone for comparisons such as "review-by date has passed" to hold."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC)


def _data(row: Article) -> ArticleData:
    return ArticleData(
        id=row.id,
        title=row.title,
        answer=row.answer,
        questions=tuple(row.questions or ()),
        tags=tuple(row.tags or ()),
        status=ArticleStatus(row.status),
        author=row.author or "",
        reviewer=row.reviewer,
        version=row.version,
        review_by=_aware(row.review_by),
        source_conversation_id=row.source_conversation_id,
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
    )


def _save(session: Session, row: Article, article: ArticleData, editor: str, now: datetime) -> None:
    row.title = article.title
    row.answer = article.answer
    row.questions = list(article.questions)
    row.tags = list(article.tags)
    row.status = article.status.value
    row.author = article.author
    row.reviewer = article.reviewer
    row.version = article.version
    row.review_by = article.review_by
    row.source_conversation_id = article.source_conversation_id
    row.updated_at = now
    session.add(
        ArticleVersion(
            article_id=article.id,
            version=article.version,
            title=article.title,
            answer=article.answer,
            questions=list(article.questions),
            tags=list(article.tags),
            status=article.status.value,
            editor=editor,
            created_at=now,
        )
    )


def _row(session: Session, article_id: str) -> Article:
    row = session.get(Article, article_id)
    if row is None:
        raise NotFoundError(f"no article {article_id!r}")
    return row


def get_article(session: Session, article_id: str) -> ArticleData:
    """The article; NotFoundError if there is none."""
    return _data(_row(session, article_id))


def list_articles(session: Session, *, status: ArticleStatus | None = None) -> list[ArticleData]:
    """Articles (of one status, if given), oldest first so exports are stable."""
    query = select(Article).order_by(Article.created_at, Article.id)
    if status is not None:
        query = query.where(Article.status == ArticleStatus(status).value)
    return [_data(row) for row in session.scalars(query)]


def published_articles(session: Session) -> list[ArticleData]:
    """What the bot may answer with."""
    return list_articles(session, status=ArticleStatus.PUBLISHED)


def count_articles(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Article)) or 0)


def article_versions(session: Session, article_id: str) -> list[ArticleVersionData]:
    """The article's history, first version first."""
    _row(session, article_id)
    rows = session.scalars(
        select(ArticleVersion)
        .where(ArticleVersion.article_id == article_id)
        .order_by(ArticleVersion.version)
    )
    return [
        ArticleVersionData(
            article_id=row.article_id,
            version=row.version,
            title=row.title,
            answer=row.answer,
            questions=tuple(row.questions or ()),
            tags=tuple(row.tags or ()),
            status=ArticleStatus(row.status),
            editor=row.editor,
            created_at=_aware(row.created_at),
        )
        for row in rows
    ]


def _insert(session: Session, article: ArticleData, editor: str, now: datetime) -> ArticleData:
    article = replace(article, version=1, created_at=now, updated_at=now)
    row = Article(id=article.id, created_at=now)
    session.add(row)
    _save(session, row, article, editor, now)
    session.flush()  # a duplicate id fails here, inside the caller's transaction
    return article


def create_article(
    session: Session, article: ArticleData, *, editor: str, now: datetime | None = None
) -> ArticleData:
    """Store a new article as given (status included); ConflictError if the id exists."""
    now = _utc(now)
    article = clean_article(article)
    if session.get(Article, article.id) is not None:
        raise ConflictError(f"article {article.id!r} already exists")
    return _insert(session, article, editor, now)


def create_submission(
    session: Session,
    *,
    title: str,
    answer: str,
    questions: Iterable[str] = (),
    tags: Iterable[str] = (),
    author: str,
    conversation_id: str | None = None,
    now: datetime | None = None,
) -> ArticleData:
    """An agent's article from a chat: pending review, linked to the conversation.

    The caller masks personal data first (the server's KnowledgeService does); this function
    stores what it is given. The id is random, like every public id.
    """
    article = clean_article(
        ArticleData(
            id=new_id(),
            title=title,
            answer=answer,
            questions=tuple(questions),
            tags=tuple(tags),
            status=ArticleStatus.PENDING_REVIEW,
            author=author,
            source_conversation_id=conversation_id,
        )
    )
    return _insert(session, article, author, _utc(now))


def import_articles(
    session: Session,
    articles: Iterable[ArticleData],
    *,
    status: ArticleStatus | None = None,
    editor: str = "import",
    now: datetime | None = None,
) -> ImportResult:
    """Insert or update articles by id (the file is authoritative); returns what changed.

    ``status`` overrides each article's own. An article whose title, answer, questions, tags
    and status are already stored is left alone, so importing the same file twice adds no
    versions. An import is an admin's act and bypasses the review workflow.
    """
    now = _utc(now)
    result = ImportResult()
    for given in articles:
        article = clean_article(given if status is None else replace(given, status=status))
        row = session.get(Article, article.id)
        if row is None:
            _insert(session, article, editor, now)
            result.created.append(article.id)
            continue
        current = _data(row)
        if content_equal(current, article):
            result.unchanged.append(article.id)
            continue
        updated = replace(
            current,
            title=article.title,
            answer=article.answer,
            questions=article.questions,
            tags=article.tags,
            status=article.status,
            reviewer=article.reviewer or current.reviewer,
            review_by=article.review_by or current.review_by,
            version=current.version + 1,
        )
        _save(session, row, updated, editor, now)
        result.updated.append(article.id)
    session.flush()
    return result


def set_status(
    session: Session,
    article_id: str,
    target: ArticleStatus,
    *,
    actor: str,
    role: str,
    now: datetime | None = None,
) -> ArticleData:
    """Move the article through the workflow (see ``desk_app.knowledge.articles``)."""
    now = _utc(now)
    row = _row(session, article_id)
    article = transition(_data(row), ArticleStatus(target), actor=actor, role=role, now=now)
    _save(session, row, article, actor, now)
    return article


def publish(
    session: Session,
    article_id: str,
    *,
    reviewer: str,
    role: str = "supervisor",
    now: datetime | None = None,
) -> ArticleData:
    """Approve: the bot answers with it from now on (the caller updates the index)."""
    return set_status(
        session, article_id, ArticleStatus.PUBLISHED, actor=reviewer, role=role, now=now
    )


def archive(
    session: Session,
    article_id: str,
    *,
    actor: str,
    role: str = "supervisor",
    now: datetime | None = None,
) -> ArticleData:
    """Withdraw: kept with its history, never answered with (the caller updates the index)."""
    return set_status(session, article_id, ArticleStatus.ARCHIVED, actor=actor, role=role, now=now)


def edit(
    session: Session,
    article_id: str,
    changes: Mapping[str, Any],
    *,
    editor: str,
    role: str,
    now: datetime | None = None,
) -> ArticleData:
    """Change title, answer, questions, tags or review_by; a new version if anything changed."""
    now = _utc(now)
    row = _row(session, article_id)
    current = _data(row)
    edited = apply_edit(current, changes, actor=editor, role=role, now=now)
    if edited is not current:
        _save(session, row, edited, editor, now)
    return edited


def due_for_review(session: Session, now: datetime | None = None) -> list[ArticleData]:
    """Published articles whose review-by date has passed, most overdue first."""
    now = _utc(now)
    rows = session.scalars(
        select(Article)
        .where(Article.status == ArticleStatus.PUBLISHED.value)
        .where(Article.review_by.is_not(None))
        .where(Article.review_by <= now)
        .order_by(Article.review_by)
    )
    return [_data(row) for row in rows]


def record_unanswered(
    session: Session,
    *,
    conversation_id: str | None,
    text: str,
    best_guess: str | None,
    score: float,
    now: datetime | None = None,
) -> None:
    """Remember a question the bot could not answer, for the knowledge-gap report.

    The caller masks personal data first. Text is cut at 2,000 characters: the report needs
    the question, not a pasted novel.
    """
    session.add(
        UnansweredQuestion(
            conversation_id=conversation_id,
            text=text[:MAX_UNANSWERED_TEXT],
            best_guess=(best_guess or None) and best_guess[:64],
            score=max(0.0, min(1.0, float(score))),
            created_at=_utc(now),
        )
    )
