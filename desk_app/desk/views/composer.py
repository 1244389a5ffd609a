"""The composer: Enter sends, Shift+Enter breaks the line, ``/`` opens the canned responses.

A plain-text editor (never rich text: a paste from a web page must not carry markup into a
reply). While the agent types, a ``typing`` signal goes out at most every few seconds, and a
final "stopped" after a pause, so the customer sees the agent is writing.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QCompleter, QPlainTextEdit, QWidget

from desk_app.desk.models.canned_model import CannedModel
from desk_app.desk.models.roles import ShortcutRole

TYPING_REPEAT_MS = 3000
TYPING_IDLE_MS = 4000


class Composer(QPlainTextEdit):
    """Where an agent writes a reply or an internal note."""

    send_requested = Signal(str)
    typing_changed = Signal(bool)

    def __init__(self, canned: CannedModel | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("composer")
        self.setTabChangesFocus(True)
        self.setPlaceholderText(
            self.tr("Reply to the customer — Enter sends, Shift+Enter new line, / canned responses")
        )
        self.setMaximumBlockCount(0)
        self._completer: QCompleter | None = None
        self._canned = canned
        if canned is not None:
            completer = QCompleter(canned, self)
            completer.setCompletionRole(Qt.ItemDataRole.EditRole)  # "/shortcut"
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
            completer.setWidget(self)
            completer.setMaxVisibleItems(8)
            completer.activated[QModelIndex].connect(self._insert_canned)
            self._completer = completer
        self._typing = False
        self._last_typing_sent = QTimer(self)
        self._last_typing_sent.setSingleShot(True)
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(TYPING_IDLE_MS)
        self._idle.timeout.connect(self._stop_typing)
        self.textChanged.connect(self._on_text_changed)

    # --- canned responses -----------------------------------------------------------------

    def _word_before_cursor(self) -> str:
        cursor = self.textCursor()
        block = cursor.block().text()[: cursor.positionInBlock()]
        return block.split()[-1] if block.split() and not block.endswith(" ") else ""

    def _update_completer(self) -> None:
        if self._completer is None:
            return
        word = self._word_before_cursor()
        if not word.startswith("/"):
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(word)
        if self._completer.completionCount() == 0:
            self._completer.popup().hide()
            return
        rect = self.cursorRect()
        rect.setWidth(360)
        self._completer.complete(rect)
        popup = self._completer.popup()
        if not popup.currentIndex().isValid():
            popup.setCurrentIndex(self._completer.completionModel().index(0, 0))

    def _insert_canned(self, index: QModelIndex) -> None:
        assert self._canned is not None
        shortcut = index.data(ShortcutRole)
        text = self._canned.text_for(str(shortcut)) if shortcut else None
        if text is None:
            return
        cursor = self.textCursor()
        word = self._word_before_cursor()
        cursor.movePosition(
            QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, len(word)
        )
        cursor.insertText(text)
        self.setTextCursor(cursor)
        if self._completer is not None:
            self._completer.popup().hide()

    def insert_text(self, text: str) -> None:
        """Insert at the cursor (a knowledge article's answer) and focus the composer."""
        self.textCursor().insertText(text)
        self.setFocus()

    # --- keys -----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        popup_open = self._completer is not None and self._completer.popup().isVisible()
        key = event.key()
        if popup_open and key in (
            Qt.Key.Key_Return,
            Qt.Key.Key_Enter,
            Qt.Key.Key_Tab,
            Qt.Key.Key_Escape,
        ):
            if key == Qt.Key.Key_Escape:
                self._completer.popup().hide()  # type: ignore[union-attr]
                return
            index = self._completer.popup().currentIndex()  # type: ignore[union-attr]
            if index.isValid():
                self._insert_canned(index)
                return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            mods = event.modifiers()
            if mods & Qt.KeyboardModifier.ShiftModifier:
                self.textCursor().insertText("\n")
                return
            if not mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
                self.submit()
                return
        super().keyPressEvent(event)
        if event.text():
            self._update_completer()

    def submit(self) -> None:
        text = self.toPlainText().strip()
        if not text:
            return
        self.send_requested.emit(text)
        self.clear()
        self._stop_typing()

    # --- typing indicator -----------------------------------------------------------------

    def _on_text_changed(self) -> None:
        if not self.toPlainText():
            self._stop_typing()
            return
        self._idle.start()
        if not self._typing or not self._last_typing_sent.isActive():
            self._typing = True
            self._last_typing_sent.start(TYPING_REPEAT_MS)
            self.typing_changed.emit(True)

    def _stop_typing(self) -> None:
        self._idle.stop()
        if self._typing:
            self._typing = False
            self.typing_changed.emit(False)
