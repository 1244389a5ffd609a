"""Light and dark themes: a Fusion palette, a style sheet, and the transcript's colours.

The palette makes every stock widget follow the theme; the ``.qss`` in ``resources/desk/themes``
adds the few touches a palette cannot (the handoff card, badges). The transcript delegate
paints its bubbles itself, so its colours come from :func:`message_colors`, one place per theme.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from desk_app.desk.resources import resource_path


@dataclass(frozen=True)
class BubbleColors:
    background: QColor
    border: QColor
    text: QColor
    meta: QColor  # author and time


_current = "light"
_BUBBLES: dict[str, dict[str, BubbleColors]] = {}


def _light_bubbles() -> dict[str, BubbleColors]:
    meta = QColor("#6b7280")
    return {
        "contact": BubbleColors(QColor("#ffffff"), QColor("#d1d5db"), QColor("#111827"), meta),
        "bot": BubbleColors(QColor("#eef2ff"), QColor("#c7d2fe"), QColor("#1e1b4b"), meta),
        "agent": BubbleColors(QColor("#dcfce7"), QColor("#86efac"), QColor("#052e16"), meta),
        "system": BubbleColors(QColor("#f3f4f6"), QColor("#f3f4f6"), QColor("#4b5563"), meta),
        "note": BubbleColors(QColor("#fef9c3"), QColor("#facc15"), QColor("#422006"), meta),
    }


def _dark_bubbles() -> dict[str, BubbleColors]:
    meta = QColor("#9ca3af")
    return {
        "contact": BubbleColors(QColor("#1f2937"), QColor("#374151"), QColor("#f3f4f6"), meta),
        "bot": BubbleColors(QColor("#1e1b4b"), QColor("#3730a3"), QColor("#e0e7ff"), meta),
        "agent": BubbleColors(QColor("#052e16"), QColor("#166534"), QColor("#dcfce7"), meta),
        "system": BubbleColors(QColor("#111827"), QColor("#111827"), QColor("#9ca3af"), meta),
        "note": BubbleColors(QColor("#422006"), QColor("#a16207"), QColor("#fef9c3"), meta),
    }


def message_colors(sender: str) -> BubbleColors:
    """Colours of one kind of message (a ``Sender`` value) in the current theme.

    Keyed by the sender's string value so this module, on the path to the login window,
    does not import the protocol (msgspec) at start-up.
    """
    table = _BUBBLES.get(_current)
    if table is None:  # built once per theme: the transcript asks for every bubble it paints
        table = _BUBBLES[_current] = _dark_bubbles() if _current == "dark" else _light_bubbles()
    return table[str(sender)]


def current_theme() -> str:
    return _current


def _dark_palette() -> QPalette:
    p = QPalette()
    window, base, text = QColor("#1b1f24"), QColor("#111418"), QColor("#e5e7eb")
    role = QPalette.ColorRole
    p.setColor(role.Window, window)
    p.setColor(role.WindowText, text)
    p.setColor(role.Base, base)
    p.setColor(role.AlternateBase, QColor("#181c21"))
    p.setColor(role.ToolTipBase, QColor("#2b3038"))
    p.setColor(role.ToolTipText, text)
    p.setColor(role.PlaceholderText, QColor("#7b8390"))
    p.setColor(role.Text, text)
    p.setColor(role.Button, QColor("#252a31"))
    p.setColor(role.ButtonText, text)
    p.setColor(role.BrightText, QColor("#f87171"))
    p.setColor(role.Link, QColor("#60a5fa"))
    p.setColor(role.Highlight, QColor("#2563eb"))
    p.setColor(role.HighlightedText, QColor("#ffffff"))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.ButtonText, role.WindowText):
        p.setColor(disabled, r, QColor("#6b7280"))
    return p


def _light_palette() -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    p.setColor(role.Window, QColor("#f5f6f8"))
    p.setColor(role.WindowText, QColor("#111827"))
    p.setColor(role.Base, QColor("#ffffff"))
    p.setColor(role.AlternateBase, QColor("#f9fafb"))
    p.setColor(role.ToolTipBase, QColor("#ffffff"))
    p.setColor(role.ToolTipText, QColor("#111827"))
    p.setColor(role.PlaceholderText, QColor("#9ca3af"))
    p.setColor(role.Text, QColor("#111827"))
    p.setColor(role.Button, QColor("#ffffff"))
    p.setColor(role.ButtonText, QColor("#111827"))
    p.setColor(role.Highlight, QColor("#2563eb"))
    p.setColor(role.HighlightedText, QColor("#ffffff"))
    p.setColor(role.Link, QColor("#1d4ed8"))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.ButtonText, role.WindowText):
        p.setColor(disabled, r, QColor("#9ca3af"))
    return p


# Tried in order after the platform's UI font, for Han characters. Without them a Latin UI
# font falls back to whichever CJK font fontconfig finds first, often a Japanese or bold
# face, and simplified Chinese then shows Japanese glyph shapes.
SIMPLIFIED_CHINESE_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei UI",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Micro Hei",
)


def prefer_simplified_chinese_fonts(app: QApplication) -> None:
    """Keep the UI font, and name simplified-Chinese fonts as its fallbacks."""
    font = app.font()
    families = [font.family(), *(f for f in SIMPLIFIED_CHINESE_FONTS if f != font.family())]
    font.setFamilies(families)
    app.setFont(font)


def apply_theme(app: QApplication, name: str) -> str:
    """Switch the whole application to ``light`` or ``dark``; returns the theme applied."""
    global _current
    _current = "dark" if name == "dark" else "light"
    app.setStyle("Fusion")
    app.setPalette(_dark_palette() if _current == "dark" else _light_palette())
    sheet = resource_path("desk", "themes", f"{_current}.qss")
    app.setStyleSheet(sheet.read_text(encoding="utf-8") if sheet.exists() else "")
    return _current
