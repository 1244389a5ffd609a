"""Knowledge articles found for the agent (suggestions or search results), as a list model.

Keyed by article id: the panel keeps the agent's highlighted article across a refresh of the
suggestions (a new customer message re-ranks them every few seconds) by looking its id up,
never by remembering a row number. Every value is plain text; the delegate paints it with
``QPainter.drawText`` and never as HTML, since articles quote customers.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QAbstractListModel, QByteArray, QModelIndex, QPersistentModelIndex, Qt

from desk_app.protocol.messages import ArticleHit

Index = QModelIndex | QPersistentModelIndex

# Roles of this model (the shared ones in models/roles.py stop below UserRole + 40).
ArticleIdRole = Qt.ItemDataRole.UserRole + 40
ArticleHitRole = Qt.ItemDataRole.UserRole + 41  # the ArticleHit itself
ScoreRole = Qt.ItemDataRole.UserRole + 42  # float 0-1
AnswerRole = Qt.ItemDataRole.UserRole + 43
TagsRole = Qt.ItemDataRole.UserRole + 44  # list[str]


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ArticleHitModel(QAbstractListModel):
    """Article hits in the server's order (best first), one row per article id."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._hits: list[ArticleHit] = []
        self._row_of: dict[str, int] = {}

    # --- Qt interface ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return _one_line(hit.title, 200)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{_one_line(hit.title, 200)}, {round(hit.score * 100)}%"
        if role == ArticleIdRole:
            return hit.article_id
        if role == ArticleHitRole:
            return hit
        if role == ScoreRole:
            return hit.score
        if role == AnswerRole:
            return hit.answer
        if role == TagsRole:
            return list(hit.tags)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update(
            {
                ArticleIdRole: QByteArray(b"articleId"),
                ScoreRole: QByteArray(b"score"),
                AnswerRole: QByteArray(b"answer"),
                TagsRole: QByteArray(b"tags"),
            }
        )
        return names

    # --- updates --------------------------------------------------------------------------

    def set_hits(self, hits: Iterable[ArticleHit]) -> None:
        """Show these hits instead of the current ones.

        A reset, not row by row: each refresh replaces the whole ranking, and a reset is one
        signal for the view. A second hit with the same article id is dropped (the first one
        is the better ranked).
        """
        unique: list[ArticleHit] = []
        row_of: dict[str, int] = {}
        for hit in hits:
            if hit.article_id not in row_of:
                row_of[hit.article_id] = len(unique)
                unique.append(hit)
        self.beginResetModel()
        self._hits = unique
        self._row_of = row_of
        self.endResetModel()

    def clear(self) -> None:
        self.set_hits(())

    # --- lookups --------------------------------------------------------------------------

    def hits(self) -> list[ArticleHit]:
        return list(self._hits)

    def hit(self, article_id: str) -> ArticleHit | None:
        row = self._row_of.get(article_id)
        return None if row is None else self._hits[row]

    def index_of(self, article_id: str) -> QModelIndex:
        """The row of an article, or an invalid index if it is not shown."""
        row = self._row_of.get(article_id)
        return QModelIndex() if row is None else self.index(row, 0)
