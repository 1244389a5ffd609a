"""The list of conversations this agent holds, with unread badges and a typing hint.

The delegate paints with ``QPainter.drawText``, which never interprets markup, so a
customer's name or message preview is shown exactly as typed.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from desk_app.desk.models.mine_model import MineModel
from desk_app.desk.models.roles import (
    ChannelRole,
    ConversationIdRole,
    LastTextRole,
    TimeRole,
    TypingRole,
    UnreadRole,
)

Index = QModelIndex | QPersistentModelIndex


class MineDelegate(QStyledItemDelegate):
    """Two lines per conversation: name + badge, then the last message or "typing…"."""

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        metrics = QFontMetrics(option.font)  # type: ignore[attr-defined]
        return QSize(200, 2 * metrics.height() + 16)

    def second_line(self, index: Index) -> str:
        if index.data(TypingRole):
            return self.tr("typing…")
        return str(index.data(LastTextRole) or "")

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""  # type: ignore[attr-defined]
        widget = opt.widget  # type: ignore[attr-defined]
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        rect: QRect = option.rect.adjusted(10, 6, -10, -6)  # type: ignore[attr-defined]
        selected = bool(option.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette = option.palette  # type: ignore[attr-defined]
        text_color = palette.highlightedText().color() if selected else palette.text().color()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(option.font)  # type: ignore[attr-defined]
        unread = int(index.data(UnreadRole) or 0)
        badge_w = 0
        if unread:
            badge_text = str(unread) if unread < 100 else "99+"
            badge_w = max(metrics.height(), metrics.horizontalAdvance(badge_text) + 10)
            badge = QRect(rect.right() - badge_w, rect.top(), badge_w, metrics.height())
            painter.setBrush(QColor("#dc2626"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(badge, badge.height() / 2, badge.height() / 2)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, badge_text)
        bold = QFont(option.font)  # type: ignore[attr-defined]
        bold.setBold(bool(unread))
        painter.setFont(bold)
        painter.setPen(text_color)
        moment = index.data(TimeRole)
        when = moment.astimezone().strftime("%H:%M") if moment is not None else ""
        channel = str(index.data(ChannelRole) or "")
        right = f"{channel}  {when}".strip()
        right_w = metrics.horizontalAdvance(right) + 8
        name_rect = QRect(
            rect.left(), rect.top(), rect.width() - badge_w - right_w - 6, metrics.height()
        )
        name = metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
            Qt.TextElideMode.ElideRight,
            name_rect.width(),
        )
        painter.drawText(
            name_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name
        )
        painter.setFont(option.font)  # type: ignore[attr-defined]
        muted = QColor(text_color)
        muted.setAlphaF(0.65)
        painter.setPen(muted)
        painter.drawText(
            QRect(name_rect.right() + 4, rect.top(), right_w, metrics.height()),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            right,
        )
        second = QRect(
            rect.left(), rect.top() + metrics.height() + 4, rect.width(), metrics.height()
        )
        typing = bool(index.data(TypingRole))
        if typing:
            painter.setPen(QColor("#16a34a") if not selected else text_color)
        painter.drawText(
            second,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            metrics.elidedText(
                self.second_line(index), Qt.TextElideMode.ElideRight, second.width()
            ),
        )
        painter.restore()


class MineView(QListView):
    """Conversations assigned to me; choosing one shows it."""

    conversation_chosen = Signal(str)

    def __init__(self, model: MineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mineView")
        self.setModel(model)
        self.setItemDelegate(MineDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformItemSizes(True)
        self.selectionModel().currentChanged.connect(self._on_current)
        self.clicked.connect(self._on_current)

    def _on_current(self, index: QModelIndex, _previous: QModelIndex | None = None) -> None:
        cid = index.data(ConversationIdRole) if index.isValid() else None
        if cid:
            self.conversation_chosen.emit(str(cid))

    def select_conversation(self, conversation_id: str) -> None:
        model = self.model()
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            if index.data(ConversationIdRole) == conversation_id:
                if self.currentIndex() != index:
                    self.setCurrentIndex(index)
                return
