"""DIDComm v1 message basics (refdidcomm.v1._messages): @type, @id, ~thread, ~transport, media types."""

from __future__ import annotations

import json

import pytest

from refdidcomm.errors import MalformedMessage, UsageError
from refdidcomm.v1 import MEDIA_TYPE_ENVELOPE, accepts_media_type, make_message, parse_message, parse_message_type
from refdidcomm.v1._messages import ACCEPTED_MEDIA_TYPES, new_message_id

BASIC = "https://didcomm.org/basicmessage/1.0/message"
LEGACY_BASIC = "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/basicmessage/1.0/message"
UUID = "98fd8d72-80f6-4419-abc2-c65ea39d0f38"  # RFC 0008's example @id


# ---------------------------------------------------------------------------
# @type


def test_legacy_prefix_is_normalised() -> None:
    legacy = parse_message_type(LEGACY_BASIC)
    modern = parse_message_type(BASIC)
    assert legacy.uri == modern.uri == BASIC
    assert (legacy.legacy, modern.legacy) == (True, False)
    assert legacy[:5] == modern[:5]
    assert (modern.protocol, modern.major, modern.minor, modern.name) == ("basicmessage", 1, 0, "message")


@pytest.mark.parametrize(
    "text, doc_uri, protocol, version, name",
    [
        # RFC 0003 uris.md examples
        ("http://example.com/message_types?which=lets_do_lunch/1.0/proposal", "http://example.com/message_types?which=", "lets_do_lunch", "1.0", "proposal"),
        ("https://github.com/hyperledger/indy-hipe/tree/d7879f5e/text:trust_ping/1.0/ping", "https://github.com/hyperledger/indy-hipe/tree/d7879f5e/text:", "trust_ping", "1.0", "ping"),
        ("did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/trust_ping/1.0/ping", "https://didcomm.org/", "trust_ping", "1.0", "ping"),
        # RFC 0020's own example
        ("did:sov:123456789abcdefghi1234;spec/exampleprotocol/1.0/exampletype", "did:sov:123456789abcdefghi1234;spec/", "exampleprotocol", "1.0", "exampletype"),
        ("https://didcomm.org/signature/1.0/ed25519Sha512_single", "https://didcomm.org/", "signature", "1.0", "ed25519Sha512_single"),
        ("https://didcomm.org/routing/1.0/forward", "https://didcomm.org/", "routing", "1.0", "forward"),
        ("https://didcomm.org/issue-credential/2.10/offer-credential", "https://didcomm.org/", "issue-credential", "2.10", "offer-credential"),
    ],
)
def test_message_types(text: str, doc_uri: str, protocol: str, version: str, name: str) -> None:
    parsed = parse_message_type(text)
    assert (parsed.doc_uri, parsed.protocol, parsed.version, parsed.name) == (doc_uri, protocol, version, name)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "basicmessage/1.0/message",  # no doc-uri
        "https://didcomm.org/basicmessage/1/message",  # no minor
        "https://didcomm.org/basicmessage/1.0.1/message",  # patch: excluded by RFC 0020
        "https://didcomm.org/basicmessage/01.0/message",  # leading zero
        "https://didcomm.org/basicmessage/1.0/",  # no name
        "https://didcomm.org/basicmessage/1.0/message/",
        "https://didcomm.org/1basic/1.0/message",  # identifier starts with a letter
        "https://didcomm.org/basic_/1.0/message",  # and ends alphanumeric
        "https://didcomm.org/basicmessage/1.0/mess age",
        "did:sov:BzCbsNYhMrjHiqZDTUASHg;spec/",
    ],
)
def test_bad_message_types(text: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message_type(text)
    assert info.value.field == "@type"


def test_message_type_not_a_string() -> None:
    with pytest.raises(MalformedMessage):
        parse_message_type(["x"])


# ---------------------------------------------------------------------------
# @id (RFC 0008)


@pytest.mark.parametrize("message_id", ["a" * 8, "b" * 64, UUID, "12345678900987654321", "msg.1-2_3/4", "123456780"])
def test_good_ids(message_id: str) -> None:
    assert parse_message({"@type": BASIC, "@id": message_id}).id == message_id


@pytest.mark.parametrize("message_id", ["", "a" * 7, "b" * 65, "with space1", "ümlaut12", "semi;colon", "plus+plus", 12345678, None])
def test_bad_ids(message_id: object) -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message({"@type": BASIC, "@id": message_id})
    assert info.value.field == "@id"


def test_required_members() -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message({"@id": UUID})
    assert info.value.field == "@type"
    with pytest.raises(MalformedMessage) as info:
        parse_message({"@type": BASIC})
    assert info.value.field == "@id"


@pytest.mark.parametrize("data", [b"[]", "5", b"\xff", '{"@type": 1, "@type": 2}', b"not json"])
def test_not_a_message(data: object) -> None:
    with pytest.raises(MalformedMessage):
        parse_message(data)  # type: ignore[arg-type]


def test_parse_inputs() -> None:
    message = {"@type": LEGACY_BASIC, "@id": UUID, "content": "hi"}
    for data in (message, json.dumps(message), json.dumps(message).encode()):
        parsed = parse_message(data)
        assert parsed.type.uri == BASIC and parsed.type.legacy and parsed.fields["content"] == "hi"
    with pytest.raises(UsageError):
        parse_message(5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# ~thread (RFC 0008)


def test_implicit_thread() -> None:
    thread = parse_message({"@type": BASIC, "@id": UUID}).thread
    assert (thread.thid, thread.pthid, thread.sender_order, dict(thread.received_orders), thread.explicit) == (UUID, None, 0, {}, False)


def test_rfc0008_example_thread() -> None:
    message = {
        "@type": "did:example:12345...;spec/example_family/1.0/example_type",
        "@id": UUID,
        "~thread": {
            "thid": UUID,
            "pthid": "1e513ad4-48c9-444e-9e7e-5b8b45c5e325",
            "sender_order": 3,
            "received_orders": {"did:sov:abcxyz": 1},
        },
        "example_attribute": "example_value",
    }
    thread = parse_message(message).thread
    assert thread.thid == UUID and thread.pthid == "1e513ad4-48c9-444e-9e7e-5b8b45c5e325"
    assert thread.sender_order == 3 and dict(thread.received_orders) == {"did:sov:abcxyz": 1} and thread.explicit


def test_implicit_reply_and_pthid_only() -> None:
    reply = parse_message({"@type": BASIC, "@id": UUID, "~thread": {"thid": "other-thread-id"}}).thread
    assert (reply.thid, reply.sender_order) == ("other-thread-id", 0)
    # a pthid alone (e.g. a reply to an out-of-band invitation): thid defaults to @id
    child = parse_message({"@type": BASIC, "@id": UUID, "~thread": {"pthid": "did:sov:LjgpST2rjsoxYegQDRm7EL"}}).thread
    assert (child.thid, child.pthid) == (UUID, "did:sov:LjgpST2rjsoxYegQDRm7EL")


def test_received_orders_minus_one_is_allowed() -> None:
    thread = parse_message({"@type": BASIC, "@id": UUID, "~thread": {"received_orders": {"did:sov:jklmno": -1}}}).thread
    assert dict(thread.received_orders) == {"did:sov:jklmno": -1}


@pytest.mark.parametrize(
    "decorator, field",
    [
        ("thid", "~thread"),
        ({"thid": ""}, "~thread.thid"),
        ({"thid": 5}, "~thread.thid"),
        ({"pthid": ""}, "~thread.pthid"),
        ({"pthid": ["x"]}, "~thread.pthid"),
        ({"sender_order": -1}, "~thread.sender_order"),
        ({"sender_order": True}, "~thread.sender_order"),
        ({"sender_order": 1.0}, "~thread.sender_order"),
        ({"received_orders": [1]}, "~thread.received_orders"),
        ({"received_orders": {"a": -2}}, "~thread.received_orders.a"),
        ({"received_orders": {"a": "1"}}, "~thread.received_orders.a"),
    ],
)
def test_bad_thread(decorator: object, field: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message({"@type": BASIC, "@id": UUID, "~thread": decorator})
    assert info.value.field == field


# ---------------------------------------------------------------------------
# ~transport (RFC 0092)


def test_transport_default_none() -> None:
    assert parse_message({"@type": BASIC, "@id": UUID}).transport == ("none", None)
    assert parse_message({"@type": BASIC, "@id": UUID, "~transport": {}}).transport == ("none", None)


@pytest.mark.parametrize("route", ["none", "all"])
def test_transport_routes(route: str) -> None:
    assert parse_message({"@type": BASIC, "@id": UUID, "~transport": {"return_route": route}}).transport == (route, None)


def test_transport_thread() -> None:
    message = {"@type": BASIC, "@id": UUID, "~transport": {"return_route": "thread", "return_route_thread": UUID}}
    assert parse_message(message).transport == ("thread", UUID)


@pytest.mark.parametrize(
    "decorator, field",
    [
        ("all", "~transport"),
        ({"return_route": "ALL"}, "~transport.return_route"),
        ({"return_route": "some"}, "~transport.return_route"),
        ({"return_route": None}, "~transport.return_route"),
        ({"return_route": "thread"}, "~transport.return_route_thread"),
        ({"return_route": "thread", "return_route_thread": ""}, "~transport.return_route_thread"),
        ({"return_route": "thread", "return_route_thread": 5}, "~transport.return_route_thread"),
    ],
)
def test_bad_transport(decorator: object, field: str) -> None:
    with pytest.raises(MalformedMessage) as info:
        parse_message({"@type": BASIC, "@id": UUID, "~transport": decorator})
    assert info.value.field == field


# ---------------------------------------------------------------------------
# Builders


def test_make_message() -> None:
    counter = iter(range(1, 100))
    message = make_message(
        BASIC,
        {"content": "hi"},
        thid=UUID,
        pthid="parent-thread",
        return_route="thread",
        return_route_thread=UUID,
        rng=lambda n: bytes([next(counter)] * n),
    )
    assert message == {
        "@type": BASIC,
        "@id": "01010101-0101-4101-8101-010101010101",
        "~thread": {"thid": UUID, "pthid": "parent-thread"},
        "content": "hi",
        "~transport": {"return_route": "thread", "return_route_thread": UUID},
    }
    parsed = parse_message(message)
    assert parsed.thread.thid == UUID and parsed.transport == ("thread", UUID)
    assert make_message(LEGACY_BASIC, message_id=UUID) == {"@type": LEGACY_BASIC, "@id": UUID}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"message_type": "not a type"},
        {"message_type": BASIC, "message_id": "short"},
        {"message_type": BASIC, "return_route": "sometimes"},
        {"message_type": BASIC, "return_route": "thread"},
        {"message_type": BASIC, "fields": {"@id": UUID}},
        {"message_type": BASIC, "fields": {"~thread": {}}},
        {"message_type": BASIC, "thid": ""},
    ],
)
def test_make_message_rejects(kwargs: dict) -> None:
    with pytest.raises(UsageError):
        make_message(**kwargs)


