"""Starting the desk: application, language, theme, sign-in, then the main window.

Start-up order matters for the 1.5 s budget to the login window: only Qt widgets, the
settings and the login dialog are imported before it shows; the main window, the item models
and the network client load while the agent types their password (or right after).

:class:`DeskApp` owns the session: it creates the connection and the controller when the agent
signs in, keeps the token in the keyring when asked to, and opens the main window on
``auth.ok``. The same path serves ``desk app`` (dialog), ``desk demo`` (password given) and a
remembered token (no dialog unless it fails).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from desk_app.desk import i18n, theme
from desk_app.desk.dialogs.login import LoginDialog
from desk_app.desk.resources import icon_path
from desk_app.desk.settings import DeskSettings, TokenVault

if TYPE_CHECKING:
    from desk_app.desk.controller import DeskController
    from desk_app.desk.net import DeskConnection
    from desk_app.desk.views.main_window import MainWindow

log = logging.getLogger(__name__)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication (reused if it exists, as under pytest-qt).

    Qt's raster painter splits every fill taller than 32 pixels (a scroll bar's groove, a
    widget's background) into strips for its GUI thread pool, then waits for them. On a
    desktop with two busy cores the UI thread waits for that worker to be scheduled: in the
    desk benchmark this made scroll-bar paints 3x slower and turned the machine's load into
    the desk's own stalls. Our fills are small; painting them on the UI thread is cheaper.
    ``QT_NO_GUI_THREADPOOL`` must be set before the application exists; an explicit value in
    the environment wins.
    """
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    os.environ.setdefault("QT_NO_GUI_THREADPOOL", "1")
    app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Agent Desk")
    app.setOrganizationName("AgentDesk")
    app.setDesktopFileName("agent-desk")
    app.setWindowIcon(QIcon(str(icon_path("app"))))
    theme.prefer_simplified_chinese_fonts(app)
    return app


class DeskApp(QObject):
    """One signed-in session of the desk, from the login dialog to quitting."""

    keyring_checked = Signal(bool)  # from a worker thread: is there a usable keyring?

    def __init__(
        self,
        app: QApplication,
        settings: DeskSettings,
        *,
        vault: TokenVault | None = None,
        language: str = "en",
    ) -> None:
        super().__init__(app)
        self.app = app
        self.settings = settings
        self.vault = vault or TokenVault()
        self.language = language
        self.connection: DeskConnection | None = None
        self.controller: DeskController | None = None
        self.window: MainWindow | None = None
        self.dialog: LoginDialog | None = None
        self._remember = False
        self._using_token = False
        self._username = ""
        self._url = ""

    # --- the login dialog -----------------------------------------------------------------

    def show_login(self, message: str = "") -> LoginDialog:
        if self.dialog is None:
            self.dialog = LoginDialog(
                server_url=self.settings.server_url,
                username=self.settings.username,
                remember=self.settings.remember,
            )
            self.dialog.login_requested.connect(self.login_with_password)
            self.dialog.rejected.connect(self._on_login_cancelled)
            self.keyring_checked.connect(self.dialog.set_keyring_available)
            # Importing keyring probes the platform's backends (ctypes, D-Bus; 0.1-0.3 s):
            # do it off the UI thread so the login window shows at once.
            threading.Thread(
                target=lambda: self.keyring_checked.emit(self.vault.available()),
                name="keyring-check",
                daemon=True,
            ).start()
        if message:
            self.dialog.show_error(message)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def _on_login_cancelled(self) -> None:
        if self.window is None:
            self.shutdown()
            self.app.quit()

    # --- signing in -----------------------------------------------------------------------

    def _attach(self, url: str) -> DeskConnection:
        """A connection + controller for ``url`` (reused if the address did not change)."""
        from desk_app.desk.controller import DeskController, prepare_frame
        from desk_app.desk.net import DeskConnection, agent_endpoint

        if self.connection is not None and self.connection.endpoint == agent_endpoint(url):
            return self.connection
        if self.connection is not None:
            self.connection.stop()
        connection = DeskConnection(url, self)
        connection.prepare = prepare_frame  # queue rows are built on the connection's thread
        controller = DeskController(connection, self)
        connection.frame_received.connect(controller.handle)
        connection.auth_failed.connect(self._on_auth_failed)
        connection.state_changed.connect(self._on_state)
        controller.authenticated.connect(self._on_authenticated)
        controller.queue.modelReset.connect(_freeze_garbage_collector)
        self.connection, self.controller = connection, controller
        connection.start()
        return connection

    def login_with_password(self, url: str, username: str, password: str, remember: bool) -> None:
        try:
            connection = self._attach(url)
        except ValueError as exc:
            self.show_login(self.tr("The server address is not valid: %1").replace("%1", str(exc)))
            return
        self._url, self._username, self._remember = url, username, remember
        self._using_token = False
        connection.login(username, password)

    def login_with_token(self, url: str, username: str, token: str) -> None:
        connection = self._attach(url)
        self._url, self._username, self._remember = url, username, True
        self._using_token = True
        connection.login_with_token(token)

    def _on_state(self, state: str) -> None:
        from desk_app.desk.net import ConnectionState

        if self.window is None and state == ConnectionState.OFFLINE.value:
            # Still at the login stage: say so rather than retry silently behind the dialog.
            if self.connection is not None:
                self.connection.logout()
            self.show_login(
                self.tr(
                    "Cannot reach the server at %1. Check the address and that it runs."
                ).replace("%1", self._url)
            )

    def _on_auth_failed(self, code: str, message: str) -> None:
        from desk_app.desk.labels import error_text

        if self._using_token:
            self.vault.forget(self._url, self._username)
        self.show_login(error_text(code, message))

    def _on_authenticated(self, agent: Any) -> None:
        assert self.connection is not None
        assert self.controller is not None
        self.settings.server_url = self._url
        self.settings.username = self._username
        self.settings.remember = self._remember
        token = self.connection.token
        if self._remember and token:
            if not self.vault.save(self._url, self._username, token):
                log.info("token not remembered: no usable keyring")
        elif not self._remember:
            self.vault.forget(self._url, self._username)
        self.settings.sync()
        if self.window is None:
            self.open_main_window()
        if self.dialog is not None:
            self.dialog.hide()

    def open_main_window(self) -> MainWindow:
        from desk_app.desk.models.canned_model import CannedModel, load_canned_responses
        from desk_app.desk.views.main_window import MainWindow

        assert self.controller is not None
        canned = CannedModel(load_canned_responses(self.language), self)
        self.window = MainWindow(self.controller, self.connection, self.settings, canned=canned)
        self.window.show()
        return self.window

    def shutdown(self) -> None:
        """Stop the network thread (connected to ``aboutToQuit``)."""
        if self.connection is not None:
            self.connection.stop()


