"""Knowledge on the server: the store's articles, the search index, and keeping them in step.

One :class:`~desk_app.knowledge.index.KnowledgeIndex` serves both the bot (answers) and the
agents' knowledge panel (suggestions, search), so an article an agent finds is one the bot
can answer with. Every change that affects what is published (publish, archive, edit,
import) is written to the store first and then applied to the index in the same call, so the
bot answers with it (or stops) the moment the call returns, without a restart.

The index also holds the bot's flows (ids ``flow:<id>``, see ``desk_app.bot.engine``); agent
search leaves them out.

Personal data: a submission from a chat is masked again here (the desk masks before sending;
never trust one end), and so is an unanswered question before it is stored for the
knowledge-gap report.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk_app.knowledge.articles import ArticleData, ArticleVersionData, ImportResult
from desk_app.knowledge.kbfile import load_kb, mask_personal_data
from desk_app.protocol.messages import ArticleHit, ArticleStatus, SubmitKnowledge
from desk_app.resources import resource_path
from desk_app.store import articles as repo
from desk_app.store.database import Store

if TYPE_CHECKING:
    from desk_app.knowledge.index import Document, KnowledgeIndex, Match

__all__ = [
    "SAMPLE_KB",
    "KnowledgeService",
    "article_hits",
    "load_knowledge",
    "search_text",
    "to_document",
]

log = logging.getLogger("desk_app.server.knowledge")

SAMPLE_KB = resource_path("knowledge", "sample_kb.yaml")
SAMPLE_EDITOR = "sample"  # the version-history editor of articles imported from SAMPLE_KB
FLOW_PREFIX = "flow:"


def search_text(text: str) -> str:
    """What is searched for a message or an agent's query: spaces folded, 500 characters."""
    return " ".join(str(text).split())[:500]


def article_hits(matches: Iterable[Match], limit: int, min_score: float = 0.0) -> list[ArticleHit]:
    """The first ``limit`` articles of ``matches`` scoring at least ``min_score``, as frames;
    the bot's flows are left out, and hits are built only for what is kept."""
    kept = [
        m for m in matches if not m.article_id.startswith(FLOW_PREFIX) and m.score >= min_score
    ][:limit]
    return [
        ArticleHit(
            article_id=m.article_id,
            title=m.title,
            answer=m.answer,
            score=round(min(1.0, max(0.0, float(m.score))), 4),
            tags=list(m.tags),
        )
        for m in kept
    ]


def to_document(article: ArticleData) -> Document:
    """The index's view of an article."""
    from desk_app.knowledge.index import Document

    return Document(
        article_id=article.id,
        title=article.title,
        questions=article.questions,
        answer=article.answer,
        tags=article.tags,
    )


