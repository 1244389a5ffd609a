"""Knowledge articles as plain data: fields, the review workflow, and version history.

An article is what the bot answers with and what agents see in their knowledge panel. It
moves through a small workflow so that nothing an agent writes in the heat of a chat reaches
customers unreviewed::

    draft ──submit──▶ pending_review ──publish──▶ published ──archive──▶ archived
      ▲                  │   (reject / withdraw)      │ (unpublish)          │
      └──────────────────┴────────────────────────────┴───── restore ────────┘

Who may do what (``Role`` from the protocol, plus ``system`` for imports and start-up):

===========================  ======================================================
draft -> pending_review       the author, a supervisor or an admin
draft/pending -> published    a supervisor or an admin (the reviewer is recorded)
pending_review -> draft       the author (withdraw) or a supervisor/admin (reject)
draft -> archived             the author (discard) or a supervisor/admin
pending/published -> archived a supervisor or an admin
published -> draft            a supervisor or an admin (take it down to rework it)
archived -> draft             a supervisor or an admin (restore)
edit                          drafts and pending ones: the author or a supervisor/admin;
                              published ones: a supervisor/admin; archived: nobody
===========================  ======================================================

Every change (content or status) produces a new version; the store keeps each version as a
row, so "who changed the answer, and what did it say before" is always answerable.

Pure Python: the store maps these to rows (``desk_app.store.articles``), the knowledge file
reader builds them (``desk_app.knowledge.kbfile``), and the workflow is tested without a
database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from desk_app.protocol.errors import ConflictError, DeskError, ErrorCode, NotAllowedError
from desk_app.protocol.messages import ArticleStatus

__all__ = [
    "DEFAULT_REVIEW_DAYS",
    "STAFF_ROLES",
    "ArticleData",
    "ArticleError",
    "ArticleStatus",
    "ArticleVersionData",
    "ImportResult",
    "apply_edit",
    "can_edit",
    "clean_article",
    "content_equal",
    "is_valid_article_id",
    "needs_review",
    "transition",
]

DEFAULT_REVIEW_DAYS = 180
"""A published answer is due for review half a year after publishing: prices, time limits and
policies change, and an outdated answer is worse than none."""

STAFF_ROLES = frozenset({"supervisor", "admin", "system"})
"""Roles that review: ``system`` is the importer and start-up code acting for an admin."""

MAX_TITLE = 200
MAX_ANSWER = 8000
MAX_QUESTION = 500
MAX_QUESTIONS = 2000  # the evaluation sets have up to ~400 per intent
MAX_TAG = 32
MAX_TAGS = 20

# 退货政策 and BANKING77's "reverted_card_payment?" are fine ids
_ID = re.compile(r"^[^\s\x00-\x1f\x7f]{1,64}$")
RESERVED_PREFIX = "flow:"  # the bot indexes its flows as documents with these ids


class ArticleError(DeskError):
    """An article that cannot be accepted as given (empty answer, bad id...)."""

    code = ErrorCode.INVALID_FIELD


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleData:
    """One article. ``questions`` are the alternative phrasings customers use.

    ``review_by`` is the date by which someone should check the answer is still true;
    ``source_conversation_id`` links an agent's submission to the chat it came from.
    """

    id: str
    title: str
    answer: str
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: ArticleStatus = ArticleStatus.DRAFT
    author: str = ""
    reviewer: str | None = None
    version: int = 1
    review_by: datetime | None = None
    source_conversation_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleVersionData:
    """The article as it was after one change, and who made the change."""

    article_id: str
    version: int
    title: str
    answer: str
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    status: ArticleStatus = ArticleStatus.DRAFT
    editor: str = ""
    created_at: datetime | None = None

    @classmethod
    def of(cls, article: ArticleData, editor: str, now: datetime | None) -> ArticleVersionData:
        return cls(
            article_id=article.id,
            version=article.version,
            title=article.title,
            answer=article.answer,
            questions=article.questions,
            tags=article.tags,
            status=article.status,
            editor=editor,
            created_at=now,
        )


@dataclass(frozen=True, slots=True)
class _Rule:
    author_may: bool
    staff_may: bool = True


_TRANSITIONS: Mapping[tuple[ArticleStatus, ArticleStatus], _Rule] = {
    (ArticleStatus.DRAFT, ArticleStatus.PENDING_REVIEW): _Rule(author_may=True),
    (ArticleStatus.DRAFT, ArticleStatus.PUBLISHED): _Rule(author_may=False),
    (ArticleStatus.DRAFT, ArticleStatus.ARCHIVED): _Rule(author_may=True),
    (ArticleStatus.PENDING_REVIEW, ArticleStatus.PUBLISHED): _Rule(author_may=False),
    (ArticleStatus.PENDING_REVIEW, ArticleStatus.DRAFT): _Rule(author_may=True),
    (ArticleStatus.PENDING_REVIEW, ArticleStatus.ARCHIVED): _Rule(author_may=False),
    (ArticleStatus.PUBLISHED, ArticleStatus.ARCHIVED): _Rule(author_may=False),
    (ArticleStatus.PUBLISHED, ArticleStatus.DRAFT): _Rule(author_may=False),
    (ArticleStatus.ARCHIVED, ArticleStatus.DRAFT): _Rule(author_may=False),
}


def is_valid_article_id(article_id: str) -> bool:
    """1-64 printable characters without spaces; never the bot's ``flow:`` ids.

    Letters, digits, ``_ . -`` are recommended (they survive URLs and spreadsheets), but
    public data sets use ids such as ``reverted_card_payment?``, so anything printable goes.
    """
    return bool(_ID.match(article_id)) and not article_id.startswith(RESERVED_PREFIX)


def _clean_text(value: Any, what: str, limit: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # YAML reads a bare 404 as a number
        else:
            raise ArticleError(f"{what} must be text, not {type(value).__name__}")
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
    if required and not text:
        raise ArticleError(f"{what} is empty")
    if len(text) > limit:
        raise ArticleError(f"{what} is longer than {limit} characters")
    return text


def _clean_list(values: Any, what: str, item_limit: int, count_limit: int) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, Iterable) or isinstance(values, Mapping):
        raise ArticleError(f"{what} must be a list of texts")
    seen: dict[str, None] = {}
    for value in values:
        text = " ".join(_clean_text(value, what[:-1], item_limit, required=False).split())
        if text:
            seen.setdefault(text, None)
    if len(seen) > count_limit:
        raise ArticleError(f"more than {count_limit} {what}")
    return tuple(seen)


def clean_article(article: ArticleData) -> ArticleData:
    """The article with whitespace trimmed and duplicates dropped; raises ArticleError.

    Every way in (files, the desk's submit dialog, edits) goes through here, so the store and
    the index never hold an empty answer or a question list with blanks in it.
    """
    if not isinstance(article.id, str) or not is_valid_article_id(article.id.strip()):
        raise ArticleError(
            f"article id {article.id!r} is not valid: 1-64 characters without spaces "
            f"(letters, digits, '_', '.', '-' recommended), not starting with {RESERVED_PREFIX!r}"
        )
    title = _clean_text(article.title, "title", MAX_TITLE, required=True)
    return replace(
        article,
        id=article.id.strip(),
        title=" ".join(title.split()),
        answer=_clean_text(article.answer, "answer", MAX_ANSWER, required=True),
        questions=_clean_list(article.questions, "questions", MAX_QUESTION, MAX_QUESTIONS),
        tags=_clean_list(article.tags, "tags", MAX_TAG, MAX_TAGS),
        status=ArticleStatus(article.status),
    )


def _is_staff(role: str) -> bool:
    return role in STAFF_ROLES


def transition(
    article: ArticleData,
    target: ArticleStatus,
    *,
    actor: str,
    role: str,
    now: datetime,
    review_days: int = DEFAULT_REVIEW_DAYS,
) -> ArticleData:
    """The article in status ``target``, one version later; raises if not allowed.

    ConflictError when the workflow has no such step (publishing an archived article must go
    through draft, so a restored article is read again before customers see it);
    NotAllowedError when this role may not take it. Publishing records the reviewer and sets
    a review-by date unless a later one is already set.
    """
    target = ArticleStatus(target)
    if article.status == target:
        raise ConflictError(f"article {article.id} is already {target.value}")
    rule = _TRANSITIONS.get((article.status, target))
    if rule is None:
        raise ConflictError(
            f"article {article.id} cannot go from {article.status.value} to {target.value}"
        )
    is_author = bool(actor) and actor == article.author
    if not (_is_staff(role) and rule.staff_may) and not (is_author and rule.author_may):
        raise NotAllowedError(
            f"{role} {actor!r} may not move article {article.id} "
            f"from {article.status.value} to {target.value}"
        )
    changes: dict[str, Any] = {"status": target, "version": article.version + 1, "updated_at": now}
    if target == ArticleStatus.PUBLISHED:
        changes["reviewer"] = actor
        if article.review_by is None or article.review_by <= now:
            changes["review_by"] = now + timedelta(days=review_days)
    return replace(article, **changes)


def can_edit(article: ArticleData, *, actor: str, role: str) -> bool:
    """Whether this person may change the article's content (see the module's table)."""
    if article.status == ArticleStatus.ARCHIVED:
        return False
    if _is_staff(role):
        return True
    return article.status != ArticleStatus.PUBLISHED and bool(actor) and actor == article.author


EDITABLE_FIELDS = frozenset({"title", "answer", "questions", "tags", "review_by"})


def apply_edit(
    article: ArticleData,
    changes: Mapping[str, Any],
    *,
    actor: str,
    role: str,
    now: datetime,
) -> ArticleData:
    """The edited article, one version later, or the same object when nothing changed.

    Only content fields (``EDITABLE_FIELDS``) can be edited; status goes through
    :func:`transition` so that the workflow's checks cannot be side-stepped by an edit.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ArticleError(f"cannot edit {', '.join(sorted(unknown))}")
    if not can_edit(article, actor=actor, role=role):
        raise NotAllowedError(f"{role} {actor!r} may not edit article {article.id}")
    values = dict(changes)
    for name in ("questions", "tags"):
        if name in values and values[name] is not None:
            values[name] = tuple(values[name])
    edited = clean_article(replace(article, **values))
    if edited == article:
        return article
    return replace(edited, version=article.version + 1, updated_at=now)


def needs_review(article: ArticleData, now: datetime) -> bool:
    """A published article whose review-by date has passed."""
    return (
        article.status == ArticleStatus.PUBLISHED
        and article.review_by is not None
        and article.review_by <= now
    )


def content_equal(a: ArticleData, b: ArticleData) -> bool:
    """Same title, answer, questions, tags and status: an import of it changes nothing."""
    return (a.title, a.answer, a.questions, a.tags, a.status) == (
        b.title,
        b.answer,
        b.questions,
        b.tags,
        b.status,
    )


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did, to print and to test."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + len(self.unchanged)
