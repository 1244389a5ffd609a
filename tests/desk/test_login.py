"""Signing in: wrong password, unreachable server, remember me through the keyring, and the
next start signing in with the remembered token, all against a real server."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from desk_app.desk.app import DeskApp
from desk_app.desk.settings import KEYRING_SERVICE, DeskSettings, TokenVault

from .conftest import PASSWORD, LiveServer, MemoryKeyring, wait


@pytest.fixture
def make_desk(desk_settings: DeskSettings) -> Iterator[Callable[[], DeskApp]]:
    made: list[DeskApp] = []

    def make() -> DeskApp:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        desk = DeskApp(app, desk_settings, vault=TokenVault(), language="en")
        made.append(desk)
        return desk

    yield make
    for desk in made:
        desk.shutdown()
        for widget in (desk.window, desk.dialog):
            if widget is not None:
                widget.close()
                widget.deleteLater()
        desk.deleteLater()
    # Delete them now, while the event loop exists, not at interpreter exit.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_wrong_password_keeps_the_dialog_open_with_a_clear_message(
    qtbot: Any, live_server: LiveServer, make_desk: Callable[[], DeskApp]
) -> None:
    username = live_server.new_agent()
    desk = make_desk()
    dialog = desk.show_login()
    dialog.server.setText(live_server.url)
    dialog.username.setText(username)
    dialog.password.setText("not-the-password")
    dialog.buttons.accepted.emit()
    wait(qtbot, lambda: dialog.message.text() == "Wrong username or password.")
    assert desk.window is None
    assert dialog.isVisible()
    assert dialog.password.isEnabled()  # ready for another try
    dialog.password.setText(PASSWORD)
    dialog.buttons.accepted.emit()
    wait(qtbot, lambda: desk.window is not None)
    assert not dialog.isVisible()


def test_unreachable_server_and_bad_address_are_reported(
    qtbot: Any, make_desk: Callable[[], DeskApp]
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    desk = make_desk()
    dialog = desk.show_login()
    desk.login_with_password(f"ws://127.0.0.1:{port}", "li", "pw", False)
    wait(qtbot, lambda: "Cannot reach the server" in dialog.message.text())
    desk.login_with_password("ftp://nowhere", "li", "pw", False)
    assert "not valid" in dialog.message.text()


def test_remember_me_keeps_the_token_in_the_keyring_and_the_next_start_uses_it(
    qtbot: Any,
    live_server: LiveServer,
    make_desk: Callable[[], DeskApp],
    desk_settings: DeskSettings,
    use_keyring: Callable[[Any], Any],
    tmp_path: Any,
) -> None:
    memory = use_keyring(MemoryKeyring())
    username = live_server.new_agent()
    first = make_desk()
    first.login_with_password(live_server.url, username, PASSWORD, True)
    wait(qtbot, lambda: first.window is not None)
    account = f"{username}@{live_server.url}"
    assert memory.secrets[(KEYRING_SERVICE, account)] == first.connection.token  # type: ignore[union-attr]
    assert desk_settings.remember is True
    assert desk_settings.username == username
    assert first.connection.token not in (tmp_path / "desk.ini").read_text()  # type: ignore[union-attr,operator]
    first.shutdown()

    # next start: the remembered token signs in, no password asked
    second = make_desk()
    token = second.vault.load(desk_settings.server_url, desk_settings.username)
    assert token
    second.login_with_token(desk_settings.server_url, desk_settings.username, token)
    wait(qtbot, lambda: second.window is not None)
    assert second.dialog is None

    # a revoked token falls back to the dialog and is forgotten
    memory.secrets[(KEYRING_SERVICE, account)] = "x" * 43
    third = make_desk()
    third.login_with_token(live_server.url, username, "x" * 43)
    wait(qtbot, lambda: third.dialog is not None and third.dialog.isVisible())
    assert (KEYRING_SERVICE, account) not in memory.secrets
