"""Every keyboard shortcut of the desk, in one table the window and the help dialog share.

An agent works with the keyboard all day; listing the keys here, once, keeps the F1 help and
the real bindings from drifting apart (a test checks every action uses this table).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication


@dataclass(frozen=True)
class Shortcut:
    name: str  # the action's object name
    keys: str  # QKeySequence portable text
    description: str


def shortcuts() -> list[Shortcut]:
    """The bindings, translated into the interface language."""

    def t(text: str) -> str:
        return QCoreApplication.translate("Shortcuts", text)

    return [
        Shortcut("accept", "Ctrl+Return", t("Accept the selected (or longest-waiting) chat")),
        Shortcut("accept_selected", "Return", t("In the queue: accept the selected chat")),
        Shortcut("send", "Return", t("In the composer: send")),
        Shortcut("newline", "Shift+Return", t("In the composer: new line")),
        Shortcut("canned", "/", t("In the composer: canned responses")),
        Shortcut("note", "Ctrl+I", t("Internal note on / off")),
        Shortcut("transfer", "Ctrl+T", t("Transfer to an agent or team")),
        Shortcut("return_to_bot", "Ctrl+B", t("Return the conversation to the bot")),
        Shortcut("close", "Ctrl+W", t("Close the conversation")),
        Shortcut("submit_knowledge", "Ctrl+K", t("Submit the selected messages as knowledge")),
        Shortcut("search_knowledge", "Ctrl+F", t("Search the knowledge base")),
        Shortcut("queue", "Ctrl+1", t("Show the waiting queue")),
        Shortcut("mine", "Ctrl+2", t("Show my conversations")),
        Shortcut("next", "Ctrl+PgDown", t("Next conversation")),
        Shortcut("previous", "Ctrl+PgUp", t("Previous conversation")),
        Shortcut("filter", "Ctrl+L", t("Filter the queue")),
        Shortcut("away", "Ctrl+Shift+A", t("Switch between online and away")),
        Shortcut("settings", "Ctrl+,", t("Settings")),
        Shortcut("help", "F1", t("This list of shortcuts")),
    ]


def keys_for(name: str) -> str:
    for shortcut in shortcuts():
        if shortcut.name == name:
            return shortcut.keys
    raise KeyError(name)
