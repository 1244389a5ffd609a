"""The transcript: a list view whose delegate paints each message as a bubble.

Who wrote a message must be clear at a glance: the customer on the left in white, the bot
in indigo and the agent in green on the right, system lines centred and grey, internal notes
across the width in yellow with a "note" label.

Each bubble's text is two ``QTextLayout`` objects (the small meta line, then the body), laid
out once per message and view width and kept with their shaped glyphs
(``setCacheEnabled``). A ``QTextLayout`` takes characters, never markup, so whatever a
customer types is drawn exactly as typed (STYLE rule 6), with no HTML builder in between.
The earlier ``QTextDocument`` per bubble threw its shaping away after layout and shaped every
visible message again on every paint: a wheel notch through a long transcript cost a few
milliseconds of text shaping, and so did each new message.

Layout of a long transcript is spread over several event-loop passes (``Batched`` layout
mode); once a bubble is laid out, the size the view asks for on each relayout is a lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QFont,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QTextLayout,
    QTextOption,
)
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
from desk_app.protocol.messages import Message, Sender

Index = QModelIndex | QPersistentModelIndex

MARGIN = 8  # around a bubble
PADDING = 8  # inside a bubble
MAX_FRACTION = 0.72  # of the view's width, for contact/bot/agent bubbles
META_SCALE = 0.8  # the meta line's size, as HTML's "font-size: small" was
CACHE_LIMIT = 3000
_SELECTED = QStyle.StateFlag.State_Selected
_WRAP = QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere
_LINE_SEPARATOR = "\u2028"  # QTextLayout breaks a line here; "\n" it would draw as a space


@dataclass(slots=True)
class Bubble:
    """One message laid out for one view width: what paint draws and sizeHint reports."""

    meta: QTextLayout
    body: QTextLayout
    text_width: float  # of the widest line, plus one pixel as QTextDocument's idealWidth had
    text_height: float
    outline: QPainterPath  # the rounded rectangle, at (0, 0)
    shown: str  # the characters drawn: meta line, newline, body

    @property
    def width(self) -> float:
        return self.text_width + 2 * PADDING

    @property
    def height(self) -> float:
        return self.text_height + 2 * PADDING


def _lay_out(layout: QTextLayout, width: float, top: float) -> tuple[float, float]:
    """Break ``layout`` into lines of at most ``width``; returns (widest line, height)."""
    option = QTextOption()
    option.setWrapMode(_WRAP)
    layout.setTextOption(option)
    layout.setCacheEnabled(True)  # keep the shaped glyphs: paint never shapes again
    widest = height = 0.0
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0.0, top + height))
        height += line.height()
        widest = max(widest, line.naturalTextWidth())
    layout.endLayout()
    return widest, height


def plain_lines(text: str) -> str:
    """``text`` for a ``QTextLayout``: line breaks kept as breaks, every character as is."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", _LINE_SEPARATOR)


class MessageDelegate(QStyledItemDelegate):
    """Paints one message from a cached :class:`Bubble` (plain text, laid out once)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cache: OrderedDict[tuple[object, ...], Bubble] = OrderedDict()

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

    def _font(self) -> QFont:
        parent = self.parent()
        return parent.font() if isinstance(parent, QWidget) else QFont()

    def bubble(self, index: Index, view_width: int) -> Bubble:
        """One message laid out for ``view_width`` (cached per message, state and width)."""
        message, pending = self.entry(index)
        identity = (message.client_msg_id, message.text) if pending else message.seq
        key = (identity, pending, message.conversation_id, view_width)
        bubble = self._cache.get(key)
        if bubble is not None:
            return bubble
        font = self._font()
        small = QFont(font)
        small.setPointSizeF(font.pointSizeF() * META_SCALE)
        meta_text = self.meta_text(message, pending)
        meta = QTextLayout(meta_text, small)
        body = QTextLayout(plain_lines(message.text), font)
        width = self._bubble_width(message.sender, view_width) - 2 * PADDING
        meta_width, meta_height = _lay_out(meta, width, 0.0)
        body_width, body_height = _lay_out(body, width, meta_height)
        text_width = min(max(meta_width, body_width), width) + 1
        text_height = meta_height + body_height
        outline = QPainterPath()
        outline.addRoundedRect(
            QRectF(0, 0, text_width + 2 * PADDING, text_height + 2 * PADDING), 8, 8
        )
        bubble = Bubble(
            meta, body, text_width, text_height, outline, f"{meta_text}\n{message.text}"
        )
        self._cache[key] = bubble
        if len(self._cache) > CACHE_LIMIT:
            self._cache.popitem(last=False)  # oldest laid out first: scrolled far away
        return bubble

    def displayed_text(self, index: Index, view_width: int = 600) -> str:
        """Exactly the characters the bubble shows, meta line first."""
        return self.bubble(index, view_width).shown

    def _view_width(self, option: QStyleOptionViewItem) -> int:
        widget = option.widget  # type: ignore[attr-defined]
        if isinstance(widget, QAbstractItemView):
            return widget.viewport().width()
        return option.rect.width() or 600  # type: ignore[attr-defined]

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        width = self._view_width(option)
        return QSize(width, int(self.bubble(index, width).text_height) + 2 * PADDING + MARGIN)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        message, pending = self.entry(index)
        sender = message.sender
        bubble = self.bubble(index, self._view_width(option))
        rect = option.rect  # type: ignore[attr-defined]
        bubble_w = bubble.width
        if sender == Sender.CONTACT:
            left = rect.left() + MARGIN
        elif sender in (Sender.BOT, Sender.AGENT):
            left = rect.right() - MARGIN - bubble_w
        elif sender == Sender.SYSTEM:
            left = rect.left() + (rect.width() - bubble_w) / 2
        else:  # a note spans the width
            left = rect.left() + MARGIN
        colors = theme.message_colors(sender)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.translate(left, rect.top() + MARGIN / 2)
        painter.fillPath(bubble.outline, colors.background)
        if option.state & _SELECTED:  # type: ignore[attr-defined]
            pen = QPen(option.palette.highlight().color(), 2.0)  # type: ignore[attr-defined]
        else:
            pen = QPen(colors.border, 1.0)
        if sender == Sender.NOTE:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawPath(bubble.outline)
        if pending:
            painter.setOpacity(0.6)
        origin = QPointF(PADDING, PADDING)
        painter.setPen(colors.meta)
        bubble.meta.draw(painter, origin)
        painter.setPen(colors.text)
        bubble.body.draw(painter, origin)
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
        # A wheel notch should move the pixels already painted and paint only the strip that
        # scrolls in. Qt does that only for an opaque viewport, and the theme's style sheet
        # background makes it "styled", not opaque: every notch repainted all visible bubbles.
        # The viewport is declared opaque and paintEvent fills the background itself.
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        # Follow new messages while the agent is at the bottom; stop once they scroll up to read.
        self._follow = True
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

    def paintEvent(self, event: QPaintEvent) -> None:
        viewport = self.viewport()
        painter = QPainter(viewport)
        painter.fillRect(event.rect(), viewport.palette().base())  # the style sheet's colour
        painter.end()
        super().paintEvent(event)

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
