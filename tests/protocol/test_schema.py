from desk_app.protocol.schema import SCHEMA_PATH, render


def test_committed_schema_matches_the_types() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "docs/protocol.schema.json is stale: run `python -m desk_app.protocol.schema`"
    )
