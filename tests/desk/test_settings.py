"""Settings round-trip; the token goes to a keyring or nowhere, and a broken keyring is no crash."""

from __future__ import annotations

import keyring
from keyring.backends import fail

from desk_app.desk.settings import KEYRING_SERVICE, DeskSettings, TokenVault

from .conftest import MemoryKeyring


class BrokenKeyring(MemoryKeyring):
    """Every call fails, as a locked or vanished Secret Service does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("no")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("dbus went away")


def test_settings_round_trip(desk_settings: DeskSettings) -> None:
    desk_settings.server_url = "ws://desk.example.cn:8765"
    desk_settings.username = "li"
    desk_settings.remember = True
    desk_settings.language = "en"
    desk_settings.theme = "dark"
    desk_settings.sound = False
    desk_settings.sync()
    assert (desk_settings.server_url, desk_settings.username) == ("ws://desk.example.cn:8765", "li")
    assert desk_settings.remember is True
    assert (desk_settings.language, desk_settings.theme, desk_settings.sound) == (
        "en",
        "dark",
        False,
    )
    desk_settings.language = "klingon"
    assert desk_settings.language == "system"


def test_token_is_stored_in_the_keyring_and_not_in_settings(
    use_keyring, desk_settings: DeskSettings, tmp_path
) -> None:
    memory = use_keyring(MemoryKeyring())
    vault = TokenVault()
    assert vault.available()
    assert vault.save("ws://h:1", "li", "secret-token-1234567890")
    assert memory.secrets == {(KEYRING_SERVICE, "li@ws://h:1"): "secret-token-1234567890"}
    assert vault.load("ws://h:1", "li") == "secret-token-1234567890"
    desk_settings.remember = True
    desk_settings.sync()
    assert "secret-token" not in (tmp_path / "desk.ini").read_text()
    vault.forget("ws://h:1", "li")
    assert vault.load("ws://h:1", "li") is None


def test_no_keyring_means_no_remembering_and_no_error(use_keyring) -> None:
    use_keyring(fail.Keyring())
    vault = TokenVault()
    assert not vault.available()
    assert vault.save("ws://h:1", "li", "t" * 20) is False
    assert vault.load("ws://h:1", "li") is None
    vault.forget("ws://h:1", "li")


def test_a_broken_keyring_is_caught(use_keyring) -> None:
    use_keyring(BrokenKeyring())
    vault = TokenVault()
    assert vault.save("ws://h:1", "li", "t" * 20) is False
    assert vault.load("ws://h:1", "li") is None
    vault.forget("ws://h:1", "li")