def test_new_message_id() -> None:
    import uuid

    fixed = new_message_id(lambda n: b"\xff" * n)
    assert fixed == "ffffffff-ffff-4fff-bfff-ffffffffffff"  # version 4, RFC 4122 variant
    random_ids = {new_message_id() for _ in range(5)}
    assert len(random_ids) == 5
    for text in random_ids:
        assert uuid.UUID(text).version == 4
    with pytest.raises(UsageError):
        new_message_id(lambda n: b"\0" * (n - 1))


# ---------------------------------------------------------------------------
# Media types (RFC 0044 and deployed agents)


def test_send_media_type() -> None:
    assert MEDIA_TYPE_ENVELOPE == "application/didcomm-envelope-enc"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/didcomm-envelope-enc",
        "application/ssi-agent-wire",
        "application/json",
        "application/didcomm-enc-env",
        "application/jwe",
        "Application/DIDComm-Envelope-Enc",
        "application/json; charset=utf-8",
        " application/ssi-agent-wire ;charset=UTF-8",
    ],
)
def test_accepted_media_types(content_type: str) -> None:
    assert accepts_media_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    ["", "text/plain", "application/didcomm-encrypted+json", "application/didcomm-plain+json", "application/jsonx", "application"],
)
def test_refused_media_types(content_type: str) -> None:
    assert not accepts_media_type(content_type)


def test_media_type_argument() -> None:
    with pytest.raises(UsageError):
        accepts_media_type(None)
    assert MEDIA_TYPE_ENVELOPE in ACCEPTED_MEDIA_TYPES
