"""The desk's one HTML builder: every piece of text goes through ``html.escape`` here.

Qt renders HTML in labels, tooltips and text documents whenever a string merely looks like
HTML (``Qt::mightBeRichText``). Customers and agents can type anything, so no widget ever
receives their text as markup except through the functions below, which escape every
character that matters and keep line breaks with ``white-space: pre-wrap`` (STYLE rule 6).
Widgets that can take plain text (QLabel with ``PlainText``, ``QPlainTextEdit``, the
transcript's ``QTextLayout`` bubbles) get plain text instead and do not come here.
"""

from __future__ import annotations

import html

TOOLTIP_LIMIT = 600


def escape(text: str) -> str:
    """Text for an HTML context: ``<``, ``>``, ``&``, quotes all escaped."""
    return html.escape(text, quote=True)


def plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally, line breaks kept.

    A bare string would be parsed as rich text if it looked like HTML, so it is escaped and
    wrapped in a paragraph: Qt then renders the escaped characters as the literal text.
    """
    if not text:
        return ""
    if len(text) > TOOLTIP_LIMIT:
        text = text[: TOOLTIP_LIMIT - 1] + "…"
    return f'<p style="white-space:pre-wrap">{escape(text)}</p>'
