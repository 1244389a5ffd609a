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

    return [
        Shortcut(
            "accept",
            "Ctrl+Return",
            QCoreApplication.translate(
                "Shortcuts", "Accept the selected (or longest-waiting) chat"
            ),
        ),
        Shortcut(
            "accept_selected",
            "Return",
            QCoreApplication.translate("Shortcuts", "In the queue: accept the selected chat"),
        ),
        Shortcut(
            "send", "Return", QCoreApplication.translate("Shortcuts", "In the composer: send")
        ),
        Shortcut(
            "newline",
            "Shift+Return",
            QCoreApplication.translate("Shortcuts", "In the composer: new line"),
        ),
        Shortcut(
            "canned",
            "/",
            QCoreApplication.translate("Shortcuts", "In the composer: canned responses"),
        ),
        Shortcut(
            "note", "Ctrl+I", QCoreApplication.translate("Shortcuts", "Internal note on / off")
        ),
        Shortcut(
            "transfer",
            "Ctrl+T",
            QCoreApplication.translate("Shortcuts", "Transfer to an agent or team"),
        ),
        Shortcut(
            "return_to_bot",
            "Ctrl+B",
            QCoreApplication.translate("Shortcuts", "Return the conversation to the bot"),
        ),
        Shortcut(
            "close", "Ctrl+W", QCoreApplication.translate("Shortcuts", "Close the conversation")
        ),
        Shortcut(
            "submit_knowledge",
            "Ctrl+K",
            QCoreApplication.translate("Shortcuts", "Submit the selected messages as knowledge"),
        ),
        Shortcut(
            "search_knowledge",
            "Ctrl+F",
            QCoreApplication.translate("Shortcuts", "Search the knowledge base"),
        ),
        Shortcut(
            "queue", "Ctrl+1", QCoreApplication.translate("Shortcuts", "Show the waiting queue")
        ),
        Shortcut(
            "mine", "Ctrl+2", QCoreApplication.translate("Shortcuts", "Show my conversations")
        ),
        Shortcut(
            "next", "Ctrl+PgDown", QCoreApplication.translate("Shortcuts", "Next conversation")
        ),
        Shortcut(
            "previous",
            "Ctrl+PgUp",
            QCoreApplication.translate("Shortcuts", "Previous conversation"),
        ),
        Shortcut("filter", "Ctrl+L", QCoreApplication.translate("Shortcuts", "Filter the queue")),
        Shortcut(
            "away",
            "Ctrl+Shift+A",
            QCoreApplication.translate("Shortcuts", "Switch between online and away"),
        ),
        Shortcut("settings", "Ctrl+,", QCoreApplication.translate("Shortcuts", "Settings")),
        Shortcut("help", "F1", QCoreApplication.translate("Shortcuts", "This list of shortcuts")),
    ]


def keys_for(name: str) -> str:
    for shortcut in shortcuts():
        if shortcut.name == name:
            return shortcut.keys
    raise KeyError(name)