def _freeze_garbage_collector() -> None:
    """After a queue snapshot: move what exists now out of the cyclic collector's reach.

    A snapshot brings thousands of long-lived objects; every full collection would then walk
    them all on the UI thread (tens of milliseconds, a visible stutter). ``gc.freeze`` keeps
    them out of later collections; they are still freed by reference counting when removed.
    """
    QTimer.singleShot(0, gc.freeze)


def _probe_startup(dialog: LoginDialog, app: QApplication) -> None:
    """``DESK_STARTUP_PROBE=1``: print when the login window is on screen, then quit.

    Used by the start-up benchmark (tests/perf): the parent measures from spawning the
    process to this line, which is printed after the first event-loop pass that showed it.
    """

    def report() -> None:
        print(f"login-window-shown {time.perf_counter():.3f}", flush=True)  # noqa: T201
        app.quit()

    if dialog.isVisible():
        QTimer.singleShot(0, report)


def _quit_on_ctrl_c(app: QApplication) -> None:
    """Ctrl+C in the terminal that started the desk (``desk demo``, ``desk app``) ends it.

    Without this, the KeyboardInterrupt surfaced inside whichever Qt slot ran next, printed a
    traceback and the desk went on. Python runs a signal handler only between bytecodes, and
    Qt's loop runs none while idle, so a timer gives it a turn four times a second.
    """
    signal.signal(signal.SIGINT, lambda *_: app.exit(0))
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(250)


def run(
    argv: list[str] | None = None,
    *,
    server_url: str | None = None,
    username: str | None = None,
    password: str | None = None,
    theme_name: str | None = None,
    language: str | None = None,
    settings: DeskSettings | None = None,
) -> int:
    """Run the desk until it quits. With ``username`` and ``password`` it signs in directly."""
    app = create_application(argv)
    _quit_on_ctrl_c(app)
    settings = settings or DeskSettings()
    used_language = i18n.install_translators(app, language or settings.language)
    theme.apply_theme(app, theme_name or settings.theme)
    desk = DeskApp(app, settings, language=used_language)
    app.aboutToQuit.connect(desk.shutdown)
    url = server_url or settings.server_url
    if username and password:
        dialog = desk.show_login()
        dialog.server.setText(url)
        dialog.username.setText(username)
        dialog.set_busy(True)
        dialog.show_info(dialog.tr("Signing in…"))
        desk.login_with_password(url, username, password, False)
    else:
        token = None
        if settings.remember and settings.username and server_url is None:
            token = desk.vault.load(url, settings.username)
        if token:
            desk.login_with_token(url, settings.username, token)
        else:
            if server_url:
                settings.server_url = server_url
            dialog = desk.show_login()
            if os.environ.get("DESK_STARTUP_PROBE"):
                _probe_startup(dialog, app)
    return app.exec()
