import pytest

from desk_app.protocol.errors import ErrorCode, ProtocolError
from desk_app.protocol.messages import (
    Ack,
    SendMessage,
    encode,
    parse_agent_frame,
    parse_customer_frame,
    parse_server_frame,
)


def code_of(raw: str | bytes, parse=parse_customer_frame) -> ErrorCode:
    with pytest.raises(ProtocolError) as info:
        parse(raw)
    return info.value.code


def test_a_customer_message_round_trips() -> None:
    frame = parse_customer_frame('{"type":"message.send","client_msg_id":"m1","text":"你好"}')
    assert frame == SendMessage(client_msg_id="m1", text="你好")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", ErrorCode.BAD_JSON),
        ("", ErrorCode.BAD_JSON),
        ('{"type":"no.such.type"}', ErrorCode.UNKNOWN_TYPE),
        ('{"text":"hi"}', ErrorCode.UNKNOWN_TYPE),
        ("[1,2]", ErrorCode.INVALID_FIELD),
        ('"just a string"', ErrorCode.INVALID_FIELD),
        ('{"type":"message.send","client_msg_id":"m1","text":5}', ErrorCode.INVALID_FIELD),
        ('{"type":"message.send","client_msg_id":"m1","text":["a"]}', ErrorCode.INVALID_FIELD),
        (
            '{"type":"message.send","client_msg_id":"m1","text":{"$regex":".*"}}',
            ErrorCode.INVALID_FIELD,
        ),
        ('{"type":"message.send","client_msg_id":"m1","text":""}', ErrorCode.INVALID_FIELD),
        ('{"type":"message.send","client_msg_id":"a b","text":"x"}', ErrorCode.INVALID_FIELD),
        ('{"type":"conversation.rate","score":6}', ErrorCode.INVALID_FIELD),
        ('{"type":"conversation.rate","score":"5"}', ErrorCode.INVALID_FIELD),
        ('{"type":"conversation.start","token":"my-own-token-1234567"}', ErrorCode.INVALID_FIELD),
        ('{"type":"conversation.resume","token":"short"}', ErrorCode.INVALID_FIELD),
    ],
)
def test_bad_customer_frames_get_a_stable_code(raw: str, code: ErrorCode) -> None:
    assert code_of(raw) == code


def test_binary_frames_are_refused() -> None:
    assert code_of(b'{"type":"ping"}') == ErrorCode.BINARY_FRAME


def test_agent_only_frames_from_a_customer_are_forbidden() -> None:
    assert code_of('{"type":"auth.login","username":"a","password":"b"}') == ErrorCode.FORBIDDEN
    assert code_of('{"type":"queue.pick","conversation_id":"c1"}') == ErrorCode.FORBIDDEN


def test_customer_only_frames_are_unknown_to_agents() -> None:
    raw = '{"type":"conversation.rate","score":5}'
    assert code_of(raw, parse_agent_frame) == ErrorCode.UNKNOWN_TYPE


def test_server_frames_decode_as_the_desk_reads_them() -> None:
    ack = Ack(client_msg_id="m1", conversation_id="c1", seq=3)
    assert parse_server_frame(encode(ack)) == ack
