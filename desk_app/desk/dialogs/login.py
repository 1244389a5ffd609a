"""The login dialog: server address, username, password, "remember me".

It only collects and shows: :class:`~desk_app.desk.app.DeskApp` does the connecting and calls
:meth:`show_error` or ``accept()``. So the dialog stays responsive while the network works
and a wrong password leaves it open with a clear message. This module imports nothing heavy:
it is on the path to the first window, which must appear within 1.5 s.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


class LoginDialog(QDialog):
    """Collects credentials and emits ``login_requested``; the caller answers."""

    login_requested = Signal(str, str, str, bool)  # server url, username, password, remember

    def __init__(
        self,
        *,
        server_url: str = "",
        username: str = "",
        remember: bool = False,
        keyring_available: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._keyring_available = keyring_available
        self.setObjectName("loginDialog")
        self.setWindowTitle(self.tr("Agent Desk — sign in"))
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Agent Desk"), self)
        title.setObjectName("loginTitle")
        title.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(title)
        subtitle = QLabel(self.tr("Sign in to handle conversations the bot hands over."), self)
        subtitle.setTextFormat(Qt.TextFormat.PlainText)
        subtitle.setWordWrap(True)
        layout.addWidget(subtitle)
        form = QFormLayout()
        self.server = QLineEdit(server_url, self)
        self.server.setObjectName("serverUrl")
        self.server.setPlaceholderText("ws://127.0.0.1:8765")
        self.username = QLineEdit(username, self)
        self.username.setObjectName("username")
        self.password = QLineEdit(self)
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow(self.tr("Server"), self.server)
        form.addRow(self.tr("Username"), self.username)
        form.addRow(self.tr("Password"), self.password)
        layout.addLayout(form)
        self.remember = QCheckBox(self.tr("Remember me on this computer"), self)
        self.remember.setChecked(remember)
        self.set_keyring_available(keyring_available)
        layout.addWidget(self.remember)
        self.message = QLabel("", self)
        self.message.setObjectName("loginMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)  # server messages are not markup
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Sign in"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.password if username else self.username).setFocus()

    def set_keyring_available(self, available: bool) -> None:
        """Without a system keyring there is nowhere safe to keep the token: no remember me.

        Called again once the (slow) keyring check finished in the background."""
        self._keyring_available = available
        if not available:
            self.remember.setChecked(False)
            self.remember.setToolTip(
                self.tr("No system keyring is available, so the desk cannot remember you.")
            )
        self.remember.setEnabled(available and self.server.isEnabled())

    def _submit(self) -> None:
        url = self.server.text().strip()
        user = self.username.text().strip()
        password = self.password.text()
        if not url or not user or not password:
            self.show_error(self.tr("Enter the server address, your username and your password."))
            return
        self.set_busy(True)
        self.message.setProperty("error", False)
        self.message.setText(self.tr("Signing in…"))
        self.login_requested.emit(url, user, password, self.remember.isChecked())

    def set_busy(self, busy: bool) -> None:
        for widget in (self.server, self.username, self.password):
            widget.setEnabled(not busy)
        self.remember.setEnabled(not busy and self._keyring_available)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy)

    def show_error(self, text: str) -> None:
        """Show why signing in failed and let the agent try again."""
        self.set_busy(False)
        self.message.setProperty("error", True)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
        self.message.setText(text)
        self.password.selectAll()
        self.password.setFocus()

    def show_info(self, text: str) -> None:
        self.message.setProperty("error", False)
        self.message.setText(text)
