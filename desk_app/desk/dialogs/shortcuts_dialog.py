"""F1: the keyboard shortcuts, from the same table the window binds."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from desk_app.desk.shortcuts import shortcuts


class ShortcutsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.setHorizontalSpacing(24)
        self.rows: list[tuple[str, str]] = []
        for shortcut in shortcuts():
            keys = QKeySequence(shortcut.keys).toString(QKeySequence.SequenceFormat.NativeText)
            key_label = QLabel(keys or shortcut.keys, self)
            key_label.setTextFormat(Qt.TextFormat.PlainText)
            key_label.setObjectName("shortcutKeys")
            text = QLabel(shortcut.description, self)
            text.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(key_label, text)
            self.rows.append((key_label.text(), shortcut.description))
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
