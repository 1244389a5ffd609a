"""One held conversation: handoff card, transcript, typing line, composer and its actions.

The window's actions (transfer, return to bot, close, submit as knowledge, internal note) act
on whichever conversation is on screen; this view shows them as buttons next to the composer
and asks the controller to send replies. It owns no protocol state.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk.controller import DeskController
from desk_app.desk.models.canned_model import CannedModel
from desk_app.desk.views.composer import Composer
from desk_app.desk.views.handoff_card import HandoffCard, plain_label
from desk_app.desk.views.transcript_view import TranscriptView
from desk_app.protocol.messages import Message

TYPING_TIMEOUT_MS = 6000


class ConversationView(QWidget):
    """What the agent sees and types in for one conversation."""

    def __init__(
        self,
        controller: DeskController,
        conversation_id: str,
        *,
        actions: Sequence[QAction] = (),
        canned: CannedModel | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversationView")
        self.controller = controller
        self.conversation_id = conversation_id
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)

        self.card = HandoffCard(self)
        detail = controller.details.get(conversation_id)
        if detail is not None:
            self.card.show_detail(detail)
        layout.addWidget(self.card)

        self.earlier = QPushButton(self)
        self.earlier.setObjectName("showEarlier")
        self.earlier.setFlat(True)
        self.earlier.clicked.connect(self.show_earlier)
        layout.addWidget(self.earlier)
        self.transcript = TranscriptView(self)
        model = controller.transcripts.get(conversation_id)
        if model is not None:
            self.transcript.setModel(model)
        layout.addWidget(self.transcript, 1)
        self._update_earlier()

        self.typing = plain_label("", self)
        self.typing.setObjectName("typingLine")
        layout.addWidget(self.typing)
        self._typing_timer = QTimer(self)
        self._typing_timer.setSingleShot(True)
        self._typing_timer.setInterval(TYPING_TIMEOUT_MS)
        self._typing_timer.timeout.connect(lambda: self.show_typing(False))

        bar = QHBoxLayout()
        bar.setSpacing(4)
        self.buttons: list[QToolButton] = []
        for action in actions:
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            bar.addWidget(button)
            self.buttons.append(button)
        bar.addStretch(1)
        layout.addLayout(bar)

        row = QHBoxLayout()
        self.composer = Composer(canned, self)
        self.composer.setFixedHeight(84)
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setObjectName("sendButton")
        self.send_button.setDefault(False)
        self.send_button.setAutoDefault(False)
        self.send_button.clicked.connect(self.composer.submit)
        row.addWidget(self.composer, 1)
        row.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(row)

        self.note_mode = False
        self.composer.send_requested.connect(self._send)
        self.composer.typing_changed.connect(self._typing_changed)
        controller.contact_typing.connect(self._on_contact_typing)
        controller.message_added.connect(self._on_message)

    def _update_earlier(self) -> None:
        model = self.controller.transcripts.get(self.conversation_id)
        hidden = model.hidden_count() if model is not None else 0
        self.earlier.setVisible(hidden > 0)
        self.earlier.setText(self.tr("Show %n earlier message(s)", "", min(hidden, 300)))

    def show_earlier(self) -> None:
        """Bring older messages of a long conversation into view, keeping the reading place."""
        model = self.controller.transcripts.get(self.conversation_id)
        if model is None:
            return
        bar = self.transcript.verticalScrollBar()
        from_bottom = bar.maximum() - bar.value()
        model.show_earlier()
        self.transcript.doItemsLayout()
        bar.setValue(bar.maximum() - from_bottom)
        self._update_earlier()

    # --- sending --------------------------------------------------------------------------

    def _send(self, text: str) -> None:
        self.controller.send_message(self.conversation_id, text, internal=self.note_mode)

    def _typing_changed(self, typing: bool) -> None:
        if not self.note_mode:
            self.controller.send_typing(self.conversation_id, typing)

    def set_note_mode(self, on: bool) -> None:
        """Internal notes: what the agent writes now stays among agents."""
        self.note_mode = on
        self.composer.setProperty("note", on)
        self.composer.style().unpolish(self.composer)
        self.composer.style().polish(self.composer)
        self.composer.setPlaceholderText(
            self.tr("Internal note — only agents see this. Enter saves it.")
            if on
            else self.tr(
                "Reply to the customer — Enter sends, Shift+Enter new line, / canned responses"
            )
        )
        self.send_button.setText(self.tr("Add note") if on else self.tr("Send"))

    # --- incoming -------------------------------------------------------------------------

    def _on_contact_typing(self, conversation_id: str, typing: bool) -> None:
        if conversation_id == self.conversation_id:
            self.show_typing(typing)

    def _on_message(self, conversation_id: str, message: Message) -> None:
        if conversation_id == self.conversation_id and message.sender.value == "contact":
            self.show_typing(False)

    def show_typing(self, typing: bool) -> None:
        self.typing.setText(self.tr("The customer is typing…") if typing else "")
        if typing:
            self._typing_timer.start()

    def selected_messages(self) -> list[Message]:
        model = self.controller.transcripts.get(self.conversation_id)
        if model is None:
            return []
        return model.messages(self.transcript.selected_rows())

    def focus_composer(self) -> None:
        self.composer.setFocus(Qt.FocusReason.OtherFocusReason)
