"""The knowledge panel at the side of a conversation: suggested articles, a search, insert.

Two sources fill one list. The server pushes *suggestions* for what the customer is asking now
(``knowledge.suggestions`` after each contact message); the agent can *search* instead. While
the search box holds text the list shows search results; clearing it brings the current
conversation's latest suggestions back. Suggestions are kept per conversation, so switching
tabs shows the right ones at once, and suggestions for a conversation the agent is not looking
at never replace what is on screen.

Article titles and answers may quote customers: everything is plain text (labels set to
``PlainText``, a ``QPlainTextEdit`` for the full answer, ``drawText`` in the delegate).

Keys: typing searches after a 150 ms pause (one request per pause, not per keystroke); Enter in
the search box searches at once, Down moves to the list; Enter or a double-click on an article,
the Insert button, or Ctrl+I anywhere in the panel inserts its answer into the composer
(:attr:`KnowledgePanel.insert_requested`). The window also binds Ctrl+I (internal note): inside
the panel the panel takes it, through ``ShortcutOverride``, so the two never clash.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QTextLayout,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk.models.articles import AnswerRole, ArticleHitModel, ArticleHitRole
from desk_app.protocol.messages import ArticleHit

Index = QModelIndex | QPersistentModelIndex

SEARCH_DEBOUNCE_MS = 150
INSERT_KEYS = QKeySequence("Ctrl+I")
_PREVIEW_LINES = 2


def _plain_label(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setTextFormat(Qt.TextFormat.PlainText)  # AutoText would render "<b>" from an article
    label.setWordWrap(True)
    return label


def _matches(event: QKeyEvent, keys: QKeySequence) -> bool:
    return QKeySequence(event.keyCombination()) == keys


# ---------------------------------------------------------------------------------------------
# Painting one hit


class ArticleHitDelegate(QStyledItemDelegate):
    """Paints a hit as: title and score bar, tags, the first lines of the answer.

    Plain ``drawText`` and a ``QTextLayout`` for the wrapped preview: neither interprets
    markup, so an answer containing ``<img src=x>`` is painted as those characters.
    """

    PAD = 6
    BAR_WIDTH = 44

    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
        title = QFont(option.font)
        title.setBold(True)
        small = QFont(option.font)
        small.setPointSizeF(max(6.0, option.font.pointSizeF() * 0.9))
        return title, small

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        title, small = self._fonts(option)
        height = QFontMetrics(title).height() + QFontMetrics(small).height()
        height += _PREVIEW_LINES * QFontMetrics(option.font).height()
        return QSize(200, height + 3 * self.PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        hit = index.data(ArticleHitRole)
        if not isinstance(hit, ArticleHit):
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = option.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)

        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        text_color = palette.color(text_role)
        muted = QColor(text_color)
        muted.setAlphaF(0.65)
        title_font, small_font = self._fonts(option)
        rect = option.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)  # type: ignore[attr-defined]

        painter.save()
        # Title, elided, with the score bar on the right.
        title_metrics = QFontMetrics(title_font)
        score_width = self.BAR_WIDTH + 4 + QFontMetrics(small_font).horizontalAdvance("100%")
        score_left = rect.right() - score_width
        title_width = max(0, score_left - rect.left() - self.PAD)
        painter.setFont(title_font)
        painter.setPen(text_color)
        title = title_metrics.elidedText(
            " ".join(hit.title.split()), Qt.TextElideMode.ElideRight, title_width
        )
        painter.drawText(rect.left(), rect.top() + title_metrics.ascent(), title)  # never markup
        painter.setPen(muted)
        self._paint_score(painter, hit.score, rect.right(), rect.top(), title_metrics, small_font)

        # Tags.
        y = rect.top() + title_metrics.height()
        small_metrics = QFontMetrics(small_font)
        painter.setFont(small_font)
        painter.setPen(muted)
        tags = "  ".join(f"#{' '.join(tag.split())}" for tag in hit.tags)
        painter.drawText(
            rect.left(),
            y + small_metrics.ascent(),
            small_metrics.elidedText(tags, Qt.TextElideMode.ElideRight, rect.width()),
        )
        y += small_metrics.height() + self.PAD // 2

        # The first lines of the answer.
        painter.setPen(text_color)
        self._paint_preview(painter, hit.answer, option.font, rect.left(), y, rect.width())  # type: ignore[attr-defined]
        painter.restore()

    def _paint_score(
        self,
        painter: QPainter,
        score: float,
        right: int,
        top: int,
        title_metrics: QFontMetrics,
        font: QFont,
    ) -> None:
        """ "87%" and a small bar, right-aligned on the title line."""
        score = min(1.0, max(0.0, score))
        middle = top + title_metrics.height() / 2
        bar = QRectF(right - self.BAR_WIDTH, middle - 2, self.BAR_WIDTH, 4)
        painter.fillRect(bar, QColor(128, 128, 128, 70))
        filled = QRectF(bar)
        filled.setWidth(bar.width() * score)
        painter.fillRect(filled, QColor("#16a34a") if score >= 0.6 else QColor("#ca8a04"))
        painter.setFont(font)
        metrics = QFontMetrics(font)
        label = f"{round(score * 100)}%"
        baseline = middle + (metrics.ascent() - metrics.descent()) / 2
        painter.drawText(
            QPointF(bar.left() - 4 - metrics.horizontalAdvance(label), baseline), label
        )

    def _paint_preview(
        self, painter: QPainter, answer: str, font: QFont, left: int, top: int, width: int
    ) -> None:
        text = " ".join(answer.split())
        if not text or width <= 0:
            return
        metrics = QFontMetrics(font)
        layout = QTextLayout(text, font)
        layout.beginLayout()
        lines = []
        y = 0.0
        while len(lines) < _PREVIEW_LINES:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, y))
            y += metrics.height()
            lines.append(line)
        layout.endLayout()
        painter.setFont(font)
        for number, line in enumerate(lines):
            start, length = line.textStart(), line.textLength()
            chunk = text[start : start + length]
            last = number == len(lines) - 1
            if last and start + length < len(text):
                chunk = metrics.elidedText(
                    text[start:], Qt.TextElideMode.ElideRight, width
                )  # the rest, cut with "…"
            painter.drawText(left, top + number * metrics.height() + metrics.ascent(), chunk)


# ---------------------------------------------------------------------------------------------
# The full article


class ArticleDialog(QDialog):
    """The whole article, read-only, as plain text, with a button to insert its answer."""

    insert_requested = Signal(str)

    def __init__(self, hit: ArticleHit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hit = hit
        self.setWindowTitle(self.tr("Knowledge article"))
        self.resize(520, 420)
        layout = QVBoxLayout(self)
        self.title_label = _plain_label(hit.title, self)
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title_label.setFont(font)
        self.title_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title_label)
        meta = self.tr("Match: %1%").replace("%1", str(round(hit.score * 100)))
        if hit.tags:
            meta += "  ·  " + self.tr("Tags: %1").replace("%1", ", ".join(hit.tags))
        self.meta_label = _plain_label(meta, self)
        layout.addWidget(self.meta_label)
        self.answer_view = QPlainTextEdit(self)
        self.answer_view.setReadOnly(True)
        self.answer_view.setPlainText(hit.answer)
        layout.addWidget(self.answer_view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.insert_button = buttons.addButton(
            self.tr("Insert into reply"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.rejected.connect(self.reject)
        self.insert_button.clicked.connect(self._insert)
        layout.addWidget(buttons)

    def _insert(self) -> None:
        self.insert_requested.emit(self.hit.answer)
        self.accept()


# ---------------------------------------------------------------------------------------------
# The panel


class KnowledgePanel(QWidget):
    """Suggested articles for the current conversation, a search box, and insert.

    The window connects :attr:`search_requested` to the server search and feeds the answer to
    :meth:`show_results`; it forwards ``knowledge.suggestions`` to :meth:`show_suggestions`
    and tells the panel which conversation is on screen with :meth:`set_current_conversation`.
    """

    search_requested = Signal(str)  # the query, after the debounce
    search_started = Signal(str, str)  # request id, query: for a window that lets the panel
    # pick request ids, so show_results can drop a late answer to an older query
    insert_requested = Signal(str)  # an article's answer, for the composer

    def __init__(
        self, parent: QWidget | None = None, *, debounce_ms: int = SEARCH_DEBOUNCE_MS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("knowledgePanel")
        self._current: str | None = None  # set by the window; None: the window filters
        self._shown: str | None = None  # whose suggestions the list shows (when not searching)
        self._suggestions: dict[str, list[ArticleHit]] = {}
        self._issued: set[str] = set()  # request ids this panel made
        self._latest_request: str | None = None
        self._searched: str = ""  # the query of the latest search request
        self.article_dialog: ArticleDialog | None = None

        self.model = ArticleHitModel(self)

        self.search_box = QLineEdit(self)
        self.search_box.setPlaceholderText(self.tr("Search articles…"))
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setMaxLength(500)  # the protocol's limit for a query
        self.header = _plain_label("", self)
        self.header.setObjectName("knowledgeHeader")

        self.list_view = QListView(self)
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(ArticleHitDelegate(self.list_view))
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setAccessibleName(self.tr("Knowledge articles"))

        self.insert_button = QPushButton(self.tr("Insert"), self)
        self.insert_button.setToolTip(self.tr("Insert the answer into the reply (Ctrl+I)"))
        self.open_button = QPushButton(self.tr("Open"), self)
        self.open_button.setToolTip(self.tr("Read the full article"))

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.insert_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search_box)
        layout.addWidget(self.header)
        layout.addWidget(self.list_view, 1)
        layout.addLayout(buttons)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self._search_now)

        self.search_box.textChanged.connect(self._on_text_changed)
        self.search_box.returnPressed.connect(self._on_return)
        self.list_view.doubleClicked.connect(self._insert_index)
        self.list_view.selectionModel().currentChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.insert_button.clicked.connect(self.insert_current)
        self.open_button.clicked.connect(self.open_current)
        for widget in (self.search_box, self.list_view, self.insert_button, self.open_button):
            widget.installEventFilter(self)
        self._show_suggestions_for_current()

    # --- what the window calls ------------------------------------------------------------

    def set_current_conversation(self, conversation_id: str | None) -> None:
        """The conversation on screen; its latest suggestions are shown (unless searching)."""
        self._current = conversation_id
        self._shown = conversation_id
        if not self.searching():
            self._show_suggestions_for_current()

    def show_suggestions(self, conversation_id: str, hits: Sequence[ArticleHit]) -> None:
        """New suggestions for a conversation. Kept; shown only if it is the one on screen.

        Until :meth:`set_current_conversation` has been called the panel trusts the caller
        (a window that only forwards the current conversation's) and shows them.
        """
        self._suggestions[conversation_id] = list(hits)
        if self._current is not None and conversation_id != self._current:
            return
        self._shown = conversation_id
        if not self.searching():
            self._show_suggestions_for_current()

    def show_results(self, request_id: str, hits: Sequence[ArticleHit]) -> None:
        """Search results. Dropped if the search box was cleared meanwhile, or if the panel
        issued ``request_id`` itself and a newer search has been sent since."""
        if not self.searching():
            return
        if request_id in self._issued and request_id != self._latest_request:
            return
        self._issued.discard(request_id)
        self._set_hits(hits)
        query = self._searched or self.search_box.text().strip()
        if hits:
            text = self.tr("%n article(s) for “%1”", "", len(hits))
        else:
            text = self.tr("No articles match “%1”")
        self.header.setText(text.replace("%1", _short(query)))

    def forget_conversation(self, conversation_id: str) -> None:
        """The conversation was closed or transferred: drop its suggestions."""
        self._suggestions.pop(conversation_id, None)
        if conversation_id == self._shown:
            self._shown = None
            if not self.searching():
                self._show_suggestions_for_current()

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def searching(self) -> bool:
        """Whether the list is (or is about to be) search results rather than suggestions."""
        return bool(self.search_box.text().strip())

    def search_pending(self) -> bool:
        """Whether typed text waits for the debounce to become a search request."""
        return self._debounce.isActive()

    def current_hit(self) -> ArticleHit | None:
        hit = self.list_view.currentIndex().data(ArticleHitRole)
        return hit if isinstance(hit, ArticleHit) else None

    # --- actions --------------------------------------------------------------------------

    def insert_current(self) -> None:
        hit = self.current_hit()
        if hit is None and self.model.rowCount() == 1:
            hit = self.model.hits()[0]  # one article: no need to select it first
        if hit is not None and hit.answer:
            self.insert_requested.emit(hit.answer)

    def open_current(self) -> None:
        hit = self.current_hit()
        if hit is None:
            return
        if self.article_dialog is not None:
            self.article_dialog.close()
        dialog = ArticleDialog(hit, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.insert_requested.connect(self.insert_requested)
        dialog.destroyed.connect(self._dialog_gone)
        self.article_dialog = dialog
        dialog.open()

    # --- internals ------------------------------------------------------------------------

    def _dialog_gone(self) -> None:
        self.article_dialog = None

    def _on_text_changed(self, text: str) -> None:
        if text.strip():
            self._debounce.start()  # restarts: one search per pause in typing
        else:
            self._debounce.stop()
            self._searched = ""
            self._latest_request = None
            self._show_suggestions_for_current()

    def _on_return(self) -> None:
        """Enter in the search box: search now; pressed again on the same query, go to the list."""
        if self.search_box.text().strip() != self._searched:
            self._search_now()
        elif self.model.rowCount():
            self._focus_list()

    def _search_now(self) -> None:
        self._debounce.stop()
        query = self.search_box.text().strip()
        if not query or query == self._searched:
            return
        self._searched = query
        request_id = uuid.uuid4().hex
        self._issued.add(request_id)
        self._latest_request = request_id
        self.header.setText(self.tr("Searching for “%1”…").replace("%1", _short(query)))
        self.search_started.emit(request_id, query)
        self.search_requested.emit(query)

    def _show_suggestions_for_current(self) -> None:
        hits = self._suggestions.get(self._shown, []) if self._shown else []
        self._set_hits(hits)
        if self._shown is None:
            self.header.setText(self.tr("Open a conversation to see suggested articles."))
        elif hits:
            self.header.setText(self.tr("Suggested for what the customer asks"))
        elif self._shown in self._suggestions:  # searched: nothing is close enough to offer
            self.header.setText(self.tr("No article matches the customer's last message"))
        else:
            self.header.setText(self.tr("No suggestions yet"))

    def _set_hits(self, hits: Sequence[ArticleHit]) -> None:
        """Replace the list, keeping the highlighted article if it is still there."""
        kept = self.current_hit()
        self.model.set_hits(hits)
        if kept is not None:
            index = self.model.index_of(kept.article_id)
            if index.isValid():
                self.list_view.setCurrentIndex(index)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_hit() is not None
        self.open_button.setEnabled(has)
        self.insert_button.setEnabled(has or self.model.rowCount() == 1)

    def _insert_index(self, index: QModelIndex) -> None:
        answer = index.data(AnswerRole)
        if isinstance(answer, str) and answer:
            self.insert_requested.emit(answer)

    def _focus_list(self) -> None:
        self.list_view.setFocus(Qt.FocusReason.TabFocusReason)
        if not self.list_view.currentIndex().isValid():
            self.list_view.setCurrentIndex(self.model.index(0, 0))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        kind, key = event.type(), event.key()
        if kind == QEvent.Type.ShortcutOverride and _matches(event, INSERT_KEYS):
            event.accept()  # ours while focus is in the panel, not the window's action
            return True
        if kind != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        current = self.list_view.currentIndex()
        if _matches(event, INSERT_KEYS):
            self.insert_current()
        elif (
            watched is self.list_view
            and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and current.isValid()
        ):
            self._insert_index(current)
        elif watched is self.search_box and key == Qt.Key.Key_Down and self.model.rowCount():
            self._focus_list()
        elif watched is self.search_box and key == Qt.Key.Key_Escape and self.searching():
            self.search_box.clear()
        else:
            return super().eventFilter(watched, event)
        return True


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


__all__ = ["ArticleDialog", "ArticleHitDelegate", "KnowledgePanel"]