class KnowledgeService:
    """Articles for the server: search, submissions, the review workflow, the index."""

    def __init__(self, store: Store, index: KnowledgeIndex) -> None:
        self.store = store
        self.index = index

    # -- the index ---------------------------------------------------------------------------

    async def load(self) -> int:
        """Put every published article into the index; returns how many."""
        published = await self.store.read(repo.published_articles)
        for article in published:
            self.index.upsert(to_document(article))
        return len(published)

    def _sync(self, article: ArticleData) -> None:
        """Make the index agree with the stored article (published: in, otherwise: out)."""
        if article.status == ArticleStatus.PUBLISHED:
            self.index.upsert(to_document(article))
        else:
            with contextlib.suppress(KeyError):  # was never in it
                self.index.remove(article.id)

    # -- agents' panel -----------------------------------------------------------------------

    async def search(self, query: str, limit: int = 8) -> list[ArticleHit]:
        """Published articles for ``query``, best first; the bot's flows are left out."""
        query = search_text(query)
        limit = max(1, min(int(limit), 50))
        if not query:
            return []
        try:
            matches = self.index.search(query, limit=limit + 8)
        except Exception:
            log.exception("knowledge.search_failed")
            return []
        return article_hits(matches, limit)

    async def submit(self, frame: SubmitKnowledge, author: str) -> tuple[str, ArticleStatus]:
        """An agent's article from a chat, masked and stored as pending review."""
        redact = mask_personal_data()
        article = await self.store.write(
            lambda session: repo.create_submission(
                session,
                title=redact(frame.title),
                answer=redact(frame.answer),
                questions=[redact(q) for q in frame.questions],
                tags=list(frame.tags),
                author=author,
                conversation_id=frame.conversation_id,
            )
        )
        log.info(
            "knowledge.submitted",
            extra={"article_id": article.id, "conversation_id": frame.conversation_id},
        )
        return article.id, article.status

    async def record_unanswered(
        self, conversation_id: str | None, text: str, best_guess: str | None, score: float
    ) -> None:
        """Store a question the bot could not answer (masked) for the knowledge-gap report."""
        masked = mask_personal_data()(text[: repo.MAX_UNANSWERED_TEXT])
        await self.store.write(
            lambda session: repo.record_unanswered(
                session,
                conversation_id=conversation_id,
                text=masked,
                best_guess=best_guess,
                score=score,
            )
        )

    # -- review workflow (supervisors, admins) -----------------------------------------------

    async def set_status(
        self, article_id: str, status: ArticleStatus, *, actor: str, role: str
    ) -> ArticleData:
        """Move an article through the workflow; the index follows before this returns."""
        article = await self.store.write(
            lambda session: repo.set_status(
                session, article_id, ArticleStatus(status), actor=actor, role=role
            )
        )
        self._sync(article)
        return article

    async def publish(self, article_id: str, *, reviewer: str, role: str) -> ArticleData:
        """Approve: the bot answers with it from now on."""
        return await self.set_status(article_id, ArticleStatus.PUBLISHED, actor=reviewer, role=role)

    async def archive(self, article_id: str, *, actor: str, role: str) -> ArticleData:
        """Withdraw: the bot stops answering with it at once."""
        return await self.set_status(article_id, ArticleStatus.ARCHIVED, actor=actor, role=role)

    async def edit(
        self, article_id: str, changes: Mapping[str, Any], *, editor: str, role: str
    ) -> ArticleData:
        """Change content; a published article's new text is answered with at once."""
        article = await self.store.write(
            lambda session: repo.edit(session, article_id, changes, editor=editor, role=role)
        )
        self._sync(article)
        return article

    async def import_articles(
        self,
        articles: Iterable[ArticleData],
        *,
        status: ArticleStatus | None = None,
        editor: str = "import",
    ) -> ImportResult:
        """Upsert articles (see ``repo.import_articles``) and bring the index up to date."""
        given = list(articles)
        result = await self.store.write(
            lambda session: repo.import_articles(session, given, status=status, editor=editor)
        )
        changed = set(result.created) | set(result.updated)
        stored = await self.store.read(
            lambda session: [repo.get_article(session, i) for i in sorted(changed)]
        )
        for article in stored:
            self._sync(article)
        return result

    async def get(self, article_id: str) -> ArticleData:
        return await self.store.read(lambda session: repo.get_article(session, article_id))

    async def versions(self, article_id: str) -> list[ArticleVersionData]:
        return await self.store.read(lambda session: repo.article_versions(session, article_id))

    async def articles(self, status: ArticleStatus | None = None) -> list[ArticleData]:
        return await self.store.read(lambda session: repo.list_articles(session, status=status))


def _retire_sample(store: Store, keep: set[str]) -> list[str]:
    """Archive sample articles nobody edited, when a shop loads its own knowledge base."""

    def retire(session: Any) -> list[str]:
        retired = []
        for article in repo.published_articles(session):
            if article.id in keep:
                continue
            history = repo.article_versions(session, article.id)
            if history and all(v.editor == SAMPLE_EDITOR for v in history):
                repo.set_status(
                    session, article.id, ArticleStatus.ARCHIVED, actor="system", role="system"
                )
                retired.append(article.id)
        return retired

    return store.write_sync(retire)


def load_knowledge(
    store: Store, kb_path: Path | None = None, *, index: KnowledgeIndex | None = None
) -> KnowledgeService:
    """The knowledge service for a starting server (``desk server`` / ``desk demo``).

    ``kb_path`` given (``--kb FILE``): its articles are imported as published, and sample
    articles that nobody edited are archived, so the shop tries the bot on its own FAQ only.
    Otherwise, on the first start (no articles stored) the sample knowledge base is imported.
    Then the index is built from every published article. Raises KbFileError for a bad file.
    """
    from desk_app.knowledge.index import KnowledgeIndex

    if kb_path is not None:
        articles = load_kb(kb_path)
        result = store.write_sync(
            lambda session: repo.import_articles(
                session, articles, status=ArticleStatus.PUBLISHED, editor="kb-file"
            )
        )
        retired = _retire_sample(store, {a.id for a in articles})
        log.info(
            "knowledge.kb_loaded",
            extra={
                "file": str(kb_path),
                "created": len(result.created),
                "updated": len(result.updated),
                "retired_sample": len(retired),
            },
        )
    elif store.read_sync(repo.count_articles) == 0 and SAMPLE_KB.exists():
        sample = load_kb(SAMPLE_KB)
        store.write_sync(
            lambda session: repo.import_articles(
                session, sample, status=ArticleStatus.PUBLISHED, editor=SAMPLE_EDITOR
            )
        )
        log.info("knowledge.sample_loaded", extra={"articles": len(sample)})
    published = store.read_sync(repo.published_articles)
    documents = [to_document(a) for a in published]
    if index is None:
        index = KnowledgeIndex(documents)
    else:
        for document in documents:
            index.upsert(document)
    return KnowledgeService(store, index)
