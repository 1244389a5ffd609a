"""Settings: interface language, theme, sound and desktop notifications.

The theme applies at once. The language applies at the next start: Qt widgets keep the text
they were built with, and re-translating every screen live is not worth its bugs; the dialog
says so next to the choice.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desk_app.desk.settings import DeskSettings


class SettingsDialog(QDialog):
    """Edits :class:`DeskSettings`; ``apply()`` writes them after Accepted."""

    def __init__(self, settings: DeskSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(self.tr("Settings"))
        self.settings = settings
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.language = QComboBox(self)
        self.language.addItem(self.tr("Follow the system"), "system")
        self.language.addItem("简体中文", "zh_CN")
        self.language.addItem("English", "en")
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        form.addRow(self.tr("Language"), self.language)
        restart = QLabel(self.tr("A new language applies after restarting the desk."), self)
        restart.setTextFormat(Qt.TextFormat.PlainText)
        restart.setObjectName("hint")
        restart.setWordWrap(True)
        form.addRow("", restart)
        self.theme = QComboBox(self)
        self.theme.addItem(self.tr("Light"), "light")
        self.theme.addItem(self.tr("Dark"), "dark")
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        form.addRow(self.tr("Theme"), self.theme)
        self.sound = QCheckBox(self.tr("Play a sound for new chats"), self)
        self.sound.setChecked(settings.sound)
        self.notifications = QCheckBox(self.tr("Show desktop notifications"), self)
        self.notifications.setChecked(settings.notifications)
        form.addRow("", self.sound)
        form.addRow("", self.notifications)
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def apply(self) -> tuple[bool, bool]:
        """Save the choices; returns ``(theme_changed, language_changed)``."""
        language = str(self.language.currentData())
        theme = str(self.theme.currentData())
        language_changed = language != self.settings.language
        theme_changed = theme != self.settings.theme
        self.settings.language = language
        self.settings.theme = theme
        self.settings.sound = self.sound.isChecked()
        self.settings.notifications = self.notifications.isChecked()
        self.settings.sync()
        return theme_changed, language_changed
