"""Personal data (phones, ID numbers, bank cards, e-mail, addresses): found and masked here only.

Plain Python (stdlib ``re``): the server's logging, the knowledge service, the desk and
``desk redact`` all import it, so they agree on what is personal.
"""

from desk_app.privacy.redact import (
    LABELS_EN,
    LABELS_ZH,
    Finding,
    Kind,
    RedactingFilter,
    count_by_kind,
    find_personal_data,
    redact,
    redact_with_findings,
)

__all__ = [
    "LABELS_EN",
    "LABELS_ZH",
    "Finding",
    "Kind",
    "RedactingFilter",
    "count_by_kind",
    "find_personal_data",
    "redact",
    "redact_with_findings",
]
