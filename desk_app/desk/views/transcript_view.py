"""The transcript: a list view whose delegate paints each message as a bubble.

Who wrote a message must be clear at a glance: the customer on the left in white, the bot
in indigo and the agent in green on the right, system lines centred and grey, internal notes
across the width in yellow with a "note" label. The text of each bubble is a
``QTextDocument`` built only by :func:`~desk_app.desk.views.bubbles.bubble_html`, which escapes
everything (STYLE rule 6).

Layout of 2,000 messages is spread over several event-loop passes (``Batched`` layout mode)
and each bubble's document is cached per width, so opening a long conversation never freezes
the window.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desk_app.desk import theme
from desk_app.desk.labels import local_time, sender_label
from desk_app.desk.models.roles import MessageRole, PendingRole
from desk_app.desk.models.transcript_model import TranscriptModel
from desk_app.desk.views.bubbles import bubble_html
from desk_app.protocol.messages import Message, Sender

Index = QModelIndex | QPersistentModelIndex

MARGIN = 8  # around a bubble
PADDING = 8  # inside a bubble
MAX_FRACTION = 0.72  # of the view's width, for contact/bot/agent bubbles
CACHE_LIMIT = 4000


class MessageDelegate(QStyledItemDelegate):
    """Paints one message; the text is laid out by a cached, escaped ``QTextDocument``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache: OrderedDict[tuple[object, ...], QTextDocument] = OrderedDict()

    def clear_cache(self) -> None:
        self._cache.clear()

    @staticmethod
    def entry(index: Index) -> tuple[Message, bool]:
        """The message behind an index and whether it is still pending.

        Read straight from :class:`TranscriptModel` when it is the model (the common case):
        layout asks every row's size, and six ``index.data()`` round trips through QVariant per
        row made relayouting a 2,000-message transcript cost 100 ms.
        """
        model = index.model()
        if isinstance(model, TranscriptModel):
            return model.entry(index.row())
        message = index.data(MessageRole)
        return message, bool(index.data(PendingRole))

    def meta_text(self, message: Message, pending: bool) -> str:
        sender = message.sender
        parts = [sender_label(sender)]
        if message.author and sender in (Sender.AGENT, Sender.NOTE, Sender.CONTACT):
            parts.append(message.author)
        parts.append(local_time(message.created_at))
        if pending:
            parts.append(self.tr("sending…"))
        return " · ".join(parts)

    def _bubble_width(self, sender: Sender, view_width: int) -> int:
        usable = max(120, view_width - 2 * MARGIN)
        if sender in (Sender.NOTE, Sender.SYSTEM):
            return usable
        return max(120, int(usable * MAX_FRACTION))

    def document(self, index: Index, view_width: int) -> QTextDocument:
        """The laid-out text of one message (also what tests read as "displayed text")."""
        message, pending = self.entry(index)
        identity = (message.client_msg_id, message.text) if pending else message.seq
        key = (identity, pending, message.conversation_id, view_width, theme.current_theme())
        doc = self._cache.get(key)
        if doc is not None:
            self._cache.move_to_end(key)
            return doc
        colors = theme.message_colors(message.sender)
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setHtml(
            bubble_html(
                self.meta_text(message, pending),
                message.text,
                meta_color=colors.meta.name(),
                text_color=colors.text.name(),
            )
        )
        doc.setTextWidth(self._bubble_width(message.sender, view_width) - 2 * PADDING)
        doc.setTextWidth(min(doc.idealWidth(), doc.textWidth()) + 1)
        self._cache[key] = doc
        if len(self._cache) > CACHE_LIMIT:
            self._cache.popitem(last=False)
        return doc

    def displayed_text(self, index: Index, view_width: int = 600) -> str:
        """Exactly the characters the bubble shows, meta line first."""
        return self.document(index, view_width).toPlainText()

    def _view_width(self, option: QStyleOptionViewItem) -> int:
        widget = option.widget  # type: ignore[attr-defined]
        if isinstance(widget, QAbstractItemView):
            return widget.viewport().width()
        return option.rect.width() or 600  # type: ignore[attr-defined]

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = self._view_width(option)
        doc = self.document(index, width)
        return QSize(width, int(doc.size().height()) + 2 * PADDING + MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        message, pending = self.entry(index)
        sender = message.sender
        width = self._view_width(option)
        doc = self.document(index, width)
        rect = option.rect  # type: ignore[attr-defined]
        bubble_w = doc.textWidth() + 2 * PADDING
        bubble_h = doc.size().height() + 2 * PADDING
        top = rect.top() + MARGIN / 2
        if sender in (Sender.CONTACT,):
            left = rect.left() + MARGIN
        elif sender in (Sender.BOT, Sender.AGENT):
            left = rect.right() - MARGIN - bubble_w
        elif sender == Sender.SYSTEM:
            left = rect.left() + (rect.width() - bubble_w) / 2
        else:  # a note spans the width
            left = rect.left() + MARGIN
        bubble = QRectF(left, top, bubble_w, bubble_h)
        colors = theme.message_colors(sender)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        path = QPainterPath()
        path.addRoundedRect(bubble, 8, 8)
        painter.fillPath(path, colors.background)
        pen = QPen(
            option.palette.highlight().color() if selected else colors.border,  # type: ignore[attr-defined]
            2.0 if selected else 1.0,
        )
        if sender == Sender.NOTE:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawPath(path)
        if pending:
            painter.setOpacity(0.6)
        painter.translate(bubble.left() + PADDING, bubble.top() + PADDING)
        doc.drawContents(painter)
        painter.restore()


class TranscriptView(QListView):
    """A read-only message list; several messages can be selected (to submit as knowledge)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_delegate = MessageDelegate(self)
        self.setItemDelegate(self.message_delegate)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(40)
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setObjectName("transcript")
        # Follow new messages while the agent is at the bottom; stop once they scroll up to read.
        self._follow = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def _on_scrolled(self, value: int) -> None:
        self._follow = value >= self.verticalScrollBar().maximum() - 40

    def setModel(self, model: object) -> None:  # noqa: N802 - Qt's name
        old = self.model()
        if old is not None:
            old.rowsInserted.disconnect(self._on_rows_inserted)
        super().setModel(model)  # type: ignore[arg-type]
        if model is not None:
            model.rowsInserted.connect(self._on_rows_inserted)  # type: ignore[attr-defined]
        self.scrollToBottom()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._follow:
            self.scrollToBottom()

    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.selectionModel().selectedIndexes())
