"""The handoff card above a transcript: why the bot passed this conversation on, and to whom.

Reason, the bot's intent guesses with scores, the slots a flow collected, the customer's
profile and the channel: what the agent reads first, so the customer never repeats themself.
Every value here came from the customer or the bot, so every label is plain text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk.labels import channel_label, one_line, profile_label, reason_label
from desk_app.desk.views.bubbles import plain_tooltip
from desk_app.protocol.messages import ConversationDetail


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as HTML (its default, AutoText, would)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class HandoffCard(QFrame):
    """Handoff context of one conversation; collapses to its title line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("handoffCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 6, 10, 8)
        outer.setSpacing(4)
        head = QHBoxLayout()
        self.title = plain_label("", self)
        self.title.setObjectName("handoffTitle")
        self.reason = plain_label("", self)
        self.reason.setObjectName("handoffReason")
        self.toggle = QToolButton(self)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(True)
        self.toggle.setArrowType(Qt.ArrowType.UpArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.setToolTip(self.tr("Show or hide the handoff details"))
        self.toggle.toggled.connect(self._set_expanded)
        head.addWidget(self.title)
        head.addWidget(self.reason)
        head.addStretch(1)
        head.addWidget(self.toggle)
        outer.addLayout(head)
        self.body = QWidget(self)
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setVerticalSpacing(2)
        outer.addWidget(self.body)

    def _set_expanded(self, expanded: bool) -> None:
        self.body.setVisible(expanded)
        self.toggle.setArrowType(Qt.ArrowType.UpArrow if expanded else Qt.ArrowType.DownArrow)

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()

    def _row(self, row: int, key: str, value: str) -> None:
        name = plain_label(key, self.body)
        name.setObjectName("handoffKey")
        shown = plain_label(one_line(value, 160), self.body)
        shown.setToolTip(plain_tooltip(value))
        shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        shown.setWordWrap(True)
        self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
        self.grid.addWidget(shown, row, 1)

    def show_detail(self, detail: ConversationDetail) -> None:
        """Fill the card from the assignment's detail (everything as plain text)."""
        self._clear()
        contact = detail.contact
        self.title.setText(
            (one_line(contact.name, 40) or self.tr("Customer"))
            + " · "
            + channel_label(detail.channel)
        )
        handoff = detail.handoff
        self.reason.setText(reason_label(handoff.reason) if handoff else self.tr("No handoff"))
        row = 0
        if handoff is not None:
            guesses = sorted(handoff.intents, key=lambda g: g.score, reverse=True)
            # The best guess always; others only when they carry some weight (>= 5 %).
            guesses = [g for i, g in enumerate(guesses[:3]) if i == 0 or g.score >= 0.05]
            if guesses:
                text = "  ·  ".join(f"{g.title or g.intent} {g.score:.0%}" for g in guesses)
                self._row(row, self.tr("Intent guesses"), text)
                row += 1
            slot = self.tr("Slot")
            for key, value in handoff.slots.items():
                self._row(row, f"{slot} · {key}", value)
                row += 1
            if handoff.note:
                self._row(row, self.tr("Customer said"), handoff.note)
                row += 1
        for key, value in contact.profile.items():
            self._row(row, profile_label(key), value)
            row += 1
        self._row(row, self.tr("Started"), detail.started_at.astimezone().strftime("%m-%d %H:%M"))
        self.grid.setColumnStretch(1, 1)

    def displayed_texts(self) -> list[str]:
        """Every string the card shows (for tests and accessibility checks)."""
        out = [self.title.text(), self.reason.text()]
        for i in range(self.grid.count()):
            item = self.grid.itemAt(i)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QLabel):
                out.append(widget.text())
        return out
