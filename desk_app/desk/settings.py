"""What the desk remembers between runs: QSettings for preferences, the keyring for the token.

The server address and username are not secrets and go to QSettings. The login token is one:
"remember me" puts it in the operating system's keyring (Secret Service, macOS Keychain,
Windows Credential Locker) through ``keyring`` and never in a file we write. Machines without
a keyring (CI, minimal Linux) simply do not remember; every keyring error is caught here so a
missing backend is a lost convenience, never a crash.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QSettings

log = logging.getLogger(__name__)

KEYRING_SERVICE = "agent-desk"

LANGUAGES = ("system", "zh_CN", "en")
THEMES = ("light", "dark")


class DeskSettings:
    """Typed access to the desk's QSettings (organisation ``AgentDesk``, application ``desk``)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._s = settings if settings is not None else QSettings("AgentDesk", "desk")

    def _get(self, key: str, default: Any, kind: type) -> Any:
        value = self._s.value(key, default)
        if kind is bool and isinstance(value, str):  # INI files hand back "true"/"false"
            return value.lower() == "true"
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    @property
    def server_url(self) -> str:
        return str(self._get("login/server_url", "ws://127.0.0.1:8765", str))

    @server_url.setter
    def server_url(self, value: str) -> None:
        self._s.setValue("login/server_url", value)

    @property
    def username(self) -> str:
        return str(self._get("login/username", "", str))

    @username.setter
    def username(self, value: str) -> None:
        self._s.setValue("login/username", value)

    @property
    def remember(self) -> bool:
        return bool(self._get("login/remember", False, bool))

    @remember.setter
    def remember(self, value: bool) -> None:
        self._s.setValue("login/remember", bool(value))

    @property
    def language(self) -> str:
        value = str(self._get("ui/language", "system", str))
        return value if value in LANGUAGES else "system"

    @language.setter
    def language(self, value: str) -> None:
        self._s.setValue("ui/language", value if value in LANGUAGES else "system")

    @property
    def theme(self) -> str:
        value = str(self._get("ui/theme", "light", str))
        return value if value in THEMES else "light"

    @theme.setter
    def theme(self, value: str) -> None:
        self._s.setValue("ui/theme", value if value in THEMES else "light")

    @property
    def sound(self) -> bool:
        return bool(self._get("attention/sound", True, bool))

    @sound.setter
    def sound(self, value: bool) -> None:
        self._s.setValue("attention/sound", bool(value))

    @property
    def notifications(self) -> bool:
        return bool(self._get("attention/notifications", True, bool))

    @notifications.setter
    def notifications(self, value: bool) -> None:
        self._s.setValue("attention/notifications", bool(value))

    def window_state(self) -> tuple[bytes | None, bytes | None]:
        geometry = self._s.value("window/geometry")
        state = self._s.value("window/state")
        return (
            bytes(geometry) if geometry is not None else None,
            bytes(state) if state is not None else None,
        )

    def save_window_state(self, geometry: bytes, state: bytes) -> None:
        self._s.setValue("window/geometry", geometry)
        self._s.setValue("window/state", state)

    def sync(self) -> None:
        self._s.sync()


def _account(server_url: str, username: str) -> str:
    return f"{username}@{server_url}"


def _usable_backend() -> Any | None:
    """The keyring backend, or None when there is none or it would write a plain file."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration must not stop the desk
        log.warning("keyring unavailable: %s", type(exc).__name__)
        return None
    if isinstance(backend, fail.Keyring):
        return None
    module = type(backend).__module__
    if module.startswith("keyrings.alt") and "Plaintext" in type(backend).__name__:
        log.warning("refusing the plaintext keyring backend for the login token")
        return None
    return backend


class TokenVault:
    """The "remember me" token in the system keyring; every method is safe without one."""

    def available(self) -> bool:
        return _usable_backend() is not None

    def save(self, server_url: str, username: str, token: str) -> bool:
        backend = _usable_backend()
        if backend is None:
            return False
        try:
            backend.set_password(KEYRING_SERVICE, _account(server_url, username), token)
        except Exception as exc:  # locked keyring, D-Bus gone, user refused ...
            log.warning("could not store the token in the keyring: %s", type(exc).__name__)
            return False
        return True

    def load(self, server_url: str, username: str) -> str | None:
        backend = _usable_backend()
        if backend is None:
            return None
        try:
            token = backend.get_password(KEYRING_SERVICE, _account(server_url, username))
        except Exception as exc:
            log.warning("could not read the token from the keyring: %s", type(exc).__name__)
            return None
        return token if isinstance(token, str) and token else None

    def forget(self, server_url: str, username: str) -> None:
        backend = _usable_backend()
        if backend is None:
            return
        try:
            backend.delete_password(KEYRING_SERVICE, _account(server_url, username))
        except Exception as exc:  # PasswordDeleteError when nothing was stored is fine
            log.debug("nothing to forget in the keyring: %s", type(exc).__name__)
