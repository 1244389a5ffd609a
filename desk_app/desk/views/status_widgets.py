"""Status-bar widgets: connection state, agent status switch, capacity in use, outbox."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from desk_app.desk.labels import status_label
from desk_app.desk.net import ConnectionState
from desk_app.desk.resources import icon_path
from desk_app.protocol.messages import AgentStatus


class ConnectionIndicator(QWidget):
    """A coloured dot and a word: connected, connecting, offline (retrying), signed out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionIndicator")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.dot = QLabel(self)
        self.text = QLabel(self)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        self.state = ConnectionState.SIGNED_OUT
        self.set_state(ConnectionState.SIGNED_OUT.value)

    def set_state(self, state: str) -> None:
        self.state = ConnectionState(state)
        words = {
            ConnectionState.ONLINE: self.tr("Connected"),
            ConnectionState.CONNECTING: self.tr("Connecting…"),
            ConnectionState.OFFLINE: self.tr("Offline — reconnecting"),
            ConnectionState.SIGNED_OUT: self.tr("Signed out"),
        }
        icons = {
            ConnectionState.ONLINE: "dot-online",
            ConnectionState.CONNECTING: "dot-away",
            ConnectionState.OFFLINE: "dot-offline",
            ConnectionState.SIGNED_OUT: "dot-offline",
        }
        self.text.setText(words[self.state])
        self.dot.setPixmap(QIcon(str(icon_path(icons[self.state]))).pixmap(10, 10))
        self.setToolTip(words[self.state])


class StatusSwitch(QComboBox):
    """Online / away. Emits only on the agent's choice, not when the server confirms."""

    status_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusSwitch")
        for status, icon in ((AgentStatus.ONLINE, "dot-online"), (AgentStatus.AWAY, "dot-away")):
            self.addItem(QIcon(str(icon_path(icon))), status_label(status), status.value)
        self.activated.connect(lambda i: self.status_chosen.emit(str(self.itemData(i))))

    def show_status(self, status: str) -> None:
        index = self.findData(status)
        if index >= 0:
            self.blockSignals(True)
            self.setCurrentIndex(index)
            self.blockSignals(False)

    def toggle(self) -> None:
        current = str(self.currentData())
        target = AgentStatus.AWAY if current == AgentStatus.ONLINE else AgentStatus.ONLINE
        self.show_status(target.value)
        self.status_chosen.emit(target.value)
