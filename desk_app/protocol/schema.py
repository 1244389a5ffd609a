"""The JSON Schema of every frame, generated from the types in ``messages``.

``python -m desk_app.protocol.schema`` rewrites ``docs/protocol.schema.json``;
``tests/protocol/test_schema.py`` fails when the committed file is stale.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path
from typing import Any

import msgspec

from desk_app.protocol.messages import AgentFrame, CustomerFrame, ServerFrame

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "protocol.schema.json"


def build_schema() -> dict[str, Any]:
    (customer, agent, server), components = msgspec.json.schema_components(
        [CustomerFrame, AgentFrame, ServerFrame], ref_template="#/$defs/{name}"
    )
    for component in components.values():  # msgspec 0.23 dedents docstrings, older ones did not
        if "description" in component:
            component["description"] = inspect.cleandoc(component["description"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Agent Desk WebSocket frames",
        "description": "Frames are JSON text objects tagged by 'type'. "
        "customer: sent on /ws/customer; agent: sent on /ws/agent; server: sent by the server.",
        "$defs": components,
        "properties": {"customer": customer, "agent": agent, "server": server},
    }


def render() -> str:
    return json.dumps(build_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {SCHEMA_PATH}\n")


if __name__ == "__main__":
    main()
