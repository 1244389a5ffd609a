"""docs/protocol.md documents every frame, and every example in it is a valid frame."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from desk_app.protocol.errors import ErrorCode, ProtocolError
from desk_app.protocol.messages import (
    AgentFrame,
    CustomerFrame,
    ServerFrame,
    parse_agent_frame,
    parse_customer_frame,
    parse_server_frame,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
EXAMPLES = re.findall(r"```json\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def tags(union: object) -> set[str]:
    return {msgspec.inspect.type_info(t).tag for t in union.__args__}  # type: ignore[attr-defined]


def parses(raw: str) -> bool:
    for parse in (parse_server_frame, parse_customer_frame, parse_agent_frame):
        try:
            parse(raw)
        except ProtocolError:
            continue
        return True
    return False


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: json.loads(e)["type"])
def test_every_example_is_a_valid_frame(example: str) -> None:
    assert parses(example), example


def test_every_frame_has_an_example() -> None:
    documented = {json.loads(example)["type"] for example in EXAMPLES}
    assert tags(CustomerFrame) | tags(AgentFrame) | tags(ServerFrame) <= documented


def test_every_error_code_is_in_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert all(f"| `{code}` |" in text for code in ErrorCode)
