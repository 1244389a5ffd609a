"""Getting the agent's attention: tray icon, desktop notification, sound, taskbar alert.

PySide6-Essentials has no QtMultimedia, so the sound is the system bell
(``QApplication.beep``). A burst of new chats (a queue filling after an outage) produces one
notification and one sound per few seconds, not one each: attention is a scarce resource.
Notification text is plain (the tray takes no markup) and names only the customer.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from desk_app.desk.resources import icon_path

QUIET_SECONDS = 4.0

# Desktop notification daemons may render a subset of HTML in the body (freedesktop
# "body-markup"): a customer named "<img src=...>" must not become markup there either.
_NO_MARKUP = str.maketrans({"<": "‹", ">": "›", "&": "＆"})


def notification_text(text: str, limit: int = 120) -> str:
    """Plain text safe for any notification daemon: no markup characters, one short line."""
    flat = " ".join(text.split()).translate(_NO_MARKUP)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Attention(QObject):
    """Tray icon + notifications + sound, rate-limited."""

    activated = Signal()  # the agent clicked the tray icon or a notification

    def __init__(
        self,
        window: QWidget,
        *,
        sound: bool = True,
        notifications: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.sound = sound
        self.notifications = notifications
        self._clock = clock
        self._last = -1e9
        self._suppressed = 0
        self.shown: list[tuple[str, str]] = []  # what was notified, newest last (kept short)
        self.tray: QSystemTrayIcon | None = None
        self._unread = 0
        self._icons: dict[str, QIcon] = {}
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(QIcon(str(icon_path("tray"))), self)
            menu = QMenu(window)
            menu.addAction(self.tr("Show the desk"), self.activated.emit)
            menu.addAction(self.tr("Quit"), QApplication.quit)
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda _reason: self.activated.emit())
            self.tray.messageClicked.connect(self.activated.emit)
            self.tray.setToolTip(self.tr("Agent Desk"))
            self.tray.show()

    def set_unread(self, count: int) -> None:
        """Tray tooltip and icon for ``count`` unread messages.

        Called on every count refresh (several times a second while the queue is busy), so
        nothing is touched unless the count changed, and the icon file is read once.
        """
        if self.tray is None or count == self._unread:
            return
        self._unread = count
        tip = self.tr("Agent Desk") if not count else self.tr("Agent Desk — %n unread", "", count)
        self.tray.setToolTip(tip)
        name = "tray-unread" if count else "tray"
        icon = self._icons.get(name)
        if icon is None:
            icon = self._icons[name] = QIcon(str(icon_path(name)))
        self.tray.setIcon(icon)

    def notify(self, title: str, text: str) -> bool:
        """Tell the agent something new happened; False if rate-limited into silence."""
        now = self._clock()
        if now - self._last < QUIET_SECONDS:
            self._suppressed += 1
            return False
        self._last = now
        title, text = notification_text(title, 60), notification_text(text)
        if self._suppressed:
            text = f"{text}\n" + self.tr("and %n more", "", self._suppressed)
            self._suppressed = 0
        self.shown = [*self.shown[-19:], (title, text)]
        if self.notifications and self.tray is not None and self.tray.supportsMessages():
            self.tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 5000)
        if self.sound:
            QApplication.beep()
        if not self.window.isActiveWindow():
            QApplication.alert(self.window, 0)
        return True

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()
